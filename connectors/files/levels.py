"""Log levels: normalisation of the many spellings, and where a file keeps its level.

Levels are normalised to ``DEBUG, INFO, WARN, ERROR, FATAL``. A file's level sits at a
fixed token after the timestamp (``INFO`` in log4j, ``D`` after pid and tid in Android,
``LOG:`` after ``[pid]`` in PostgreSQL, ``[error]`` in Apache); the position is detected
once per file from a sample, then read per line with one ``split`` and a dict lookup.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

_WORDS: dict[str, str] = {
    "TRACE": "DEBUG",
    "FINEST": "DEBUG",
    "FINER": "DEBUG",
    "FINE": "DEBUG",
    "VERBOSE": "DEBUG",
    "DEBUG": "DEBUG",
    "DBG": "DEBUG",
    "VRB": "DEBUG",  # Serilog [VRB]
    "DBUG": "DEBUG",
    "TRCE": "DEBUG",
    "INFO": "INFO",
    "INF": "INFO",
    "INFORMATION": "INFO",
    "INFORMATIONAL": "INFO",
    "NOTICE": "INFO",
    "LOG": "INFO",
    "NOTE": "INFO",  # MySQL 5.7 / MariaDB [Note]
    "SYSTEM": "INFO",  # MySQL 8 [System]
    "WARN": "WARN",
    "WARNING": "WARN",
    "WRN": "WARN",
    "ERROR": "ERROR",
    "ERR": "ERROR",
    "EROR": "ERROR",  # Grafana lvl=eror
    "FAIL": "ERROR",  # .NET console: fail:, crit:, dbug:, trce:
    "SEVERE": "ERROR",
    "FATAL": "FATAL",
    "FTL": "FATAL",  # Serilog [FTL]
    "CRITICAL": "FATAL",
    "CRIT": "FATAL",
    "PANIC": "FATAL",
    "EMERG": "FATAL",
    "EMERGENCY": "FATAL",
    "ALERT": "FATAL",
}
# One-letter levels (Android logcat, glog) and Redis' role-free markers; only ever looked
# up at the token position a file was seen to use, so "I" in prose is never a level.
_LETTERS: dict[str, str] = {
    "V": "DEBUG",
    "D": "DEBUG",
    "I": "INFO",
    "W": "WARN",
    "E": "ERROR",
    "F": "FATAL",
    "A": "FATAL",
    "*": "INFO",
    "#": "WARN",
}
_PUNCT = "[]()<>{}:,;|="
_CAPITALS = frozenset({"LOG"})  # levels only when written in capitals (PostgreSQL LOG:)
_MAX_INDEX = 8  # tokens after the timestamp searched for a level
_KEEP_BEFORE = 3  # from this index on, the tokens before the level stay in the message
_CACHE_MAX = 4096


_KEYS = ("LEVEL", "LVL", "SEVERITY", "LOGLEVEL")  # logfmt: level=warn, severity=ERROR


def normalize(token: str) -> str | None:
    """``'[warning]'`` -> ``'WARN'``, ``'[proxy:error]'`` -> ``'ERROR'``,
    ``'[info][gc]'`` -> ``'INFO'`` (JVM unified logging), ``'level=warn'`` -> ``'WARN'``
    (logfmt); else None."""
    word = token.strip(_PUNCT)
    if len(word) == 1:
        return _LETTERS.get(word)
    upper = word.upper()
    if upper in _CAPITALS and word != upper:  # "log" in "log [WRN]" is no level
        return None
    level = _WORDS.get(upper)
    if level is None and ":" in word:  # Apache 2.4: [proxy:error]; Python: WARNING:root:msg
        level = _WORDS.get(word.rpartition(":")[2].upper()) or _WORDS.get(
            word.partition(":")[0].upper()
        )
    if level is None and "][" in word:  # [info][gc,heap]: the first tag that is a level
        level = next((lv for tag in word.split("][") if (lv := _WORDS.get(tag.upper()))), None)
    if level is None and "=" in word:
        key, _, value = word.partition("=")
        if key.upper() in _KEYS:
            level = _WORDS.get(value.strip("\"'").upper())
    return level


class LevelReader:
    """Reads the level at a fixed token index of the text after the timestamp."""

    __slots__ = ("_cache", "index")

    def __init__(self, index: int | None) -> None:
        self.index = index
        self._cache: dict[str, str | None] = {}

    def lookup(self, token: str) -> str | None:
        level = self._cache.get(token, "")
        if level == "":
            level = normalize(token)
            if len(self._cache) < _CACHE_MAX:
                self._cache[token] = level
        return level

    def split(self, rest: str) -> tuple[str | None, str]:
        """(level, message) of the text after the timestamp."""
        index = self.index
        if index is not None:
            parts = rest.split(None, index + 1)
            if len(parts) > index:
                level = self.lookup(parts[index])
                if level is not None:
                    message = parts[index + 1].lstrip(" \t:|-]") if len(parts) > index + 1 else ""
                    if index >= _KEEP_BEFORE:  # e.g. BGL node ids before "RAS KERNEL INFO"
                        message = " ".join([*parts[:index], message]).rstrip()
                    return level, message
        return None, rest.lstrip(" \t:|,]")  # "]": the tail of a bracketed stamp


def detect_index(rests: Iterable[str]) -> int | None:
    """The token index after the timestamp that most often holds a level, if any."""
    hits: Counter[int] = Counter()
    total = 0
    for rest in rests:
        total += 1
        for index, token in enumerate(rest.split(None, _MAX_INDEX)[:_MAX_INDEX]):
            if normalize(token):
                hits[index] += 1
                break
    if not hits:
        return None
    index, count = hits.most_common(1)[0]
    if index >= _KEEP_BEFORE and (count < 2 or count * 2 < total):
        return None  # deep in the line: a word of prose ("handshake error"), not a level
    if index and count < 2 <= total:
        return None  # one line of several: prose ("TLS Error: ..."), not the file's level
    return index if count * 3 >= total else None
