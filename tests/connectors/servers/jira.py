"""A fake Jira speaking the documented REST shapes.

Cloud (``deployment="Cloud"``): ``GET /rest/api/3/search/jql`` with ``nextPageToken``
paging, ADF bodies, basic auth (e-mail + API token); the old ``/search`` answers 410.
Server/DC: ``GET /rest/api/2/search`` with ``startAt``/``maxResults``/``total``, wiki
text bodies, bearer PAT. Both: ``/rest/api/2/serverInfo``, ``/rest/api/{2,3}/myself``,
``/rest/api/{2,3}/issue/{key}/comment`` paging; Cloud's
``POST /rest/api/3/search/approximate-count``. Search answers embed only the first
``embedded_comments`` comments (with the true ``total``) so the client must page the rest.

Issues are given in a simple form::

    {"key": "VMS-112", "project": "VMS", "summary": "...", "description": "text",
     "status": "Done", "resolution": "Fixed", "created": "2025-11-03T10:12:00Z",
     "resolved": "...", "labels": [...], "components": [...],
     "comments": [{"author": "Ana", "body": "text", "created": "..."}]}
"""

from __future__ import annotations

import base64
import re
from datetime import datetime
from typing import Any

from servers.base import Reply, Seen
from servers.jql import JqlError, compile_jql

_COMMENTS = re.compile(r"^/rest/api/(2|3)/issue/([A-Z][A-Z0-9]*-\d+)/comment$")


def jira_time(stamp: str | None) -> str | None:
    """``2025-11-03T10:12:00Z`` -> Jira's ``2025-11-03T10:12:00.000+0000``."""
    if not stamp:
        return None
    when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return when.strftime("%Y-%m-%dT%H:%M:%S.000%z")


def adf(text: str) -> dict[str, Any]:
    """Plain text -> an ADF doc: blank lines split paragraphs, newlines become hardBreaks."""
    paragraphs = []
    for block in text.split("\n\n"):
        content: list[dict[str, Any]] = []
        for index, line in enumerate(block.split("\n")):
            if index:
                content.append({"type": "hardBreak"})
            if line:
                content.append({"type": "text", "text": line})
        paragraphs.append({"type": "paragraph", "content": content})
    return {"type": "doc", "version": 1, "content": paragraphs}


class JiraFake:
    def __init__(
        self,
        issues: list[dict[str, Any]],
        *,
        deployment: str = "Cloud",
        email: str = "ops@example.com",
        token: str = "s3cret-token",
        user_zone: str = "UTC",
        page_size: int = 2,
        embedded_comments: int = 1,
        comment_page: int = 2,
        anonymous: bool = False,
    ) -> None:
        self.issues = issues
        self.deployment = deployment
        self.email, self.token = email, token
        self.user_zone = user_zone
        self.page_size = page_size
        self.embedded_comments = embedded_comments
        self.comment_page = comment_page
        self.anonymous = anonymous  # requests without credentials may browse (public project)

    @property
    def cloud(self) -> bool:
        return self.deployment == "Cloud"

    def __call__(self, seen: Seen) -> Reply:
        if seen.path == "/rest/api/2/serverInfo":
            version = "1001.0.0-SNAPSHOT" if self.cloud else "9.12.4"
            return Reply(
                body={
                    "baseUrl": "http://jira",
                    "version": version,
                    "deploymentType": self.deployment,
                }
            )
        if not self._authorized(seen):
            return Reply(
                401,
                {
                    "errorMessages": [
                        "You are not authenticated. "
                        "Authentication required to perform this operation."
                    ],
                    "errors": {},
                },
            )
        if re.fullmatch(r"/rest/api/(2|3)/myself", seen.path):
            return Reply(body={"name": self.email, "timeZone": self.user_zone})
        if seen.path in ("/rest/api/3/search/jql", "/rest/api/2/search/jql") and self.cloud:
            return self._search_cloud(seen)
        if seen.path in ("/rest/api/2/search", "/rest/api/3/search"):
            if self.cloud:
                return Reply(
                    410,
                    {
                        "errorMessages": [
                            "The requested API has been removed. "
                            "Please migrate to /rest/api/3/search/jql."
                        ]
                    },
                )
            return self._search_server(seen)
        if seen.path == "/rest/api/3/search/approximate-count" and seen.method == "POST":
            return self._count(seen)
        if match := _COMMENTS.match(seen.path):
            return self._comments(match.group(2), seen, v3=match.group(1) == "3")
        return Reply(404, {"errorMessages": [f"no route {seen.path}"]})

    def _authorized(self, seen: Seen) -> bool:
        header = seen.header("authorization") or ""
        if self.anonymous and not header:
            return True
        if self.cloud:
            pair = base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
            return header == f"Basic {pair}"
        return header == f"Bearer {self.token}"

    def _count(self, seen: Seen) -> Reply:
        found = self._matching(seen, (seen.json() or {}).get("jql", ""))
        return found if isinstance(found, Reply) else Reply(body={"count": len(found)})

    def _matching(self, seen: Seen, jql: str | None = None) -> list[dict[str, Any]] | Reply:
        text = seen.param("jql") or "" if jql is None else jql
        try:
            predicate, field, descending = compile_jql(text, self.user_zone)
        except JqlError as exc:
            return Reply(400, {"errorMessages": [f"Error in the JQL Query: {exc}"], "errors": {}})
        found = [issue for issue in self.issues if predicate(issue)]
        return sorted(found, key=lambda i: str(i.get(field) or ""), reverse=descending)

    def _page_size(self, seen: Seen) -> int:
        return min(int(seen.param("maxResults", "50") or 50), self.page_size)

    def _search_cloud(self, seen: Seen) -> Reply:
        found = self._matching(seen)
        if isinstance(found, Reply):
            return found
        token = seen.param("nextPageToken")
        start = int(base64.b64decode(token).decode()) if token else 0
        end = start + self._page_size(seen)
        body: dict[str, Any] = {
            "issues": [self._issue(i, seen, v3=True) for i in found[start:end]],
            "isLast": end >= len(found),
        }
        if end < len(found):
            body["nextPageToken"] = base64.b64encode(str(end).encode()).decode()
        return Reply(body=body)

    def _search_server(self, seen: Seen) -> Reply:
        found = self._matching(seen)
        if isinstance(found, Reply):
            return found
        start = int(seen.param("startAt", "0") or 0)
        size = self._page_size(seen)
        issues = [self._issue(i, seen, v3=False) for i in found[start : start + size]]
        return Reply(
            body={"startAt": start, "maxResults": size, "total": len(found), "issues": issues}
        )

    def _issue(self, issue: dict[str, Any], seen: Seen, v3: bool) -> dict[str, Any]:
        wanted = set((seen.param("fields") or "*all").split(","))
        comments = issue.get("comments", [])
        fields: dict[str, Any] = {
            "summary": issue["summary"],
            "description": adf(issue["description"])
            if v3 and issue.get("description")
            else issue.get("description"),
            "status": {"name": issue.get("status", "Open")},
            "resolution": {"name": issue["resolution"]} if issue.get("resolution") else None,
            "created": jira_time(issue.get("created")),
            "updated": jira_time(issue.get("updated") or issue.get("created")),
            "resolutiondate": jira_time(issue.get("resolved")),
            "labels": issue.get("labels", []),
            "components": [{"name": c} for c in issue.get("components", [])],
            "comment": {
                "comments": [
                    self._comment(issue, n, v3)
                    for n in range(min(self.embedded_comments, len(comments)))
                ],
                "maxResults": self.embedded_comments,
                "total": len(comments),
                "startAt": 0,
            },
        }
        if "*all" not in wanted:
            fields = {k: v for k, v in fields.items() if k in wanted}
        return {
            "id": str(10000 + self.issues.index(issue)),
            "key": issue["key"],
            "self": f"http://jira/rest/api/2/issue/{issue['key']}",
            "fields": fields,
        }

    def _comment(self, issue: dict[str, Any], n: int, v3: bool) -> dict[str, Any]:
        comment = issue["comments"][n]
        return {
            "id": str(20000 + n),
            "author": {"displayName": comment.get("author", "someone")},
            "body": adf(comment["body"]) if v3 else comment["body"],
            "created": jira_time(comment.get("created")),
        }

    def _comments(self, key: str, seen: Seen, v3: bool) -> Reply:
        issue = next((i for i in self.issues if i["key"] == key), None)
        if issue is None:
            return Reply(
                404,
                {
                    "errorMessages": [
                        "Issue does not exist or you do not have permission to see it."
                    ]
                },
            )
        start = int(seen.param("startAt", "0") or 0)
        size = min(int(seen.param("maxResults", "50") or 50), self.comment_page)
        total = len(issue.get("comments", []))
        page = [self._comment(issue, n, v3) for n in range(start, min(start + size, total))]
        return Reply(body={"startAt": start, "maxResults": size, "total": total, "comments": page})
