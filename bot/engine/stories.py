"""Group signals into stories: one cause with the symptoms it explains.

A story has a primary signal (the candidate cause) and supporting signals:

- *sides*: the templates whose records make up a cross-source disagreement;
- *merged*: other errors of the same source starting at the same moment (one event
  logged several ways is one story, not several hypotheses);
- *symptoms*: errors anywhere that start shortly after the story's onset;
- *precursors*: what changed or went wrong just before, in words the story shares.

Causes come before their symptoms: a story whose primary signal is a symptom of an
earlier story is marked ``explained_by`` it, so the ranking can put the cause first.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from bot.engine.classify import ERROR
from bot.engine.masking import mask_text
from bot.engine.model import Signal
from bot.engine.observations import Observations
from bot.engine.precursors import PrecursorIndex
from bot.engine.records import Record

SYMPTOM_AFTER = 120.0  # a symptom starts within this many seconds after its cause
CHANGE_HORIZON = 900.0  # a change can explain errors starting up to 15 min later
CAUSE_SLACK = 5.0  # stamps from different machines are not perfectly ordered
SAME_MOMENT = 30.0  # errors of one source this close together are one event
SAME_WAVE = 300.0  # an access log's responses of one status class this close: one wave
RARE = 5  # a change that happens more often than this in the scope is routine, not an event
ROUTINE = 2  # ... and so is one the baseline logged this often
ERROR_KINDS = {"burst", "new_template", "exhaustion", "disagreement", "latency_limit", "latency"}
SYMPTOM_KINDS = {"burst", "new_template", "exhaustion", "metric"}
LINK_KINDS = {"disagreement", "latency_limit"}  # tie sources by identifiers or limits
CAUSE_KINDS = {"change", "load"}  # stories that are causes by nature, effects may lag
LATE_CAUSE = 60.0  # a change or load rise this long after the first errors did not start them
STORY_KIND = {
    "exhaustion": "exhaustion",
    "change": "change",
    "load": "load",
    "new_template": "error",
    "burst": "error",
    "latency": "latency",
    "silence": "silence",
    "vanished_template": "vanished",
    "metric": "metric",
}
KIND_ORDER = (
    "exhaustion",
    "change",
    "load",
    "new_template",
    "burst",
    "latency",
    "silence",
    "vanished_template",
    "metric",
)


@dataclass
class Story:
    kind: str  # race | exhaustion | change | error | latency | silence | metric | vanished
    primary: Signal
    support: list[Signal] = field(default_factory=list)
    explained_by: Story | None = None
    # a witness story: the failing party it reports, seen at the same time
    culprit: Story | None = None
    # every signal that starts inside its symptom horizon, not only the few it cites
    follows: set[int] = field(default_factory=set)
    # a change or load rise that began after the incident's first errors: when they began
    errors_began: float | None = None

    @property
    def signals(self) -> list[Signal]:
        return [self.primary, *self.support]

    @property
    def sources(self) -> list[str]:
        names: dict[str, None] = {}
        for signal in self.signals:
            names.update(dict.fromkeys(signal.sources))
        return list(names)

    @property
    def linked_sources(self) -> list[str]:
        """Sources tied to the primary by identifiers or limits, not just by time."""
        names: dict[str, None] = dict.fromkeys(self.primary.sources)
        for signal in self.support:
            if signal.kind in LINK_KINDS or signal.detail.get("absorbed"):
                names.update(dict.fromkeys(signal.sources))
        return list(names)

    @property
    def onset(self) -> float | None:
        onsets = [s.onset for s in (self.primary, *self._own_support()) if s.onset is not None]
        return min(onsets) if onsets else None

    def _own_support(self) -> list[Signal]:
        return [s for s in self.support if s.detail.get("absorbed") or s.kind in LINK_KINDS]

    def symptoms(self) -> list[Signal]:
        return [s for s in self.support if s.detail.get("role") == "symptom"]

    def consequences(self) -> list[Signal]:
        return [s for s in self.support if s.detail.get("role") == "consequence"]

    def precursors(self) -> list[Signal]:
        return [s for s in self.support if s.detail.get("role") == "precursor"]


def incident_onset(signals: list[Signal]) -> float | None:
    """When things started going wrong: the earliest strong error-like signal. A slow
    success in a source with no baseline (a job that began in the window) does not date
    the incident: nothing there could be compared. Nor does a burst of a message already
    logged in the baseline that only reports another party failing (``reset by peer``):
    that noise rises and falls on its own; nor more of a known error that is weaker than
    the new errors (a scanner's 404s before the real failure)."""
    strong = [
        s
        for s in signals
        if s.kind in ERROR_KINDS
        and s.score >= 0.4
        and s.onset
        and not s.detail.get("unbaselined")
        and not (s.kind == "burst" and s.detail.get("witness"))
    ]
    # a blip that was over at once (a replica restarted, one line) dates nothing when
    # errors that went on are there; more of a known error dates the incident only when
    # it is as strong as the new ones
    strong = [s for s in strong if not _blip(s)] or strong
    # nor does a burst that was over minutes before more lasting trouble began
    strong = [s for s in strong if not _passed(s, strong)] or strong
    # the errors began with an error: a warning that went before (a scanner's "denied"
    # lines, logged at info) does not date them when errors are there
    strong = [s for s in strong if not _only_warning(s)] or strong
    novel = max((s.score for s in strong if s.kind != "burst"), default=0.0)
    onsets = [s.onset for s in strong if s.kind != "burst" or s.score >= novel]
    return min(onsets) if onsets else None  # type: ignore[type-var]


BLIP = 3  # records: an error logged this few times within SYMPTOM_AFTER is a blip


def _blip(signal: Signal) -> bool:
    count, last = signal.detail.get("window"), signal.detail.get("last")
    return (
        isinstance(count, int)
        and count <= BLIP
        and isinstance(last, float)
        and signal.onset is not None
        and last - signal.onset <= SYMPTOM_AFTER
    )


PASSED = 120.0  # seconds between a burst's last record and later, larger trouble


def _passed(signal: Signal, others: list[Signal]) -> bool:
    """``signal`` ended well before another signal, with more records, began."""
    last, count = signal.detail.get("last"), signal.detail.get("window")
    if not isinstance(last, float) or not isinstance(count, int):
        return False
    return any(
        other.onset is not None
        and other.onset > last + PASSED
        and isinstance(other.detail.get("window"), int)
        and other.detail["window"] > count  # type: ignore[operator]
        for other in others
    )


def _only_warning(signal: Signal) -> bool:
    severity = signal.detail.get("severity")
    return (
        signal.kind in ("new_template", "burst") and isinstance(severity, int) and severity < ERROR
    )


def build_stories(signals: list[Signal], obs: Observations) -> list[Story]:
    used: set[int] = set()
    stories = _races(signals, used)
    for kind in KIND_ORDER:
        for signal in signals:
            if signal.kind == kind and id(signal) not in used:
                used.add(id(signal))
                stories.append(Story(STORY_KIND[kind], signal))
    stories = _merge_same_moment(stories)
    onset = incident_onset(signals)
    recent = _recent_changes(obs, onset, {id(s.primary) for s in stories}, signals)
    stories = _merge_same_moment(stories + recent)  # a routine line of a new change joins it
    precursors = PrecursorIndex(obs, signals)
    for story in stories:
        _attach_symptoms(story, signals)
        story.support.extend(precursors.before(story))
    _mark_explained(stories)
    _mark_witnesses(stories)
    for story in stories:
        if story.kind == "change" and story.symptoms():
            _retell_by_last(story, obs)
    _mark_late_causes(stories, onset)
    return stories


def _retell_by_last(story: Story, obs: Observations) -> None:
    """Tell a change story by the instance of its change just before the errors; lines
    merged in for being logged with an earlier instance become what preceded it."""
    last = last_before(story.primary, story, obs)
    if last is story.primary:
        return
    story.primary = last
    story.support = [
        s if not s.detail.get("absorbed") or _close(s.onset, last.onset) else s.seen_as("precursor")
        for s in story.support
    ]


def _close(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(a - b) <= SAME_MOMENT


def last_before(change: Signal, story: Story, obs: Observations) -> Signal:
    """The change as its last instance before the first error it precedes: of two
    ``DROP INDEX`` statements 6 s apart, the one just before the errors; of two flags
    flipped through one audit template, the one flipped just before. The story is told,
    dated and cited by that instance alone."""
    first_error = min((s.onset for s in story.symptoms() if s.onset is not None), default=None)
    own = change.sources[0]
    before = [
        (t, r)
        for r in change.records
        if isinstance(r, Record)
        and r.source == own
        and (t := obs.aligned(own, r.ts)) is not None
        and (first_error is None or t <= first_error)
    ]
    if len(before) < 2:
        return change
    at, record = max(before, key=lambda pair: (pair[0], pair[1].line))
    return dataclasses.replace(change, records=[record], onset=at)


def _mark_late_causes(stories: list[Story], onset: float | None) -> None:
    """A change or a rise in load that began after the incident's first errors is a
    mitigation, a retry storm, a consequence; not what started them."""
    if onset is None:
        return
    for story in stories:
        late = story.onset is not None and story.onset - onset > LATE_CAUSE
        if story.kind in CAUSE_KINDS and late:
            story.errors_began = onset


def _races(signals: list[Signal], used: set[int]) -> list[Story]:
    """Disagreements, merged with the latency-vs-limit signals on the same sources."""
    stories = []
    disagreements = [s for s in signals if s.kind == "disagreement"]
    for signal in disagreements:
        if id(signal) in used:
            continue
        used.add(id(signal))
        story = Story("race", signal)
        for other in [*disagreements, *signals]:
            if id(other) in used or other.kind not in LINK_KINDS:
                continue
            if set(other.sources) & set(signal.sources):
                used.add(id(other))
                story.support.append(other)
        _absorb_sides(story, signals, used)
        stories.append(story)
    for signal in signals:
        if signal.kind == "latency_limit" and id(signal) not in used:
            used.add(id(signal))
            stories.append(Story("latency", signal))
    return stories


def _absorb_sides(story: Story, signals: list[Signal], used: set[int]) -> None:
    """Error signals of the very templates whose records make up the disagreement are
    the two sides of it, not separate stories."""
    keys = {
        tuple(k)
        for s in story.signals
        if s.kind == "disagreement"
        for k in s.detail.get("keys", ())
    }
    for other in signals:
        if id(other) in used or other.kind not in SYMPTOM_KINDS:
            continue
        if (other.sources[0], other.detail.get("key")) in keys:
            used.add(id(other))
            other.detail["absorbed"] = True
            story.support.append(other)


def _merge_same_moment(stories: list[Story]) -> list[Story]:
    """Error stories of one source that start together are one event logged several ways."""
    merged: list[Story] = []
    for story in sorted(stories, key=_strength, reverse=True):
        if story.kind in ("error", "exhaustion", "change"):
            host = next((m for m in merged if _same_moment(m, story)), None)
            if host is not None:
                if story.kind == "change" and _specificity(story.primary) > _specificity(
                    host.primary
                ):  # a deploy is told by the line naming what changed, not "Shutting down"
                    host.primary, story.primary = story.primary, host.primary
                story.primary.detail["absorbed"] = True
                host.support.append(story.primary)
                host.support.extend(story.support)
                continue
        merged.append(story)
    return merged


# What names the thing that changed: a file path or a config file, a version number.
_NAMED_THING = re.compile(
    r"(?:/[\w.@+-]+){2,}|\b[\w-]+\.(?:ya?ml|conf|cfg|ini|json|toml|txt|xml|properties|j2|sql)\b"
    r"|\bv?\d+\.\d+\.\d+"
)


def _specificity(signal: Signal) -> int:
    """How many things a change's line names (see ``_NAMED_THING``)."""
    record = signal.records[0] if signal.records else None
    return len(_NAMED_THING.findall(record.message)) if isinstance(record, Record) else 0


def _strength(story: Story) -> tuple[int, float]:
    rank = {"race": 3, "exhaustion": 2, "error": 1}.get(story.kind, 0)
    onset = story.primary.onset or 0.0
    return (rank, story.primary.score, -onset)


def _same_moment(host: Story, story: Story) -> bool:
    if host.primary.sources != story.primary.sources:
        return False
    if (host.kind == "change") != (story.kind == "change"):
        return False
    if _same_cause(host.primary, story.primary):
        return True  # several operations failing on one exception: one event
    a, b = host.primary.onset, story.primary.onset
    if a is None or b is None:
        return False
    status = host.primary.detail.get("status")
    if status and status == story.primary.detail.get("status"):
        return abs(a - b) <= SAME_WAVE  # one wave of 5xx reaching endpoint after endpoint
    return abs(a - b) <= SAME_MOMENT


def _same_cause(a: Signal, b: Signal) -> bool:
    """Both signals' records end in the same exception (variables aside)."""
    first, second = str(a.detail.get("cause") or ""), str(b.detail.get("cause") or "")
    return bool(first and second) and mask_text(first) == mask_text(second)


def _recent_changes(
    obs: Observations, onset: float | None, present: set[int], signals: list[Signal]
) -> list[Story]:
    """Change events (deploys, reloads, restarts) shortly before the incident began, even
    when the same kind of change also happened in the baseline; not one the baseline
    logged again and again (a timer's run, a periodic download): that is routine."""
    if onset is None:
        return []
    known = {(s.sources[0], s.detail.get("key")) for s in signals if s.kind == "change"}
    stories = []
    for source, state in obs.templates():
        if not state.meaning.change or state.count > RARE or (source.name, state.key) in known:
            continue
        if obs.counts(source.name, state.hist)[1] >= ROUTINE:
            continue
        before = [
            r
            for r in state.recent
            if (t := obs.aligned(source.name, r.ts)) is not None
            and onset - CHANGE_HORIZON <= t <= onset + CAUSE_SLACK
        ]
        if not before:
            continue
        record = before[-1]
        text = obs.template_text(state)
        signal = Signal(
            "change",
            f"{source.name}: '{text[:90]}'",
            0.3,
            (source.name,),
            [record],
            obs.aligned(source.name, record.ts),
            {"template": text, "key": state.key},
        )
        signals.append(signal)
        stories.append(Story("change", signal))
    return stories


def _attach_symptoms(story: Story, signals: list[Signal]) -> None:
    """Error signals that start shortly after this story's onset, one per source."""
    onset = story.onset
    if onset is None:
        return
    present = {id(s) for s in story.signals} | {s.detail.get("origin") for s in story.signals}
    causal = story.kind in CAUSE_KINDS
    horizon = CHANGE_HORIZON if causal else SYMPTOM_AFTER
    kinds = SYMPTOM_KINDS | {"latency_limit", "latency"} if causal else SYMPTOM_KINDS
    best: dict[str, Signal] = {}
    for signal in signals:
        if id(signal) in present or signal.kind not in kinds or signal.onset is None:
            continue
        if onset - CAUSE_SLACK <= signal.onset <= onset + horizon:
            story.follows.add(id(signal))
            key = signal.sources[0]
            if key not in best or signal.score > best[key].score:
                best[key] = signal
    own = set(story.primary.sources)  # the story's own source failing tells the most
    for signal in sorted(
        best.values(), key=lambda s: (s.sources[0] not in own, s.onset or 0.0, s.title)
    )[:3]:
        story.support.append(signal.seen_as("symptom"))


WITNESS_LEAD = 5.0  # a culprit may start this much after its witness (clock slack, log buffering)
CULPRIT_KINDS = {"race", "exhaustion", "change", "error", "latency"}
ONGOING = 600.0  # an earlier failure still going on may be a witness's culprit this long before


def _mark_witnesses(stories: list[Story]) -> None:
    """A story whose primary only reports another party failing (connection refused, an
    upstream error, a relayed 5xx) is a witness; when another source has its own failure
    starting at the same moment, that source is the likelier culprit. Failing that, a
    failure of another source that began up to ``ONGOING`` earlier and was still being
    logged when the witness began (a node whose runtime hung minutes before the pods on
    it were killed)."""
    for story in stories:
        if not story.primary.detail.get("witness") or story.onset is None:
            continue
        onset = story.onset
        own = set(story.primary.sources)
        candidates = [
            other
            for other in stories
            if other is not story
            and other.kind in CULPRIT_KINDS
            and other.onset is not None
            and not other.primary.detail.get("witness")
            and not own & set(other.primary.sources)
            and other.primary.score >= 0.3
            and other.explained_by is None
        ]
        same = [o for o in candidates if onset - SYMPTOM_AFTER <= o.onset <= onset + WITNESS_LEAD]  # type: ignore[operator]
        ongoing = [
            o
            for o in candidates
            if onset - ONGOING <= o.onset < onset - SYMPTOM_AFTER  # type: ignore[operator]
            and float(o.primary.detail.get("last") or 0.0) >= onset  # type: ignore[arg-type]
        ]
        if same or ongoing:
            story.culprit = (same or ongoing)[0]


def _mark_explained(stories: list[Story]) -> None:
    """A story whose primary is a symptom of an earlier story is explained by it; so is a
    change that follows another source's change it names as a precursor (a shutdown after
    an eviction, a restart after a deploy)."""
    for story in stories:
        followed = (
            {p.detail.get("origin") for p in story.precursors() if p.kind == "change"}
            if story.kind == "change"
            else set()
        )
        for other in stories:
            if other is story or other.onset is None or story.onset is None:
                continue
            symptom = id(story.primary) in other.follows
            follows = any(
                id(s) in followed for s in (other.primary, *other._own_support())
            ) and not set(other.primary.sources) & set(story.primary.sources)
            if (
                (symptom or follows)
                # a change it names as a precursor is already known to come first
                and other.onset < story.onset - (0.0 if follows else CAUSE_SLACK)
                and other.explained_by is not story
            ):
                story.explained_by = other
                if follows:  # the cause's story shows the change it set off
                    other.support.append(story.primary.seen_as("consequence"))
                break
