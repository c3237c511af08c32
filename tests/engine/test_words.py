"""Per-message understanding: identifiers, durations and limits, what a template means."""

from __future__ import annotations

import pytest

from bot.engine.classify import classify, http_severity
from bot.engine.identifiers import IdentifierExtractor, id_kind
from bot.engine.measures import duration_of, limit_of


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("calling CreateVm vm=vm-21 session=9f2c-11ab timeout=00:00:30", ["vm-21", "9f2c-11ab"]),
        ("vm-21 created in 31.2s", ["vm-21"]),
        (
            "GET /orders?order_id=12345 trace_id=4bf92f3577b34da6a3ce929d0e0e4736",
            ["order=12345", "4bf92f3577b34da6a3ce929d0e0e4736"],
        ),
        (
            "Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106",
            ["blk_-1608999687919862906"],
        ),
        (
            "request 3f2b8c1e-9a7d-4c2e-8f1a-2b3c4d5e6f70 done",
            ["3f2b8c1e-9a7d-4c2e-8f1a-2b3c4d5e6f70"],
        ),
        ("Connection from 10.0.0.1 port 22 at 2026-02-10 14:47:03", []),
        ("took 31.2s, retries=3, pid=4242", []),
    ],
)
def test_identifiers(message: str, expected: list[str]) -> None:
    assert IdentifierExtractor().extract(message) == expected


def test_manifest_patterns_come_first_and_use_the_id_group() -> None:
    extractor = IdentifierExtractor([r"session[=:](?P<id>[0-9a-f-]+)", r"INC\d+"])
    assert extractor.extract("session:ab12-cd34 opened for INC4821") == ["ab12-cd34", "inc4821"]


def test_id_kind() -> None:
    assert id_kind("vm-21") == "vm"
    assert id_kind("order=12345") == "order"
    assert id_kind("3f2b8c1e-9a7d-4c2e-8f1a-2b3c4d5e6f70") == "id"


@pytest.mark.parametrize(
    ("message", "seconds"),
    [
        ("took 31.2s", 31.2),
        ("elapsed=31200ms", 31.2),
        ("duration: 0:00:31", 31.0),
        ("Operation completed in 250 ms", 0.25),
        ("latency_ms=812 status=200", 0.812),
        ("state=Running elapsed=9189ms", 9.189),
        ("GET /x 200", None),
        ("waited 3s for lock", 3.0),
        # a wait chosen before trying again is no duration of work
        ('failed to heartbeat to: peer=v2:8201 backoff time=10ms error="i/o timeout"', None),
        ("connection lost, retrying in 5s", None),
        ("Retry after 30s", None),
        ("sleeping 2s before reconnect", None),
        # nor is a configured period
        ("Deleting segment due to retention time 604800000ms breach", None),
        ("flush interval=5000ms", None),
        ("refreshing every 30s", None),
    ],
)
def test_durations(message: str, seconds: float | None) -> None:
    assert (
        duration_of(message) == pytest.approx(seconds) if seconds else duration_of(message) is None
    )


@pytest.mark.parametrize(
    ("message", "seconds"),
    [
        ("calling CreateVm timeout=00:00:30", 30.0),
        ("timeout=30s", 30.0),
        ("request timed out after 30000 ms", 30.0),
        ("deadline=5s exceeded", 5.0),
        ("took 3s", None),
    ],
)
def test_limits(message: str, seconds: float | None) -> None:
    assert limit_of(message) == seconds


def test_meaning_ignores_parameters_but_reads_words() -> None:
    assert not classify("calling Hypervisor.CreateVm timeout=<*>").failure
    assert classify("Connection refused: connect").failure
    assert classify("CreateVm reply sent session=<*> status=<*>").success
    sorry = classify("FATAL: sorry, too many clients already")
    assert sorry.failure and sorry.exhaustion
    assert classify("Out of memory: Killed process <*> (java)").exhaustion
    assert classify("deployed version <*> to production").change
    assert not classify("create marked Failed; quota released tenant=<*>").exhaustion


def test_meaning_does_not_depend_on_letter_case() -> None:
    """The vocabularies search lowercased text (see ``classify._lowercase``)."""
    for template in (
        "Connection refused: connect",
        "FATAL: sorry, too many clients already",
        "Deployed version <*> to production",
        "QueuePool limit of size <*> overflow <*> reached",
        "Upstream Timed Out while reading response header",
    ):
        assert classify(template.upper()) == classify(template.lower()) == classify(template)


def test_a_lowercase_vocabulary_refuses_an_uppercase_letter() -> None:
    from bot.engine.classify import _lowercase

    assert _lowercase(r"\bdown\S*").search("is down!")
    with pytest.raises(ValueError, match="uppercase"):
        _lowercase(r"connection Refused")


def test_access_log_status_decides_severity() -> None:
    assert http_severity('1.2.3.4 - - [x] "GET / HTTP/1.1" 502 12 "-" "curl"') == 3
    assert http_severity('1.2.3.4 - - [x] "GET / HTTP/1.1" 429 12 "-" "curl"') == 2
    assert http_severity('1.2.3.4 - - [x] "GET / HTTP/1.1" 200 12 "-" "curl"') == 1


@pytest.mark.parametrize(
    ("template", "failure", "exhaustion", "change"),
    [
        (
            "[pool api] worker reached pm.max_workers setting <*> consider raising it",
            True,
            True,
            False,
        ),
        ("max number of sessions reached", True, True, False),
        (
            "sqlalchemy.exc.TimeoutError: QueuePool limit of size <*> overflow <*> reached,",
            True,
            True,
            False,
        ),
        ("Reached target Basic System", False, False, False),
        ("com.acme.Engine: java.lang.OutOfMemoryError: Compressed class space", True, True, False),
        ("flushes are occurring too frequently <*> apart)", True, False, False),
        ("ntpd: local clock is wrong by <*> seconds", True, False, False),
        ("timesyncd: System clock was stepped by <*> seconds", False, False, True),
    ],
)
def test_meaning_of_ceilings_rates_and_clock_steps(
    template: str, failure: bool, exhaustion: bool, change: bool
) -> None:
    meaning = classify(template)
    assert (meaning.failure, meaning.exhaustion, meaning.change) == (failure, exhaustion, change)


@pytest.mark.parametrize(
    "template",
    [
        "kernel: [<*>] nfs: server nfs01 not responding, still trying",
        "Application is unresponsive",
        "INFO: task jbd2/sdb1-8:<*> hung",
    ],
)
def test_a_party_that_stops_answering_is_a_failure(template: str) -> None:
    from bot.engine.classify import classify

    assert classify(template).failure


def test_a_word_cleared_cheaply_holds_no_identifier():
    """``no_identifier`` skips the patterns for paths, addresses, versions and decimals;
    it must never clear a word in which they find an identifier."""
    import random

    from bot.engine.identifiers import identifiers_of, no_identifier

    pieces = [*"aAz09_.:/=@#-\"'[](),; \t", "é", "vm-", "10.", "/api/", "ab12cd34ef56aa", "x=7"]
    r = random.Random(9)
    words = ["/api/v1/images/2640", "10.0.0.7:8080", 'HTTP/1.1"', "0.339", "@vm-21", "vm-21/"]
    words += ["".join(r.choice(pieces) for _ in range(r.randint(1, 10))) for _ in range(50_000)]
    cleared = [w for w in words if no_identifier(w)]
    assert [w for w in cleared if identifiers_of(w)] == []
    assert "/api/v1/images/2640" in cleared and "0.339" in cleared
    assert not no_identifier("@vm-21") and not no_identifier("vm-21/")
    assert len(cleared) > 5_000  # it clears the common shapes, not nothing
