"""Durations and time limits written in messages.

``took 31.2s``, ``elapsed=31200ms``, ``duration: 0:00:31``, ``in 250 ms``,
``latency_ms=812`` are durations; ``timeout=00:00:30``, ``timeout 30s``,
``timed out after 30000 ms``, ``deadline=5s``, ``expected-duration=100ms`` and a unitless
``sessionTimeout=6000`` (milliseconds) are limits. Both come back in seconds.
"""

from __future__ import annotations

import re

from bot.engine.speedups import native

_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "secs": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "m": 60.0,
    "min": 60.0,
    "mins": 60.0,
    "minutes": 60.0,
}
_NUMBER_UNIT = r"(?P<num>\d+(?:\.\d+)?)\s?(?P<unit>ns|us|µs|ms|secs?|seconds?|s|mins?|minutes|m)\b"
_CLOCK = r"(?P<clock>\d{1,2}:\d{2}:\d{2}(?:\.\d+)?)"

_LIMIT = re.compile(
    r"(?:(?P<timeout>time[ _-]?out|timed out after)|deadline|limit|expired after|"
    r"expected[ _-]?(?:duration|time|latency)|threshold)(?P<keyunit>_ms|_s|Ms|Millis|Seconds)?"
    r"\s?(?:[=:]|of|after)?\s?(?:" + _NUMBER_UNIT + "|" + _CLOCK + r"|(?P<bare>\d+(?:\.\d+)?)\b)",
    re.IGNORECASE,
)
# A timeout written without a unit (``sessionTimeout=6000``, ``negotiated timeout 6000``):
# a whole number this large is milliseconds; a smaller one is too ambiguous to read.
_BARE_MS = 1000


def _seconds(match: re.Match[str]) -> float | None:
    if match.group("num"):
        return float(match.group("num")) * _UNITS[match.group("unit").lower()]
    if match.group("clock"):
        h, m, s = match.group("clock").split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)
    bare = match.group("bare")
    if bare and match.group("keyunit"):
        unit = match.group("keyunit").lower().lstrip("_")
        factor = 1e-3 if unit in ("ms", "millis") else 1.0
        return float(bare) * factor
    if bare and match.groupdict().get("timeout") and bare.isdigit() and int(bare) >= _BARE_MS:
        return int(bare) * 1e-3
    return None


def limit_of(message: str) -> float | None:
    """The time limit a message states (``timeout=30s``), in seconds."""
    for match in _LIMIT.finditer(message):
        value = _seconds(match)
        if value:
            return value
    return None


# (The leading ``(?=\d)`` lets the regex engine skip to digits instead of trying both
# branches at every position: half the cost on a long message.)
_VALUE_NUMBER_CLOCK = (
    r"(?=\d)(?:(?<![\w.])(?P<num>\d+(?:\.\d+)?)\s?"
    r"(?P<unit>ns|us|µs|ms|secs?|seconds?|s|mins?|minutes|m)\b"
    r"|(?<![\w:])(?P<clock>\d{1,2}:\d{2}:\d{2}(?:\.\d+)?))"
)
_VALUE = re.compile(
    _VALUE_NUMBER_CLOCK
    + r"|(?P<key>[A-Za-z]\w*?)(?P<keyunit>_ms|_s|Ms|Millis|_millis|_seconds)[=:]\s?(?P<bare>\d+(?:\.\d+)?)"
)
# ``_VALUE`` without its ``key_ms=`` branch, for messages that hold neither ``_`` nor ``Ms``
# (the branch cannot match there, and its lazy key scan is most of the cost).
_VALUE_PLAIN = re.compile(_VALUE_NUMBER_CLOCK)
_BEFORE_LIMIT = re.compile(
    r"(?:time[ _-]?out|deadline|limit|expected[ _-]?(?:duration|time|latency)|threshold)\W*$",
    re.IGNORECASE,
)
_BEFORE_DURATION = re.compile(
    r"(?:took|elapsed|duration|latency|response[ _]time|request[ _]time|time|\bin|after|spent|"
    r"wait(?:ed)?)\W{0,3}$",
    re.IGNORECASE,
)
# A wait chosen before trying again, or a configured period, is no duration of work:
# ``backoff time=10ms``, ``retrying in 5s``, ``retention time 604800000ms``, ``every 30s``.
_BEFORE_DELAY = re.compile(
    r"(?:back[ -]?off|retry(?:ing)?(?: in| after)?|delay(?:ing)?|sleep(?:ing)?|cool[ -]?down|"
    r"next attempt in|retention|interval|period|ttl|every|max[ ._-]?age)"
    r"\W{0,3}(?:time\W{0,3})?$",
    re.IGNORECASE,
)
# A count of things in a period is a rate's window, not how long one took: Redis' "10000
# changes in 60 seconds. Saving...", "1200 requests in 5 minutes".
_BEFORE_COUNT = re.compile(r"(?<![\w.-])\d+ [A-Za-z]+s in\W{0,3}$", re.IGNORECASE)
_SMALL_UNITS = frozenset({"ms", "us", "µs", "ns"})
# Seconds (three years): a "duration" this long is a point in time written in ms
# (``lastCaughtUpTimeMs: 1772703034123``), not how long something took.
POINT_IN_TIME = 1e8


def duration_of(message: str) -> float | None:
    """The duration a message reports (see :func:`_duration_of`); the C version when
    built, which handles ASCII messages and hands the others back."""
    found = native.duration_of(message) if native is not None else NotImplemented
    if found is NotImplemented:
        found = _duration_of(message)
    return None if found is not None and found >= POINT_IN_TIME else found


def _duration_of(message: str) -> float | None:
    """The duration a message reports (``took 31.2s``, ``2269.4ms``, ``latency_ms=812``),
    in seconds; limits (``timeout=30s``) and delays (``backoff time=10ms``) excluded. A
    number in ms/us/ns is a duration even without a word before it; seconds and clock
    times need one (``took``, ``in``)."""
    value = _VALUE if ("_" in message or "Ms" in message or "Millis" in message) else _VALUE_PLAIN
    for match in value.finditer(message):
        if value is _VALUE and match.group("keyunit"):
            if _BEFORE_LIMIT.search(match.group("key")):
                continue
            factor = (
                1e-3
                if match.group("keyunit").lower() in ("_ms", "ms", "millis", "_millis")
                else 1.0
            )
            return float(match.group("bare")) * factor
        start = match.start()
        before = message[max(0, start - 20) : start]
        if _BEFORE_LIMIT.search(before) or _BEFORE_DELAY.search(before):
            continue
        unit = (match.group("unit") or "").lower()
        if unit in _SMALL_UNITS or (
            _BEFORE_DURATION.search(before) and not _BEFORE_COUNT.search(before)
        ):
            return _seconds(match)
    return None
