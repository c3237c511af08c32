"""Readable quotes of templates (bot.engine.phrases) and folding same-story drafts."""

from __future__ import annotations

import pytest

from bot.engine.hypotheses import _dedupe
from bot.engine.model import Citation, Draft, Signal
from bot.engine.phrases import cap, phrase, readable_value
from bot.engine.records import Record


@pytest.mark.parametrize(
    ("template", "message", "expected"),
    [
        (  # logfmt: the msg field is the message, key=<*> fields go
            'level=<*> msg="acquirer call timed out" order=<*> acquirer=<*> after_ms=<*>',
            'level=error msg="acquirer call timed out" order=o-19321 acquirer=northpay after_ms=3000',
            "acquirer call timed out",
        ),
        (  # the error field adds what failed
            'msg="order submit failed" order_id=<*> error="publish confirm: timed out after <*>"',
            'msg="order submit failed" order_id=123 error="publish confirm: timed out after 5s"',
            "order submit failed: publish confirm: timed out after 5s",
        ),
        (  # JSON
            '{"level":"error","msg":"payment declined","order":<*>}',
            '{"level":"error","msg":"payment declined","order":12}',
            "payment declined",
        ),
        (  # a name[pid] prefix and an id field go, short values are filled
            "checkout[<*>] order=<*> payment authorization timed out after <*> returning <*>",
            "checkout[4242] order=o-19321 payment authorization timed out after 3000ms returning 504",
            "payment authorization timed out after 3000ms returning 504",
        ),
        (
            "checkout[<*>] payment client pool exhausted (max=<*>), requests waiting for a connection",
            "checkout[4242] payment client pool exhausted (max=50), requests waiting for a connection",
            "payment client pool exhausted (max=50), requests waiting for a connection",
        ),
        (  # syslog host, program, uptime stamp
            "<*> kernel: <*> Out of memory: Killed process <*> (java)",
            "app01 kernel: [812345.123456] Out of memory: Killed process 4242 (java)",
            "Out of memory: Killed process 4242 (java)",
        ),
        (  # a dropped path keeps the colon it ended with
            "could not extend file <*> No space left on device",
            'could not extend file "base/16384/2609": No space left on device',
            "could not extend file: No space left on device",
        ),
        (  # Spring Boot: pid, thread, logger, pool name
            "<*> --- <*> o.h.engine.jdbc.spi.SqlExceptionHelper : <*> - Connection is not "
            "available, request timed out after <*>",
            "1 --- [nio-8080-exec-1] o.h.engine.jdbc.spi.SqlExceptionHelper : HikariPool-1 - "
            "Connection is not available, request timed out after 30000ms.",
            "Connection is not available, request timed out after 30000ms.",
        ),
        (  # host prog[pid]: [LEVEL] stamp :
            "lb01 haproxy[<*>]: [WARNING] <*> : Server catalog_back/app01 is DOWN",
            "lb01 haproxy[812]: [WARNING] 040/101704 (812) : Server catalog_back/app01 is DOWN",
            "Server catalog_back/app01 is DOWN",
        ),
        (  # an opaque id after a preposition goes with it; a name after one stays
            "from <*> remote error: tls: unknown certificate authority",
            "from 10.0.3.7:51512 remote error: tls: unknown certificate authority",
            "remote error: tls: unknown certificate authority",
        ),
        (
            "Sync operation to <*> succeeded application=<*>",
            "Sync operation to prod-eu succeeded application=checkout",
            "Sync operation to prod-eu succeeded",
        ),
        (  # an id glued to a word goes: GC(<*>), a hex session id goes
            "GC(<*>) Pause Full (G1 Compaction Pause) <*>",
            "GC(123) Pause Full (G1 Compaction Pause) 10900ms",
            "GC Pause Full (G1 Compaction Pause) 10900ms",
        ),
        (
            "[SessionTracker:ZooKeeperServer@<*>] - Expiring session <*> timeout of <*> exceeded",
            "[SessionTracker:ZooKeeperServer@398] - Expiring session 0x1000a3b2c0001, timeout of "
            "6000ms exceeded",
            "Expiring session, timeout of 6000ms exceeded",
        ),
        (  # klog: file:line] "message" key=value
            '<*> eviction_manager.go:<*>] "Eviction manager: attempting to reclaim" resourceName=<*>',
            'I0302 10:22:20.1 eviction_manager.go:346] "Eviction manager: attempting to reclaim" '
            'resourceName="ephemeral-storage"',
            "Eviction manager: attempting to reclaim",
        ),
        (  # only fields: keep those that read well
            "checkout.config: payments.base_url=<*> payments.timeout=<*>",
            "checkout.config: payments.base_url=https://pay.example.com payments.timeout=5.0",
            "checkout.config: payments.timeout=5.0",
        ),
        (  # a parenthesised quantity of two words keeps its value and its brackets
            "queue flushes happen too often <*> apart)",
            "queue flushes happen too often (7 seconds apart)",
            "queue flushes happen too often (7 seconds apart)",
        ),
        (  # a Spring Boot logger padded before a lone colon, even with brackets in it
            "<*> ERROR <*> --- [<*>] o.e.w.C.[.[.[/].[frontServlet] : Servlet.call() for servlet [frontServlet] threw exception",
            "2026-01-01 00:00:00.000 ERROR 1 --- [exec-4] o.e.w.C.[.[.[/].[frontServlet]    : Servlet.call() for servlet [frontServlet] threw exception",
            "Servlet.call for servlet [frontServlet] threw exception",
        ),
        (  # an exception name is not a logger
            "billing.client: urllib3.exceptions.NameResolutionError: lookup failed",
            "billing.client: urllib3.exceptions.NameResolutionError: lookup failed",
            "billing.client: urllib3.exceptions.NameResolutionError: lookup failed",
        ),
    ],
)
def test_phrase_reads_like_the_message(template: str, message: str, expected: str) -> None:
    assert phrase(template, message, limit=200) == expected


def test_phrase_takes_a_record_and_works_without_one() -> None:
    record = Record("db", "logs/db.log", 3, 0.0, "ERROR", "conn pool full (max=50)", "x")
    assert phrase("conn pool full (max=<*>)", record) == "conn pool full (max=50)"
    # no record: slots cannot be filled, they are left out
    assert phrase("<*> kernel: <*> Killed process <*> (java)") == "Killed process (java)"
    # a record that does not follow the template fills nothing
    assert phrase("Killed process <*> (java)", "something else") == "Killed process (java)"
    assert phrase("level=<*> msg=<*> node=<*> is ready", "level=info msg=x node=n-1 is ready") == (
        "is ready"
    )


def test_phrase_falls_back_to_the_template_when_nothing_readable_is_left() -> None:
    assert phrase("<*> <*> <*>") == "<*> <*> <*>"
    # only fields: the ones that read well are kept
    assert phrase("id=<*> ok=<*>", "id=7 ok=yes") == "id=7 ok=yes"


def test_phrase_caps_at_a_word_boundary() -> None:
    text = phrase(
        "the replica set lost its primary and no member could be elected in time", None, 40
    )
    assert (
        len(text) <= 40 and text.endswith("…") and text == "the replica set lost its primary and…"
    )
    assert cap("short", 40) == "short"


def test_phrase_can_leave_durations_out() -> None:
    template = "GC(<*>) Pause Young <*>"
    assert phrase(template, "GC(7) Pause Young 12.5ms") == "GC Pause Young 12.5ms"
    assert phrase(template, "GC(7) Pause Young 12.5ms", durations=False) == "GC Pause Young"


@pytest.mark.parametrize("value", ["50", "3000ms", "1.5GB", "java", "(max=50)".strip("()"), "0.95"])
def test_quantities_and_words_read_well(value: str) -> None:
    assert readable_value(value) or value == "max=50"


@pytest.mark.parametrize(
    "value", ["vm-178", "a3f9c2e1d4", "19038", "[12345.678]", "/var/lib/x", "10.0.0.1:80", ""]
)
def test_identifiers_paths_and_stamps_do_not(value: str) -> None:
    assert not readable_value(value)


# ---------------------------------------------------------------------------- dedupe


def _record(line: int, ts: float, source: str = "checkout") -> Record:
    return Record(source, f"logs/{source}.log", line, ts, "WARN", f"m{line}", f"t{line}")


def _limit_draft(
    template: str, lines: list[int], shared: Signal, confidence: float, since: float = 100.0
) -> Draft:
    records = [_record(n, 100.0 + n) for n in lines]
    primary = Signal(
        "latency_limit",
        f"checkout: '{template}' durations cross the 3s limit",
        0.7,
        ("checkout",),
        records,
        101.0,
        {
            "template": template,
            "limit": 3.0,
            "limit_source": "checkout",
            "since": since,
            "over": 10,
            "measured": 20,
        },
    )
    symptom = Signal(
        shared.kind,
        shared.title,
        shared.score,
        shared.sources,
        shared.records,
        shared.onset,
        {**shared.detail, "role": "symptom", "origin": id(shared)},
    )
    return Draft(
        title=f"checkout: usual durations of '{template}' exceed the 3 s limit",
        summary="checkout states a 3 s limit.",
        confidence=confidence,
        kind="latency",
        citations=[Citation(r) for r in records],
        sources_correlated=["checkout"],
        next_steps=[],
        signals=[primary, symptom],
        key=f"latency:{template}",
        onset=101.0,
    )


def _exhausted() -> Signal:
    return Signal(
        "exhaustion",
        "checkout: pool exhausted",
        0.8,
        ("checkout",),
        [_record(90, 190.0)],
        190.0,
        {"template": "pool exhausted"},
    )


def test_two_duration_templates_over_one_lowered_limit_are_one_hypothesis() -> None:
    pool = _exhausted()
    strong = _limit_draft("payment authorization slow: <*>", [1, 2, 3], pool, 0.6)
    weak = _limit_draft("POST /checkout <*> took=<*>", [4, 5, 6], pool, 0.57)
    kept = _dedupe([strong, weak])
    assert kept == [strong]
    lines = [c.item.locator for c in strong.citations]
    assert lines == [f"logs/checkout.log:{n}" for n in (1, 2, 3, 4, 5)]  # two of the twin's
    assert "POST /checkout" in strong.summary and "same limit" in strong.summary
    assert weak.signals[0] in strong.signals


def test_different_limits_or_unrelated_evidence_stay_apart() -> None:
    pool = _exhausted()
    a = _limit_draft("payment authorization slow: <*>", [1, 2], pool, 0.6)
    b = _limit_draft("POST /checkout <*> took=<*>", [4, 5], pool, 0.5, since=900.0)
    assert _dedupe([a, b]) == [a, b]  # the limit was stated at another time
    c = _limit_draft("payment authorization slow: <*>", [1, 2], pool, 0.6)
    d = _limit_draft("POST /checkout <*> took=<*>", [4, 5], _exhausted(), 0.5)
    d.signals = d.signals[:1]  # nothing shared with c
    assert _dedupe([c, d]) == [c, d]


def test_a_draft_whose_lines_are_all_cited_already_is_dropped() -> None:
    pool = _exhausted()
    a = _limit_draft("payment authorization slow: <*>", [1, 2, 3], pool, 0.6)
    b = _limit_draft("payment authorization slow: <*>", [2, 3], pool, 0.4, since=900.0)
    assert _dedupe([a, b]) == [a]
