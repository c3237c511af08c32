from feedback_factory import T0, evidence, hypothesis, report, vm_hypothesis

from bot.render.markdown import render_markdown
from bot.report import ClockOffset
from bot.rerank import Feedback


def _report():
    h1 = vm_hypothesis()
    h2 = hypothesis(
        "H2",
        0.5,
        [evidence("broker", 5, "WARN pool at 19/20 ```odd```", T0 + 5)],
        title="Connection pool exhausted",
        kind="exhaustion",
    )
    return report(
        [h1, h2],
        notices=["source 'tickets' failed: 401"],
        clock_offsets=[
            ClockOffset(source="hypervisor", reference="broker", offset_seconds=2.5, pairs=12)
        ],
    )


def test_sections_and_verbatim_evidence():
    text = render_markdown(_report())
    for section in (
        "# INC-4821 — VM creation fails",
        "## Symptom",
        "## Scope",
        "## Timeline",
        "## Hypotheses",
        "## Next steps",
        "## Notices",
    ):
        assert section in text
    assert "| broker | file | 1200 |" in text
    assert "hypervisor is +2.5 s against broker (12 shared identifiers)" in text
    for e in _report().hypotheses[0].evidence:
        assert f"`{e.locator}`" in text
        assert f"```\n{e.text}\n```" in text
    hypotheses = text.split("## Hypotheses")[1]
    assert "````\n2026" not in hypotheses  # ordinary lines keep a 3-tick fence
    assert "````\nWARN pool at 19/20 ```odd```\n````" in text  # longer fence around backticks
    assert "**Status:** Open — no hypothesis confirmed yet" in text
    assert "1. Raise the broker timeout above p99 ack latency" in text
    assert "## Ruled out" not in text


def test_timeline_is_in_time_order():
    text = render_markdown(_report())
    timeline = text.split("## Timeline")[1].split("## Hypotheses")[0]
    order = [
        timeline.index(loc)
        for loc in ("logs/broker.log:5", "logs/broker.log:1042", "logs/hypervisor.log:88")
    ]
    assert order == sorted(order)


def test_board_sets_status_who_and_ruled_out_reasons():
    board = [
        Feedback("H2", "rejected", "ana", reason="pool metrics flat; token=abcd1234"),
        Feedback("H1", "confirmed", "bo"),
    ]
    text = render_markdown(_report(), board=board)
    assert "**Status:** Explained by H1 (by @bo)" in text
    assert "**Status:** confirmed (by @bo)" in text
    ruled = text.split("## Ruled out")[1]
    assert "**H2 — Connection pool exhausted** (by @ana): pool metrics flat" in ruled
    assert "abcd1234" not in text
    assert "logs/broker.log:5" not in text.split("## Timeline")[1].split("## Hypotheses")[0]
    assert "_From the confirmed hypothesis._" in text


def test_no_hypotheses_says_so():
    text = render_markdown(report([]))
    assert "_No hypothesis: the evidence did not support one._" in text
    assert "## Timeline" not in text and "## Next steps" not in text
