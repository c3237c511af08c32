"""Answers to thread questions without an LLM, citing records verbatim.

What a question is decides what is looked up (:func:`classify`):

- an identifier (``what happened to vm-21?``)  -> its cross-source timeline
- a time range (``14:45-14:50``, ``14:45 to 14:50``; the case's zone, the window's day)
                                               -> the notable records in it
- other words                                  -> the records that mention them
- nothing usable                               -> what the bot can answer

:class:`Answerer` is the seam for a smarter answerer (the LLM one plugs in here).
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from bot.errors import ScopeError
from bot.manifest import Manifest, Window, load_manifest
from bot.session import Session

if TYPE_CHECKING:
    from bot.engine.records import Record

logger = logging.getLogger(__name__)

_GENERIC_ID = re.compile(r"\b[A-Za-z][A-Za-z0-9]*[-_]\d+\b")
_TIME = r"(\d{1,2}:\d{2}(?::\d{2})?)"
_RANGE = re.compile(_TIME + r"\s*(?:-|–|—|to|until|and)\s*" + _TIME, re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z0-9_.:/=-]{3,}")
_STOP = frozenset(
    re.findall(
        r"\w+",
        """what when where which who why how did does the and for with from that this there
        were was happened happen show tell about between any all are can you see look into
        logs log lines please thanks""",
    )
)
CAPABILITIES = (
    "I can answer from this case's sources:\n"
    "• an identifier — `what happened to vm-21?` (its timeline across sources)\n"
    "• a time range — `14:45-14:50` (notable records in it, case time zone)\n"
    "• words — `timeout acknowledgement` (records that mention them)"
)


@dataclass(frozen=True, slots=True)
class Question:
    kind: str  # identifier | range | words | unknown
    identifier: str = ""
    start: float = 0.0
    end: float = 0.0
    words: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    records: tuple[Record, ...] = ()
    total: int = 0
    kind: str = "unknown"
    meta: dict[str, Any] = field(default_factory=dict)

    def lines(self) -> list[str]:
        return [f"{r.locator}  {r.text}" for r in self.records]


class Answerer(Protocol):
    def answer(self, session: Session, question: str) -> Answer: ...


# --------------------------------------------------------------------------- classification


def classify(
    text: str,
    *,
    id_patterns: Sequence[str] = (),
    case: str = "",
    zone: str = "UTC",
    day: datetime | None = None,
) -> Question:
    if identifier := find_identifier(text, id_patterns, exclude={case.lower()}):
        return Question("identifier", identifier=identifier)
    if (m := _RANGE.search(text)) and day is not None:
        start, end = (_at(day, t, zone) for t in m.groups())
        if end <= start:
            end += 86400  # 23:50-00:10 crosses midnight
        return Question("range", start=start, end=end)
    words = tuple(
        w
        for w in _WORD.findall(text.lower())
        if w not in _STOP and not w.isdigit() and w != case.lower()
    )
    return Question("words", words=words) if words else Question("unknown")


def find_identifier(text: str, patterns: Sequence[str], exclude: set[str] = frozenset()) -> str:  # type: ignore[assignment]
    for pattern in patterns:
        for m in re.finditer(pattern, text):
            found = m.groupdict().get("id") or m.group(0)
            if found.lower() not in exclude:
                return found
    for m in _GENERIC_ID.finditer(text):
        if m.group(0).lower() not in exclude:
            return m.group(0)
    return ""


def _at(day: datetime, hhmm: str, zone: str) -> float:
    parts = [int(p) for p in hhmm.split(":")]
    local = day.astimezone(ZoneInfo(zone))
    moment = local.replace(
        hour=parts[0], minute=parts[1], second=parts[2] if len(parts) > 2 else 0, microsecond=0
    )
    return moment.timestamp()


# --------------------------------------------------------------------------- the offline answerer

LookupFactory = Callable[[Manifest], Any]  # Manifest -> bot.lookup.CaseLookup


def session_manifest(session: Session) -> Manifest:
    """The manifest as the session scoped it (window and symptom overrides applied)."""
    manifest = load_manifest(session.manifest_path)
    window = Window.model_validate(
        {
            "start": session.window_start,
            "end": session.window_end,
            "baseline": manifest.window.baseline,
        }
    )
    return manifest.model_copy(update={"window": window, "symptom": session.symptom})


class LookupAnswerer:
    """Answers from :class:`bot.lookup.CaseLookup`; a few lookups are cached per thread."""

    def __init__(
        self, lookup_factory: LookupFactory, *, limit: int = 20, cache_size: int = 4
    ) -> None:
        self._factory = lookup_factory
        self._limit = limit
        self._cache: OrderedDict[str, tuple[Manifest, Any]] = OrderedDict()
        self._cache_size = cache_size

    def answer(self, session: Session, question: str) -> Answer:
        try:
            return self._answer(session, question)
        except ScopeError as exc:  # e.g. a time range outside the case window
            return Answer(f"I can't look there: {exc}", kind="refused")

    def _answer(self, session: Session, question: str) -> Answer:
        manifest, lookup = self._lookup(session)
        q = classify(
            question,
            id_patterns=manifest.correlate.ids,
            case=session.case,
            zone=manifest.timezone,
            day=manifest.window.start,
        )
        if q.kind == "identifier":
            found = lookup.timeline(q.identifier, limit=40)
            return _answer(
                found,
                "identifier",
                f"Timeline of `{q.identifier}`",
                f"I found no record mentioning `{q.identifier}` in this case's sources.",
            )
        if q.kind == "range":
            found = lookup.between(q.start, q.end, limit=30)
            zone = manifest.timezone
            span = f"{_hhmm(q.start, zone)}–{_hhmm(q.end, zone)} {zone}"
            return _answer(found, "range", f"Notable records {span}", f"No records {span}.")
        if q.kind == "words":
            pattern = "|".join(re.escape(w) for w in q.words)
            found = lookup.search(pattern, regex=True, limit=self._limit)
            said = ", ".join(f"`{w}`" for w in q.words)
            return _answer(
                found,
                "words",
                f"Records mentioning {said}",
                f"No record mentions {said}.\n{CAPABILITIES}",
            )
        return Answer(CAPABILITIES)

    def _lookup(self, session: Session) -> tuple[Manifest, Any]:
        key = f"{session.channel}:{session.thread_ts}"
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        manifest = session_manifest(session)
        entry = (manifest, self._factory(manifest))
        self._cache[key] = entry
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return entry


def _answer(found: Any, kind: str, title: str, empty: str) -> Answer:
    records = tuple(found.records)
    if not records:
        return Answer(empty, kind=kind)
    sources = sorted({r.source for r in records})
    shown = (
        f"showing {len(records)} of {found.total}"
        if found.total > len(records)
        else f"{len(records)}"
    )
    text = f"{title} — {shown} records from {', '.join(sources)}:"
    return Answer(text, records, found.total, kind)


def _hhmm(epoch: float, zone: str) -> str:
    return datetime.fromtimestamp(epoch, ZoneInfo(zone)).strftime("%H:%M")
