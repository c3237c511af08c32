"""Supporting context: matching passages, and past tickets as precedents with their remedy."""

from __future__ import annotations

from bot.engine.context import ContextIndex
from bot.engine.records import Passage
from tests.engine.helpers import T0

DAY = 86_400.0


def ticket(key: str, summary: str, body: str, *, resolution: str, resolved: str) -> Passage:
    head = f"{key}: {summary}\nStatus: Done | Resolution: {resolution}\nCreated: - | Resolved: -"
    return Passage(
        source="tickets",
        locator=key,
        title=summary,
        text=f"{head}\n\n{body}",
        ts=T0 - 30 * DAY,
        meta={"resolution": resolution, "resolved": resolved, "status": "Done"},
    )


def comment(key: str, n: int, text: str, days_ago: float) -> Passage:
    return Passage(
        source="tickets",
        locator=f"{key}#comment-{n}",
        title=f"{key} comment {n}",
        text=text,
        ts=T0 - days_ago * DAY,
        meta={"issue": key},
    )


QUERY = "broker CreateVm timeout hypervisor acknowledgement after the broker timeout"
PAST = "2026-01-12T09:00:00Z"  # before the window (T0 is 2026-03-02)


def test_a_resolved_ticket_is_a_precedent_with_its_latest_remedy_sentence() -> None:
    index = ContextIndex(
        [
            ticket(
                "VMS-112",
                "CreateVm timeout between broker and hypervisor",
                "Broker logs timeout while the hypervisor acknowledgement arrives late.",
                resolution="Fixed",
                resolved=PAST,
            ),
            comment("VMS-112", 1, "Looking at broker timeout settings now.", 29),
            comment(
                "VMS-112", 2, "Raised sendTimeout to 120 s on the broker; 0.5 s p99 since.", 28
            ),
        ]
    )
    found = index.precedent(QUERY, before=T0)
    assert found is not None and found.ticket.locator == "VMS-112"
    assert found.remedy.locator == "VMS-112#comment-2"
    assert found.sentence == "Raised sendTimeout to 120 s on the broker; 0.5 s p99 since."
    assert found.line() == (
        "Seen before in VMS-112 (Fixed, resolved 2026-01-12): "
        "“Raised sendTimeout to 120 s on the broker; 0.5 s p99 since.”"
    )


def test_the_description_serves_when_no_comment_says_how_and_head_fields_are_skipped() -> None:
    body = "Broker timeout hit CreateVm under load.\nFix: lowered concurrency to 8 per host."
    index = ContextIndex(
        [ticket("VMS-90", "CreateVm broker timeout", body, resolution="Fixed", resolved=PAST)]
    )
    found = index.precedent(QUERY, before=T0)
    assert found is not None and found.remedy.locator == "VMS-90"
    assert found.sentence == "Fix: lowered concurrency to 8 per host."  # not "Resolution: Fixed"


def test_open_later_or_unrelated_tickets_are_not_precedents() -> None:
    body = "Broker timeout on CreateVm while hypervisor acknowledgement is late; restarted broker."
    index = ContextIndex(
        [
            ticket("VMS-1", "CreateVm broker timeout", body, resolution="Unresolved", resolved=""),
            ticket(
                "VMS-2",
                "CreateVm broker timeout",
                body,
                resolution="Fixed",
                resolved="2026-03-02T10:30:00Z",
            ),  # resolved during the incident
            ticket(
                "OPS-7",
                "Printer out of toner",
                "Replaced the toner; fixed.",
                resolution="Fixed",
                resolved=PAST,
            ),
        ]
    )
    assert index.precedent(QUERY, before=T0) is None
