"""Which precursor a story names: a reload just before in its own log even without shared
words (the first of its lines), a one-off line that reads as a warning over a neutral one,
never more successful responses; and throttling worded as throttling."""

from __future__ import annotations

from tests.engine.helpers import Log, analyse
from tests.engine.test_pipeline import steady


def _gateway() -> Log:
    gw = Log("gateway")
    steady(gw, 5.0, "worker {i} heartbeat ok")
    return gw


def test_a_wordless_reload_just_before_the_errors_is_named_in_the_title() -> None:
    gw = _gateway()
    gw.add(600.0, "NOTICE", "signal 1 (SIGHUP) received from 4821, reconfiguring")
    gw.add(600.0, "NOTICE", "worker 12 gracefully shutting down")
    for n in range(200):
        gw.add(
            602.0 + n * 3, "ERROR", f"quota zone shop_ip blocked request {n} from 10.1.2.{n % 200}"
        )
    title = analyse(gw).drafts[0].title
    assert "after 'signal 1 (SIGHUP) received" in title


def test_a_one_off_line_that_warns_is_the_precursor_and_throttling_is_named() -> None:
    job = Log("batch")
    steady(job, 30.0, "batch idle, next run scheduled")
    job.add(598.0, "INFO", "loaded 81230 object keys from manifest bucket-a/uploads/")
    job.add(
        600.0,
        "INFO",
        "starting copy of 81230 objects into bucket-a/uploads/ with 512 workers (no rate limit)",
    )
    for n in range(150):
        job.add(
            640.0 + n * 4,
            "ERROR",
            f"put failed key=uploads/{n:05d}.jpg: SlowDown (reached max retries: 4): please reduce your request rate",
        )
    draft = analyse(job).drafts[0]
    assert draft.title.startswith("batch: throttled")
    assert "starting copy" in draft.summary.split("Preceded by", 1)[1].split(";")[0]


def test_more_successful_responses_are_not_a_precursor() -> None:
    access, errors = Log("access"), Log("edge-error")
    steady(errors, 60.0, "worker {i} cache manager loaded")
    steady(access, 0.5, '10.9.0.1 "GET /healthz HTTP/1.1" 200 2 "kube-probe/1.29"')
    at = -1800.0
    while at < 3600.0:  # busier all through the window
        access.add(
            at, "INFO", f'10.0.0.{int(at) % 200} "GET /v2/feed HTTP/2.0" 200 512 "ShopApp Android"'
        )
        at += 10.0 if at < 0 else 1.0
    for n in range(120):
        errors.add(
            600.0 + n * 5,
            "ERROR",
            f'limiting requests by zone feed_ip, client: 10.0.0.{n % 200}, request: "GET /v2/feed", agent: "ShopApp Android"',
        )
    titles = [draft.title for draft in analyse(access, errors).drafts[:3]]
    assert titles and not any("2xx" in title for title in titles)


def test_a_change_seconds_after_another_sources_change_it_names_is_explained_by_it() -> None:
    vault, app = Log("rotator"), Log("billing")
    steady(vault, 120.0, "lease check role=billing_rw ok")
    steady(app, 2.0, "GET /invoices 200")
    vault.add(
        660.0,
        "INFO",
        "password updated in database role=billing_rw, secret kv/billing/db version=9",
    )
    app.add(662.0, "INFO", "config-watcher: secret kv/billing/db version 9 available, reloading")
    for n in range(200):
        app.add(
            900.0 + n * 3,
            "ERROR",
            f"db connect failed: password authentication failed for role billing_rw ({n})",
        )
    changes = [d.title for d in analyse(vault, app).drafts if d.kind == "change"]
    assert changes[0].startswith("rotator: change")
