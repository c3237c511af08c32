"""Group signals into stories: one cause with the symptoms it explains.

A story has a primary signal (the candidate cause) and supporting signals — the same
identifiers failing elsewhere, errors in other sources that start after it, a latency
series crossing the limit involved. Causes come before their symptoms: a signal can
only explain signals that start at or after its own onset.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.engine.model import Signal

SYMPTOM_AFTER = 600.0  # a symptom starts within this many seconds after its cause
CAUSE_SLACK = 5.0  # stamps from different machines are not perfectly ordered
CHANGE_BEFORE = 900.0  # a change can explain errors starting up to 15 min later
ERROR_KINDS = {"burst", "new_template", "exhaustion", "disagreement", "latency_limit", "latency"}
SYMPTOM_KINDS = {"burst", "new_template", "exhaustion"}
LINK_KINDS = {"disagreement", "latency_limit"}  # tie sources by identifiers or limits


@dataclass
class Story:
    kind: str  # race | exhaustion | change | error | latency | silence | metric | vanished
    primary: Signal
    support: list[Signal] = field(default_factory=list)

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
        onsets = [s.onset for s in self.signals if s.onset is not None]
        return min(onsets) if onsets else None


def incident_onset(signals: list[Signal]) -> float | None:
    """When things started going wrong: the earliest strong error-like signal."""
    onsets = [s.onset for s in signals if s.kind in ERROR_KINDS and s.score >= 0.4 and s.onset]
    return min(onsets) if onsets else None


def build_stories(signals: list[Signal]) -> list[Story]:
    stories: list[Story] = []
    used: set[int] = set()
    stories += _races(signals, used)
    for kind, story_kind in (
        ("exhaustion", "exhaustion"),
        ("change", "change"),
        ("new_template", "error"),
        ("burst", "error"),
        ("latency", "latency"),
        ("silence", "silence"),
        ("vanished_template", "vanished"),
        ("metric", "metric"),
    ):
        for signal in signals:
            if signal.kind == kind and id(signal) not in used:
                used.add(id(signal))
                stories.append(Story(story_kind, signal))
    for story in stories:
        _attach_symptoms(story, signals)
    return stories


def _races(signals: list[Signal], used: set[int]) -> list[Story]:
    """Disagreements, merged with the latency-vs-limit signals on the same sources."""
    stories = []
    disagreements = [s for s in signals if s.kind == "disagreement"]
    for signal in disagreements:
        if id(signal) in used:
            continue
        used.add(id(signal))
        story = Story("race", signal)
        for other in disagreements:
            if id(other) not in used and set(other.sources) & set(signal.sources):
                used.add(id(other))
                story.support.append(other)
        for other in signals:
            if (
                other.kind == "latency_limit"
                and id(other) not in used
                and set(other.sources) & set(signal.sources)
            ):
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


def _attach_symptoms(story: Story, signals: list[Signal]) -> None:
    """Error signals in *other* sources that start shortly after this story's onset."""
    onset = story.onset
    if onset is None:
        return
    own = set(story.sources)
    present = {id(s) for s in story.signals}
    horizon = CHANGE_BEFORE if story.kind == "change" else SYMPTOM_AFTER
    best: dict[str, Signal] = {}
    for signal in signals:
        if id(signal) in present or signal.kind not in SYMPTOM_KINDS or signal.onset is None:
            continue
        if set(signal.sources) <= own and story.kind != "change":
            continue
        if onset - CAUSE_SLACK <= signal.onset <= onset + horizon:
            key = signal.sources[0]
            if key not in best or signal.score > best[key].score:
                best[key] = signal
    story.support.extend(sorted(best.values(), key=lambda s: (s.onset or 0.0, s.title))[:3])
