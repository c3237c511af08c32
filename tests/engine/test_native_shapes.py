"""Mechanisms that real servers' native log shapes need: stack-trace causes, witnesses of
another party's failure, pauses logged when they end, limits lowered under normal
latency, logfmt prose and HAProxy status codes."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.engine.classify import ERROR, classify, exception_of, http_severity, http_status
from bot.engine.records import Record
from bot.engine.signals.crosssource import _ids_of
from tests.engine.helpers import BASELINE, T0, WINDOW, Log, analyse
from tests.engine.test_pipeline import steady

JAVA_TRACE = (
    "\norg.apache.hadoop.util.DiskChecker$DiskOutOfSpaceException: Out of space: the volume "
    "with the most available space (=0 B) is less than the block size\n"
    "\tat org.apache.hadoop.hdfs.server.datanode.fsdataset.RoundRobinVolumeChoosingPolicy"
    ".chooseVolume(RoundRobinVolumeChoosingPolicy.java:100)"
)


def add_trace(log: Log, at: float, level: str, message: str, trace: str) -> Record:
    """A record whose text carries continuation lines (a stack trace)."""
    record = log.add(at, level, message)
    stamp = datetime.fromtimestamp(record.ts or 0.0, UTC).strftime("%Y-%m-%d %H:%M:%S,%f")[:-3]
    fixed = Record(
        record.source,
        record.path,
        record.line,
        record.ts,
        level,
        message,
        f"{stamp} {level} {message}{trace}",
    )
    log.records[-1] = fixed
    return fixed


# ------------------------------------------------------------------ words


def test_exception_of_takes_the_innermost_exception_line() -> None:
    java = (
        "ERROR GET /orders failed\norg.springframework.TransactionException: could not open\n"
        "\tat a.b.C.d(C.java:1)\nCaused by: java.sql.SQLTransientConnectionException: pool timed "
        "out after 30000ms.\n\tat e.f.G.h(G.java:2)\n\t... 12 common frames omitted"
    )
    python = (
        'ERROR save failed\nTraceback (most recent call last):\n  File "x.py", line 3\n'
        "redis.exceptions.ResponseError: MISCONF Redis is configured to save RDB snapshots"
    )
    assert exception_of(java).startswith("java.sql.SQLTransientConnectionException: pool timed")
    assert exception_of(python).startswith("redis.exceptions.ResponseError: MISCONF")
    spring = (
        "ERROR save failed\norg.springframework.data.redis.RedisSystemException: Error in "
        "execution; nested exception is io.lettuce.core.RedisCommandExecutionException: MISCONF"
    )
    assert exception_of(spring) == "io.lettuce.core.RedisCommandExecutionException: MISCONF"
    assert exception_of("one line only") == ""
    assert exception_of("first\n  continued prose, no exception") == ""


def test_a_stack_trace_cause_joins_the_meaning() -> None:
    first_line = "org.apache.hadoop.hdfs.server.datanode.DataNode: DataXceiver error processing <*>"
    assert not classify(first_line).exhaustion
    judged = classify(first_line, "DiskChecker$DiskOutOfSpaceException: Out of space: volume full")
    assert judged.exhaustion and judged.failure


def test_logfmt_quoted_prose_is_read_but_single_values_are_not() -> None:
    assert classify('level=<*> msg="upstream request failed" id=<*>').failure
    assert not classify('level=<*> msg="request" status="failed" id=<*>').failure
    assert classify('msg="configuration reloaded" revision=<*>').change


def test_dependency_failures_are_witnesses() -> None:
    witness = "<*> connect() failed (111: Connection refused) while connecting to upstream"
    assert classify(witness).dependency
    assert classify("Server app/app01 is DOWN, reason: Layer4 connection problem").dependency
    assert not classify("sorry, too many clients already").dependency
    assert not classify("invalid configuration: missing unit in duration").dependency


def test_haproxy_timers_then_status() -> None:
    line = (
        "lb01 haproxy[2211]: 198.51.100.7:41440 [02/Mar/2026:10:17:05.338] fe~ be/<NOSRV> "
        '0/0/0/-1/-1 503 217 - - SC-- 15/25/0/0/0 0/0 "GET /p/5 HTTP/1.1"'
    )
    assert http_status(line) == 503
    assert http_severity(line) == ERROR
    assert http_status("be/app01 0/0/1/12/+13 200 5012 - - ----") == 200


def test_plain_id_kinds_read_as_ids() -> None:
    assert _ids_of(["id"]) == "ids"
    assert _ids_of(["vm"]) == "vm ids"
    assert _ids_of(["vm", "session"]) == "vm/session ids"


# ------------------------------------------------------------------ end to end


def test_stack_trace_cause_makes_an_exhaustion_story_named_by_its_exception() -> None:
    node, job = Log("datanode"), Log("job")
    steady(node, 10, "DataNode: Receiving block blk_{i} src: /10.0.4.12:5000")
    steady(job, 20, "mapreduce.Job: map {i}% reduce 0%")
    for i in range(30):
        add_trace(
            node,
            1200 + i * 4,
            "ERROR",
            f"DataNode: DataXceiver error processing WRITE_BLOCK blk_{i}",
            JAVA_TRACE,
        )
        job.add(
            1200.5 + i * 4, "WARN", f"DataStreamer: Exception in createBlockOutputStream blk_{i}"
        )
    top = analyse(node, job).drafts[0]
    assert top.kind == "exhaustion"
    assert top.sources_correlated[0] == "datanode"
    assert "DiskOutOfSpaceException" in top.title


def test_a_stack_trace_logged_at_debug_is_not_promoted_by_its_cause() -> None:
    node = Log("datanode")
    steady(node, 10, "DataNode: Receiving block blk_{i}")
    for i in range(30):
        add_trace(
            node, 1200 + i * 4, "DEBUG", f"DataNode: retrying block placement blk_{i}", JAVA_TRACE
        )
    assert all(s.kind != "exhaustion" for s in analyse(node).signals)


def test_the_failing_server_ranks_above_the_proxy_that_reports_it() -> None:
    server, proxy, access = Log("payments"), Log("nginx-error"), Log("nginx")
    steady(server, 2, "payment authorized id=pay_{i}")
    steady(proxy, 900, "using the epoll event method")
    for n in range(8):
        server.add(
            1200.4 + n * 6, "FATAL", "invalid configuration: db.timeout: missing unit in duration"
        )
    for i in range(int(BASELINE + WINDOW) // 2):
        at = -BASELINE + 2 * i
        down = 1200 <= at < 1500
        if down:
            proxy.add(
                at,
                "ERROR",
                f"*{i} connect() failed (111: Connection refused) while connecting to upstream",
            )
        access.add(
            at + 0.001,
            "INFO",
            f'203.0.2.{i % 250} "POST /v1/payments HTTP/1.1" {502 if down else 200} 150',
        )
    drafts = analyse(server, proxy, access).drafts
    assert drafts[0].sources_correlated[0] == "payments"
    assert "invalid configuration" in drafts[0].title


def test_a_long_pause_is_dated_from_its_start_and_ranks_first() -> None:
    gc, zk = Log("gc"), Log("zookeeper")
    steady(gc, 8, "GC({i}) Pause Young (Normal) (G1 Evacuation Pause) 3000M->600M(8192M) 12.5ms")
    steady(zk, 60, "Accepted socket connection from /10.0.5.{i}:40000")
    pauses = (840.0, 1500.0, 2100.0)
    for n, start in enumerate(pauses):
        gc.add(
            start + 9.5,
            "INFO",
            f"GC({5000 + n}) Pause Full (G1 Compaction Pause) 8170M->8020M(8192M) 9500.0ms",
        )
        zk.add(start + 6.2, "INFO", f"Expiring session 0x20000{n}, timeout of 6000ms exceeded")
    analysis = analyse(gc, zk)
    slow = next(  # the zookeeper timeout fires during each pause: tied to it as a limit
        s
        for s in analysis.signals
        if s.kind in ("latency", "latency_limit") and s.sources[0] == "gc"
    )
    assert (
        abs((slow.onset or 0.0) - (T0 + pauses[0])) < 0.01
    )  # logged at its end, began 9.5 s earlier
    top = analysis.drafts[0]
    assert top.sources_correlated[0] == "gc"
    assert "zookeeper" in top.sources_correlated


def test_a_lowered_limit_under_normal_latency_is_named() -> None:
    gateway, billing = Log("gateway"), Log("billing")
    at, n = -BASELINE + 1, 0
    while at < WINDOW - 10:
        n += 1
        took = 2.5 + (n % 5) * 0.1
        billing.add(at + 0.01, "INFO", f"request_id=r{n:05d} GET /invoices")
        billing.add(
            at + took, "INFO", f"request_id=r{n:05d} completed 200 in {int(took * 1000)} ms"
        )
        if at > 900:
            gateway.add(
                at + 2.0,
                "ERROR",
                f"request_id=r{n:05d} upstream request failed: timed out after 2s",
            )
        else:
            gateway.add(at + took + 0.01, "INFO", f"request_id=r{n:05d} upstream returned ok")
        at += 7.0
    gateway.add(899.0, "INFO", "configuration reloaded revision=4812")
    analysis = analyse(gateway, billing)
    limit = next(
        s for s in analysis.signals if s.kind == "latency_limit" and s.sources[0] == "billing"
    )
    assert limit.detail["limit"] == 2.0
    assert limit.detail["since"] is not None and limit.detail["since"] >= T0 + 900
    top = analysis.drafts[0]
    assert top.kind == "race"
    assert "2 s timeout" in top.title
    assert "first seen at" in top.summary


def test_a_wait_cut_off_by_a_timeout_is_dated_when_logged() -> None:
    api = Log("api")
    steady(api, 4, "GET /orders/{i} 200 in 12 ms")
    for i in range(10):
        api.add(
            1200 + i * 5,
            "WARN",
            "pool - Connection is not available, request timed out after 30000ms.",
        )
    slow = next(s for s in analyse(api).signals if s.kind == "latency")
    assert slow.onset == T0 + 1200  # not 30 s earlier: the failure is known when logged


def test_a_change_that_follows_another_sources_change_is_its_consequence() -> None:
    node, app, ingress = Log("kubelet"), Log("search"), Log("ingress")
    steady(node, 60, "Cleaned up orphaned pod volumes dir podUID={i}")
    for i in range(int((BASELINE + 1210) // 1)):
        app.add(-BASELINE + i, "INFO", f"search served q_ms={i % 90}")
    steady(ingress, 1, '203.0.1.{i} "GET /search HTTP/2.0" 200 512')
    node.add(
        1200,
        "INFO",
        'Eviction manager: must evict pod(s) to reclaim resourceName="ephemeral-storage"',
    )
    node.add(1200.1, "INFO", "Eviction manager: pod search-api-7d9f is evicted successfully")
    app.add(1210, "INFO", "received SIGTERM, shutting down search-api")
    late = node.add(
        3000, "INFO", 'Eviction manager: must evict pod(s) to reclaim resourceName="memory"'
    )
    for i in range(600):
        ingress.add(1212 + i, "INFO", f'203.0.2.{i % 200} "GET /search HTTP/2.0" 503 190')
    drafts = analyse(node, app, ingress).drafts
    assert drafts[0].sources_correlated[0] == "kubelet"
    assert all(
        d.confidence < drafts[0].confidence
        for d in drafts[1:]
        if d.sources_correlated[0] == "search"
    )
    texts = [c.item.text for c in drafts[0].citations]
    assert any("received SIGTERM" in t for t in texts)  # the change it set off is shown
    assert "It set off a change in search" in drafts[0].summary
    assert late.text not in texts  # a later change of the same kind is another event


def test_access_log_stories_are_named_by_status_and_requests() -> None:
    web = Log("nginx")
    for i in range(int(BASELINE + WINDOW) // 2):
        at = -BASELINE + 2 * i
        status = 502 if 1200 <= at < 1500 else 200
        path = f"/api/orders/{17 + i % 2}?page=2"
        web.add(at, "INFO", f'203.0.1.{i % 200} "GET {path} HTTP/1.1" {status} 150')
    top = analyse(web).drafts[0]
    assert top.title.startswith("nginx: new HTTP 5xx responses to ")
    assert "/api/orders/17" in top.title and "/api/orders/18" in top.title
    assert "?page" not in top.title


def test_http_status_is_the_leftmost_of_its_three_shapes() -> None:
    """The status search runs one shape at a time; it must find what one alternation of
    the three shapes finds (the leftmost match), on any text, and nothing where it finds
    nothing."""
    import random
    import re

    from bot.engine.classify import _status_of

    one_pattern = re.compile(
        r'"\s(?P<a>[1-5]\d\d)\s|\bstatus[=: ]+(?P<b>[1-5]\d\d)\b|'
        r"\s-?\d+/-?\d+/-?\d+/-?\d+/\+?-?\d+\s(?P<c>[1-5]\d\d)\s"
    )
    pieces = ['"', " ", "status", "xstatus", "_status", "=", ":", "200", "503", "404 ",
              "1/2/3/4/+5", "-1/0/0/0/12", "abc", "\t", "/", "5", "é", '"GET / HTTP/1.1"',
              '" 502 ', "status=429", " 0/0/1/12/+13 200 ", "x_status: 500"]  # fmt: skip
    r = random.Random(3)
    found = 0
    for _ in range(20_000):
        text = "".join(r.choice(pieces) for _ in range(r.randint(1, 14)))
        match = one_pattern.search(text)
        expected = int(match.group("a") or match.group("b") or match.group("c")) if match else None
        assert _status_of(text) == expected, text
        found += expected is not None
    assert found > 5_000  # the generated texts hold statuses of every shape, not only none
