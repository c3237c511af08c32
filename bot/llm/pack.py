"""The evidence pack: a compact, token-bounded, redacted view of an :class:`Analysis`.

Every log line or passage the model sees carries a short id (``E1``, ``E2``...) that
maps back to its raw :class:`Record`/:class:`Passage`; the model cites ids, code
resolves them. Sections are filled in priority order, each with a share of the budget
(unused share rolls over to the next); items are whole lines, and what does not fit is
noted as "N more omitted". The block is fenced by markers carrying a hash of its
content, so text inside it cannot forge the closing marker.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from bot.engine.model import Analysis, TemplateStat
from bot.engine.records import Passage, Record, iso
from bot.llm.tokens import count_tokens
from bot.redact import Redactor
from bot.report import Report

Cited = Record | Passage

MAX_LINE_CHARS = 400
MAX_RECORD_LINES = 8
MAX_PASSAGE_LINES = 12
_SLACK = 0.97
_MARKER_RESERVE = 12  # line-by-line counts vs the joined text differ by a few tokens

# (section, share of the budget, max blocks, max items per block)
SECTIONS: tuple[tuple[str, float, int, int], ...] = (
    ("candidates", 0.25, 6, 4),
    ("signals", 0.25, 12, 3),
    ("templates", 0.12, 20, 1),
    ("timelines", 0.23, 10, 6),
    ("passages", 0.15, 10, 1),
)


@dataclass(frozen=True, slots=True)
class PackEntry:
    id: str
    item: Cited
    shown: str  # the redacted (possibly trimmed) text the model saw


@dataclass(slots=True)
class _Block:
    heading: str
    items: list[Cited]


@dataclass
class EvidencePack:
    """Ids -> raw items, plus the rendered text sent to the model."""

    redactor: Redactor
    entries: dict[str, PackEntry] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    omitted: dict[str, int] = field(default_factory=dict)
    budget: int = 0
    _keys: dict[tuple[str, str], str] = field(default_factory=dict)

    def add(self, item: Cited) -> PackEntry:
        """Register ``item`` (idempotent) and return its entry."""
        key = (item.source, item.locator)
        if key in self._keys:
            return self.entries[self._keys[key]]
        entry = PackEntry(f"E{len(self.entries) + 1}", item, self._shown(item))
        self.entries[entry.id] = entry
        self._keys[key] = entry.id
        return entry

    def find(self, source: str, locator: str) -> PackEntry | None:
        key = self._keys.get((source, locator))
        return self.entries[key] if key else None

    def get(self, evidence_id: str) -> PackEntry | None:
        return self.entries.get(evidence_id.strip().strip("[]").upper())

    def render_item(self, item: Cited) -> str:
        entry = self.add(item)
        return render_entry(entry)

    def _shown(self, item: Cited) -> str:
        limit = MAX_RECORD_LINES if isinstance(item, Record) else MAX_PASSAGE_LINES
        return trim(self.redactor.redact(item.text), limit)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def tokens(self) -> int:
        return count_tokens(self.text)

    def block(self) -> str:
        """The pack fenced as data, for a user message."""
        return fence(self.text)


def fence(text: str) -> str:
    tag = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    return f"<<<EVIDENCE {tag}>>>\n{text}\n<<<END EVIDENCE {tag}>>>"


def trim(text: str, max_lines: int) -> str:
    """Whole lines: at most ``max_lines``, each at most MAX_LINE_CHARS, with markers."""
    lines = text.split("\n")
    kept = [_cut(line) for line in lines[:max_lines]]
    if len(lines) > max_lines:
        kept.append(f"[... {len(lines) - max_lines} more lines omitted]")
    return "\n".join(kept)


def _cut(line: str) -> str:
    if len(line) <= MAX_LINE_CHARS:
        return line
    return f"{line[:MAX_LINE_CHARS]}[... {len(line) - MAX_LINE_CHARS} chars omitted]"


def render_entry(entry: PackEntry) -> str:
    item = entry.item
    stamp = iso(item.ts) or "-"
    body = entry.shown.replace("\n", "\n    ")
    if isinstance(item, Passage):
        return f"[{entry.id}] {item.source} {item.locator} {stamp} ({item.title}) | {body}"
    return f"[{entry.id}] {item.source} {item.locator} {stamp} | {body}"


# --------------------------------------------------------------------------- building


def build_pack(
    analysis: Analysis, report: Report, *, budget: int, redactor: Redactor | None = None
) -> EvidencePack:
    """The pack for ``analysis`` within ``budget`` tokens (header always included)."""
    pack = EvidencePack(redactor=redactor or Redactor(), budget=budget)
    filler = _Filler(pack, int(budget * _SLACK))
    for line in _header(report, redactor or Redactor()):
        filler.force(line)
    carry = 0
    for name, share, max_blocks, per_block in SECTIONS:
        blocks = list(_blocks(name, analysis, pack.redactor))
        allowance = int(filler.remaining_at_start * share) + carry
        used = filler.section(name, blocks[:max_blocks], per_block, allowance)
        pack.omitted[name] = pack.omitted.get(name, 0) + max(0, len(blocks) - max_blocks)
        carry = allowance - used
    return pack


def _header(report: Report, redactor: Redactor) -> Iterator[str]:
    yield f"CASE {report.case}: {redactor.redact(report.title)}"
    if report.symptom:
        yield f"SYMPTOM: {redactor.redact(report.symptom)}"
    window = report.window
    yield f"WINDOW: {window.start} .. {window.end} (baseline from {window.baseline_start or '-'})"
    for source in report.sources:
        state = f" FAILED: {source.error}" if source.error else ""
        yield f"SOURCE {source.name} ({source.kind}): {source.records} items{state}"
    for offset in report.clock_offsets:
        yield (
            f"CLOCK {offset.source} vs {offset.reference}: {offset.offset_seconds:+.1f}s "
            f"({offset.pairs} pairs)"
        )


def _blocks(name: str, analysis: Analysis, redactor: Redactor) -> Iterator[_Block]:
    if name == "candidates":
        for n, draft in enumerate(analysis.drafts, 1):
            heading = (
                f"C{n} [{draft.kind}, confidence {draft.confidence:.2f}] "
                f"{draft.title} -- {draft.summary}"
            )
            yield _Block(redactor.redact(heading), [c.item for c in draft.citations])
    elif name == "signals":
        for signal in sorted(analysis.signals, key=lambda s: -s.score):
            heading = (
                f"SIGNAL {signal.kind} score {signal.score:.2f} "
                f"[{', '.join(signal.sources)}]: {signal.title}"
            )
            yield _Block(redactor.redact(heading), list(signal.records))
    elif name == "templates":
        for stat in sorted(analysis.templates, key=_template_rank):
            heading = (
                f"TEMPLATE {stat.source} level={stat.level or '-'} "
                f"window={stat.window_count} baseline={stat.baseline_count}: "
                f"{stat.template}"
            )
            yield _Block(redactor.redact(_cut(heading)), [stat.example] if stat.example else [])
    elif name == "timelines":
        ranked = sorted(analysis.timelines.items(), key=lambda kv: _timeline_rank(kv[1]))
        for identifier, records in ranked:
            sources = sorted({r.source for r in records})
            heading = f"TIMELINE {identifier} across {', '.join(sources)} ({len(records)} records)"
            yield _Block(redactor.redact(heading), list(records))
    elif name == "passages":
        for passage in analysis.passages:
            yield _Block("", [passage])


def _template_rank(stat: TemplateStat) -> tuple[int, int, int]:
    """New or severe templates first, then by the change against the baseline."""
    new = stat.baseline_count == 0 and stat.window_count > 0
    severe = (stat.level or "").upper() in {"ERROR", "FATAL", "CRITICAL", "WARN", "WARNING"}
    change = abs(stat.window_count - stat.baseline_count)
    return (-int(new or severe), -change, stat.template_id)


def _timeline_rank(records: list[Record]) -> tuple[int, int]:
    return (-len({r.source for r in records}), -len(records))


class _Filler:
    """Adds lines to the pack while they fit; counts what was left out."""

    def __init__(self, pack: EvidencePack, budget: int) -> None:
        self.pack, self.budget, self.used = pack, budget, 0
        self.remaining_at_start = 0

    def force(self, line: str) -> None:
        self._put(line)
        self.remaining_at_start = max(0, self.budget - self.used)

    def _put(self, line: str) -> None:
        self.pack.lines.append(line)
        self.used += count_tokens(line) + 1

    def fits(self, line: str, limit: int) -> bool:
        return count_tokens(line) + 1 <= limit and self.used + count_tokens(line) + 1 <= self.budget

    def section(self, name: str, blocks: Iterable[_Block], per_block: int, allowance: int) -> int:
        start, omitted = self.used, 0
        title = f"== {name.upper()} =="
        if not self.fits(title, allowance):
            self.pack.omitted[name] = sum(len(b.items) or 1 for b in blocks)
            return 0
        self._put(title)
        ceiling = start + allowance - _MARKER_RESERVE  # room for the "N more omitted" line
        for block in blocks:
            omitted += self._block(block, per_block, ceiling)
        if omitted:
            self._put(f"[{omitted} more {name} items omitted]")
        self.pack.omitted[name] = omitted
        return self.used - start

    def _block(self, block: _Block, per_block: int, ceiling: int) -> int:
        if block.heading:
            if not self.fits(block.heading, ceiling - self.used):
                return len(block.items) or 1
            self._put(block.heading)
        shown = 0
        for item in block.items[:per_block]:
            known = self.pack.find(item.source, item.locator)
            line = (
                f"[{known.id}] (shown above)"
                if known
                else render_entry(PackEntry("E?", item, self.pack._shown(item)))
            )
            if not self.fits(line.replace("[E?]", "[E9999]"), ceiling - self.used):
                break
            self._put(line if known else self.pack.render_item(item))
            shown += 1
        return len(block.items) - shown
