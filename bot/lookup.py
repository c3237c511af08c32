"""Targeted, read-only look-ups inside one case's scope.

Thread answers ("what happened to vm-21?", "14:45-14:50", "ignore the hypervisor") and
the LLM investigator's tools both read through here: the manifest's sources only, the
case window only (narrower on request), results capped, every record verbatim with its
locator so an answer can cite it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from bot.engine.classify import ERROR, WARN, level_rank
from bot.engine.records import Item, Passage, Record
from bot.errors import ScopeError
from bot.investigate import build_connectors, scope_of
from bot.manifest import Manifest
from connectors import Connector, Context, QueryAudit, Scope, SourceStats

_FAILURE_WORDS = re.compile(
    r"error|fail|exception|timed? ?out|refused|denied|abort|fatal|panic|killed|unavailable",
    re.IGNORECASE,
)
_LOG_KINDS = {"file", "loki", "elasticsearch"}
_DOC_KINDS = {"notes", "docs", "jira"}


@dataclass
class LookupResult:
    records: list[Record] = field(default_factory=list)
    total: int = 0  # how many matched before the limit
    capped: list[str] = field(default_factory=list)  # sources whose read stopped at the cap

    @property
    def truncated(self) -> bool:
        return self.total > len(self.records)


class CaseLookup:
    """Read-only queries over a manifest's sources, bounded by the case window."""

    def __init__(
        self,
        manifest: Manifest,
        context: Context | None = None,
        *,
        exclude: Iterable[str] = (),
    ) -> None:
        self.manifest = manifest
        self.context = context or Context()
        self.excluded = set(exclude)
        self._case_scope = scope_of(manifest)
        self._connectors: dict[str, Connector] | None = None
        self.queries: list[QueryAudit] = []  # every query the look-ups made, for the audit
        self._capped: list[str] = []  # sources the last look-up read only up to the cap

    # ------------------------------------------------------------------ scope

    @property
    def connectors(self) -> dict[str, Connector]:
        if self._connectors is None:
            self._connectors = build_connectors(self.manifest, self.context)
        return self._connectors

    def source_names(self, kinds: set[str] | None = None) -> list[str]:
        return [
            s.name
            for s in self.manifest.sources
            if (kinds is None or s.kind in kinds) and s.name not in self.excluded
        ]

    def scope(self, start: float | None = None, end: float | None = None) -> Scope:
        """The case scope, narrowed to [start, end]; ScopeError if it leaves the case."""
        case = self._case_scope
        lo = case.baseline_start if start is None else start
        hi = case.end if end is None else end
        if lo < case.baseline_start - 1 or hi > case.end + 1 or lo > hi:
            raise ScopeError(
                "that time range is outside the case window; ask about a time between the "
                "baseline start and the window end"
            )
        return Scope(start=lo, end=hi, baseline_start=lo, timezone=case.timezone)

    def _check_source(self, source: str | None) -> list[str]:
        names = self.source_names(_LOG_KINDS)
        if source is None:
            return names
        if source not in names:
            raise ScopeError(f"unknown source {source!r}; sources in this case: {', '.join(names)}")
        return [source]

    def _read(self, name: str, scope: Scope) -> Iterator[Item]:
        """One fresh read of a source. Connectors count what they read in ``stats`` and
        stop at the cap, so the counts are reset first: otherwise every look-up after the
        first would start "full" and miss records. Cited texts the connector remembers
        (for ``cite``) are kept."""
        connector = self.connectors[name]
        connector.stats = SourceStats(name=connector.name, kind=connector.kind)
        try:
            yield from connector.read(scope)
        finally:
            stats = connector.stats
            self.queries.extend(stats.queries)
            if stats.total is not None or any(
                "max_records" in n or "cap of" in n for n in stats.notes
            ):
                self._capped.append(name)

    def _records(self, sources: list[str], scope: Scope) -> Iterator[Record]:
        self._capped = []
        for name in sources:
            for item in self._read(name, scope):
                if isinstance(item, Record) and (
                    item.ts is None or scope.start <= item.ts <= scope.end
                ):
                    yield item

    # ------------------------------------------------------------------ queries

    def search(
        self,
        text: str,
        source: str | None = None,
        regex: bool = False,
        start: float | None = None,
        end: float | None = None,
        limit: int = 20,
    ) -> LookupResult:
        """Records whose text contains ``text`` (case-insensitive) or matches ``regex``."""
        try:
            pattern = re.compile(text if regex else re.escape(text), re.IGNORECASE)
        except re.error as exc:
            raise ScopeError(f"invalid regular expression {text!r}: {exc}") from exc
        result = _collect(
            (
                r
                for r in self._records(self._check_source(source), self.scope(start, end))
                if pattern.search(r.text)
            ),
            limit,
        )
        result.capped = list(self._capped)
        return result

    def timeline(self, identifier: str, limit: int = 40) -> LookupResult:
        """Every record that names ``identifier`` (as a whole token), in time order."""
        pattern = re.compile(rf"(?<![\w-]){re.escape(identifier)}(?![\w-])", re.IGNORECASE)
        matches = [
            r
            for r in self._records(self._check_source(None), self.scope())
            if pattern.search(r.text)
        ]
        matches.sort(key=lambda r: (r.ts or 0.0, r.source, r.line))
        return LookupResult(records=matches[:limit], total=len(matches), capped=list(self._capped))

    def between(
        self, start: float, end: float, source: str | None = None, limit: int = 30
    ) -> LookupResult:
        """Records in [start, end], the notable ones (errors, warnings) first."""
        records = list(self._records(self._check_source(source), self.scope(start, end)))
        ranked = sorted(records, key=lambda r: (-_notability(r), r.ts or 0.0, r.source, r.line))
        chosen = sorted(ranked[:limit], key=lambda r: (r.ts or 0.0, r.source, r.line))
        return LookupResult(records=chosen, total=len(records), capped=list(self._capped))

    def ticket(self, key: str) -> list[Passage]:
        return self._passages({"jira"}, lambda loc: loc == key or loc.startswith(f"{key}#"))

    def doc(self, locator_prefix: str) -> list[Passage]:
        return self._passages({"notes", "docs"}, lambda loc: loc.startswith(locator_prefix))

    def _passages(self, kinds: set[str], wanted) -> list[Passage]:
        found = []
        for name in self.source_names(kinds):
            for item in self._read(name, self._case_scope):
                if isinstance(item, Passage) and wanted(item.locator):
                    found.append(item)
        return found


def _notability(record: Record) -> int:
    rank = level_rank(record.level)
    if rank is not None and rank >= WARN:
        return rank
    return ERROR if _FAILURE_WORDS.search(record.message) else (rank or 0)


def _collect(records: Iterable[Record], limit: int) -> LookupResult:
    result = LookupResult()
    for record in records:
        result.total += 1
        if len(result.records) < limit:
            result.records.append(record)
    return result
