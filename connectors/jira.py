"""Jira tickets as citable passages (Cloud REST v3 and Server/Data Center REST v2).

- Cloud: ``GET /rest/api/3/search/jql`` paged by ``nextPageToken``; basic auth with an
  e-mail and an API token; descriptions and comments are ADF (converted to text).
- Server/DC: ``GET /rest/api/2/search`` paged by ``startAt``; a bearer PAT (or basic
  user/password); descriptions and comments are wiki text, kept as is.
- ``flavor: auto`` asks ``GET /rest/api/2/serverInfo`` (``deploymentType``).

The manifest's ``jql`` is combined with the window as ``(<jql>) AND created <= "<end>"``:
tickets filed before the incident ended, however old (a past ticket describing the same
failure is prime context), but nothing filed after it. ``keys`` fetch named issues
regardless of dates. JQL dates are read in the Jira user's time zone, so the end is
written in the zone ``/myself`` reports (UTC if that call is not allowed).

Each issue yields one passage (locator ``VMS-112``) and one per comment
(``VMS-112#comment-3``, 1-based, in Jira's order).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.engine.records import Passage, iso
from bot.errors import ConnectorError
from bot.manifest import JiraSource
from connectors.adf import adf_to_text
from connectors.base import Scope
from connectors.http import (
    HttpApi,
    HttpConnector,
    window_text,
)

logger = logging.getLogger(__name__)

FIELDS = "summary,description,status,resolution,created,resolutiondate,labels,components,comment"
PAGE_SIZE = 100
_ISSUE_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*-[0-9]+$")
_ORDER_BY = re.compile(r"\s+order\s+by\s+(?P<order>[^\"']*)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Page:
    issues: list[dict[str, Any]]
    total: int | None  # issues available (Server reports it; Cloud does not)


class JiraConnector(HttpConnector):
    source: JiraSource
    kind: ClassVar[str] = "jira"

    # -- protocol

    def read(self, scope: Scope) -> Iterator[Passage]:
        if not self.source.jql and not self.source.keys:
            raise ConnectorError(self.name, "set jql or keys to say which tickets to read")
        if bad := [k for k in self.source.keys if not _ISSUE_KEY.match(k)]:
            # keys are pasted into the JQL: anything but PROJ-123 could change the query
            raise ConnectorError(self.name, f"keys: {bad[0]!r} is not an issue key like VMS-112")
        with self.open_api() as api:
            version = "3" if self._flavor(api) == "cloud" else "2"
            jql = build_jql(self.source.jql, self.source.keys, scope.end, self._zone(api, version))
            window = window_text(scope.baseline_start, scope.end)
            yield from self._read_issues(api, version, jql, window)

    # -- steps

    def _flavor(self, api: HttpApi) -> str:
        if self.source.flavor != "auto":
            return self.source.flavor
        info = api.get("/rest/api/2/serverInfo", audit="serverInfo") or {}
        deployment = str(info.get("deploymentType", "")).lower()
        flavor = "cloud" if deployment == "cloud" else "server"
        self.stats.notes.append(f"flavor {flavor} (deploymentType {deployment or 'unknown'})")
        return flavor

    def _zone(self, api: HttpApi, version: str) -> str:
        try:
            me = api.get(f"/rest/api/{version}/myself", audit="myself (JQL time zone)") or {}
        except ConnectorError as exc:
            self.stats.notes.append(f"JQL dates in UTC: /myself failed ({exc.reason})")
            return "UTC"
        return str(me.get("timeZone") or "UTC")

    def _read_issues(self, api: HttpApi, version: str, jql: str, window: str) -> Iterator[Passage]:
        cap = self.cap
        taken = 0
        pages = _cloud_pages if version == "3" else _server_pages
        for page in pages(api, jql, window):
            for index, issue in enumerate(page.issues):
                if taken >= cap:
                    self._capped(api, jql, taken, page, index)
                    return
                taken += 1
                for passage in self._passages(api, version, issue):
                    self._texts[passage.locator] = passage.text
                    self.stats.records += 1
                    yield passage

    def _capped(self, api: HttpApi, jql: str, taken: int, page: _Page, index: int) -> None:
        total = page.total if page.total is not None else self._cloud_count(api, jql)
        left = total - taken if total is not None else len(page.issues) - index
        # Each issue left out would give at least one passage: a lower bound of what exists.
        self.stats.total = self.stats.records + max(left, 1)
        more = "" if total is not None else " at least"
        self.stats.notes.append(f"cap of {taken} issues reached;{more} {left} more match the JQL")

    def _cloud_count(self, api: HttpApi, jql: str) -> int | None:
        """Cloud's search has no total; ask the (read-only) approximate-count search."""
        bare = _ORDER_BY.sub("", jql)
        try:
            data = api.post(
                "/rest/api/3/search/approximate-count",
                body={"jql": bare},
                audit=f"count JQL {bare}",
            )
        except ConnectorError as exc:
            self.stats.notes.append(f"no issue count: {exc.reason}")
            return None
        count = (data or {}).get("count")
        return int(count) if isinstance(count, int) else None

    def _passages(self, api: HttpApi, version: str, issue: dict[str, Any]) -> Iterator[Passage]:
        key = str(issue.get("key"))
        fields = issue.get("fields") or {}
        yield issue_passage(self.name, self.source.url, key, fields)
        comments = list(_comments(api, version, key, fields.get("comment")))
        for number, comment in enumerate(comments, 1):
            yield comment_passage(self.name, self.source.url, key, number, comment)


# --------------------------------------------------------------------------- paging


def _cloud_pages(api: HttpApi, jql: str, window: str) -> Iterator[_Page]:
    token: str | None = None
    while True:
        params: dict[str, Any] = {"jql": jql, "fields": FIELDS, "maxResults": PAGE_SIZE}
        if token:
            params["nextPageToken"] = token
        data = _issues_answer(api, "/rest/api/3/search/jql", params, jql, window)
        issues = data.get("issues") or []
        yield _Page(issues, None)
        token = data.get("nextPageToken")
        if not token or data.get("isLast") or not issues:
            return


def _server_pages(api: HttpApi, jql: str, window: str) -> Iterator[_Page]:
    start = 0
    while True:
        params = {"jql": jql, "fields": FIELDS, "startAt": start, "maxResults": PAGE_SIZE}
        data = _issues_answer(api, "/rest/api/2/search", params, jql, window)
        issues = data.get("issues") or []
        total = int(data.get("total", start + len(issues)))
        yield _Page(issues, total)
        start += len(issues)
        if not issues or start >= total:
            return


def _issues_answer(
    api: HttpApi, path: str, params: dict[str, Any], jql: str, window: str
) -> dict[str, Any]:
    data = api.get(
        path,
        params=params,
        audit=f"JQL {jql}",
        window=window,
        count=lambda d: len((d or {}).get("issues") or []),
    )
    if not isinstance(data, dict) or not isinstance(data.get("issues", []), list):
        raise ConnectorError(api.source, f"{path} answered an unexpected shape (no issues list)")
    for warning in data.get("warningMessages") or []:
        logger.warning("source %s: Jira warns about the JQL: %s", api.source, warning)
    return data


def _comments(api: HttpApi, version: str, key: str, embedded: Any) -> Iterator[dict[str, Any]]:
    """Comments of one issue: those embedded in the search answer, then the rest paged."""
    embedded = embedded or {}
    comments = list(embedded.get("comments") or [])
    yield from comments
    total = int(embedded.get("total", len(comments)) or 0)
    start = len(comments)
    while start < total:
        data = (
            api.get(
                f"/rest/api/{version}/issue/{key}/comment",
                params={"startAt": start, "maxResults": PAGE_SIZE},
                audit=f"comments of {key}",
                count=lambda d: len((d or {}).get("comments") or []),
            )
            or {}
        )
        page = data.get("comments") or []
        if not page:
            return
        yield from page
        start += len(page)
        total = int(data.get("total", total))


# --------------------------------------------------------------------------- mapping


def build_jql(jql: str | None, keys: list[str], end: float, zone: str = "UTC") -> str:
    """The manifest's JQL bounded by the window end, OR the named keys; ordered."""
    order = "created DESC"
    parts = []
    if jql:
        body = jql.strip()
        if match := _ORDER_BY.search(body):
            order, body = match.group("order").strip(), body[: match.start()].strip()
        parts.append(f'({body}) AND created <= "{jql_time(end, zone)}"')
    if keys:
        parts.append(f"key in ({', '.join(keys)})")
    where = " OR ".join(f"({p})" for p in parts) if len(parts) > 1 else parts[0]
    return f"{where} ORDER BY {order}"


def jql_time(ts: float, zone: str) -> str:
    """``yyyy/MM/dd HH:mm`` in ``zone``, rounded *up* to the minute (JQL has no seconds)."""
    try:
        tz: Any = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = UTC
    when = datetime.fromtimestamp(math.ceil(ts / 60) * 60, tz)
    return when.strftime("%Y/%m/%d %H:%M")


def parse_time(value: Any) -> float | None:
    """Jira's ``2025-11-03T10:12:00.000+0000`` (or any ISO 8601 form) -> epoch seconds."""
    if not value:
        return None
    text = str(value).replace("Z", "+00:00")
    text = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", text)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def _name(value: Any) -> str:
    return str(value.get("name", "")) if isinstance(value, dict) else str(value or "")


def issue_passage(source: str, base_url: str, key: str, fields: dict[str, Any]) -> Passage:
    summary = str(fields.get("summary") or "")
    created = parse_time(fields.get("created"))
    resolved = parse_time(fields.get("resolutiondate"))
    meta = {
        "status": _name(fields.get("status")),
        "resolution": _name(fields.get("resolution")) or "Unresolved",
        "created": iso(created) or "",
        "resolved": iso(resolved) or "",
        "labels": ", ".join(str(label) for label in fields.get("labels") or []),
        "components": ", ".join(_name(c) for c in fields.get("components") or []),
        "url": f"{base_url.rstrip('/')}/browse/{key}",
    }
    head = [
        f"{key}: {summary}",
        f"Status: {meta['status'] or '-'} | Resolution: {meta['resolution']}",
        f"Created: {meta['created'] or '-'} | Resolved: {meta['resolved'] or '-'}",
        f"Labels: {meta['labels'] or '-'} | Components: {meta['components'] or '-'}",
    ]
    description = adf_to_text(fields.get("description")).strip()
    text = "\n".join(head) + (f"\n\n{description}" if description else "")
    return Passage(source=source, locator=key, title=summary, text=text, ts=created, meta=meta)


def comment_passage(
    source: str, base_url: str, key: str, number: int, comment: dict[str, Any]
) -> Passage:
    author = comment.get("author") or {}
    who = str(author.get("displayName") or author.get("name") or "someone")
    created = parse_time(comment.get("created"))
    url = f"{base_url.rstrip('/')}/browse/{key}"
    if comment.get("id"):
        url += f"?focusedCommentId={comment['id']}"
    return Passage(
        source=source,
        locator=f"{key}#comment-{number}",
        title=f"{key} comment {number} by {who}",
        text=adf_to_text(comment.get("body")).strip(),
        ts=created,
        meta={"author": who, "created": iso(created) or "", "url": url, "issue": key},
    )
