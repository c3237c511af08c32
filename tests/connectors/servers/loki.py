"""A fake Loki: ``GET /loki/api/v1/query_range`` over in-memory streams.

Speaks the documented shapes: ``start``/``end`` in ns (end exclusive), ``limit`` across
all streams, ``direction`` forward/backward, answers ``resultType: streams`` with
``values: [["<ns>", "<line>"], ...]``. Understands stream selectors with ``=``, ``!=``,
``=~``, ``!~`` and line filters ``|=``, ``!=``, ``|~``, ``!~``. A query that starts with
a function (``rate(``, ``sum(`` ...) is a metric query and answers a ``matrix``; ``GET /loki/api/v1/query`` answers
``sum(count_over_time(<log query> [Ns]))`` as a vector (used for "N of M" counts). With
``tenant`` set, requests without that ``X-Scope-OrgID`` get 401 "no org id".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from servers.base import Reply, Seen

Stream = tuple[dict[str, str], list[tuple[int, str]]]
_MATCHER = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?')
_COUNT = re.compile(r"^sum\(count_over_time\((?P<q>.*)\s*\[(?P<r>\d+)s\]\)\)$")
_FILTER = re.compile(r'\s*(\|=|!=|\|~|!~)\s*"((?:[^"\\]|\\.)*)"')


def parse_logql(query: str) -> tuple[Callable[[dict[str, str]], bool], Callable[[str], bool]]:
    query = query.strip()
    if not query.startswith("{"):
        raise ValueError("metric query")
    close = query.index("}")
    matchers = _MATCHER.findall(query[1:close])
    filters = _FILTER.findall(query[close + 1 :])

    def labels_ok(labels: dict[str, str]) -> bool:
        for name, op, value in matchers:
            have = labels.get(name, "")
            ok = {
                "=": have == value,
                "!=": have != value,
                "=~": re.fullmatch(value, have) is not None,
                "!~": re.fullmatch(value, have) is None,
            }[op]
            if not ok:
                return False
        return True

    def line_ok(line: str) -> bool:
        for op, value in filters:
            ok = {
                "|=": value in line,
                "!=": value not in line,
                "|~": re.search(value, line) is not None,
                "!~": re.search(value, line) is None,
            }[op]
            if not ok:
                return False
        return True

    return labels_ok, line_ok


class LokiFake:
    def __init__(
        self, streams: list[Stream], *, tenant: str | None = None, max_limit: int = 5000
    ) -> None:
        self.streams = streams
        self.tenant = tenant
        self.max_limit = max_limit

    def __call__(self, seen: Seen) -> Reply:
        if self.tenant and seen.header("x-scope-orgid") != self.tenant:
            return Reply(401, text="no org id")
        if seen.path == "/ready":
            return Reply(text="ready")
        if seen.path == "/loki/api/v1/query":
            return self._count(seen)
        if seen.path != "/loki/api/v1/query_range":
            return Reply(404, text="404 page not found")
        query = seen.param("query") or ""
        try:
            labels_ok, line_ok = parse_logql(query)
        except ValueError:
            return Reply(body={"status": "success", "data": {"resultType": "matrix", "result": []}})
        start = int(seen.param("start") or 0)
        end = int(seen.param("end") or 2**63 - 1)
        limit = int(seen.param("limit") or 100)
        if limit > self.max_limit:
            return Reply(
                400,
                text=f"max entries limit per query exceeded, limit > max_entries_"
                f"limit ({limit} > {self.max_limit})",
            )
        backward = (seen.param("direction") or "backward") == "backward"
        hits: list[tuple[int, int, str]] = []  # (ts, stream index, line)
        for index, (labels, entries) in enumerate(self.streams):
            if labels_ok(labels):
                hits += [
                    (ts, index, line) for ts, line in entries if start <= ts < end and line_ok(line)
                ]
        hits.sort(key=lambda h: h[0], reverse=backward)
        return Reply(body={"status": "success", "data": self._answer(hits[:limit])})

    def _count(self, seen: Seen) -> Reply:
        """Only ``sum(count_over_time(<log query> [Ns]))`` at ``time``: a vector."""
        match = _COUNT.match(seen.param("query") or "")
        if not match:
            return Reply(400, text="parse error: only sum(count_over_time(...)) is faked")
        labels_ok, line_ok = parse_logql(match.group("q"))
        end = int(seen.param("time") or 0)
        start = end - int(match.group("r")) * 10**9
        count = sum(
            1
            for labels, entries in self.streams
            if labels_ok(labels)
            for ts, line in entries
            if start < ts <= end and line_ok(line)
        )
        result = [{"metric": {}, "value": [end / 10**9, str(count)]}] if count else []
        return Reply(body={"status": "success", "data": {"resultType": "vector", "result": result}})

    def _answer(self, hits: list[tuple[int, int, str]]) -> dict[str, Any]:
        grouped: dict[int, list[list[str]]] = {}
        for ts, index, line in hits:
            grouped.setdefault(index, []).append([str(ts), line])
        result = [{"stream": self.streams[i][0], "values": values} for i, values in grouped.items()]
        return {
            "resultType": "streams",
            "result": result,
            "stats": {"summary": {"totalEntriesReturned": len(hits)}},
        }
