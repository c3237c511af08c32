"""Round-3 native shapes: categorical JSON fields kept in templates (Kubernetes audit),
limits written without units or as an expected duration, durations in ``Millis`` fields,
and a container killed for running beyond its memory limit."""

from __future__ import annotations

import json

import pytest

from bot.engine.classify import classify
from bot.engine.masking import mask
from bot.engine.measures import duration_of, limit_of
from connectors.files.jsonlines import fields
from tests.engine.helpers import BASELINE, WINDOW, Log, analyse
from tests.engine.test_pipeline import steady


def audit(verb: str, resource: str, name: str, n: int) -> str:
    event = {
        "kind": "Event",
        "level": "Metadata",
        "auditID": f"5c7e{n:04x}-aa",
        "stage": "ResponseComplete",
        "verb": verb,
        "user": {"username": "system:serviceaccount:kube-system:controller"},
        "objectRef": {"resource": resource, "namespace": "prod", "name": name},
        "responseStatus": {"code": 200},
    }
    return fields(json.loads(json.dumps(event)))[1]


def test_categorical_json_fields_stay_in_the_template() -> None:
    lease = mask(audit("update", "leases", "kube-scheduler", 1))
    secret = mask(audit("update", "secrets", "db-credentials", 2))
    assert lease != secret
    assert "verb:update" in secret and "objectRef.resource:secrets" in secret
    assert "db-credentials" not in secret  # names stay variables
    # a number or a long free text is not a category
    assert fields({"msg": "x", "type": "a b c", "op": "42"})[1] == "x type=a b c op=42"


def test_header_maps_are_left_out_of_the_message() -> None:
    """An S3 audit entry: what was called and how it ended, not its HTTP headers."""
    entry = {
        "time": "2026-03-05T09:17:35.1Z",
        "api": {"name": "PutObject", "statusCode": 503},
        "requestHeader": {"User-Agent": "rclone/v1.66"},
        "responseHeader": {"Strict-Transport-Security": "max-age=31536000; includeSubDomains"},
        "accessKey": "media-backfill",
    }
    message = fields(entry)[1]
    assert message == "api.name=PutObject api.statusCode=503 accessKey=media-backfill"


def test_a_secret_update_among_routine_lease_updates_is_a_change() -> None:
    api, app = Log("audit"), Log("app")
    at, n = -BASELINE, 0
    while at < WINDOW:
        api.add(at, "INFO", audit("update", "leases", f"holder-{n % 3}", n))
        at, n = at + 10, n + 1
    api.add(600.0, "INFO", audit("update", "secrets", "db-credentials", 9999))
    steady(app, 5, "order {i} stored")
    for i in range(40):
        app.add(660.0 + 20 * i, "ERROR", f"order {i} failed: password authentication failed")
    analysis = analyse(api, app)
    changes = [s for s in analysis.signals if s.kind == "change"]
    assert any("secrets" in str(s.detail.get("template")) for s in changes)
    assert not any("leases" in str(s.detail.get("template")) for s in changes)


@pytest.mark.parametrize(
    ("message", "seconds"),
    [
        ("Session establishment complete, negotiated timeout = 6000", 6.0),
        ("Client will use sessionTimeout=6000 ms", 6.0),
        ("sessionTimeout=6000", 6.0),
        ("apply request took too long took=2.1s expected-duration=100ms", 0.1),
        ("retry with timeoutMillis=30000", 30.0),
    ],
)
def test_limits_without_units_or_as_expected_durations(message: str, seconds: float) -> None:
    assert limit_of(message) == pytest.approx(seconds)


@pytest.mark.parametrize("message", ["timeout=30", "limit=5000 rows", "rate limit 5000"])
def test_ambiguous_bare_numbers_are_not_limits(message: str) -> None:
    assert limit_of(message) is None


def test_expected_duration_is_not_the_measured_duration() -> None:
    assert duration_of("expected-duration=100ms took=2.1s") == pytest.approx(2.1)
    assert duration_of("Slow query attr.durationMillis=4500") == pytest.approx(4.5)


def test_a_container_killed_beyond_its_memory_limit_is_exhaustion() -> None:
    meaning = classify(
        "Container [pid=<*>,containerID=<*>] is running <*> beyond the <*> memory limit. "
        "Current usage: <*> of <*> physical memory used. Killing container."
    )
    assert meaning.failure and meaning.exhaustion
    assert classify("Killing container <*> with a grace period").failure
    assert not classify("Memory usage of ProcessTree <*> for container-id <*>").failure


def test_an_expected_duration_next_to_the_measurement_is_the_limit() -> None:
    db = Log("db")
    at, n = -BASELINE, 0
    while at < WINDOW:
        took = 1.5 + (n % 7) * 0.4 if 900 <= at < 1800 else 0.2 + (n % 5) * 0.1
        db.add(at, "WARN", f"slow fdatasync took={took:.3f}s expected-duration=1s")
        at, n = at + 20, n + 1
    analysis = analyse(db)
    limited = [s for s in analysis.signals if s.kind == "latency_limit"]
    assert limited and limited[0].detail.get("limit") == pytest.approx(1.0)
