"""The ``notes`` and ``docs`` connector: customer case notes and runbooks as passages.

One document per file (text or markdown). Each paragraph is one :class:`Passage`; a
fenced code block is one paragraph even when it holds blank lines. Locators are unique
per passage so ``cite(locator)`` can return exactly one paragraph:

- ``path#slug`` -- the first paragraph under the heading whose GitHub-style slug is
  ``slug`` (a repeated heading gets ``slug-1``, ``slug-2``, as GitHub does);
- ``path#slug:2``, ``path#slug:3`` -- the following paragraphs of that section;
- ``path`` and ``path#:2``, ``path#:3`` -- paragraphs before the first heading.

``title`` is the document's first heading (else its file name); ``ts`` is the ``date``
of a YAML front matter block when there is one. Binary and unreadable files are skipped
with a note in ``stats.notes``; if no file of the source can be read, ``read`` raises.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.durations import parse_instant
from bot.engine.records import Passage
from bot.errors import ConnectorError
from bot.manifest import DocumentSource, Manifest
from connectors.base import Context, Scope, SourceStats

logger = logging.getLogger(__name__)

_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_NOT_SLUG = re.compile(r"[^\w\- ]", re.UNICODE)
_DATE = re.compile(r"^date:\s*['\"]?([^'\"#]+?)['\"]?\s*$", re.MULTILINE)
_BINARY_SNIFF = 8192
MAX_BYTES = 8 << 20  # a larger "document" is not a note or a runbook


@dataclass(frozen=True, slots=True)
class _Doc:
    title: str
    ts: float | None
    passages: list[tuple[str, str, str]]  # (fragment, heading, text)


def slugify(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces -> ``-``."""
    text = _LINK.sub(r"\1", heading).strip().lower()
    return _NOT_SLUG.sub("", text).replace(" ", "-")


def parse(text: str, name: str, zone: str = "UTC") -> _Doc:
    """Split a document into (fragment, heading, paragraph) triples."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines, ts = _front_matter(lines, zone)
    title: str | None = None
    heading, slug = "", ""
    used: dict[str, int] = {}
    count = 0  # paragraphs in the current section
    passages: list[tuple[str, str, str]] = []
    block: list[str] = []
    fence: str | None = None

    def close() -> None:
        nonlocal count, block
        if block and any(line.strip() for line in block):
            count += 1
            fragment = slug if count == 1 else f"{slug}:{count}"
            passages.append((fragment, heading, "\n".join(block).strip("\n")))
        block = []

    for line in lines:
        if fence is not None:
            block.append(line)
            if line.strip().startswith(fence):
                fence = None
            continue
        opening = _FENCE.match(line)
        if opening:
            fence = opening.group(1)[0] * 3
            block.append(line)
            continue
        match = _HEADING.match(line)
        if match:
            close()
            heading = match.group(2).strip()
            title = title or heading
            slug = _unique(slugify(heading), used)
            count = 0
        elif line.strip():
            block.append(line)
        else:
            close()
    close()
    return _Doc(title or name, ts, passages)


def _unique(slug: str, used: dict[str, int]) -> str:
    if slug not in used:
        used[slug] = 0
        return slug
    used[slug] += 1
    return f"{slug}-{used[slug]}"


def _front_matter(lines: list[str], zone: str) -> tuple[list[str], float | None]:
    if not lines or lines[0].strip() != "---":
        return lines, None
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            match = _DATE.search("\n".join(lines[1:end]))
            ts = None
            if match:
                try:
                    ts = parse_instant(match.group(1).strip(), ZoneInfo(zone)).timestamp()
                except ValueError:
                    ts = None
            return lines[end + 1 :], ts
    return lines, None


class DocumentConnector:
    """Passages of text/markdown files; ``kind`` is the source's (``notes`` or ``docs``)."""

    kind = "notes"

    def __init__(self, source: DocumentSource, manifest: Manifest, context: Context) -> None:
        self.kind = source.kind
        self.name = source.name
        self.stats = SourceStats(name=source.name, kind=source.kind)
        self._source, self._manifest, self._context = source, manifest, context

    def read(self, scope: Scope) -> Iterator[Passage]:
        files = self._files()
        if not files:
            raise ConnectorError(self.name, f"no file matches {', '.join(self._source.paths)}")
        limit = self._source.max_records or self._context.max_records
        problems: list[str] = []
        for rel, path in files.items():
            with self.stats.timed(f"read {rel}", "documents: whole file") as audit:
                doc = self._load(rel, path, scope.timezone, problems)
                if doc is None:
                    continue
                for fragment, heading, text in doc.passages:
                    if self.stats.records >= limit:
                        self.stats.notes.extend(problems)
                        self.stats.notes.append(f"stopped at {limit} passages (max_records)")
                        return
                    self.stats.records += 1
                    audit.count += 1
                    yield self._passage(rel, fragment, heading, text, doc)
        self.stats.notes.extend(problems)
        if len(problems) == len(files):
            raise ConnectorError(self.name, "; ".join(problems))

    def cite(self, locator: str) -> str | None:
        """The paragraph at ``locator`` (see the module docstring), re-read from its file."""
        rel, _, fragment = locator.partition("#")
        path = self._files().get(rel)
        if path is None:
            return None
        doc = self._load(rel, path, self._manifest.timezone, [])
        if doc is None:
            return None
        for candidate, _, text in doc.passages:
            if candidate == fragment or (fragment.endswith(":1") and candidate == fragment[:-2]):
                return text
        return None

    def _passage(self, rel: str, fragment: str, heading: str, text: str, doc: _Doc) -> Passage:
        locator = f"{rel}#{fragment}" if fragment else rel
        meta = {"path": rel, "heading": heading} if heading else {"path": rel}
        return Passage(self.name, locator, doc.title, text, doc.ts, meta)

    def _load(self, rel: str, path: Path, zone: str, problems: list[str]) -> _Doc | None:
        try:
            with open(path, "rb") as fh:
                data = fh.read(MAX_BYTES + 1)
        except OSError as exc:
            problems.append(f"cannot read {rel}: {_reason(exc)}")
            return None
        if len(data) > MAX_BYTES:
            problems.append(f"skipped {rel}: larger than {MAX_BYTES >> 20} MB")
            return None
        if b"\x00" in data[:_BINARY_SNIFF]:
            problems.append(f"skipped {rel}: binary file, not text")
            return None
        text = data.decode("utf-8", "replace").removeprefix("\ufeff")
        if text.count("\ufffd") > max(8, len(text) // 100):
            problems.append(f"skipped {rel}: not UTF-8 text")
            return None
        return parse(text, path.name, zone)

    def _files(self) -> dict[str, Path]:
        found: dict[str, Path] = {}
        for pattern in self._source.paths:
            for path in self._manifest.resolve(pattern):
                found.setdefault(self._manifest.relative(path), path)
        return dict(sorted(found.items()))


def _reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    return (exc.strerror or str(exc)).lower()
