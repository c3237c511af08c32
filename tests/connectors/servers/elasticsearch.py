"""A fake Elasticsearch / OpenSearch for read paths: ``_search``, PIT, scroll.

Elasticsearch (``distribution="elasticsearch"``): ``POST /<index>/_pit?keep_alive=``,
``POST /_search`` with ``pit`` + ``search_after`` (a PIT search names no index),
answers carry a fresh ``pit_id``; ``DELETE /_pit``. OpenSearch: ``GET /`` reports
``version.distribution: opensearch``; ``POST /<index>/_search?scroll=``,
``POST /_search/scroll``, ``DELETE /_search/scroll``. Queries: a ``bool`` with
``query_string`` (``*``, ``field:value`` and bare words joined by AND) and ``range``
filters on date fields; ``sort`` on the timestamp then ``_shard_doc``/``_doc``.
"""

from __future__ import annotations

import fnmatch
import itertools
from datetime import datetime
from typing import Any

from connectors.elasticsearch import get_path
from servers.base import Reply, Seen

Doc = dict[str, Any]


def _ms(value: Any) -> int:
    if isinstance(value, int | float):
        return int(value)
    return int(datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp() * 1000)


class ElasticFake:
    def __init__(
        self,
        indices: dict[str, list[Doc]],
        *,
        distribution: str = "elasticsearch",
        timestamp: str = "@timestamp",
        message: str = "message",
    ) -> None:
        self.indices = indices  # index -> [{"_id": ..., "_source": {...}}]
        self.distribution = distribution
        self.timestamp, self.message = timestamp, message
        self.contexts: dict[str, dict[str, Any]] = {}  # open PITs / scrolls
        self.closed: list[str] = []
        self._ids = itertools.count(1)

    def __call__(self, seen: Seen) -> Reply:
        path, method = seen.path, seen.method
        if path == "/" and method == "GET":
            return Reply(body=self._info())
        if method == "DELETE" and path in ("/_pit", "/_search/scroll"):
            return self._close(seen)
        if method == "POST" and path.endswith("/_pit") and self.distribution == "elasticsearch":
            return self._open_pit(path.removesuffix("/_pit").strip("/"))
        if method == "POST" and path == "/_search/scroll":
            return self._scroll_next(seen.json())
        if method == "POST" and path.endswith("_search"):
            index = path.removesuffix("_search").strip("/")
            return self._search(index, seen)
        return Reply(
            400,
            {
                "error": {
                    "type": "illegal_argument_exception",
                    "reason": f"no handler for {method} {path}",
                },
                "status": 400,
            },
        )

    def _info(self) -> dict[str, Any]:
        if self.distribution == "opensearch":
            return {
                "name": "os1",
                "version": {"distribution": "opensearch", "number": "2.11.1"},
                "tagline": "The OpenSearch Project: https://opensearch.org/",
            }
        return {
            "name": "es1",
            "version": {"number": "8.12.2", "build_flavor": "default"},
            "tagline": "You Know, for Search",
        }

    def _docs(self, pattern: str) -> list[tuple[str, Doc]]:
        names = [n for n in self.indices if any(fnmatch.fnmatch(n, p) for p in pattern.split(","))]
        return [(name, doc) for name in sorted(names) for doc in self.indices[name]]

    def _open_pit(self, index: str) -> Reply:
        pit = f"pit-{next(self._ids)}"
        self.contexts[pit] = {"index": index}
        return Reply(body={"id": pit})

    def _close(self, seen: Seen) -> Reply:
        body = seen.json() or {}
        ids = body.get("scroll_id") or [body.get("id")]
        freed = 0
        for cid in ids if isinstance(ids, list) else [ids]:
            root = str(cid).split("~")[0]
            if self.contexts.pop(root, None) is not None:
                freed += 1
                self.closed.append(root)
        return Reply(body={"succeeded": True, "num_freed": freed})

    def _search(self, index: str, seen: Seen) -> Reply:
        body = seen.json() or {}
        if "pit" in body:
            if index:
                return Reply(
                    400,
                    {
                        "error": {
                            "type": "action_request_validation_exception",
                            "reason": "[indices] cannot be used with point in time",
                        },
                        "status": 400,
                    },
                )
            root = str(body["pit"]["id"]).split("~")[0]
            if root not in self.contexts:
                return Reply(
                    404,
                    {
                        "error": {
                            "type": "search_context_missing_exception",
                            "reason": "No search context found",
                        },
                        "status": 404,
                    },
                )
            index = self.contexts[root]["index"]
            matched = self._query(index, body)
            after = body.get("search_after")
            hits = [h for h in matched if not after or h["sort"] > list(after)]
            page = self._page(hits, body, seen, total=len(matched))
            page["pit_id"] = f"{root}~{next(self._ids)}"  # ES may hand back a new id
            return Reply(body=page)
        if seen.param("scroll"):
            sid = f"scroll-{next(self._ids)}"
            hits = self._query(index, body)
            self.contexts[sid] = {"hits": hits, "pos": 0, "body": body}
            return self._scroll_page(sid, seen)
        return Reply(body=self._page(self._query(index, body), body, seen))

    def _scroll_next(self, body: dict[str, Any]) -> Reply:
        sid = str(body.get("scroll_id", "")).split("~")[0]
        if sid not in self.contexts:
            return Reply(
                404,
                {
                    "error": {
                        "type": "search_context_missing_exception",
                        "reason": "No search context found",
                    },
                    "status": 404,
                },
            )
        return self._scroll_page(sid, None)

    def _scroll_page(self, sid: str, seen: Seen | None) -> Reply:
        ctx = self.contexts[sid]
        size = int(ctx["body"].get("size", 10))
        chunk = ctx["hits"][ctx["pos"] : ctx["pos"] + size]
        ctx["pos"] += size
        page = self._page(chunk, ctx["body"], seen, total=len(ctx["hits"]))
        page["_scroll_id"] = f"{sid}~{ctx['pos']}"
        return Reply(body=page)

    def _query(self, index: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        query = body.get("query", {}).get("bool", {})
        hits = []
        for position, (name, doc) in enumerate(self._docs(index)):
            source = doc["_source"]
            if all(
                self._clause(c, source) for c in query.get("must", []) + query.get("filter", [])
            ):
                stamp = _ms(get_path(source, self.timestamp))
                hits.append(
                    {
                        "_index": name,
                        "_id": doc["_id"],
                        "_score": None,
                        "_source": source,
                        "sort": [stamp, position],
                    }
                )
        return sorted(hits, key=lambda h: h["sort"])

    def _clause(self, clause: dict[str, Any], source: Doc) -> bool:
        if "range" in clause:
            [(field, bounds)] = clause["range"].items()
            value = get_path(source, field)
            if value is None:
                return False
            ms = _ms(value)
            return ("gte" not in bounds or ms >= _ms(bounds["gte"])) and (
                "lte" not in bounds or ms <= _ms(bounds["lte"])
            )
        if "query_string" in clause:
            return self._query_string(clause["query_string"]["query"], source)
        raise ValueError(f"unsupported clause {clause}")

    def _query_string(self, text: str, source: Doc) -> bool:
        for term in text.split(" AND "):
            term = term.strip()
            if term in ("*", ""):
                continue
            field, colon, value = term.partition(":")
            if colon:
                have = get_path(source, field)
                if str(have).lower() != value.strip('"').lower():
                    return False
            elif term.strip('"').lower() not in str(get_path(source, self.message)).lower():
                return False
        return True

    def _page(
        self,
        hits: list[dict[str, Any]],
        body: dict[str, Any],
        seen: Seen | None,
        total: int | None = None,
    ) -> dict[str, Any]:
        size = int(body.get("size", 10))
        wanted = body.get("_source")
        page = []
        for hit in hits[:size]:
            source = hit["_source"]
            if isinstance(wanted, list):
                source = {
                    k: v
                    for k, v in source.items()
                    if any(w == k or w.startswith(k + ".") for w in wanted)
                }
            page.append({**hit, "_source": source})
        count = len(hits) if total is None else total
        return {
            "took": 1,
            "timed_out": False,
            "hits": {"total": {"value": count, "relation": "eq"}, "max_score": None, "hits": page},
        }
