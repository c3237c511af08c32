"""Grafana Loki log streams as records (``GET /loki/api/v1/query_range``).

The manifest's LogQL runs over the baseline start .. window end (pushed down as ns
epochs), ``direction=forward``. When an answer holds ``limit`` entries the next page
starts at the last timestamp seen (inclusive, as Loki's ``start`` is), and entries
already seen at that boundary timestamp are skipped — the way ``logcli`` pages — so
nothing at the boundary is lost or doubled.

Locator: ``loki:{app="checkout",env="prod"}@1739198823000000000`` (stream labels sorted;
a second entry with the same stream and nanosecond gets ``#2``, and so on). ``text``
is the entry verbatim.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator
from typing import Any, ClassVar

from bot.engine.records import Record
from bot.errors import ConnectorError
from bot.manifest import LokiSource
from connectors.base import Scope
from connectors.http import (
    HttpApi,
    HttpConnector,
    window_text,
)

logger = logging.getLogger(__name__)

NS = 1_000_000_000
QUERY_RANGE = "/loki/api/v1/query_range"
QUERY = "/loki/api/v1/query"
_LEVEL_LABELS = ("level", "detected_level", "severity", "lvl")
_LEVEL_WORD = re.compile(
    r"(?:\blevel[=:]\s*\"?|\[|\b)(TRACE|DEBUG|INFO|NOTICE|WARN(?:ING)?|ERROR|ERR|FATAL|CRIT(?:ICAL)?)\b",
    re.IGNORECASE,
)
_PREFIX = re.compile(
    r"^\s*(?:\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\s+)?"
    r"(?:\[?(?:TRACE|DEBUG|INFO|NOTICE|WARN(?:ING)?|ERROR|FATAL|CRITICAL)\]?:?\s+)?",
    re.IGNORECASE,
)


def stream_key(labels: dict[str, str]) -> str:
    """``{a="1",b="2"}`` with labels sorted and values escaped like LogQL selectors."""
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def level_of(labels: dict[str, str], line: str) -> str | None:
    for name in _LEVEL_LABELS:
        if labels.get(name):
            return labels[name].upper()
    match = _LEVEL_WORD.search(line[:200])
    if not match:
        return None
    word = match.group(1).upper()
    return {"WARNING": "WARN", "ERR": "ERROR", "CRIT": "CRITICAL"}.get(word, word)


def message_of(line: str) -> str:
    """The line without a leading timestamp and level (the part templates are mined from)."""
    return _PREFIX.sub("", line, count=1) or line


class LokiConnector(HttpConnector):
    source: LokiSource
    kind: ClassVar[str] = "loki"

    def read(self, scope: Scope) -> Iterator[Record]:
        cap = self.cap
        with self.open_api() as api:
            for record in self._entries(api, scope):
                if self.stats.records >= cap:
                    self._capped(api, scope, cap)
                    return
                self._texts[record.path] = record.text
                self.stats.records += 1
                yield record

    # -- steps

    def _capped(self, api: HttpApi, scope: Scope, cap: int) -> None:
        """Ask Loki how many entries match (one instant metric query), for "N of M"."""
        total = self._count(api, scope)
        self.stats.total = max(total or 0, self.stats.records + 1)
        counted = f"{total} match" if total is not None else "more match"
        self.stats.notes.append(f"cap of {cap} entries reached; {counted} the query")

    def _count(self, api: HttpApi, scope: Scope) -> int | None:
        seconds = max(1, math.ceil(scope.end - scope.baseline_start))
        expr = f"sum(count_over_time({self.source.query} [{seconds}s]))"
        try:
            data = api.get(
                QUERY,
                params={"query": expr, "time": int(scope.end * NS) + 1},
                audit=f"LogQL {expr}",
            )
            result = data["data"]["result"]
            return int(float(result[0]["value"][1])) if result else 0
        except ConnectorError as exc:
            self.stats.notes.append(f"no entry count: {exc.reason}")
        except (KeyError, IndexError, TypeError, ValueError):
            self.stats.notes.append("no entry count: unexpected answer shape")
        return None

    def headers(self) -> dict[str, str]:
        headers = super().headers()
        if self.source.tenant:
            headers["X-Scope-OrgID"] = self.source.tenant
        return headers

    def _entries(self, api: HttpApi, scope: Scope) -> Iterator[Record]:
        start = int(scope.baseline_start * NS)
        end = int(scope.end * NS) + 1  # Loki's end is exclusive; the window's is inclusive
        window = window_text(scope.baseline_start, scope.end)
        boundary: set[tuple[str, str]] = set()  # (stream, line) already yielded at `start`
        used: dict[str, int] = {}
        while True:
            params = {
                "query": self.source.query,
                "start": start,
                "end": end,
                "limit": self.source.limit,
                "direction": "forward",
            }
            data = api.get(
                QUERY_RANGE,
                params=params,
                audit=f"LogQL {self.source.query}",
                window=window,
                count=_entry_count,
            )
            entries = sorted(_streams(self.name, data), key=lambda e: e[0])
            fresh = [e for e in entries if e[0] != start or (e[1], e[2]) not in boundary]
            for ts_ns, stream, line, labels in fresh:
                yield self._record(ts_ns, stream, line, labels, used)
            if len(entries) < self.source.limit:
                return
            if not fresh:  # more than `limit` entries share one nanosecond: step past it
                self.stats.notes.append(
                    f"over {self.source.limit} entries at {start} ns; "
                    "some may be skipped (raise limit)"
                )
                start, boundary = start + 1, set()
                continue
            last = entries[-1][0]
            at_last = {(s, ln) for t, s, ln, _ in entries if t == last}
            boundary = boundary | at_last if last == start else at_last
            start = last

    def _record(
        self, ts_ns: int, stream: str, line: str, labels: dict[str, str], used: dict[str, int]
    ) -> Record:
        locator = f"loki:{stream}@{ts_ns}"
        used[locator] = used.get(locator, 0) + 1
        if used[locator] > 1:
            locator += f"#{used[locator]}"
        return Record(
            source=self.name,
            path=locator,
            line=0,
            ts=ts_ns / NS,
            level=level_of(labels, line),
            message=message_of(line),
            text=line,
            labels=labels,
        )


def _entry_count(data: Any) -> int:
    try:
        return sum(len(s.get("values") or []) for s in data["data"]["result"])
    except (KeyError, TypeError, AttributeError):
        return 0


def _streams(source: str, data: Any) -> Iterator[tuple[int, str, str, dict[str, str]]]:
    """(ts ns, stream key, line, labels) of every entry of a ``streams`` answer."""
    if not isinstance(data, dict) or data.get("status") not in (None, "success"):
        raise ConnectorError(
            source,
            f"Loki answered status {data.get('status')!r}"
            if isinstance(data, dict)
            else "Loki answered a non-object",
        )
    body = data.get("data") or {}
    kind = body.get("resultType")
    if kind in ("matrix", "vector"):
        raise ConnectorError(
            source,
            f"the query returns a {kind} (a metric query); give a log query such as "
            '{app="checkout"} |= "error" — metrics belong in a prometheus source',
        )
    if kind != "streams":
        raise ConnectorError(source, f"unexpected Loki resultType {kind!r}")
    for stream in body.get("result") or []:
        labels = {str(k): str(v) for k, v in (stream.get("stream") or {}).items()}
        key = stream_key(labels)
        for value in stream.get("values") or []:
            try:
                yield int(value[0]), key, str(value[1]), labels
            except (IndexError, TypeError, ValueError) as exc:
                raise ConnectorError(source, f"malformed Loki entry {str(value)[:80]!r}") from exc
