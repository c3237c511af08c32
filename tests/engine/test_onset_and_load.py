"""What dates an incident and which story tells it: a job that starts in the window has
no baseline to be slow against, load that is mostly the source's own errors gives way to
the story about those errors, and schema changes (an index dropped) are changes."""

from __future__ import annotations

import pytest

from bot.engine.classify import classify
from bot.engine.model import Signal
from bot.engine.stories import incident_onset
from tests.engine.helpers import T0, WINDOW, Log, analyse
from tests.engine.test_pipeline import steady


def test_slow_successes_of_a_job_started_in_the_window_do_not_date_the_incident() -> None:
    """The batch source is silent through the baseline; its ordinary ``finished in N ms``
    lines are new, not slow. The node agent's memory kill is where things went wrong."""
    batch, agent = Log("batch"), Log("agent")
    steady(agent, 20, "heartbeat {i} sent to scheduler")
    batch.add(120, "INFO", "Starting batch job nightly-rollup version 3.2")
    at, n = 125.0, 0
    while at < 1020:
        batch.add(at, "INFO", f"Worker finished chunk {n} in {4000 + (n * 37) % 900} ms")
        at, n = at + 1.5, n + 1
    for k in range(5):
        agent.add(
            1020 + 30 * k, "WARN", f"Container c_{k} is running beyond the memory limit, killing it"
        )
        batch.add(
            1022 + 30 * k, "ERROR", f"Lost worker {k}: container killed for exceeding memory limit"
        )
    result = analyse(batch, agent)
    slow = [s for s in result.signals if s.kind == "latency" and "finished chunk" in s.title]
    assert slow and all(s.detail.get("unbaselined") for s in slow)
    onset = incident_onset(result.signals)
    assert onset is not None and onset >= T0 + 1000
    assert result.drafts[0].kind == "exhaustion"


def test_load_that_is_mostly_errors_gives_way_to_the_errors_story() -> None:
    """The source's volume jumps only because it logs its own exhaustion errors: the
    named exhaustion ranks above the jump."""
    api = Log("api")
    steady(api, 60, "GET /items/{i} served in 12ms")
    api.add(300, "INFO", "reloaded config from /etc/api/config.yaml (client.reuse=false)")
    at, n = 1140.0, 0
    while at < WINDOW - 600:
        api.add(
            at,
            "ERROR",
            f"GET /items/{n}: dial tcp 10.0.0.{n % 200}:80: socket: too many open files",
        )
        if at >= 1200:
            for j in range(3):
                api.add(
                    at + 0.1 * j,
                    "ERROR",
                    f"accept tcp [::]:8080: accept4: too many open files; retrying in {j + 1}s",
                )
        at, n = at + 2.0, n + 1
    result = analyse(api)
    loads = [s for s in result.signals if s.kind == "load"]
    assert loads and all(s.detail.get("failing") for s in loads)
    kinds = [d.kind for d in result.drafts]
    assert "load" in kinds and kinds.index("exhaustion") < kinds.index("load")


@pytest.mark.parametrize(
    "template",
    [
        "CMD: dropIndexes c:COMMAND id=<*> ctx=<*> attr.namespace=<*> attr.indexes=<*>",
        "Index dropped c:INDEX id=<*> ctx=<*> attr.namespace=<*> attr.index=<*>",
        "ALTER TABLE <*> ADD COLUMN <*>",
        "dropping collection <*>",
    ],
)
def test_schema_changes_are_changes(template: str) -> None:
    meaning = classify(template)
    assert meaning.change and not meaning.failure


def test_dropped_connections_are_not_schema_changes() -> None:
    assert not classify("connection dropped by peer <*>").change
    assert classify("Failed to drop index <*>").failure


def _signal(kind: str, at: float, **detail: object) -> Signal:
    return Signal(kind, kind, 0.5, ("s",), [], T0 + at, dict(detail))


def test_a_burst_of_a_witness_message_does_not_date_the_incident() -> None:
    """``reset by peer`` warnings that the baseline also had, now more often, are noise;
    the first new error dates the incident."""
    signals = [_signal("burst", 60, witness=True), _signal("new_template", 700)]
    assert incident_onset(signals) == T0 + 700
    assert incident_onset([_signal("burst", 60, witness=False), *signals]) == T0 + 60


def test_more_of_a_known_error_weaker_than_the_new_ones_does_not_date_the_incident() -> None:
    """A scanner's 404s rise early; the workers' new timeouts, stronger, date the incident."""
    weak_burst = Signal("burst", "404s", 0.45, ("nginx",), [], T0 + 60, {})
    new_error = Signal("new_template", "WORKER TIMEOUT", 0.9, ("gunicorn",), [], T0 + 700, {})
    assert incident_onset([weak_burst, new_error]) == T0 + 700
    strong_burst = Signal("burst", "pool errors", 0.9, ("db",), [], T0 + 60, {})
    assert incident_onset([strong_burst, new_error]) == T0 + 60


def test_load_that_rises_after_the_errors_began_did_not_start_them() -> None:
    """Clients retrying a failing service raise the edge's volume minutes after the
    service's own errors began: the rise is a consequence, titled so, ranked below."""
    service, edge = Log("orders"), Log("edge")
    steady(service, 30, "order {i} stored in 8ms")
    steady(edge, 10, "GET /orders/{i} 200")
    for i in range(200):
        service.add(1200 + i * 6, "ERROR", f"order {i} failed: connection pool exhausted")
    for i in range(3000):
        edge.add(1380 + i * 0.4, "INFO", f"GET /orders/{i} 200")
    result = analyse(service, edge)
    titles = [d.title for d in result.drafts]
    load = next(d for d in result.drafts if d.kind == "load")
    assert ", after errors began at 10:20:00 UTC" in load.title, titles
    assert "precedes the errors" not in load.title
    first_failure = next(d for d in result.drafts if "pool exhausted" in d.title)
    assert result.drafts.index(first_failure) < result.drafts.index(load), titles


def test_a_running_total_of_wait_time_is_no_latency() -> None:
    """Go's pool stats log a cumulative ``wait_duration``: it only grows, all along."""
    api = Log("pricing")
    total = 0
    for i in range(540):
        total += 40 + (i % 7) * 10
        api.add(-1800 + i * 10, "INFO", f"db pool stats open=10 in_use=3 wait_duration={total}ms")
    steady(api, 15, "request done path=/price dur_ms=12")
    result = analyse(api)
    assert not [s for s in result.signals if s.kind.startswith("latency")]


def test_a_small_rise_in_load_does_not_borrow_the_strength_of_the_errors_after_it() -> None:
    """A load story is as strong as the errors it precedes only when the rise is large."""
    from bot.engine.hypotheses import _confidence
    from bot.engine.stories import Story

    def load_story(ratio: float) -> Story:
        load = Signal("load", "edge volume", 0.35, ("edge",), [], T0 + 600, {"ratio": ratio})
        errors = Signal("new_template", "db errors", 0.95, ("db",), [], T0 + 620, {})
        return Story("load", load, [errors.seen_as("symptom")])

    small, large = (_confidence(load_story(r), T0 + 600, set(), "") for r in (1.7, 8.0))
    assert small < large - 0.2
