"""Masking: replace the variable parts of a log message with ``<*>``.

One combined regular expression does the work in a single pass (the hot path of the
template miner). The parts are exposed as named, compiled patterns (``PATTERNS``) so
other stages can reuse them, e.g. to find every IP or UUID in a line.

Order matters: longer, more specific shapes (URLs, UUIDs, timestamps) are tried
before the generic ones (hex, numbers) at each position. Numbers are matched only
when not glued to letters, so ``blk_123`` masks to ``blk_<*>`` while ``HTTP`` or
``u0`` stay; whole tokens such as ``vm-21`` or ``node7.example.com`` become ``<*>``.
"""

from __future__ import annotations

import re
from typing import Final

from bot.engine.speedups import native

WILDCARD: Final = "<*>"

# A value ends at whitespace or at punctuation that usually separates fields.
_VALUE_END = r"""[^\s,;&)\]}>"']"""
_NOT_ALNUM_BEFORE = r"(?<![A-Za-z0-9])"
_NOT_ALNUM_AFTER = r"(?![A-Za-z0-9])"

# name -> regex source. Kept in match priority order.
_SOURCES: Final[dict[str, str]] = {
    "url": r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>]+",
    "email": r"\b[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\b",
    "uuid": (r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
    "datetime": (
        r"\b\d{4}[-/]\d{1,2}[-/]\d{1,2}"
        r"(?:[T ]\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)?"
        r"(?:Z|[+-]\d{2}:?\d{2})?(?![\w/])"
    ),
    "syslog_date": (
        r"\b(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s+)?"
        r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\s+\d{1,2},?"
        r"(?:\s+\d{4})?(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)?(?:\s+\d{4})?\b"
    ),
    "time": _NOT_ALNUM_BEFORE + r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,:]\d+)?" + _NOT_ALNUM_AFTER,
    "ipv4": _NOT_ALNUM_BEFORE + r"(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?" + _NOT_ALNUM_AFTER,
    "ipv6": (
        r"(?<![\w:])(?=[0-9a-fA-F:]*\d)(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}"
        r"(?:%\w+)?(?![\w:])|\[[0-9a-fA-F:]{2,}\](?::\d{1,5})?"
    ),
    "path": r"(?<![\w.\-/\\])(?:[A-Za-z]:)?(?:[\\/]+[\w.$@+~-]+){2,}[\\/]?",
    "host_port": r"\b(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}:\d{1,5}\b",
    "host": r"\b(?=[\w.-]*\d)[A-Za-z0-9][\w-]*(?:\.[\w-]+)+\.[a-z]{2,}\b",
    "quoted": r"\"[^\"\s]+\"|'[^'\s]+'",
    "duration": (
        r"(?<![A-Za-z0-9])[<>]?=?\d+(?:\.\d+)?(?:ms|us|µs|ns|s|m|h|d"
        r"|\s?(?:sec|secs|seconds?|msecs?|millis(?:econds?)?|minutes?|mins?|hours?|days?))\b"
    ),
    "size": (r"(?<![A-Za-z0-9])\d+(?:\.\d+)?\s?(?:[KMGTP]i?B|[kKMGT]|bytes?|B)\b"),
    "name_number": r"\b[A-Za-z]+(?:[-_][A-Za-z]+)*-\d+\b(?!\.\w)",
    "hex": (
        r"\b0[xX][0-9a-fA-F]+\b"
        r"|\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{6,}\b"
    ),
    "number": _NOT_ALNUM_BEFORE + r"[-+]?\d+(?:[.,]\d+)*" + _NOT_ALNUM_AFTER,
}

# ``key=value`` keeps the key and masks the value; handled by its own pattern because
# the replacement is not a plain wildcard.
KEY_VALUE: Final = re.compile(r"\b([A-Za-z_][\w.-]*)=((?:<\*>|" + _VALUE_END + r")+)")

PATTERNS: Final[dict[str, re.Pattern[str]]] = {
    name: re.compile(source) for name, source in _SOURCES.items()
}
PATTERNS["key_value"] = KEY_VALUE

# Only a run holding a digit or one of / \ @ " ' [ (or a month/day name) can match,
# so the guard rejects plain words with one scan instead of trying every pattern.
_GUARD: Final = (
    r"(?<![A-Za-z0-9])(?=[^\s\d/\\@\"'\[]*[\d/\\@\"'\[]"
    r"|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec))"
)
_COMBINED: Final = re.compile(
    _GUARD + "(?:" + "|".join(f"(?:{source})" for source in _SOURCES.values()) + ")"
)


def _key_value(match: re.Match[str]) -> str:
    if match.group(2) == WILDCARD or categorical(match.group(1), match.group(2)):
        return match.group(0)
    return f"{match.group(1)}={WILDCARD}"


# Keys that name the kind of action or event, with a handful of one-word values each: an
# audit line's ``operationType=UPDATE``, auditd's ``type=CONFIG_CHANGE``, ``action=delete``.
# What was done is the message, not a variable (JSON lines: ``jsonlines.CATEGORICAL_KEYS``).
_CATEGORY_KEY: Final = re.compile(
    r"(?:operation|op|action|verb|method|event|kind)(?:_?type)?|type|resource_?type",
    re.IGNORECASE,
).fullmatch
_CATEGORY_VALUE: Final = re.compile(r"[A-Za-z][A-Za-z_-]{0,23}").fullmatch


def categorical(key: str, value: str) -> bool:
    """Whether ``key=value`` names a kind of action or event (its value is kept)."""
    return bool(_CATEGORY_KEY(key) and _CATEGORY_VALUE(value))


# Shapes that contain a space (``403 bytes``, ``Jun 17 07:07:00``, ``2026-02-10 14:47``):
# a message with one of them is masked whole, the others word by word.
# (Two simple patterns scan faster than one alternation; a false alarm only costs time.)
_SPAN_UNIT: Final = re.compile(
    r"\d\s(?:sec|secs|seconds?|msecs?|millis|minutes?|mins?|hours?|days?|[KMGTP]i?B\b|[kKMGT]\b"
    r"|bytes?\b|B\b|\d{1,2}:\d{2})"
)
_SPAN_MONTH: Final = re.compile(r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\s+\d")
_PART_CACHE: dict[str, str] = {}
_PART_CACHE_LIMIT = 200_000


def mask(message: str, words: list[str] | None = None) -> str:
    """``message`` with every variable part replaced by ``<*>``.

    Messages are masked word by word (split on single spaces) through a bounded cache:
    most words repeat from line to line, so the regular expressions run only on the few
    words that are new. Variable parts never contain a space, except date-times and
    syslog dates, which become one ``<*>`` per word. ``words``, when given, is
    ``message.split(" ")`` already made by the caller (the engine shares it).
    """
    if native is not None:
        if native.has_span(message):
            return mask_text(message)
        return native.mask_words(words or message.split(" "), _PART_CACHE, _mask_part)
    if _has_span(message):
        return mask_text(message)  # a variable part with a space in it: mask it whole
    return _mask_words(words or message.split(" "))


def _has_span(message: str) -> bool:
    return bool(_SPAN_UNIT.search(message) or _SPAN_MONTH.search(message))


def _mask_words(words: list[str]) -> str:
    get = _PART_CACHE.get
    return " ".join([get(part) or _mask_part(part) for part in words])


# Words that mask to one ``<*>`` whatever the patterns say, checked against ``mask_text``
# (tests/engine/test_masking.py): a number with up to three dots (``24.626``, an IPv4
# address), a long lowercase hex id holding a digit, a path of two or more segments, a
# name and its number (``volume-4624``, ``pool-worker-7``: the ``name_number`` pattern).
# Such words are mostly unique, so they skip the patterns and the cache.
_PLAIN_VALUE: Final = re.compile(
    r"[0-9]+(?:\.[0-9]+){0,3}|(?=[a-f]*[0-9])[0-9a-f]{6,}|(?:/[\w.$@+~-]+){2,}/?"
    r"|[A-Za-z]+(?:[-_][A-Za-z]+)*-[0-9]+"
).fullmatch


def _mask_part(part: str) -> str:
    """One word of :func:`mask` that the cache does not hold (or that masks to "")."""
    masked = _PART_CACHE.get(part)
    if masked is None:
        if _PLAIN_VALUE(part):
            return WILDCARD  # mostly unique: not worth a cache slot
        masked = mask_text(part)
        if len(_PART_CACHE) >= _PART_CACHE_LIMIT:
            _PART_CACHE.clear()
        _PART_CACHE[part] = masked
    return masked


def mask_text(text: str) -> str:
    """The regular-expression masking of any text (the slow path of :func:`mask`)."""
    masked = _COMBINED.sub(WILDCARD, text)
    if "=" in masked:
        masked = KEY_VALUE.sub(_key_value, masked)
    if "*>" in masked:
        masked = _JOINED.sub(WILDCARD, masked)
    return masked


# What the C loop of ``Engine.add_all`` needs to mask a message as :func:`mask` does.
MASK_HOOKS: Final = (_PART_CACHE, _mask_part, mask_text)

# Variables joined by a colon, dot, dash or slash are one variable: ``worker_0:34`` reads as
# a time (one ``<*>``) and ``worker_0:2`` as two numbers; both must give one template.
_JOINED: Final = re.compile(r"<\*>(?:[:./-]<\*>)+")


def find(kind: str, text: str) -> list[str]:
    """Every match of one named pattern (see ``PATTERNS``) in ``text``."""
    return [m.group(0) for m in PATTERNS[kind].finditer(text)]
