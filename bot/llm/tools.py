"""The investigator's read-only tools, with the allow-list and scope enforced in code.

Tools wrap a case lookup (``bot.lookup.CaseLookup`` or anything with the same
methods). Whatever the model asks, code checks it first: the tool exists, the source
is in the manifest, the window lies inside the case window (baseline included), the
call is not a repeat, and the result fits the per-call token cap. Refusals are values
(``status="refused"``) with a message the model can act on, never exceptions.
Every item a tool returns joins the evidence pack, so the model can cite it by id.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.durations import parse_instant
from bot.engine.records import Passage, Record, iso
from bot.errors import ScopeError
from bot.llm.client import ToolCall, parse_arguments
from bot.llm.pack import EvidencePack, PackEntry, fence, render_entry
from bot.llm.tokens import count_tokens
from bot.manifest import Manifest

logger = logging.getLogger(__name__)

MAX_PATTERN = 200
SEARCH_LIMIT = 20
TIMELINE_LIMIT = 15  # records are multi-line: 15 fit the per-call cap on a busy case
RECORDS_LIMIT = 30
_DOC_KINDS = {"notes", "docs"}


class Lookup(Protocol):
    """What the tools need from ``bot.lookup.CaseLookup`` (times are epoch seconds)."""

    def search(
        self,
        text: str,
        source: str | None = None,
        regex: bool = False,
        start: float | None = None,
        end: float | None = None,
        limit: int = 20,
    ) -> Any: ...
    def timeline(self, identifier: str, limit: int = 40) -> Any: ...
    def between(
        self, start: float, end: float, source: str | None = None, limit: int = 30
    ) -> Any: ...
    def ticket(self, key: str) -> list[Passage]: ...
    def doc(self, locator_prefix: str) -> list[Passage]: ...


class Refused(Exception):
    """A tool call the code will not run; the message goes back to the model."""


@dataclass(frozen=True, slots=True)
class ToolResult:
    status: str  # ok | no_data | refused | error
    content: str
    tokens: int
    items: int = 0


def _fn(name: str, description: str, properties: dict[str, Any], required: list[str]) -> dict:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": False,
            },
        },
    }


_STR = {"type": "string"}
_TIME = {"type": ["string", "null"], "description": "ISO 8601, inside the case window"}

TOOL_DEFINITIONS: list[dict[str, Any]] = [
    _fn(
        "search",
        "Find log lines in one source (or all when source is null) containing "
        "text, or matching a regex, optionally inside a sub-window.",
        {
            "source": {"type": ["string", "null"]},
            "text": _STR,
            "regex": {"type": "boolean"},
            "start": _TIME,
            "end": _TIME,
        },
        ["source", "text", "regex", "start", "end"],
    ),
    _fn(
        "timeline",
        "Every record mentioning one identifier (vm-21, a session id...) "
        "across sources, in time order.",
        {"identifier": _STR},
        ["identifier"],
    ),
    _fn(
        "records",
        "Log lines of one source between two instants.",
        {"source": _STR, "start": _STR, "end": _STR},
        ["source", "start", "end"],
    ),
    _fn("ticket", "A ticket and its comments by key (e.g. VMS-112).", {"key": _STR}, ["key"]),
    _fn(
        "doc",
        "Sections of a note or runbook by path, optionally #section.",
        {"path": _STR},
        ["path"],
    ),
]
TOOL_NAMES = frozenset(t["function"]["name"] for t in TOOL_DEFINITIONS)


class ToolBox:
    """Runs checked tool calls against a lookup and renders results for the model."""

    def __init__(
        self, lookup: Lookup, manifest: Manifest, pack: EvidencePack, *, per_call_tokens: int = 1500
    ) -> None:
        self.lookup, self.manifest, self.pack = lookup, manifest, pack
        self.per_call_tokens = per_call_tokens
        self._zone = ZoneInfo(manifest.timezone)
        self._start = manifest.window.baseline_start
        self._end = manifest.window.end
        self._seen: set[str] = set()
        self._handlers: dict[str, Callable[[dict[str, Any]], tuple[str, Sequence[Any]]]] = {
            "search": self._search,
            "timeline": self._timeline,
            "records": self._records,
            "ticket": self._ticket,
            "doc": self._doc,
        }

    @property
    def definitions(self) -> list[dict[str, Any]]:
        return TOOL_DEFINITIONS

    def run(self, call: ToolCall) -> ToolResult:
        try:
            args = self._check(call)
            title, items = self._handlers[call.name](args)
        except (Refused, ScopeError) as exc:
            return self._result("refused", f"REFUSED: {exc}")
        except Exception as exc:  # a lookup failure is a value for the model, not a crash
            logger.exception("tool %s failed", call.name)
            return self._result("error", f"ERROR: the lookup failed ({type(exc).__name__})")
        return self._render(title, items)

    # ------------------------------------------------------------------ checks

    def _check(self, call: ToolCall) -> dict[str, Any]:
        if call.name not in TOOL_NAMES:
            raise Refused(
                f"unknown tool {call.name!r}; the tools are {', '.join(sorted(TOOL_NAMES))}"
            )
        try:
            args = parse_arguments(call)
        except ValueError as exc:
            raise Refused(f"arguments are not a JSON object ({exc})") from exc
        key = f"{call.name}:{json.dumps(args, sort_keys=True)}"
        if key in self._seen:
            raise Refused("this exact call was already made; use its result or ask differently")
        self._seen.add(key)
        return args

    def _source(self, name: Any, kinds: set[str] | None = None) -> str | None:
        if name in (None, ""):
            return None
        names = {s.name: s.kind for s in self.manifest.sources}
        if name not in names:
            raise Refused(f"source {name!r} is not in this case; sources: {', '.join(names)}")
        if kinds and names[name] not in kinds:
            raise Refused(f"source {name!r} is a {names[name]} source")
        return str(name)

    def _instant(self, value: Any, default: datetime) -> float:
        if value in (None, ""):
            return default.timestamp()
        try:
            moment = parse_instant(str(value), self._zone)
        except ValueError as exc:
            raise Refused(str(exc)) from exc
        if not self._start <= moment <= self._end:
            raise Refused(
                f"{value} is outside the case window "
                f"{iso(self._start.timestamp())} .. {iso(self._end.timestamp())}"
            )
        return moment.timestamp()

    def _text(self, args: dict[str, Any], key: str) -> str:
        value = args.get(key)
        if not isinstance(value, str) or not value.strip():
            raise Refused(f"{key!r} must be a non-empty string")
        if len(value) > MAX_PATTERN:
            raise Refused(f"{key!r} is longer than {MAX_PATTERN} characters")
        return value

    # ------------------------------------------------------------------ tools

    def _search(self, args: dict[str, Any]) -> tuple[str, Sequence[Any]]:
        text, regex = self._text(args, "text"), bool(args.get("regex"))
        if regex:
            try:
                re.compile(text)
            except re.error as exc:
                raise Refused(f"invalid regex: {exc}") from exc
        source = self._source(args.get("source"))
        start = self._instant(args.get("start"), self._start)
        end = self._instant(args.get("end"), self._end)
        result = self.lookup.search(
            text, source=source, regex=regex, start=start, end=end, limit=SEARCH_LIMIT
        )
        return _titled(f"search {source or 'all sources'} {text!r}", result)

    def _timeline(self, args: dict[str, Any]) -> tuple[str, Sequence[Any]]:
        identifier = self._text(args, "identifier")
        return _titled(
            f"timeline {identifier!r}", self.lookup.timeline(identifier, limit=TIMELINE_LIMIT)
        )

    def _records(self, args: dict[str, Any]) -> tuple[str, Sequence[Any]]:
        source = self._source(self._text(args, "source"))
        start = self._instant(self._text(args, "start"), self._start)
        end = self._instant(self._text(args, "end"), self._end)
        if end <= start:
            raise Refused("end must be after start")
        result = self.lookup.between(start, end, source=source, limit=RECORDS_LIMIT)
        return _titled(f"records {source} {iso(start)} .. {iso(end)}", result)

    def _ticket(self, args: dict[str, Any]) -> tuple[str, Sequence[Any]]:
        if not any(s.kind == "jira" for s in self.manifest.sources):
            raise Refused("this case has no ticket source")
        key = self._text(args, "key")
        return f"ticket {key}", self.lookup.ticket(key)

    def _doc(self, args: dict[str, Any]) -> tuple[str, Sequence[Any]]:
        if not any(s.kind in _DOC_KINDS for s in self.manifest.sources):
            raise Refused("this case has no notes or docs source")
        path = self._text(args, "path")
        if ".." in path.split("/"):
            raise Refused("paths may not leave the case folder")
        return f"doc {path}", self.lookup.doc(path)

    # ------------------------------------------------------------------ output

    def _render(self, title: str, items: Sequence[Record | Passage]) -> ToolResult:
        if not items:
            return self._result("no_data", f"{title}: nothing found")
        preview = [render_entry(PackEntry("E9999", i, self.pack._shown(i))) for i in items]
        tokens = count_tokens("\n".join([title, *preview]))
        if tokens > self.per_call_tokens:
            return self._result(
                "refused",
                (
                    f"REFUSED: the result is too large ({tokens} tokens > {self.per_call_tokens} "
                    "per call). Narrow the query: one source, a shorter window, or a more "
                    "specific text or regex."
                ),
            )
        lines = [self.pack.render_item(item) for item in items]
        return self._result("ok", fence("\n".join([title, *lines])), len(items))

    def _result(self, status: str, content: str, items: int = 0) -> ToolResult:
        return ToolResult(status, content, count_tokens(content), items)


def _titled(title: str, result: Any) -> tuple[str, Sequence[Any]]:
    """Accepts a ``LookupResult(records, total)`` or a plain list."""
    records = list(getattr(result, "records", result) or [])
    total = getattr(result, "total", len(records))
    more = f" (showing {len(records)} of {total})" if total > len(records) else ""
    if capped := list(getattr(result, "capped", None) or ()):
        more += (
            f" (read stopped at the record cap in {', '.join(capped)}: later records were "
            "not searched; ask for a shorter window)"
        )
    return f"{title}: {len(records)} results{more}", records
