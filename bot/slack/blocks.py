"""Pure Block Kit builders: data in, JSON-ready dicts out. No Slack, no I/O.

Slack's limits are respected here, once: 50 blocks per message, 3,000 characters per
section text, 150 per header, 75 per button text. Evidence that does not fit is trimmed
by whole lines and the cut is said out loud ("… 12 more lines"). Every message also
gets a plain ``text`` fallback from the ``*_text`` function next to its builder.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.report import Evidence
from bot.session import Session, Tracked

Block = dict[str, Any]

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_BUTTON = 75
MAX_TEXT = 40_000
EVIDENCE_SECTIONS = 8  # code-block sections per hypothesis before "… N more lines"
_FENCE = "```"
_ICONS = {"open": "🔎", "confirmed": "✅", "rejected": "❌"}


# --------------------------------------------------------------------------- primitives


def escape(text: str) -> str:
    """Slack mrkdwn control characters; log lines are data and must not become markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": truncate(text, MAX_HEADER)}}


def section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(mrkdwn, MAX_SECTION)}}


def context(mrkdwn: str) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": truncate(mrkdwn, MAX_SECTION)}],
    }


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(text, MAX_BUTTON)},
        "action_id": action_id,
        "value": value[:2000],
    }
    if style:
        element["style"] = style
    return element


def code_sections(lines: Sequence[str], *, max_sections: int = EVIDENCE_SECTIONS) -> list[Block]:
    """Lines in code blocks, split across sections of <= 3,000 chars, cut by whole lines."""
    budget = MAX_SECTION - 2 * len(_FENCE) - 2 - 40  # fences, newlines, room for the cut note
    chunks: list[list[str]] = [[]]
    size = 0
    for line in lines:
        line = truncate(_safe_code(line), budget)
        if chunks[-1] and size + len(line) + 1 > budget:
            if len(chunks) == max_sections:
                break
            chunks.append([])
            size = 0
        chunks[-1].append(line)
        size += len(line) + 1
    shown = sum(len(c) for c in chunks)
    blocks = [section(f"{_FENCE}\n" + "\n".join(c) + f"\n{_FENCE}") for c in chunks if c]
    if shown < len(lines):
        blocks.append(context(f"… {len(lines) - shown} more lines"))
    return blocks


def _safe_code(text: str) -> str:
    return escape(text.replace(_FENCE, "ʼʼʼ"))


def _when(epoch: float | None) -> str:
    return "" if epoch is None else datetime.fromtimestamp(epoch, UTC).strftime("%H:%M UTC")


# --------------------------------------------------------------------------- hypotheses


def evidence_lines(evidence: Iterable[Evidence]) -> list[str]:
    """One entry per cited record: ``locator  text``, continuation lines indented under it.

    Entries are kept whole by :func:`code_sections`, so a stack trace is never split
    across two code blocks.
    """
    out: list[str] = []
    for item in evidence:
        mark = "✗ " if item.role == "contradicts" else ""
        first, *rest = item.text.split("\n")
        out.append("\n".join([f"{mark}{item.locator}  {first}", *(f"    {r}" for r in rest)]))
    return out


def hypothesis_text(tracked: Tracked) -> str:
    h = tracked.hypothesis
    return truncate(
        f"{h.id} ({_pct(tracked)}, {tracked.status}): {h.title} — "
        f"{len(h.evidence)} cited lines from {', '.join(h.sources_correlated) or 'one source'}",
        MAX_TEXT,
    )


def status_line(tracked: Tracked) -> str:
    icon = _ICONS[tracked.status]
    if tracked.status == "open" or not tracked.set_by:
        return f"{icon} {tracked.status}"
    return f"{icon} {tracked.status} by <@{tracked.set_by}> {_when(tracked.set_at)}".rstrip()


def hypothesis_blocks(tracked: Tracked) -> list[Block]:
    h = tracked.hypothesis
    blocks: list[Block] = [
        header(f"{h.id} · {h.title}"),
        section(
            f"*Confidence:* {_pct(tracked)}   *Status:* {status_line(tracked)}\n{escape(h.summary)}"
        ),
        *_recall(tracked),
    ]
    tail = _hypothesis_tail(tracked)
    room = MAX_BLOCKS - len(blocks) - len(tail) - 1  # -1: the "more lines" note
    blocks += code_sections(evidence_lines(h.evidence), max_sections=min(EVIDENCE_SECTIONS, room))
    return (blocks + tail)[:MAX_BLOCKS]


def _pct(tracked: Tracked) -> str:
    return f"{round(tracked.confidence * 100)}%"


def _recall(tracked: Tracked) -> list[Block]:
    """What incident memory says about this hypothesis (a match, a lowered prior)."""
    notes = [f"🧠 {escape(tracked.memory)}"] if tracked.memory else []
    if tracked.prior < 1.0:
        notes.append(f"⬇️ prior ×{tracked.prior:.2f}: this pattern was rejected in earlier cases")
    return [context("\n".join(notes))] if notes else []


def _hypothesis_tail(tracked: Tracked) -> list[Block]:
    h = tracked.hypothesis
    tail = [section(f"*Sources correlated:* {escape(', '.join(h.sources_correlated) or '—')}")]
    if h.next_steps:
        steps = "\n".join(f"• {escape(step)}" for step in h.next_steps)
        tail.append(section(f"*Next steps*\n{steps}"))
    tail.append(context(f"{status_line(tracked)} · react ✅ to confirm, ❌ to reject"))
    tail.append(
        {
            "type": "actions",
            "block_id": f"feedback:{h.id}"[:255],
            "elements": _feedback_buttons(tracked),
        }
    )
    return tail


def _feedback_buttons(tracked: Tracked) -> list[dict[str, Any]]:
    hid = tracked.id
    if tracked.status != "open":
        return [button("Reopen", "logiq_reopen", hid)]
    return [
        button("Confirm", "logiq_confirm", hid, "primary"),
        button("Reject", "logiq_reject", hid, "danger"),
    ]


# --------------------------------------------------------------------------- thread root


def root_text(session: Session) -> str:
    title = f" — {session.title}" if session.title else ""
    return truncate(
        f"Investigating {session.case}{title}: scope {session.manifest_name}, "
        f"window {session.window_start} → {session.window_end}, "
        f"sources {', '.join(session.sources) or '—'}",
        MAX_TEXT,
    )


def board_blocks(session: Session) -> list[Block]:
    """The thread root: what is investigated, progress, and the hypothesis board."""
    blocks = [
        header(f"Investigating {session.case}" + (f" — {session.title}" if session.title else "")),
        section(
            f"*Scope:* `{escape(session.manifest_name)}`  *Window:* {session.window_start} → "
            f"{session.window_end}\n*Sources:* {escape(', '.join(session.sources) or '—')}"
            + (f"\n*Symptom:* {escape(session.symptom)}" if session.symptom else "")
        ),
        context(f"*{session.state}* · {escape(session.progress)} · started by <@{session.user}>"),
    ]
    if explained := explained_line(session):
        blocks.append(section(explained))
    lines = [_board_line(t) for t in board_order(session)]
    if lines:
        blocks.append(section("*Hypotheses* (each is a reply below)"))
        blocks += _packed(lines, MAX_BLOCKS - len(blocks))
    return blocks


def board_order(session: Session) -> list[Tracked]:
    """Confirmed first, then open by current confidence, then rejected (as re-ranked)."""
    order = {"confirmed": 0, "open": 1, "rejected": 2}
    return sorted(
        session.hypotheses, key=lambda t: (order[t.status], -t.confidence, t.hypothesis.rank)
    )


def explained_line(session: Session) -> str:
    confirmed = [t for t in session.hypotheses if t.status == "confirmed"]
    if not confirmed:
        return ""
    by = ", ".join(f"{t.id} ({status_line(t)})" for t in confirmed)
    return f"✅ *Case explained* by {by}"


def board_text(session: Session) -> str:
    lines = [root_text(session), f"{session.state}: {session.progress}"]
    if explained := explained_line(session):
        lines.append(explained)
    lines += [_board_line(t) for t in board_order(session)]
    return truncate("\n".join(lines), MAX_TEXT)


def _board_line(tracked: Tracked) -> str:
    h = tracked.hypothesis
    title = escape(truncate(h.title, 200))
    held = " · not posted yet" if tracked.held else ""
    return f"*{h.id}* {title} — {_pct(tracked)} · {status_line(tracked)}{held}"


def _packed(lines: list[str], room: int) -> list[Block]:
    """Lines in as few sections as the 3,000-char limit allows, never over ``room`` blocks."""
    blocks: list[Block] = []
    current = ""
    for index, line in enumerate(lines):
        if current and len(current) + len(line) + 1 > MAX_SECTION:
            if len(blocks) == room - 2:
                blocks.append(section(current))
                blocks.append(context(f"… {len(lines) - index} more hypotheses"))
                return blocks
            blocks.append(section(current))
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        blocks.append(section(current))
    return blocks


# --------------------------------------------------------------------------- other replies


def notices_text(notices: Sequence[str]) -> str:
    return truncate(
        "⚠️ Some sources had problems (the rest was analysed):\n"
        + "\n".join(f"• {escape(n)}" for n in notices),
        MAX_SECTION,
    )


def cited_answer_blocks(text: str, lines: Sequence[str]) -> list[Block]:
    blocks = [section(escape(text))]
    return blocks + code_sections(lines, max_sections=MAX_BLOCKS - 2)
