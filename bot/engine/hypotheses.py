"""From stories to ranked hypothesis drafts: confidence, evidence, merging (wording: wording.py).

Confidence starts from the primary signal's strength and moves with the evidence:
more sources that agree raise it, a story that starts after the incident began (a
symptom) lowers it, words of the case's symptom and keywords raise it a little.
"""

from __future__ import annotations

import math
import re

from bot.engine.context import ContextIndex, Precedent
from bot.engine.model import Citation, Draft, Signal
from bot.engine.observations import Observations
from bot.engine.records import Passage, Record
from bot.engine.stories import (
    CAUSE_KINDS,
    CHANGE_HORIZON,
    PASSED,
    SAME_MOMENT,
    Story,
    build_stories,
    incident_onset,
)
from bot.engine.wording import describe, what
from bot.textsim import tokenize

MAX_DRAFTS = 6
CAUSE_FLOOR = 0.5  # a story this strong is lifted above the failures it explains
CLOSE_LEAD = 60.0  # a change this close before the errors is as likely as any
WEAK = 0.35
PRIMARY_LINES = 4
SUPPORT_LINES = 2
PER_SOURCE = 4
MAX_LINES = 10
ONE_CHANGE = 60.0  # records of a change template this close to its first are the same change
KIND_PRIOR = {
    "race": 0.06,
    "exhaustion": 0.06,
    "change": 0.0,
    "error": 0.0,
    "latency": 0.02,
    "silence": -0.04,
    "vanished": -0.1,
    "metric": -0.05,
}


def build_drafts(
    signals: list[Signal], obs: Observations, passages: list[Passage]
) -> tuple[list[Draft], list[str]]:
    onset = incident_onset(signals)
    context = ContextIndex(passages)
    focus = set(tokenize(" ".join([obs.config.symptom, *obs.config.keywords])))
    stories = build_stories(signals, obs)
    drafts = [_draft(story, onset, obs, context, focus) for story in stories]
    _causes_first(stories, drafts)
    drafts = _dedupe(sorted(drafts, key=lambda d: (-d.confidence, d.onset or 0.0, d.title)))[
        :MAX_DRAFTS
    ]
    return drafts, _notices(drafts, obs)


def _causes_first(stories: list[Story], drafts: list[Draft]) -> None:
    """A cause ranks above the failures it explains in other sources: a strong story
    (``CAUSE_FLOOR``) that explains a likelier-looking one there takes its confidence,
    and so on up the chain. (In one source, an earlier warning is as likely a symptom.)"""
    of = {id(story): draft for story, draft in zip(stories, drafts, strict=True)}
    for _ in range(len(stories)):
        lifted = False
        for story, draft in zip(stories, drafts, strict=True):
            explainer = story.explained_by
            cause = of.get(id(explainer)) if explainer else None
            if cause is None or cause.confidence < CAUSE_FLOOR:
                continue
            if set(explainer.primary.sources) & set(story.primary.sources):  # type: ignore[union-attr]
                continue
            if cause.confidence <= draft.confidence < 0.95:
                cause.confidence = round(min(0.95, draft.confidence + 0.01), 2)
                lifted = True
        if not lifted:
            return


def _draft(
    story: Story, onset: float | None, obs: Observations, context: ContextIndex, focus: set[str]
) -> Draft:
    title, summary, steps = describe(story, obs)
    citations = _citations(story, obs)
    query = " ".join(
        [title, *(str(s.detail.get("template", "")) for s in story.signals), *story.sources]
    )
    for passage in context.matching(query):
        citations.append(Citation(passage))
    precedent = context.precedent(f"{query} {obs.config.symptom}", before=obs.config.start)
    if precedent is not None:
        summary, steps = _with_precedent(precedent, summary, steps, citations)
    return Draft(
        title=title,
        summary=summary,
        confidence=_confidence(story, onset, focus, title),
        kind=story.kind,
        citations=citations,
        sources_correlated=story.sources,
        next_steps=steps,
        signals=story.signals,
        key=f"{story.kind}:{_shape(story.primary)}",
        onset=story.onset,
    )


def _with_precedent(
    precedent: Precedent, summary: str, steps: list[str], citations: list[Citation]
) -> tuple[str, list[str]]:
    """Say the story was seen before and how it ended; cite the ticket and the remedy."""
    cited = {c.item.locator for c in citations}
    for passage in (precedent.ticket, precedent.remedy):
        if passage.locator not in cited:
            citations.append(Citation(passage))
            cited.add(passage.locator)
    key = precedent.ticket.locator
    step = f"Check whether {key}'s remedy applies here: “{precedent.sentence}”"
    return f"{summary} {precedent.line()}", [step, *steps]


# ---------------------------------------------------------------------------- scoring


def _confidence(story: Story, onset: float | None, focus: set[str], title: str) -> float:
    """Strength of the primary signal, raised by what else the story explains.

    Sources tied by identifiers or limits count fully; sources that merely start
    failing afterwards, or that logged a related precursor, count a little. A story
    that is itself a symptom of an earlier one, or starts well after the incident
    began, is less likely the cause. A change is as strong as the errors that follow it;
    so is new load, unless the load is mostly those errors.
    """
    linked = len(story.linked_sources) - 1
    temporal = len(story.sources) - 1 - linked
    primary = story.primary.score
    if story.kind in CAUSE_KINDS and not story.primary.detail.get("failing"):
        strength = 1.0
        if story.kind == "load":  # a rise explains errors in proportion to its size
            ratio = float(story.primary.detail["ratio"])  # type: ignore[arg-type]
            strength = min(1.0, math.log2(max(ratio, 1.0)) / 2)  # full at 4x; 1.7x is barely news
        primary = max([primary] + [0.9 * s.score * strength for s in story.symptoms()])
    score = 0.2 + 0.5 * primary + KIND_PRIOR.get(story.kind, 0.0)
    score += min(0.25, 0.12 * linked + 0.04 * temporal)
    if any(p.kind in ("change", "earlier_error") for p in story.precursors()):
        score += 0.05
    if story.explained_by is not None or story.culprit is not None:
        score -= 0.15  # a symptom of an earlier story, or a witness of another's failure
    if story.errors_began is not None:
        score -= 0.1
    lead = _lead(story)
    if lead > CLOSE_LEAD:  # a change seconds before the errors over one minutes before
        score -= 0.1 * min(1.0, (lead - CLOSE_LEAD) / (CHANGE_HORIZON - CLOSE_LEAD))
    last = story.primary.detail.get("last")
    over_before = onset is not None and isinstance(last, float) and last < onset - PASSED
    if over_before and story.kind not in CAUSE_KINDS:
        score -= 0.15  # trouble that was over minutes before the incident began
    if onset is not None and story.onset is not None:
        late = story.onset - onset
        if late > 300:
            score -= min(0.25, 0.1 + late / 3600)
        elif late <= 60:
            score += 0.04
    words = set(
        tokenize(title + " " + " ".join(str(s.detail.get("template", "")) for s in story.signals))
    )
    if focus & words:
        score += min(0.06, 0.02 * len(focus & words))
    return round(max(0.05, min(0.95, score)), 2)


def _lead(story: Story) -> float:
    """How long before the first error it explains a change or load rise began."""
    if story.kind not in CAUSE_KINDS or story.onset is None:
        return 0.0
    first = min((s.onset for s in story.symptoms() if s.onset is not None), default=None)
    return 0.0 if first is None else max(0.0, first - story.onset)


def _dedupe(drafts: list[Draft]) -> list[Draft]:
    """Drop a draft whose log evidence is already fully cited by a stronger one, and fold
    a draft that tells the same story as a stronger one into it (:func:`_same_story`)."""
    kept: list[Draft] = []
    cited: list[set[str]] = []
    for draft in drafts:
        lines = _lines(draft)
        if lines and any(lines <= earlier for earlier in cited):
            continue
        twin = next((i for i, k in enumerate(kept) if _same_story(k, draft)), None)
        if twin is not None:
            _fold(kept[twin], draft)
            cited[twin] = _lines(kept[twin])
            continue
        kept.append(draft)
        cited.append(lines)
    return kept


def _lines(draft: Draft) -> set[str]:
    return {c.item.locator for c in draft.citations if isinstance(c.item, Record)}


FOLDED_LINES = 2  # lines of a folded twin added to the draft that absorbs it


def _same_story(host: Draft, other: Draft) -> bool:
    """Two drafts tell the same story when they are of the same kind, start from the
    same sources at the same moment (for a limit: the same limit, stated by the same
    source, since the same time) and share a signal or a cited line: one event logged
    two ways (``must evict pod(s)`` / ``attempting to reclaim``), or two duration
    templates of one service over one lowered limit."""
    if host.kind != other.kind or host.kind == "race" or not host.signals or not other.signals:
        return False
    a, b = host.signals[0], other.signals[0]
    if a.kind != b.kind:
        return False
    if a.sources != b.sources:
        return _same_event_elsewhere(a, b)
    if a.kind == "latency_limit":
        keys = ("limit", "limit_source", "since")
        if any(a.detail.get(k) != b.detail.get(k) for k in keys):
            return False
        if a.detail.get("since") is None and not _close(a.onset, b.onset):
            return False
    elif not _close(host.onset, other.onset) or not _close(a.onset, b.onset):
        return False
    return bool(_identities(host) & _identities(other)) or bool(_lines(host) & _lines(other))


def _same_event_elsewhere(a: Signal, b: Signal) -> bool:
    """One event logged by several instances: the same template in each one's own log,
    starting at the same moment (a config reload on every node, one failover seen by
    each sentinel); or several sources falling silent at the same moment."""
    if set(a.sources) & set(b.sources) or not _close(a.onset, b.onset):
        return False
    if a.kind == "silence":
        return b.kind == "silence"
    template = a.detail.get("template")
    return bool(template) and template == b.detail.get("template")


def _close(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(a - b) <= SAME_MOMENT


def _identities(draft: Draft) -> set[int]:
    """The observations a draft rests on beyond its primary (symptom and precursor views
    point at their original)."""
    return {int(s.detail.get("origin") or id(s)) for s in draft.signals[1:]}  # type: ignore[call-overload]


def _fold(host: Draft, twin: Draft) -> None:
    """Keep ``host``; cite a few of ``twin``'s own lines and say what it adds."""
    primary = twin.signals[0]
    own = {r.locator for r in primary.records if isinstance(r, Record)}
    present = _lines(host)
    extra = [
        c
        for c in twin.citations
        if isinstance(c.item, Record) and c.item.locator in own and c.item.locator not in present
    ][:FOLDED_LINES]
    for citation in extra:
        _insert(host.citations, citation)
    host.sources_correlated = list(
        dict.fromkeys([*host.sources_correlated, *twin.sources_correlated])
    )
    host.signals = [*host.signals, primary]
    d = primary.detail
    if primary.kind == "latency_limit" and d.get("over") is not None:
        host.summary += (
            f" Durations of '{what(primary, 80)}' exceed the same limit too "
            f"({d['over']} of {d['measured']})."
        )
    elif _same_event_elsewhere(host.signals[0], primary):
        _name_instances(host)
    else:
        host.summary += f" Logged at the same moment: '{what(primary, 80)}'."


def _name_instances(host: Draft) -> None:
    """One sentence naming every other instance, and ``node-a and 2 more`` in the title
    (which leads with the strongest instance's source)."""
    lead = host.signals[0]

    def instances(signals: list[Signal]) -> list[str]:
        found = [src for s in signals if _same_event_elsewhere(lead, s) for src in s.sources]
        return list(dict.fromkeys(found))

    names, earlier = instances(host.signals[1:]), instances(host.signals[1:-1])
    if earlier:  # one sentence however many instances
        host.summary = host.summary.removesuffix(_also(lead.kind, earlier))
    host.summary += _also(lead.kind, names)
    head = re.match(rf"{re.escape(lead.sources[0])}(?: and \d+ more)?(?=[: ])", host.title)
    if head:
        host.title = f"{lead.sources[0]} and {len(names)} more{host.title[head.end() :]}"


def _also(kind: str, names: list[str]) -> str:
    if kind == "silence":
        return f" {', '.join(names)} went silent at the same moment too."
    return f" The same event is logged by {', '.join(names)} too."


def _insert(citations: list[Citation], citation: Citation) -> None:
    """Put a log line after the last cited line of its source that is not later than it,
    else after the last log line (documents and contradicting lines stay last)."""
    record = citation.item
    assert isinstance(record, Record)
    at = None
    last_record = -1
    for i, c in enumerate(citations):
        if isinstance(c.item, Record) and c.role == "supports":
            last_record = i
            if c.item.source == record.source and (c.item.ts or 0.0) <= (record.ts or 0.0):
                at = i + 1
    citations.insert(at if at is not None else last_record + 1, citation)


def _notices(drafts: list[Draft], obs: Observations) -> list[str]:
    notices = []
    if not drafts:
        notices.append("No hypothesis: nothing in the sources stands out against the baseline.")
    elif drafts[0].confidence < WEAK:
        notices.append(
            "No strong hypothesis: the evidence below is weak; widen the window or add sources."
        )
    if obs.baseline_seconds <= 0:
        notices.append(
            "No baseline period in the manifest: 'new' and 'burst' are judged within the window only."
        )
    if obs.ids.dropped:
        notices.append(
            f"{obs.ids.dropped} identifier sightings were not tracked (identifier cap reached)."
        )
    for source, seconds in sorted(obs.offsets.items()):
        notices.append(
            f"Clock of {source} is {seconds:+.0f} s off the others; aligned before correlating."
        )
    return notices


def _shape(signal: Signal) -> str:
    return re.sub(r"\s+", " ", str(signal.detail.get("template") or signal.title))[:120]


# ---------------------------------------------------------------------------- evidence


def _citations(story: Story, obs: Observations) -> list[Citation]:
    """The few most telling lines: the primary's first, then one or two per supporting
    signal, at most ``PER_SOURCE`` per source and ``MAX_LINES`` in all."""
    chosen: list[Record] = []
    seen: set[str] = set()
    per_source: dict[str, int] = {}

    def take(records: list[Record], limit: int) -> None:
        for record in records[:limit]:
            if record.locator in seen or per_source.get(record.source, 0) >= PER_SOURCE:
                continue
            if len(chosen) >= MAX_LINES:
                return
            seen.add(record.locator)
            per_source[record.source] = per_source.get(record.source, 0) + 1
            chosen.append(record)

    primary = story.primary.records
    if story.kind == "change" and story.onset is not None:  # this change, not a later one
        primary = [
            r
            for r in primary
            if (obs.aligned(r.source, r.ts) or story.onset) <= story.onset + ONE_CHANGE
        ]
    take(primary, PRIMARY_LINES)
    for signal in story.support:
        role = signal.detail.get("role")
        take(
            signal.records,
            1 if signal.detail.get("absorbed") or role == "precursor" else SUPPORT_LINES,
        )
    chosen.sort(key=lambda r: (obs.aligned(r.source, r.ts) or 0.0, r.source, getattr(r, "line", 0)))
    return [Citation(r) for r in chosen] + _contradicting(story, obs)


def _contradicting(story: Story, obs: Observations) -> list[Citation]:
    """For a single-source error story: the same message already seen in the baseline."""
    detail = story.primary.detail
    if story.kind != "error" or not detail.get("baseline"):
        return []
    for source in story.primary.sources:
        state_records = [
            r
            for s in obs.sources[source].templates.values()
            if obs.template_text(s) == detail.get("template")
            for r in s.first
            if obs.in_baseline(source, r.ts)
        ]
        if state_records:
            return [Citation(state_records[0], role="contradicts")]
    return []
