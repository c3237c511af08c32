"""What a hypothesis says: its title, summary and next steps, from its story.

Titles name what, where and since when; quotes come from :func:`bot.engine.phrases.phrase`
(a readable form of the template, filled from a representative record), never raw
``<*>`` templates where a value or nothing reads better.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.engine.classify import SUCCESS, failure_words
from bot.engine.model import Signal
from bot.engine.observations import Observations
from bot.engine.phrases import phrase
from bot.engine.records import Record
from bot.engine.signals.latency import ordinal_text
from bot.engine.stories import SAME_MOMENT, Story


def clock_time(ts: float | None) -> str:
    return "?" if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%H:%M:%S UTC")


def describe(story: Story, obs: Observations) -> tuple[str, str, list[str]]:
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
        parts = dict.fromkeys(
            f"{s.sources[0]} at {clock_time(s.onset)} ('{what(s, 70)}')" for s in before
        )
        text += " Preceded by " + "; ".join(parts) + "."
    later: dict[str, Signal] = {}
    for signal in story.symptoms():
        later.setdefault(signal.sources[0], signal)
    if later:
        parts = [
            f"{s.sources[0]} from {clock_time(s.onset)} ('{what(s, 70)}')" for s in later.values()
        ]
        text += " Followed by errors in " + "; ".join(parts) + "."
    for signal in story.consequences():
        text += (
            f" It set off a change in {signal.sources[0]} at {clock_time(signal.onset)} "
            f"('{what(signal, 70)}')."
        )
    if story.explained_by is not None:
        text += f" This looks like a consequence of: {_retitle(story.explained_by.primary)}."
    return text


def _after(story: Story) -> str:
    """A title suffix naming the precursor in another source, if any, or a change in its own."""
    own = set(story.primary.sources)
    other = next((p for p in story.precursors() if p.sources[0] not in own), None)
    if other is None:
        change = next((p for p in story.precursors() if p.kind == "change"), None)
        return f" — after '{what(change, 50)}'" if change is not None else ""
    return f" — after {other.sources[0]}: '{what(other, 50)}'"


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
    verb = _verb(str(d["success_example"]))
    ids = ", ".join(d["ids"][:3])
    if latency and d["late"]:
        limit = latency.detail["limit"]
        title = (
            f"{succeeded} '{verb}' arrives after {failed}'s {limit:g} s timeout "
            f"({d['late']} of {d['count']} {ids_of}, from {clock_time(story.onset)})"
        )
    elif d["late"]:
        title = (
            f"{succeeded} '{verb}' arrives after {failed} already gave up "
            f"({d['late']} of {d['count']} {ids_of}, from {clock_time(story.onset)})"
        )
    else:
        title = f"{failed} and {succeeded} disagree on {d['count']} {ids_of}: failure in {failed}, '{verb}' in {succeeded}"
    summary = (
        f"For {d['count']} {ids_of} in the window (e.g. {ids}), {failed} logged a failure "
        f"while {succeeded} logged success; for {d['late']} of them the success came after "
        f"the failure. None of this shows in either source alone."
    )
    if d.get("baseline"):
        summary += f" {d['baseline']} such ids also occur in the baseline."
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
            f"while {latency.sources[0]}'s '{_quote(latency, 60)}' lasted longer "
            f"({ld['coincide']} times; {ld['over']} of {ld['measured']} durations over the "
            f"limit, up to {ld['max']:.3g} s)."
        )
    if ld.get("since") is not None:  # the limit is new: durations did not grow, it shrank
        base = f" (baseline median {ld['baseline_p50']:.3g} s)" if ld.get("baseline_p50") else ""
        return (
            f"{ld['limit_source']} states a {ld['limit']:g} s limit first seen at "
            f"{clock_time(ld['since'])}; {latency.sources[0]}'s usual durations{base} exceed it "
            f"({ld['over']} of {ld['measured']} since then)."
        )
    return (
        f"{ld['limit_source']} states a {ld['limit']:g} s limit; durations in "
        f"{latency.sources[0]} grow under load and cross it from the "
        f"{ordinal_text(ld['ordinal'])} request of a burst on "
        f"({ld['over']} of {ld['measured']} over the limit, p95 {ld['p95']:.3g} s)."
    )


def _verb(message: str, words: int = 4) -> str:
    """A readable name for what a message reports: the words leading to its success verb
    (``CreateVm reply sent`` from ``INFO CreateVm reply sent session=.. vm=..``)."""
    tokens = [t.strip(":,;.") for t in message.split()]
    plain = [t for t in tokens if t.isalpha() and t.upper() not in _LEVEL_WORDS]
    match = next((i for i, t in enumerate(plain) if SUCCESS.fullmatch(t.lower())), None)
    if match is None:
        return " ".join(plain[:words]) or "success"
    return " ".join(plain[max(0, match - words + 1) : match + 1])


# the resource is another party's request budget: it pushes back rather than runs out
_THROTTLE = re.compile(
    r"throttl|slow ?down|rate.?limit|too many requests|reduce your request rate|\b429\b",
    re.IGNORECASE,
)
_LEVEL_WORDS = {"INFO", "WARN", "WARNING", "ERROR", "DEBUG", "TRACE", "FATAL", "NOTICE"}


def _exhaustion_words(story: Story, obs: Observations) -> tuple[str, str, list[str]]:
    s = _decisive(story)
    source = s.sources[0]
    throttled = bool(_THROTTLE.search(str(s.detail.get("template") or s.title)))
    what_ = "throttled" if throttled else "resource exhausted"
    title = (
        f"{source}: {what_} — '{_quote(s)}'{_cause(s)} from {clock_time(story.primary.onset)}"
        + _after(story)
    )
    summary = (
        f"{source} logged '{_quote(s, 140)}' {s.detail['window']} times in the window "
        f"(baseline: {s.detail['baseline']}), first at {clock_time(story.primary.onset)}."
        + _template_note(s)
        + _symptoms(story)
    )
    steps = [
        f"Check the limit and current usage of the resource named in '{_quote(s, 60)}' on {source}.",
        f"Find what consumed it before {clock_time(story.primary.onset)}: growth in connections, memory, disk or handles.",
        "Confirm the downstream errors stop when the resource is freed or the limit raised.",
    ]
    return title, summary, steps


def _change_words(story: Story, obs: Observations) -> tuple[str, str, list[str]]:
    s = story.primary
    source = s.sources[0]
    title = f"{source}: change '{what(s)}' at {clock_time(s.onset)}"
    if story.errors_began is not None:
        title += _after_errors(story.errors_began)
    elif story.symptoms():  # its last instance before them (stories.last_before)
        title = f"{source}: change '{what(s)}' at {clock_time(s.onset)} precedes the errors"
    summary = _change_said(s, obs) + _template_note(s) + _symptoms(story)
    steps = [
        f"Review what changed at {clock_time(s.onset)} on {source} (deploy, configuration, flush, restart).",
        "Roll it back or compare with the previous version to confirm.",
    ]
    return title, summary, steps


def _after_errors(began: float) -> str:
    return f", after errors began at {clock_time(began)}"


def _change_said(change: Signal, obs: Observations) -> str:
    """What is known of the change's history, and no more: a change taken in because it
    came shortly before the errors may have happened in the baseline too."""
    source, when = change.sources[0], clock_time(change.onset)
    if change.onset is not None and change.onset < obs.config.start:
        return f"{source} logged a change at {when}, before the case window began."
    if change.detail.get("baseline") == 0:
        return f"{source} logged a change at {when} that never appears in the baseline."
    return f"{source} logged a change at {when}, shortly before the errors began."


def _latency_words(story: Story, obs: Observations) -> tuple[str, str, list[str]]:
    s = story.primary
    d = s.detail
    if s.kind == "latency_limit" and d.get("coincide"):
        title = (
            f"{s.sources[0]}: '{_quote(s, 60)}' lasts up to {d['max']:.3g} s, past "
            f"the {d['limit']:g} s limit {d['limit_source']} enforces — it fires at the same "
            f"moments ({d['coincide']}×, from {clock_time(s.onset)})"
        )
        summary = _limit_sentence(s)
    elif s.kind == "latency_limit" and d.get("since") is not None:
        title = (
            f"{s.sources[0]}: usual durations of '{_quote(s, 60)}' exceed the {d['limit']:g} s "
            f"limit {d['limit_source']} states from {clock_time(d['since'])}"
        )
        summary = _limit_sentence(s) + _template_note(s)
    elif s.kind == "latency_limit":
        title = (
            f"{s.sources[0]}: durations of '{_quote(s, 60)}' cross the {d['limit']:g} s limit "
            f"from the {ordinal_text(d['ordinal'])} request of a burst on ({clock_time(s.onset)})"
        )
        summary = (
            f"'{what(s, 120)}' reports durations up to p95 {d['p95']:.3g} s; "
            f"{d['over']} of {d['measured']} exceed the {d['limit']:g} s limit stated by {d['limit_source']}."
            + _template_note(s)
        )
    else:
        title = _retitle(s)
        summary = f"Durations of '{what(s, 120)}' rose to p95 {d['p95']:.3g} s." + _template_note(s)
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
    title = f"{source}: load jumped to {d['ratio']:.1f}× its baseline from {clock_time(s.onset)}"
    driver = phrase(str(d["driver"]), s.records[0], 60) if d.get("driver") and s.records else ""
    if driver and "<*>" not in driver:  # what the new load is, when it reads as words
        title += f", mostly '{driver}'"
    if story.errors_began is not None:
        title += _after_errors(story.errors_began)
    elif story.symptoms():
        title += " and precedes the errors"
    summary = (
        f"{source} went from about {d['baseline_per_minute']:.0f} to {d['ratio'] * d['baseline_per_minute']:.0f} "
        f"records a minute at {clock_time(s.onset)}." + _symptoms(story)
    )
    steps = [
        f"Find who generates the new load on {source} from {clock_time(s.onset)} (clients, jobs, retries).",
        "Check quotas and rate limits shared with that load; throttle or reschedule it to confirm.",
    ]
    return title, summary, steps


def _silence_words(story: Story, obs: Observations) -> tuple[str, str, list[str]]:
    s = story.primary
    return (
        s.title,
        f"The last record of {s.sources[0]} is at {clock_time(s.onset)}." + _symptoms(story),
        [
            f"Check whether {s.sources[0]} crashed, was stopped or lost its log shipping at {clock_time(s.onset)}."
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
                f"{clock_time(story.primary.onset)}" + _after(story)
            )
        else:
            title = (
                f"{source}: {what} '{_quote(s)}'{_cause(s)} from {clock_time(story.primary.onset)}"
                + _after(story)
            )
        summary = (
            f"{source} logged it {d['window']} times in the window against "
            f"{d['baseline']} in the baseline, first at {clock_time(story.primary.onset)}."
            + _template_note(s)
            + _symptoms(story)
        )
        steps = [
            f"Read the first occurrence in {source} at {clock_time(story.primary.onset)} and what preceded it.",
            "Check whether a dependency named in the message failed at the same time.",
        ]
    else:
        title = _retitle(s)
        summary = title + "." + _symptoms(story)
        steps = [f"Look at {source} around {clock_time(story.primary.onset)}."]
    return title, summary, steps


_STATUS_SUFFIX = re.compile(r"\[HTTP (\w+)\]$")
_ACCESS_SHAPE = re.compile(r'"(?:[A-Z]+|<\*>) \S+ HTTP/(?:\d|<\*>)')


def what(signal: Signal, limit: int = 80) -> str:
    """A signal's template in words: an access-log shape (``<*> "GET <*> HTTP/1.1" <*>``)
    reads as the responses and the paths it covers, other templates as they are."""
    if "template" not in signal.detail:
        return _clip(signal.title, limit)
    template = str(signal.detail["template"])
    if not _ACCESS_SHAPE.search(template):
        return _quote(signal, limit)
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


def _quote(signal: Signal, limit: int = 80) -> str:
    """The signal's template as a short readable quote, filled from one of its records
    (see :func:`bot.engine.phrases.phrase`)."""
    template = str(signal.detail.get("template", signal.title))
    return phrase(template, _representative(signal), limit)


def _representative(signal: Signal) -> Record | None:
    """A record of the signal's own template: its first record from its own source."""
    records = [r for r in signal.records if isinstance(r, Record)]
    own = next((r for r in records if r.source == signal.sources[0]), None)
    return own or (records[0] if records else None)


def _template_note(signal: Signal) -> str:
    """The full template, when the quote shortened or filled it (to search the logs)."""
    template = " ".join(str(signal.detail.get("template", "")).split())
    if (
        not template
        or _ACCESS_SHAPE.search(template)
        or _quote(signal, 160) == _clip(template, 160)
    ):
        return ""  # an access log reads as its requests; its shape adds nothing
    return f" Template: `{_clip(template, 200)}`."


def _retitle(signal: Signal) -> str:
    """The signal's own title with its raw template quote replaced by a readable one."""
    template = str(signal.detail.get("template", ""))
    for size in (70, 90):
        raw = f"'{template[:size]}'"
        if template and raw in signal.title:
            return signal.title.replace(raw, f"'{_quote(signal, 70)}'", 1)
    return signal.title
