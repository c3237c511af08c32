"""Block Kit builders, without Slack: limits hold however large the input."""

from __future__ import annotations

import json

from scripted import hypothesis

from bot.report import Evidence
from bot.session import Session, Tracked
from bot.slack import blocks


def _texts(built: list[dict]) -> list[str]:
    out = []
    for block in built:
        if "text" in block:
            out.append(block["text"]["text"])
        for element in block.get("elements", []):
            if "text" in element:
                out.append(
                    element["text"] if isinstance(element["text"], str) else element["text"]["text"]
                )
    return out


def _assert_within_limits(built: list[dict]) -> None:
    assert len(built) <= blocks.MAX_BLOCKS
    for block in built:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= blocks.MAX_HEADER
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= blocks.MAX_SECTION
        for element in block.get("elements", []):
            if element.get("type") == "button":
                assert len(element["text"]["text"]) <= blocks.MAX_BUTTON
    json.dumps(built)  # serialisable as sent


def _session(**kw) -> Session:
    base = dict(
        channel="C1",
        thread_ts="1.1",
        user="U1",
        manifest_name="checkout",
        manifest_path="/x/checkout.yaml",
        case="INC-7",
        title="Checkout stalls",
        window_start="2026-03-01T10:00:00Z",
        window_end="2026-03-01T11:00:00Z",
        sources=["api", "payments"],
    )
    return Session(**(base | kw))


def test_huge_evidence_is_trimmed_with_a_count_of_the_rest():
    h = hypothesis(1, lines=0, title="T" * 400)
    h.evidence = [
        Evidence(source="api", locator=f"logs/api.log:{i}", line=i, text="x" * 500)
        for i in range(1, 1001)
    ]
    h.next_steps = ["step " * 1000]
    built = blocks.hypothesis_blocks(Tracked(hypothesis=h))
    _assert_within_limits(built)
    code = [t for t in _texts(built) if t.startswith("```")]
    shown = sum(t.count("logs/api.log:") for t in code)
    [note] = [t for t in _texts(built) if t.startswith("… ")]
    assert note == f"… {1000 - shown} more lines"
    assert 0 < shown < 1000


def test_a_single_giant_line_fits_one_section():
    h = hypothesis(1, lines=0)
    h.evidence = [Evidence(source="api", locator="logs/api.log:1", line=1, text="y" * 20_000)]
    built = blocks.hypothesis_blocks(Tracked(hypothesis=h))
    _assert_within_limits(built)
    assert any("logs/api.log:1" in t for t in _texts(built))


def test_small_evidence_is_shown_whole_with_locators_and_buttons():
    tracked = Tracked(hypothesis=hypothesis(2, lines=3))
    built = blocks.hypothesis_blocks(tracked)
    text = "\n".join(_texts(built))
    for e in tracked.hypothesis.evidence:
        assert f"{e.locator}  {e.text}" in text
    assert "more lines" not in text
    assert "api, payments" in text and "check step 2" in text
    [actions] = [b for b in built if b["type"] == "actions"]
    assert [e["action_id"] for e in actions["elements"]] == ["logiq_confirm", "logiq_reject"]
    assert {e["value"] for e in actions["elements"]} == {"H2"}


def test_log_text_cannot_become_markup():
    h = hypothesis(1, lines=0)
    h.evidence = [
        Evidence(
            source="api", locator="logs/api.log:1", line=1, text="<!channel> <@U123> ``` & done"
        )
    ]
    text = "\n".join(_texts(blocks.hypothesis_blocks(Tracked(hypothesis=h))))
    assert "&lt;!channel&gt; &lt;@U123&gt;" in text and "&amp; done" in text
    assert text.count("```") % 2 == 0  # the line's own fence cannot close the code block


def test_decided_hypothesis_shows_who_and_offers_reopen():
    tracked = Tracked(
        hypothesis=hypothesis(1), status="rejected", set_by="U9", set_at=1_772_359_200
    )
    built = blocks.hypothesis_blocks(tracked)
    assert "❌ rejected by <@U9> 10:00 UTC" in "\n".join(_texts(built))
    [actions] = [b for b in built if b["type"] == "actions"]
    assert [e["action_id"] for e in actions["elements"]] == ["logiq_reopen"]
    assert "rejected" in blocks.hypothesis_text(tracked)


def test_board_lists_each_hypothesis_with_status_within_limits():
    many = [
        Tracked(hypothesis=hypothesis(n % 9 + 1, title="long title " * 30)) for n in range(1000)
    ]
    many[0].status, many[0].set_by = "confirmed", "U5"
    session = _session(hypotheses=many, state="done", progress="done")
    built = blocks.board_blocks(session)
    _assert_within_limits(built)
    text = "\n".join(_texts(built))
    assert "✅ confirmed by <@U5>" in text
    shown = text.count("long title l…")
    assert f"… {1000 - shown} more hypotheses" in text
    assert blocks.root_text(session).startswith(
        "Investigating INC-7 — Checkout stalls: scope checkout"
    )


def test_board_without_hypotheses_shows_progress():
    built = blocks.board_blocks(_session(progress="reading api: 5 records"))
    assert "reading api: 5 records" in "\n".join(_texts(built))
    _assert_within_limits(built)


def test_cited_answer_blocks_respect_limits():
    lines = [f"logs/api.log:{i}  " + "z" * 300 for i in range(2000)]
    built = blocks.cited_answer_blocks("Timeline of `order-2`", lines)
    _assert_within_limits(built)
    assert built[-1]["type"] == "context" and "more lines" in _texts(built)[-1]


def test_a_click_is_read_from_container_or_message_and_missing_fields_are_empty():
    from bot.slack.clicks import Click, click_of

    body = {
        "channel": {"id": "C1"},
        "user": {"id": "U1"},
        "container": {"message_ts": "1.2"},
        "message": {"ts": "1.2", "thread_ts": "1.0"},
    }
    assert click_of(body, {"action_id": "logiq_confirm", "value": "H2"}) == Click(
        channel="C1",
        message_ts="1.2",
        thread_ts="1.0",
        user="U1",
        action_id="logiq_confirm",
        value="H2",
    )
    assert click_of({"channel": None, "container": None}, {}) == Click("", "", "", "", "", "")
