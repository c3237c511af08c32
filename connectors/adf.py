"""Atlassian Document Format (Jira Cloud's rich text, API v3) -> readable plain text.

Block nodes become lines; lists get ``- `` / ``1. `` markers; code blocks are fenced;
tables become ``a | b`` rows; mentions, emoji, dates and cards keep their visible text.
Unknown nodes contribute their children's text, so new node types degrade gracefully.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

Node = dict[str, Any]

_BLOCK_SEP = "\n"


def adf_to_text(doc: Any) -> str:
    """Plain text of an ADF document (or of a string, returned as is; None -> '')."""
    if doc is None:
        return ""
    if isinstance(doc, str):
        return doc
    if not isinstance(doc, dict):
        return str(doc)
    return _block(doc).strip("\n")


def _children(node: Node) -> list[Node]:
    content = node.get("content")
    return [c for c in content if isinstance(c, dict)] if isinstance(content, list) else []


def _inline(node: Node) -> str:
    """Text of inline content (text, mentions, breaks ...)."""
    kind = node.get("type")
    attrs = node.get("attrs") or {}
    if kind == "text":
        return str(node.get("text", ""))
    if kind == "hardBreak":
        return "\n"
    if kind == "mention":
        return str(attrs.get("text") or "@" + str(attrs.get("id", "someone")))
    if kind == "emoji":
        return str(attrs.get("text") or attrs.get("shortName") or "")
    if kind in ("inlineCard", "blockCard", "embedCard"):
        return str(attrs.get("url", ""))
    if kind == "date":
        return _date(attrs.get("timestamp"))
    if kind == "status":
        return f"[{attrs.get('text', '')}]"
    if kind in ("media", "mediaInline"):
        return "[attachment]"
    return "".join(_inline(c) for c in _children(node))


def _date(value: Any) -> str:
    try:
        return datetime.fromtimestamp(int(value) / 1000, UTC).date().isoformat()
    except (TypeError, ValueError, OverflowError):
        return str(value or "")


def _list(node: Node, ordered: bool) -> str:
    start = int((node.get("attrs") or {}).get("order", 1) or 1)
    lines = []
    for index, item in enumerate(_children(node)):
        marker = f"{start + index}. " if ordered else "- "
        body = _block(item).strip("\n")
        lines.append(marker + body.replace("\n", "\n   " if ordered else "\n  "))
    return "\n".join(lines)


def _table(node: Node) -> str:
    rows = []
    for row in _children(node):
        cells = [_block(cell).strip("\n").replace("\n", " ") for cell in _children(row)]
        rows.append(" | ".join(cells))
    return "\n".join(rows)


def _code(node: Node) -> str:
    language = (node.get("attrs") or {}).get("language") or ""
    body = "".join(_inline(c) for c in _children(node))
    return f"```{language}\n{body}\n```"


def _quote(node: Node) -> str:
    inner = _blocks(_children(node))
    return "\n".join("> " + line for line in inner.split("\n"))


def _heading(node: Node) -> str:
    level = int((node.get("attrs") or {}).get("level", 1) or 1)
    return "#" * level + " " + "".join(_inline(c) for c in _children(node))


_BLOCKS: dict[str, Callable[[Node], str]] = {
    "paragraph": lambda n: "".join(_inline(c) for c in _children(n)),
    "heading": _heading,
    "bulletList": lambda n: _list(n, ordered=False),
    "orderedList": lambda n: _list(n, ordered=True),
    "codeBlock": _code,
    "blockquote": _quote,
    "rule": lambda n: "---",
    "table": _table,
    "mediaSingle": lambda n: "[attachment]",
    "mediaGroup": lambda n: "[attachment]",
}


def _blocks(nodes: list[Node]) -> str:
    return _BLOCK_SEP.join(part for part in (_block(n) for n in nodes) if part != "")


def _block(node: Node) -> str:
    handler = _BLOCKS.get(str(node.get("type")))
    if handler:
        return handler(node)
    children = _children(node)
    if children and all(_is_inline(c) for c in children):
        return "".join(_inline(c) for c in children)
    if not children:
        return _inline(node)
    return _blocks(children)  # doc, listItem, panel, expand, tableCell, layouts ...


_INLINE = {"text", "hardBreak", "mention", "emoji", "inlineCard", "date", "status", "mediaInline"}


def _is_inline(node: Node) -> bool:
    return node.get("type") in _INLINE
