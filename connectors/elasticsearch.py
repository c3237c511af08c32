"""Elasticsearch and OpenSearch documents as records.

One ``bool`` query: the manifest's ``query`` as ``query_string`` plus a ``range`` filter
on the timestamp field for baseline start .. window end, sorted by timestamp then a
tiebreaker, with exact ``track_total_hits`` (so a cap can say "N of M").

- Elasticsearch: a point in time (``POST /<index>/_pit?keep_alive=1m``), pages through
  ``POST /_search`` with ``search_after``, and ``DELETE /_pit`` at the end (that releases
  the search context; it changes no data).
- OpenSearch (``GET /`` says ``version.distribution == "opensearch"``): scroll
  (``POST /<index>/_search?scroll=1m``, ``POST /_search/scroll``, ``DELETE /_search/scroll``).

``fields`` maps dotted ``_source`` paths. Locator ``es:<index>/<_id>``; ``text`` is the
message field verbatim.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterator
from contextlib import closing
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote

from bot.engine.records import Record, iso
from bot.errors import ConnectorError
from bot.manifest import ElasticsearchSource
from connectors.base import Scope
from connectors.http import (
    HttpApi,
    HttpConnector,
    auth_headers,
    window_text,
)

logger = logging.getLogger(__name__)

KEEP_ALIVE = "1m"
Hit = dict[str, Any]
Pages = Generator[tuple[int, list[Hit]], None, None]  # (total hits, one page)


def get_path(document: Any, path: str) -> Any:
    """``_source`` value at a dotted path: a literal ``a.b`` key wins, else nested lookup."""
    if not isinstance(document, dict):
        return None
    if path in document:
        return document[path]
    head, dot, rest = path.partition(".")
    if not dot:
        return None
    # the longest literal prefix that exists, e.g. {"log.level": ...} inside {"event": {...}}
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        key = ".".join(parts[:cut])
        if key in document:
            return get_path(document[key], ".".join(parts[cut:]))
    return get_path(document.get(head), rest)


def parse_timestamp(value: Any) -> float | None:
    """ISO 8601 (any precision) or epoch milliseconds -> epoch seconds."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) / 1000
    text = str(value).strip()
    if text.isdigit():
        return int(text) / 1000
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


class ElasticsearchConnector(HttpConnector):
    source: ElasticsearchSource
    kind: ClassVar[str] = "elasticsearch"

    def read(self, scope: Scope) -> Iterator[Record]:
        cap = self.cap
        with self.open_api() as api:
            flavor = self._flavor(api)
            pages = self._scroll if flavor == "opensearch" else self._pit
            # closing(): the search context is released before the client closes
            with closing(pages(api, scope)) as stream:
                for total, hits in stream:
                    for hit in hits:
                        if self.stats.records >= cap:
                            self.stats.total = max(total, self.stats.records + 1)
                            self.stats.notes.append(f"cap of {cap} documents reached")
                            return
                        record = self._record(hit)
                        if record is not None:
                            yield record

    # -- steps

    def headers(self) -> dict[str, str]:
        scheme = "Bearer" if self.source.flavor == "opensearch" else "ApiKey"
        return auth_headers(self.name, self.source.auth, self.context.env, token_scheme=scheme)

    def _flavor(self, api: HttpApi) -> str:
        if self.source.flavor != "auto":
            return self.source.flavor
        info = api.get("/", audit="cluster info") or {}
        version = info.get("version") or {}
        flavor = "opensearch" if version.get("distribution") == "opensearch" else "elasticsearch"
        self.stats.notes.append(f"flavor {flavor} {version.get('number', '')}".rstrip())
        return flavor

    def search_body(self, scope: Scope) -> dict[str, Any]:
        """The ``bool`` query, range filter, sort and ``_source`` filter of every page."""
        fields = self.source.fields
        wanted = [f for f in (fields.timestamp, fields.message, fields.level) if f]
        return {
            "size": self.source.page_size,
            "query": {
                "bool": {
                    "must": [{"query_string": {"query": self.source.query}}],
                    "filter": [
                        {
                            "range": {
                                fields.timestamp: {
                                    "gte": iso(scope.baseline_start),
                                    "lte": iso(scope.end),
                                    "format": "strict_date_optional_time",
                                }
                            }
                        }
                    ],
                }
            },
            "sort": [{fields.timestamp: {"order": "asc"}}],
            "track_total_hits": True,
            "_source": wanted,
        }

    def _pit(self, api: HttpApi, scope: Scope) -> Pages:
        index = quote(self.source.index, safe="*,-_.")
        window = window_text(scope.baseline_start, scope.end)
        opened = api.post(
            f"/{index}/_pit",
            params={"keep_alive": KEEP_ALIVE},
            body=None,
            audit=f"open point in time on {self.source.index}",
        )
        pit_id = (opened or {}).get("id")
        if not pit_id:
            raise ConnectorError(self.name, "the point-in-time answer has no id")
        body = self.search_body(scope)
        body["sort"].append({"_shard_doc": "asc"})
        try:
            while True:
                body["pit"] = {"id": pit_id, "keep_alive": KEEP_ALIVE}
                data = self._search(api, "/_search", body, window)
                pit_id = data.get("pit_id") or pit_id
                total, hits = _hits(self.name, data)
                yield total, hits
                if len(hits) < self.source.page_size:
                    return
                body["search_after"] = hits[-1].get("sort")
        finally:
            self._release(api, "/_pit", {"id": pit_id}, "close point in time")

    def _scroll(self, api: HttpApi, scope: Scope) -> Pages:
        index = quote(self.source.index, safe="*,-_.")
        window = window_text(scope.baseline_start, scope.end)
        body = self.search_body(scope)
        body["sort"].append("_doc")
        data = self._search(api, f"/{index}/_search", body, window, {"scroll": KEEP_ALIVE})
        scroll_id = data.get("_scroll_id")
        try:
            while True:
                total, hits = _hits(self.name, data)
                yield total, hits
                if not hits or not scroll_id:
                    return
                data = self._search(
                    api, "/_search/scroll", {"scroll": KEEP_ALIVE, "scroll_id": scroll_id}, window
                )
                scroll_id = data.get("_scroll_id") or scroll_id
        finally:
            if scroll_id:
                self._release(api, "/_search/scroll", {"scroll_id": [scroll_id]}, "clear scroll")

    def _search(
        self,
        api: HttpApi,
        path: str,
        body: dict[str, Any],
        window: str,
        params: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        audit = f"{self.source.index}: {self.source.query}"
        data = api.post(
            path,
            params=params,
            body=body,
            audit=audit,
            window=window,
            count=lambda d: len(((d or {}).get("hits") or {}).get("hits") or []),
        )
        if not isinstance(data, dict):
            raise ConnectorError(self.name, f"{path} answered a non-object")
        failed = (data.get("_shards") or {}).get("failed") or 0
        if data.get("timed_out") or failed:
            note = f"partial results: timed_out={bool(data.get('timed_out'))}, {failed} shard(s) failed"
            if note not in self.stats.notes:
                self.stats.notes.append(note)
        return data

    def _release(self, api: HttpApi, path: str, body: dict[str, Any], what: str) -> None:
        try:
            api.delete(path, body=body, audit=what)
        except ConnectorError as exc:  # the context expires on its own after keep_alive
            logger.info("source %s: %s failed: %s", self.name, what, exc.reason)

    def _record(self, hit: Hit) -> Record | None:
        fields = self.source.fields
        document = hit.get("_source") or {}
        text = get_path(document, fields.message)
        if text is None:
            self.stats.odd_lines += 1
            return None
        text = str(text)
        ts = parse_timestamp(get_path(document, fields.timestamp))
        if ts is None and hit.get("sort"):
            ts = parse_timestamp(hit["sort"][0])
        level = get_path(document, fields.level) if fields.level else None
        locator = f"es:{hit.get('_index')}/{hit.get('_id')}"
        self._texts[locator] = text
        self.stats.records += 1
        return Record(
            source=self.name,
            path=locator,
            line=0,
            ts=ts,
            level=str(level).upper() if level else None,
            message=text,
            text=text,
            labels={"index": str(hit.get("_index"))},
        )


def _hits(source: str, data: dict[str, Any]) -> tuple[int, list[Hit]]:
    block = data.get("hits")
    if not isinstance(block, dict) or not isinstance(block.get("hits"), list):
        raise ConnectorError(source, "search answer has no hits.hits list")
    total = block.get("total")
    count = total.get("value") if isinstance(total, dict) else total
    return int(count or 0), block["hits"]
