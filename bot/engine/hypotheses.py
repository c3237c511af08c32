"""From stories to ranked hypothesis drafts: wording, confidence, evidence, next steps.

Confidence starts from the primary signal's strength and moves with the evidence:
more sources that agree raise it, a story that starts after the incident began (a
symptom) lowers it, words of the case's symptom and keywords raise it a little.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.engine.classify import SUCCESS, failure_words
from bot.engine.context import ContextIndex, Precedent
from bot.engine.model import Citation, Draft, Signal
from bot.engine.observations import Observations
from bot.engine.records import Passage, Record
from bot.engine.signals.latency import ordinal_text
from bot.engine.stories import CAUSE_KINDS, SAME_MOMENT, Story, build_stories, incident_onset
from bot.textsim import tokenize

MAX_DRAFTS = 6
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
    drafts = [_draft(story, onset, obs, context, focus) for story in build_stories(signals, obs)]
    drafts = _dedupe(sorted(drafts, key=lambda d: (-d.confidence, d.onset or 0.0, d.title)))[
        :MAX_DRAFTS
    ]
    return drafts, _notices(drafts, obs)


def _draft(
    story: Story, onset: float | None, obs: Observations, context: ContextIndex, focus: set[str]
) -> Draft:
    title, summary, steps = _words(story, obs)
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
    began, is less likely the cause. A change is as strong as the errors that follow it.
    """
    linked = len(story.linked_sources) - 1
    temporal = len(story.sources) - 1 - linked
    primary = story.primary.score
    if story.kind in CAUSE_KINDS:
        primary = max([primary] + [0.9 * s.score for s in story.symptoms()])
    score = 0.2 + 0.5 * primary + KIND_PRIOR.get(story.kind, 0.0)
    score += min(0.25, 0.12 * linked + 0.04 * temporal)
    if any(p.kind in ("change", "earlier_error") for p in story.precursors()):
        score += 0.05
    if story.explained_by is not None or story.culprit is not None:
        score -= 0.15  # a symptom of an earlier story, or a witness of another's failure
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


def _dedupe(drafts: list[Draft]) -> list[Draft]:
    """Drop a draft whose log evidence is already fully cited by a stronger one."""
    kept: list[Draft] = []
    cited: list[set[str]] = []
    for draft in drafts:
        lines = {c.item.locator for c in draft.citations if isinstance(c.item, Record)}
        if lines and any(lines <= earlier for earlier in cited):
            continue
        kept.append(draft)
        cited.append(lines)
    return kept


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


# ---------------------------------------------------------------------------- words


def _hhmm(ts: float | None) -> str:
    return "?" if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%H:%M:%S UTC")


def _words(story: Story, obs: Observations) -> tuple[str, str, list[str]]:
    writer = {
        "race": _race_words,
        "exhaustion": _exhaustion_words,
        "change": _change_words,
        "latency": _latency_words,
        "silence": _silence_words,
        "load": _load_words,
    }.get(story.kind, _generic_words)
    return writer(story, obs)


def _symptoms(story: Story) -> str:
    """What came before (precursors) and what followed (errors elsewhere), in words."""
    text = ""
    before = story.precursors()
    if before:
        parts = [f"{s.sources[0]} at {_hhmm(s.onset)} ('{_what(s, 70)}')" for s in before]
        text += " Preceded by " + "; ".join(parts) + "."
    later: dict[str, Signal] = {}
    for signal in story.symptoms():
        later.setdefault(signal.sources[0], signal)
    if later:
        parts = [f"{s.sources[0]} from {_hhmm(s.onset)} ('{_what(s, 70)}')" for s in later.values()]
        text += " Followed by errors in " + "; ".join(parts) + "."
    for signal in story.consequences():
        text += (
            f" It set off a change in {signal.sources[0]} at {_hhmm(signal.onset)} "
            f"('{_what(signal, 70)}')."
        )
    if story.explained_by is not None:
        text += f" This looks like a consequence of: {story.explained_by.primary.title}."
    return text


def _after(story: Story) -> str:
    """A title suffix naming the precursor in another source, if any."""
    own = set(story.primary.sources)
    other = next((p for p in story.precursors() if p.sources[0] not in own), None)
    if other is None:
        return ""
    return f" — after {other.sources[0]}: '{_what(other, 50)}'"


def _race_words(story: Story, obs: Observations) -> tuple[str, str, list[str]]:
    d = story.primary.detail
    failed, succeeded = d["failed_source"], d["succeeded_source"]
    kinds = "/".join(d["id_kinds"])
    ids_of = "ids" if kinds == "id" else f"{kinds} ids"  # never "id ids"
    limits = [s for s in story.support if s.kind == "latency_limit"]
    # the callee's durations against the caller's limit tell more than the caller's own
    latency = next((s for s in limits if s.sources[0] != s.detail.get("limit_source")), None) or (
        limits[0] if limits else None
    )
    verb = _phrase(str(d["success_example"]))
    ids = ", ".join(d["ids"][:3])
    if latency and d["late"]:
        limit = latency.detail["limit"]
        title = (
            f"{succeeded} '{verb}' arrives after {failed}'s {limit:g} s timeout "
            f"({d['late']} of {d['count']} {ids_of}, from {_hhmm(story.onset)})"
        )
    elif d["late"]:
        title = (
            f"{succeeded} '{verb}' arrives after {failed} already gave up "
            f"({d['late']} of {d['count']} {ids_of}, from {_hhmm(story.onset)})"
        )
    else:
        title = f"{failed} and {succeeded} disagree on {d['count']} {ids_of}: failure in {failed}, '{verb}' in {succeeded}"
    summary = (
        f"For {d['count']} {ids_of} in the window (e.g. {ids}), {failed} logged a failure "
        f"while {succeeded} logged success; for {d['late']} of them the success came after "
        f"the failure. None of this shows in either source alone."
    )
    if d.get("baseline"):
        summary += f" {d['baseline']} such ids also occur outside the window."
    if latency:
        summary += " " + _limit_sentence(latency)
    summary += _symptoms(story)
    steps = [
        f"Compare {failed}'s timeout with {succeeded}'s duration under load; raise the timeout, "
        f"reduce concurrency or make the call asynchronous with a callback/poll.",
        f"Check whether {succeeded} keeps (or rolls back) work that {failed} abandoned: "
        f"the {ids_of} above exist in one system and not the other.",
        f"Ask in the thread: `what happened to {d['ids'][0]}?` for its cross-source timeline.",
    ]
    return title, summary, steps


def _limit_sentence(latency: Signal) -> str:
    ld = latency.detail
    if ld.get("coincide"):  # no shared ids: the limit fired elsewhere during these durations
        return (
            f"{ld['limit_source']} enforces a {ld['limit']:g} s limit and reports it firing "
            f"while {latency.sources[0]}'s '{_clip(str(ld['template']), 60)}' lasted longer "
            f"({ld['coincide']} times; {ld['over']} of {ld['measured']} durations over the "
            f"limit, up to {ld['max']:.3g} s)."
        )
    if ld.get("since") is not None:  # the limit is new: durations did not grow, it shrank
        base = f" (baseline median {ld['baseline_p50']:.3g} s)" if ld.get("baseline_p50") else ""
        return (
            f"{ld['limit_source']} states a {ld['limit']:g} s limit first seen at "
            f"{_hhmm(ld['since'])}; {latency.sources[0]}'s usual durations{base} exceed it "
            f"({ld['over']} of {ld['measured']} since then)."
        )
    return (
        f"{ld['limit_source']} states a {ld['limit']:g} s limit; durations in "
        f"{latency.sources[0]} grow under load and cross it from the "
        f"{ordinal_text(ld['ordinal'])} request of a burst on "
        f"({ld['over']} of {ld['measured']} over the limit, p95 {ld['p95']:.3g} s)."
    )


def _phrase(message: str, words: int = 4) -> str:
    """A readable name for what a message reports: the words leading to its success verb
    (``CreateVm reply sent`` from ``INFO CreateVm reply sent session=.. vm=..``)."""
    tokens = [t.strip(":,;.") for t in message.split()]
    plain = [t for t in tokens if t.isalpha() and t.upper() not in _LEVEL_WORDS]
    match = next((i for i, t in enumerate(plain) if SUCCESS.fullmatch(t)), None)
    if match is None:
        return " ".join(plain[:words]) or "success"
    return " ".join(plain[max(0, match - words + 1) : match + 1])


_LEVEL_WORDS = {"INFO", "WARN", "WARNING", "ERROR", "DEBUG", "TRACE", "FATAL", "NOTICE"}


def _exhaustion_words(story: Story, obs: Observations) -> tuple[str, str, list[str]]:
    s = _decisive(story)
    source = s.sources[0]
    template = str(s.detail["template"])
    title = (
        f"{source}: resource exhausted — '{_clip(template)}'{_cause(s)} from {_hhmm(story.primary.onset)}"
        + _after(story)
    )
    summary = (
        f"{source} logged '{_clip(template, 140)}' {s.detail['window']} times in the window "
        f"(baseline: {s.detail['baseline']}), first at {_hhmm(story.primary.onset)}."
        + _symptoms(story)
    )
    steps = [
        f"Check the limit and current usage of the resource named in '{_clip(template, 60)}' on {source}.",
        f"Find what consumed it before {_hhmm(story.primary.onset)}: growth in connections, memory, disk or handles.",
        "Confirm the downstream errors stop when the resource is freed or the limit raised.",
    ]
    return title, summary, steps


def _change_words(story: Story, obs: Observations) -> tuple[str, str, list[str]]:
    s = story.primary
    source = s.sources[0]
    title = f"{source}: change '{_clip(str(s.detail['template']))}' at {_hhmm(s.onset)} precedes the errors"
    if not story.symptoms():
        title = f"{source}: change '{_clip(str(s.detail['template']))}' at {_hhmm(s.onset)}"
    summary = (
        f"{source} logged a change at {_hhmm(s.onset)} that never appears in the baseline."
        + _symptoms(story)
    )
    steps = [
        f"Review what changed at {_hhmm(s.onset)} on {source} (deploy, configuration, flush, restart).",
        "Roll it back or compare with the previous version to confirm.",
    ]
    return title, summary, steps


def _latency_words(story: Story, obs: Observations) -> tuple[str, str, list[str]]:
    s = story.primary
    d = s.detail
    if s.kind == "latency_limit" and d.get("coincide"):
        title = (
            f"{s.sources[0]}: '{_clip(str(d['template']), 60)}' lasts up to {d['max']:.3g} s, past "
            f"the {d['limit']:g} s limit {d['limit_source']} enforces — it fires at the same "
            f"moments ({d['coincide']}×, from {_hhmm(s.onset)})"
        )
        summary = _limit_sentence(s)
    elif s.kind == "latency_limit" and d.get("since") is not None:
        title = (
            f"{s.sources[0]}: usual durations exceed the {d['limit']:g} s limit "
            f"{d['limit_source']} states from {_hhmm(d['since'])}"
        )
        summary = f"'{_what(s, 120)}': " + _limit_sentence(s)
    elif s.kind == "latency_limit":
        title = (
            f"{s.sources[0]}: durations cross the {d['limit']:g} s limit from the "
            f"{ordinal_text(d['ordinal'])} request of a burst on ({_hhmm(s.onset)})"
        )
        summary = (
            f"'{_what(s, 120)}' reports durations up to p95 {d['p95']:.3g} s; "
            f"{d['over']} of {d['measured']} exceed the {d['limit']:g} s limit stated by {d['limit_source']}."
        )
    else:
        title = s.title
        summary = f"Durations of '{_what(s, 120)}' rose to p95 {d['p95']:.3g} s."
    summary += _symptoms(story)
    steps = [
        "Correlate the durations with load (concurrency, queue depth) at the same time.",
        "Check what the caller does when the limit is hit (retry, abort, leave work behind).",
    ]
    return title, summary, steps


def _load_words(story: Story, obs: Observations) -> tuple[str, str, list[str]]:
    s = story.primary
    source = s.sources[0]
    d = s.detail
    title = f"{source}: load jumped to {d['ratio']:.1f}× its baseline from {_hhmm(s.onset)}"
    if story.symptoms():
        title += " and precedes the errors"
    summary = (
        f"{source} went from about {d['baseline_per_minute']:.0f} to {d['ratio'] * d['baseline_per_minute']:.0f} "
        f"records a minute at {_hhmm(s.onset)}." + _symptoms(story)
    )
    steps = [
        f"Find who generates the new load on {source} from {_hhmm(s.onset)} (clients, jobs, retries).",
        "Check quotas and rate limits shared with that load; throttle or reschedule it to confirm.",
    ]
    return title, summary, steps


def _silence_words(story: Story, obs: Observations) -> tuple[str, str, list[str]]:
    s = story.primary
    return (
        s.title,
        f"The last record of {s.sources[0]} is at {_hhmm(s.onset)}." + _symptoms(story),
        [
            f"Check whether {s.sources[0]} crashed, was stopped or lost its log shipping at {_hhmm(s.onset)}."
        ],
    )


def _generic_words(story: Story, obs: Observations) -> tuple[str, str, list[str]]:
    s = _decisive(story)
    source = s.sources[0]
    d = s.detail
    if s.kind in ("new_template", "burst"):
        what = "new" if s.kind == "new_template" else "burst of"
        status = _STATUS_SUFFIX.search(str(d["template"]))
        if status:  # an access log: the status class and the requests say it, not the shape
            title = (
                f"{source}: {what} HTTP {status.group(1)} responses{_requests(s)} from "
                f"{_hhmm(story.primary.onset)}" + _after(story)
            )
        else:
            title = (
                f"{source}: {what} '{_clip(str(d['template']))}'{_cause(s)} from {_hhmm(story.primary.onset)}"
                + _after(story)
            )
        summary = (
            f"{source} logged it {d['window']} times in the window against "
            f"{d['baseline']} in the baseline, first at {_hhmm(story.primary.onset)}."
            + _symptoms(story)
        )
        steps = [
            f"Read the first occurrence in {source} at {_hhmm(story.primary.onset)} and what preceded it.",
            "Check whether a dependency named in the message failed at the same time.",
        ]
    else:
        title = s.title
        summary = s.title + "." + _symptoms(story)
        steps = [f"Look at {source} around {_hhmm(story.primary.onset)}."]
    return title, summary, steps


_STATUS_SUFFIX = re.compile(r"\[HTTP (\w+)\]$")
_ACCESS_SHAPE = re.compile(r'"(?:[A-Z]+|<\*>) \S+ HTTP/(?:\d|<\*>)')


def _what(signal: Signal, limit: int = 80) -> str:
    """A signal's template in words: an access-log shape (``<*> "GET <*> HTTP/1.1" <*>``)
    reads as the responses and the paths it covers, other templates as they are."""
    template = str(signal.detail.get("template", signal.title))
    if not _ACCESS_SHAPE.search(template):
        return _clip(template, limit)
    status = _STATUS_SUFFIX.search(template)
    label = f"HTTP {status.group(1)} responses" if status else "requests"
    return _clip(f"{label}{_requests(signal)}", limit)


def _decisive(story: Story) -> Signal:
    """The signal whose message says most plainly what happened, among the primary and
    the messages of the same source merged into it at the same moment (one event logged
    several ways): ``Killed process 4242 (java)`` over ``java invoked oom-killer``. The
    primary keeps ties."""
    primary = story.primary
    if primary.kind not in ("exhaustion", "new_template", "burst"):
        return primary
    candidates = [
        s
        for s in story.support
        if s.detail.get("absorbed")
        and s.kind == primary.kind
        and s.sources == primary.sources
        and s.onset is not None
        and primary.onset is not None
        and abs(s.onset - primary.onset) <= SAME_MOMENT
    ]
    best, best_words = primary, failure_words(str(primary.detail.get("template", "")))
    for signal in candidates:
        words = failure_words(str(signal.detail.get("template", "")))
        if words > best_words:
            best, best_words = signal, words
    return best


_REQUEST = re.compile(r'"(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\S+?)(?:\?\S*)? HTTP/')


def _requests(signal: Signal, most: int = 2) -> str:
    """The first distinct request paths of access-log records: `` to /cart, /api/x``."""
    paths: dict[str, None] = {}
    for record in signal.records:
        match = _REQUEST.search(record.text)
        if match:
            paths[_clip(match.group(1), 40)] = None
        if len(paths) >= most:
            break
    return f" to {', '.join(paths)}" if paths else ""


def _cause(signal: Signal) -> str:
    """The exception a stack trace ends in, when the first line does not say it."""
    cause = str(signal.detail.get("cause") or "")
    return f" ({_clip(cause, 90)})" if cause else ""


def _clip(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
