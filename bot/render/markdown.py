"""The hand-off write-up of an investigation as Markdown (pure).

Sections: symptom, scope, timeline, hypotheses (status and who set it), evidence as
fenced blocks with their locators, what was ruled out and why, next steps, notices.
``board`` is the thread's feedback history (``bot.session.FeedbackEntry`` or
:class:`bot.rerank.Feedback`; oldest first): the latest entry per hypothesis is its status.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.redact import redact
from bot.report import Evidence, Hypothesis, Report
from bot.rerank import FeedbackLike, latest

TIMELINE_LIMIT = 40


def render_markdown(report: Report, *, board: Sequence[FeedbackLike] | None = None) -> str:
    verdicts = latest(board or [])
    hyps = [_with_verdict(h, verdicts) for h in report.hypotheses]
    parts = [
        _header(report, hyps, verdicts),
        _symptom(report),
        _scope(report),
        _timeline(hyps),
        _hypotheses(hyps, verdicts),
        _ruled_out(hyps, verdicts),
        _next_steps(hyps),
        _notices(report),
    ]
    return "\n\n".join(p for p in parts if p).rstrip() + "\n"


def _with_verdict(h: Hypothesis, verdicts: dict[str, FeedbackLike]) -> Hypothesis:
    verdict = verdicts.get(h.id)
    return h.model_copy(update={"status": verdict.status}) if verdict else h


def _header(report: Report, hyps: list[Hypothesis], verdicts: dict[str, FeedbackLike]) -> str:
    title = f"# {report.case}" + (f" — {report.title}" if report.title else "")
    confirmed = [h for h in hyps if h.status == "confirmed"]
    if confirmed:
        state = "Explained by " + ", ".join(f"{h.id}{_by(h, verdicts)}" for h in confirmed)
    elif any(h.status == "open" for h in hyps):
        state = "Open — no hypothesis confirmed yet"
    else:
        state = "Open — no standing hypothesis"
    return f"{title}\n\n**Status:** {state}  \n**Reasoner:** {report.reasoner}"


def _symptom(report: Report) -> str:
    return f"## Symptom\n\n{report.symptom.strip() or '_not given_'}"


def _scope(report: Report) -> str:
    w = report.window
    lines = ["## Scope", "", f"- Window: {w.start} → {w.end}"]
    if w.baseline_start:
        lines.append(f"- Baseline: {w.baseline_start} → {w.start}")
    for o in report.clock_offsets:
        lines.append(
            f"- Clock: {o.source} is {o.offset_seconds:+.1f} s against {o.reference} "
            f"({o.pairs} shared identifiers)"
        )
    if report.sources:
        lines += ["", "| Source | Kind | Records | Notes |", "|---|---|---:|---|"]
        lines += [_source_row(s) for s in report.sources]
    return "\n".join(lines)


def _source_row(s) -> str:
    notes = []
    if s.total is not None and s.total > s.records:
        notes.append(f"capped, {s.total} in total")
    if s.odd_lines:
        notes.append(f"{s.odd_lines} unparsed lines")
    if s.error:
        notes.append(f"failed: {s.error}")
    return f"| {_cell(s.name)} | {s.kind} | {s.records} | {_cell('; '.join(notes))} |"


def _timeline(hyps: list[Hypothesis]) -> str:
    seen: dict[str, Evidence] = {}
    for h in hyps:
        if h.status != "rejected":
            for e in h.evidence:
                seen.setdefault(e.locator, e)
    if not seen:
        return ""
    ordered = sorted(
        seen.values(), key=lambda e: (e.timestamp is None, e.timestamp or "", e.locator)
    )
    rows = [
        f"{e.timestamp or '(no time)':<24} {e.source:<12} {e.locator}  {e.text.splitlines()[0] if e.text else ''}"
        for e in ordered[:TIMELINE_LIMIT]
    ]
    more = len(ordered) - TIMELINE_LIMIT
    tail = f"\n\n… {more} more cited lines under the hypotheses" if more > 0 else ""
    return "## Timeline\n\n" + _fenced("\n".join(rows)) + tail


def _hypotheses(hyps: list[Hypothesis], verdicts: dict[str, FeedbackLike]) -> str:
    if not hyps:
        return "## Hypotheses\n\n_No hypothesis: the evidence did not support one._"
    return "## Hypotheses\n\n" + "\n\n".join(_hypothesis(h, verdicts) for h in hyps)


def _hypothesis(h: Hypothesis, verdicts: dict[str, FeedbackLike]) -> str:
    lines = [
        f"### {h.id} — {h.title}",
        "",
        f"**Status:** {h.status}{_by(h, verdicts)} · **Confidence:** {h.confidence:.2f}"
        + (f" · **Kind:** {h.kind}" if h.kind else "")
        + "  ",
    ]
    if h.sources_correlated:
        lines.append(f"**Sources correlated:** {', '.join(h.sources_correlated)}")
    lines += ["", h.summary, "", "**Evidence**"]
    for e in h.evidence:
        stamp = f", {e.timestamp}" if e.timestamp else ""
        lines += ["", f"`{e.locator}` ({e.source}{stamp}, {e.role})", "", _fenced(e.text)]
    return "\n".join(lines)


def _ruled_out(hyps: list[Hypothesis], verdicts: dict[str, FeedbackLike]) -> str:
    rejected = [h for h in hyps if h.status == "rejected"]
    if not rejected:
        return ""
    lines = ["## Ruled out", ""]
    for h in rejected:
        reason = getattr(verdicts.get(h.id), "reason", "") or "no reason given"
        lines.append(f"- **{h.id} — {h.title}**{_by(h, verdicts)}: {redact(reason)}")
    return "\n".join(lines)


def _next_steps(hyps: list[Hypothesis]) -> str:
    chosen = [h for h in hyps if h.status == "confirmed"] or [
        h for h in hyps if h.status == "open"
    ][:1]
    steps = list(dict.fromkeys(s for h in chosen for s in h.next_steps))
    if not steps:
        return ""
    source = (
        "confirmed hypothesis"
        if chosen[0].status == "confirmed"
        else f"top hypothesis {chosen[0].id}"
    )
    return f"## Next steps\n\n_From the {source}._\n\n" + "\n".join(f"1. {s}" for s in steps)


def _notices(report: Report) -> str:
    if not report.notices:
        return ""
    return "## Notices\n\n" + "\n".join(f"- {n}" for n in report.notices)


def _by(h: Hypothesis, verdicts: dict[str, FeedbackLike]) -> str:
    verdict = verdicts.get(h.id)
    if verdict is None or verdict.status == "open":
        return ""
    user = verdict.user if verdict.user.startswith("@") else f"@{verdict.user}"
    return f" (by {user})"


def _fenced(text: str) -> str:
    """A code fence longer than any backtick run inside ``text`` (keeps it verbatim)."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text}\n{fence}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
