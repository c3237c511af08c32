"""Configuration pushes as changes, limits that fire in another source at the moment a
duration outlasts them, the most decisive wording of one event, access-log shapes in
words, bursts dated by their rise, and stack-trace causes found past the first records."""

from __future__ import annotations

import pytest

from bot.engine.classify import classify, failure_words
from tests.engine.helpers import BASELINE, T0, WINDOW, Log, analyse
from tests.engine.test_native_shapes import JAVA_TRACE, add_trace
from tests.engine.test_pipeline import steady


@pytest.mark.parametrize(
    "template",
    [
        "ansible-ansible.legacy.copy[<*>]: Invoked with dest=<*> mode=<*> src=<*> force=<*>",
        "Applied catalog in <*> seconds",
        "(/Stage[main]/App::Config/File[<*>]/content) content changed <*> to <*>",
        "Chef Client finished, <*> resources updated in <*> seconds",
        "kubectl apply -f <*>",
        "configmap/<*> patched",
        "Apply complete! Resources: <*> added, <*> changed, <*> destroyed.",
        "<*> Modifications complete after <*> [id=<*>]",
        "configmap/<*> configured",
        "Reloading.",
        "Reloaded nginx.service - A high performance web server.",
        "<*> [notice] <*> signal process started",
        "<*> [notice] <*> signal 1 (SIGHUP) received from <*>, reconfiguring",
        "cp01 systemd[<*>]: Starting restic-backup.service - Restic backup of <*>",
        "worker01 crontab[<*>]: (inventory) REPLACE (inventory)",
        "info: received SIGTERM, starting graceful shutdown",
        "info: server listening port=<*> keepAliveTimeout=<*> headersTimeout=<*>",
        "[server] Listening at: http://<*> (<*>)",
    ],
)
def test_configuration_pushes_and_unit_starts_are_changes(template: str) -> None:
    meaning = classify(template)
    assert meaning.change and not meaning.failure


def test_resource_alarms_and_blocked_clients_are_failures() -> None:
    alarm = classify("<*> memory resource limit alarm set on node <*>")
    assert alarm.failure and alarm.exhaustion
    assert classify("*** Publishers will be blocked until this alarm clears ***").failure
    assert not classify("Memory high watermark set to <*> MiB of <*> MiB total").failure
    assert not classify("Started Session <*> of user root.").change


def test_a_pause_outlasting_a_timeout_another_source_fires_is_one_story() -> None:
    """No identifier ties the GC log to the coordinator; the coordinator's 6 s session
    timeout expires during each 10 s pause, and only then."""
    gc, zk, app = Log("gc"), Log("zk"), Log("app")
    at, n = -BASELINE, 0
    while at < WINDOW:
        gc.add(at, "INFO", f"GC({n}) Pause Young (Normal) 3000M->600M(8192M) 12.{n % 10}ms")
        at, n = at + 8, n + 1
    steady(zk, 30, "Accepted socket connection from /10.0.5.{i}:40000")
    steady(app, 2, "order {i} stored")
    for i, minute in enumerate((14, 21, 27, 33)):
        start = minute * 60.0
        gc.add(
            start + 10.2,
            "INFO",
            f"GC({900 + i}) Pause Full (G1 Compaction Pause) 8100M->8000M(8192M) 10{i}00.5ms",
        )
        zk.add(start + 6.2, "INFO", f"Expiring session 0x2000{i}, timeout of 6000ms exceeded")
        app.add(
            start + 11, "WARN", f"Got error produce response on orders-{i}: NOT_LEADER_OR_FOLLOWER"
        )
    analysis = analyse(gc, zk, app)
    top = analysis.drafts[0]
    assert top.kind == "latency" and set(top.sources_correlated) >= {"gc", "zk"}
    assert "6 s limit zk enforces" in top.title
    cited_sources = {c.item.source for c in top.citations if hasattr(c.item, "source")}
    assert {"gc", "zk"} <= cited_sources


def test_a_timeout_firing_all_the_time_is_not_tied_to_unrelated_durations() -> None:
    """A limit that fires every few seconds somewhere else says nothing about a few slow
    operations: most of its firings fall outside them."""
    jobs, proxy = Log("jobs"), Log("proxy")
    steady(jobs, 60, "job {i} done in 40 ms")
    for i, minute in enumerate((14, 21, 27, 33)):
        jobs.add(minute * 60.0 + 12, "INFO", f"report {i} done in 11.{i}s")
    at = -BASELINE
    while at < WINDOW:
        proxy.add(at, "ERROR", "upstream timed out, timeout of 6000ms exceeded")
        at += 7
    analysis = analyse(jobs, proxy)
    assert not any(s.kind == "latency_limit" and s.detail.get("coincide") for s in analysis.signals)


def test_the_title_quotes_the_most_decisive_message_of_one_event() -> None:
    kernel, lb = Log("kernel"), Log("lb")
    steady(kernel, 20, "app01 kernel: eth0: link up {i}")
    steady(lb, 1, '10.0.0.{i} - - "GET /products/{i} HTTP/1.1" 200 512')
    kernel.add(
        1000,
        "INFO",
        "app01 kernel: java invoked oom-killer: gfp_mask=0x140cca, order=0, oom_score_adj=0",
    )
    kernel.add(
        1000.1, "INFO", "app01 kernel: Out of memory: Killed process 4242 (java) total-vm:9876544kB"
    )
    kernel.add(
        1600,
        "INFO",
        "app01 kernel: java invoked oom-killer: gfp_mask=0x140cca, order=0, oom_score_adj=0",
    )
    kernel.add(
        1600.1, "INFO", "app01 kernel: Out of memory: Killed process 4343 (java) total-vm:9876544kB"
    )
    analysis = analyse(kernel, lb)
    oom = next(d for d in analysis.drafts if "kernel" in d.sources_correlated)
    assert "Killed process" in oom.title and "invoked oom-killer" not in oom.title
    assert failure_words("Out of memory: Killed process <*>") > failure_words(
        "java invoked oom-killer: gfp_mask=<*>"
    )


def test_access_log_shapes_read_as_requests_in_summaries() -> None:
    db, web = Log("db"), Log("web")
    steady(db, 30, "checkpoint complete {i}")
    steady(web, 1, '10.0.0.{i} - - "GET /cart/{i} HTTP/1.1" 200 512')
    for i in range(40):
        db.add(900 + i * 20, "ERROR", f"remaining connection slots are reserved, pid {i}")
        web.add(902 + i * 20, "INFO", f'10.0.0.{i} - - "GET /checkout/{i} HTTP/1.1" 504 0')
    analysis = analyse(db, web)
    text = " ".join(d.title + " " + d.summary for d in analysis.drafts)
    assert '"GET <*>' not in text and "<*> - - " not in text
    assert "HTTP 5xx responses to /checkout/" in text


def test_a_burst_over_a_trickle_is_dated_by_its_rise() -> None:
    etcd = Log("etcd")
    steady(etcd, 10, "compaction finished {i}")
    for i in range(8):  # a trickle, baseline and window alike
        etcd.add(
            -BASELINE + 300 + i * 480,
            "WARN",
            f"apply request took too long took={0.1 + i / 100:.2f}s",
        )
    for i in range(200):  # the burst from minute 17
        etcd.add(1020 + i * 5, "WARN", f"apply request took too long took={1 + i % 3}.5s")
    analysis = analyse(etcd)
    burst = next(s for s in analysis.signals if s.kind == "burst")
    assert burst.onset is not None and burst.onset - T0 >= 1020 - 60
    assert all((r.ts or 0) - T0 >= 960 for r in burst.records)


def test_a_stack_trace_cause_is_found_after_one_line_records_of_the_template() -> None:
    dn, client = Log("datanode"), Log("client")
    steady(dn, 20, "Receiving block blk_{i}")
    steady(client, 30, "map 10% reduce {i}%")
    for i in range(5):  # the first records of the template carry no trace
        dn.add(
            600 + i,
            "ERROR",
            f"DataXceiver error processing WRITE_BLOCK operation src: /10.0.4.{i}:9866",
        )
    for i in range(30):
        add_trace(
            dn,
            900 + i * 30,
            "ERROR",
            f"DataXceiver error processing WRITE_BLOCK operation src: /10.0.4.{i}:9866",
            JAVA_TRACE,
        )
    analysis = analyse(dn, client)
    signal = next(s for s in analysis.signals if s.sources == ("datanode",) and s.kind != "load")
    assert "DiskOutOfSpaceException" in str(signal.detail.get("cause", ""))


def test_one_event_logged_by_several_instances_is_one_hypothesis() -> None:
    nodes = [Log(f"node-{n}") for n in "abc"]
    for log in nodes:
        for i in range(0, 3600, 20):
            log.add(-1800 + i, "INFO", f"served request batch={i} in 12ms")
        log.add(1195, "INFO", "configuration reloaded from /etc/app/app.yaml version=42")
        for i in range(40):
            log.add(1200 + i * 5, "ERROR", f"request batch={i} failed: upstream refused")
    analysis = analyse(*nodes)
    titles = [d.title for d in analysis.drafts]
    changes = [d for d in analysis.drafts if d.kind == "change"]
    assert len(changes) == 1, titles
    assert len([t for t in titles if "new 'request failed" in t]) == 1, titles
    reload = changes[0]
    assert reload.summary.endswith("The same event is logged by node-b, node-c too.")
    assert reload.title.startswith("node-a and 2 more: change 'configuration reloaded")
    silences = [d for d in analysis.drafts if d.kind == "silence"]  # all stop at 10:29:40
    assert len(silences) == 1, titles
    assert silences[0].title.startswith("node-a and 2 more went silent")
    assert silences[0].summary.endswith("node-b, node-c went silent at the same moment too.")
    assert {c.item.source for c in reload.citations if "reloaded" in c.item.text} >= {
        "node-a",
        "node-b",
    }


def test_a_user_named_deploy_is_no_change() -> None:
    assert not classify("sshd[<*>]: Disconnected from user deploy <*> port <*>").change
    assert classify("deploy of release <*> started by user bob").change


def test_a_user_agent_saying_version_is_no_change() -> None:
    """The referrer and user agent of an access-log line are what the client sent."""
    safari = (
        '<*> - - [<*>] "GET <*> HTTP/<*>" <*> <*> "https://shop.example.com/" '
        '"Mozilla/<*> (iPhone; CPU iPhone OS <*> like Mac OS X) Version/<*> Mobile Safari" <*>'
    )
    assert not classify(safari).change
    assert classify('<*> "POST /api/deploy/rollout HTTP/1.1" <*> <*> "-" "curl/<*>"').change


def test_a_change_made_twice_is_titled_by_the_time_just_before_the_errors() -> None:
    db = Log("db")
    steady(db, 20, "checkpoint complete: wrote {i} buffers")
    db.add(900, "INFO", "reloaded configuration from /etc/db/db.conf version=41")
    db.add(1190, "INFO", "reloaded configuration from /etc/db/db.conf version=42")
    for i in range(60):
        db.add(1200 + i * 10, "ERROR", f"canceling statement {i} due to lock timeout")
    result = analyse(db)
    change = next(d for d in result.drafts if d.kind == "change")
    assert "at 10:19:50 UTC precedes the errors" in change.title, change.title


def test_a_change_in_the_baseline_is_not_said_to_be_new() -> None:
    api = Log("api")
    steady(api, 20, "GET /items/{i} served in 12ms")
    api.add(-300, "INFO", "reloaded configuration from /etc/api/api.yaml version=7")
    for i in range(90):
        api.add(5 + i * 10, "ERROR", f"GET /items/{i} failed: upstream refused")
    result = analyse(api)
    changes = [d for d in result.drafts if d.kind == "change"]
    assert changes, [d.title for d in result.drafts]
    assert "before the case window began" in changes[0].summary
    assert "never appears in the baseline" not in changes[0].summary


def _slow_from_minute_20(log: Log, message: str, slow_every: int, outlier_every: int) -> None:
    """``message`` every 2 s; routinely slow now and then (baseline too), slow again and
    again from minute 20 (``{n}`` and ``{took}`` in ms are filled in)."""
    at, n = -BASELINE, 0
    while at < WINDOW:
        if at >= 20 * 60 and n % slow_every == 0:
            took = 4200 + n % 500
        else:
            took = 2500 if n % outlier_every == 0 else 40 + n % 60
        log.add(at, "INFO", message.format(n=n, took=took))
        at, n = at + 2, n + 1


def _dated_from_minute_20(kind: str, log: Log) -> None:
    found = [s for s in analyse(log).signals if s.kind == kind]
    assert found, f"no {kind} signal"
    assert all(s.onset is not None and s.onset >= T0 + 20 * 60 for s in found)


def test_routine_slow_outliers_do_not_date_a_latency_rise() -> None:
    """A nightly-report request crosses the 2 s limit now and then, in the baseline too;
    durations cross it again and again only from minute 20. The rise is dated there."""
    app = Log("app")
    app.add(-BASELINE + 1, "WARN", "payment call slow: took 2500 ms (threshold 2000 ms)")
    access = '10.0.3.7 "GET /api/orders/{n} HTTP/1.1" 200 512 {took}ms'
    _slow_from_minute_20(app, access, slow_every=3, outlier_every=97)
    _dated_from_minute_20("latency_limit", app)


def test_a_duration_rise_is_not_dated_by_a_routine_outlier() -> None:
    """Batches now and then slow in the baseline too (a routine pause); from minute 20
    they are slow again and again. With no limit stated, the rise dates from minute 20."""
    app = Log("app")
    _slow_from_minute_20(app, "processed batch records=500 duration_ms={took}", 2, 90)
    _dated_from_minute_20("latency", app)


def test_operations_failing_on_one_exception_are_one_hypothesis() -> None:
    """GETs fail from minute 12, POSTs from minute 15, both on the same pool exception:
    one event, told once (the other operation joins it as support)."""
    trace = (
        '\nTraceback (most recent call last):\n  File "/srv/app/db.py", line 57, in get\n'
        "sqlalchemy.exc.TimeoutError: QueuePool limit of size 2 overflow 0 reached, "
        "connection timed out, timeout 30.00"
    )
    app = Log("app")
    steady(app, 5, "request {i} served")
    for n in range(40):
        add_trace(
            app, 12 * 60 + n * 20, "ERROR", f"unhandled exception on GET /api/orders/{n}", trace
        )
        add_trace(
            app, 15 * 60 + n * 20, "ERROR", f"unhandled exception on POST /api/orders/{n}", trace
        )
    analysis = analyse(app)
    told = [
        d for d in analysis.drafts if "QueuePool" in d.title or "unhandled exception" in d.title
    ]
    assert len(told) == 1, [d.title for d in analysis.drafts]


def test_one_wave_of_5xx_across_endpoints_is_one_hypothesis() -> None:
    """A load balancer's 502s reach one endpoint after another within minutes: one wave."""
    lb = Log("lb")
    paths = ["/api/cart", "/api/products/{n}", "/api/session", "/api/checkout"]
    at, n = -BASELINE, 0
    while at < WINDOW:
        path = paths[n % 4].format(n=n)
        failing = at >= 10 * 60 + (n % 4) * 50 and n % 9 == 0
        status = 502 if failing else 200
        lb.add(
            at,
            "INFO",
            f'10.0.2.{n % 9}:8080 "GET https://shop.example.com:443{path} HTTP/1.1" {status} 312',
        )
        at, n = at + 1.5, n + 1
    waves = [d for d in analyse(lb).drafts if "5xx" in d.title]
    assert len(waves) == 1, [d.title for d in analyse(lb).drafts]
