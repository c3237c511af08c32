"""A small toolkit the scenario generators share: timed log entries -> a case folder.

A generator describes *what happened* as entries with an epoch timestamp; the kit
sorts each file by time, numbers the lines, writes the files, the manifest and the
``truth.json`` whose locators it derived from the entries that were tagged:

- ``proof``   -- lines that prove the root cause (also counted as relevant),
- ``relevant`` -- further evidence a good hypothesis may cite,
- ``herring`` -- red herrings (noise that looks alarming).

Stdlib only and deterministic: the same seed gives the same bytes.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

Stamp = Callable[[float], str]
TAGS = ("proof", "relevant", "herring")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --------------------------------------------------------------------------- stamps


def stamp(pattern: str, zone: str = "UTC") -> Stamp:
    """A timestamp formatter: strftime ``pattern`` plus ``{ms}``, ``{us}``, ``{ns}``, ``{d2}``.

    ``{d2}`` is the day of month right-aligned in two columns (syslog ``Mar  2``);
    ``{ns}`` pads microseconds to nanoseconds (kubectl ``--timestamps``).
    """
    tz = ZoneInfo(zone)

    def format_(ts: float) -> str:
        moment = datetime.fromtimestamp(ts, tz)
        text = moment.strftime(pattern)
        return (
            text.replace("{ms}", f"{moment.microsecond // 1000:03d}")
            .replace("{us}", f"{moment.microsecond:06d}")
            .replace("{ns}", f"{moment.microsecond:06d}{int(ts * 1e9) % 1000:03d}")
            .replace("{d2}", f"{moment.day:2d}")
        )

    return format_


def epoch_ms(ts: float) -> str:
    return str(round(ts * 1000))


ISO_Z = stamp("%Y-%m-%dT%H:%M:%S.{ms}Z")
LOG4J = stamp("%Y-%m-%d %H:%M:%S,{ms}")
POSTGRES = stamp("%Y-%m-%d %H:%M:%S.{ms} UTC")
REDIS = stamp("%d %b %Y %H:%M:%S.{ms}")
NGINX_ACCESS = stamp("%d/%b/%Y:%H:%M:%S +0000")
NGINX_ERROR = stamp("%Y/%m/%d %H:%M:%S")
SYSLOG = stamp("%b {d2} %H:%M:%S")


# --------------------------------------------------------------------------- entries


@dataclass(slots=True)
class Entry:
    ts: float
    seq: int
    text: str  # first line has the stamp; continuation lines follow after "\n"
    tag: str | None


@dataclass
class LogFile:
    source: str
    path: str  # relative to the case folder
    stamp: Stamp
    timezone: str | None = None
    entries: list[Entry] = field(default_factory=list)
    _seq: int = 0

    def add(self, ts: float, text: str, tag: str | None = None) -> None:
        """One record; ``{ts}`` in ``text`` becomes the formatted stamp."""
        if tag is not None and tag not in TAGS:
            raise ValueError(f"unknown tag {tag!r}")
        self._seq += 1
        self.entries.append(Entry(ts, self._seq, text.replace("{ts}", self.stamp(ts)), tag))

    def numbered(self) -> Iterator[tuple[int, Entry]]:
        """Entries in time order (stable), each with the 1-based number of its first line."""
        line = 1
        for entry in sorted(self.entries, key=lambda e: (e.ts, e.seq)):
            yield line, entry
            line += entry.text.count("\n") + 1


@dataclass
class Document:
    source: str
    kind: str  # notes | docs
    path: str
    text: str


class Case:
    """Collects the sources of one case and writes the folder."""

    def __init__(
        self,
        *,
        case: str,
        title: str,
        symptom: str,
        start: datetime,
        end: datetime,
        baseline: timedelta,
        seed: int = 0,
        ids: tuple[str, ...] = (),
        keywords: tuple[str, ...] = (),
    ) -> None:
        self.case, self.title, self.symptom = case, title, symptom
        self.start, self.end, self.baseline = start, end, baseline
        self.ids, self.keywords = ids, keywords
        self.rng = random.Random(seed)
        self.logs: list[LogFile] = []
        self.docs: list[Document] = []

    # time helpers ---------------------------------------------------------
    @property
    def t0(self) -> float:
        """Start of the baseline (epoch seconds)."""
        return (self.start - self.baseline).timestamp()

    @property
    def t_start(self) -> float:
        return self.start.timestamp()

    @property
    def t_end(self) -> float:
        return self.end.timestamp()

    def at(self, minutes: float) -> float:
        """Epoch seconds ``minutes`` after the incident window start (negative: baseline)."""
        return self.t_start + minutes * 60.0

    def ticks(self, start: float, end: float, mean_gap: float) -> Iterator[float]:
        """Poisson arrivals between ``start`` and ``end`` with ``mean_gap`` seconds apart."""
        t = start + self.rng.expovariate(1.0 / mean_gap)
        while t < end:
            yield t
            t += self.rng.expovariate(1.0 / mean_gap)

    def steady(
        self, start: float, end: float, period: float, jitter: float = 0.2
    ) -> Iterator[float]:
        """Near-periodic ticks (a scraper, a health check)."""
        t = start + self.rng.uniform(0, period)
        while t < end:
            yield t
            t += period + self.rng.uniform(-jitter, jitter) * period

    # sources ---------------------------------------------------------------
    def log(self, source: str, path: str, stamp_: Stamp, timezone: str | None = None) -> LogFile:
        log = LogFile(source, path, stamp_, timezone)
        self.logs.append(log)
        return log

    def doc(self, source: str, kind: str, path: str, text: str) -> None:
        self.docs.append(Document(source, kind, path, text))

    # output ----------------------------------------------------------------
    def write(
        self, out_dir: Path, *, scenario: str, type_: str, root_cause: str, proof_sources: list[str]
    ) -> Path:
        out_dir.mkdir(parents=True, exist_ok=True)
        tagged: dict[str, list[str]] = {tag: [] for tag in TAGS}
        for log in self.logs:
            target = out_dir / log.path
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("w", encoding="utf-8", newline="\n") as handle:
                for line, entry in log.numbered():
                    handle.write(entry.text + "\n")
                    if entry.tag:
                        tagged[entry.tag].append(f"{log.path}:{line}")
        for document in self.docs:
            target = out_dir / document.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(document.text, encoding="utf-8", newline="\n")
        truth = {
            "scenario": scenario,
            "type": type_,
            "root_cause": root_cause,
            "proof": tagged["proof"],
            "proof_sources": proof_sources,
            "relevant": tagged["proof"] + tagged["relevant"],
            "red_herrings": tagged["herring"],
        }
        (out_dir / "truth.json").write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
        manifest = out_dir / "case.yaml"
        manifest.write_text(self.manifest_text(), encoding="utf-8", newline="\n")
        return manifest

    def manifest_text(self) -> str:
        lines = [
            f"case: {self.case}",
            f"title: {json.dumps(self.title)}",
            "symptom: >",
            *(f"  {row}" for row in _wrap(self.symptom)),
            "window:",
            f"  start: {_iso(self.start)}",
            f"  end: {_iso(self.end)}",
            f"  baseline: {int(self.baseline.total_seconds() // 60)}m",
            "timezone: UTC",
            "sources:",
        ]
        seen: dict[str, list[str]] = {}
        for log in self.logs:
            seen.setdefault(log.source, []).append(log.path)
        for source, paths in seen.items():
            log = next(item for item in self.logs if item.source == source)
            lines += [f"  - name: {source}", "    kind: file", f"    paths: [{', '.join(paths)}]"]
            if log.timezone:
                lines.append(f"    timezone: {log.timezone}")
        groups: dict[tuple[str, str], list[str]] = {}
        for document in self.docs:
            groups.setdefault((document.source, document.kind), []).append(document.path)
        for (source, kind), paths in groups.items():
            lines += [
                f"  - name: {source}",
                f"    kind: {kind}",
                f"    paths: [{', '.join(paths)}]",
            ]
        if self.ids or self.keywords:
            lines.append("correlate:")
            if self.ids:
                lines.append(f"  ids: [{', '.join(_yaml_quote(p) for p in self.ids)}]")
            if self.keywords:
                lines.append(f"  keywords: [{', '.join(json.dumps(k) for k in self.keywords)}]")
        return "\n".join(lines) + "\n"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _yaml_quote(pattern: str) -> str:
    return "'" + pattern.replace("'", "''") + "'"


def _wrap(text: str, width: int = 88) -> list[str]:
    rows, row = [], ""
    for word in text.split():
        if row and len(row) + 1 + len(word) > width:
            rows.append(row)
            row = word
        else:
            row = f"{row} {word}".strip()
    return [*rows, row] if row else rows


def utc(text: str) -> datetime:
    """``'2026-03-02T10:00'`` -> an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def hexid(rng: random.Random, n: int = 8) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def ipv4(rng: random.Random, prefix: str = "10.0") -> str:
    return f"{prefix}.{rng.randint(0, 31)}.{rng.randint(2, 254)}"
