"""JSON-lines logs: time, level and message fields of one JSON object per line.

The message handed to template mining is the ``msg``/``message`` field followed by the
object's other scalar fields as ``key=value``, so identifiers kept in fields
(``vm_id=vm-21``) are visible to the engine; categorical fields (``verb``, ``method``)
holding one word are written ``key:value`` so their value stays in the template.
"""

from __future__ import annotations

import json
import re
from datetime import tzinfo
from functools import lru_cache

from connectors.files.levels import normalize
from connectors.files.timestamps import (
    EPOCH_MAX,
    EPOCH_MIN,
    FORMATS,
    YearFor,
    fraction,
    seconds_of,
)

# ``t``/``s`` are MongoDB's, ``@t``/``@l``/``@m`` Serilog's compact JSON, ``log`` Docker's,
# ``stageTimestamp`` Kubernetes audit events'.
TIME_KEYS = (
    "ts",
    "time",
    "timestamp",
    "@timestamp",
    "t",
    "@t",
    "date",
    "datetime",
    "stageTimestamp",
    "requestReceivedTimestamp",
    "instant",  # log4j2 JsonLayout: {"epochSecond": ..., "nanoOfSecond": ...}
    "timeMillis",  # log4j2 JsonLayout before 2.11
)
LEVEL_KEYS = ("level", "severity", "lvl", "loglevel", "log.level", "levelname", "s", "@l")
MESSAGE_KEYS = ("msg", "message", "@m", "@mt", "log")
_TIME_KEY_SET = frozenset(TIME_KEYS)
_ISO = FORMATS[0].regex
_NUMERIC_LEVELS = {10: "DEBUG", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL"}
_SCALARS = (str, int, float, bool)
# Fields that name a kind of action or object, with a handful of values each: Kubernetes
# audit ``verb``/``objectRef.resource``, HTTP ``method``, MongoDB ``c`` (component) and
# ``planSummary``, event ``type``/``action``/``operation``.
CATEGORICAL_KEYS = frozenset(
    {
        "verb",
        "resource",
        "subresource",
        "method",
        "kind",
        "action",
        "operation",
        "op",
        "stage",
        "type",
        "c",
        "component",
        "planSummary",
        "newState",
        "oldState",
    }
)
_WORD = re.compile(r"[A-Za-z][A-Za-z_-]{0,23}").fullmatch
# HTTP header maps (MinIO's audit ``requestHeader``/``responseHeader``): transport details
# that every request repeats, not what happened.
_HEADERS = re.compile(r"(?i).*headers?").fullmatch


def load(line: str) -> dict[str, object] | None:
    """The JSON object on ``line``, or None when the line is not one."""
    if not line.startswith("{"):
        return None
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


class TimeParser:
    """Epoch seconds of an object's time field (ISO string or epoch s/ms/us/ns)."""

    def __init__(self, zone: tzinfo, year_for: YearFor) -> None:
        self._zone, self._year_for = zone, year_for
        self._cache: dict[str, float | None] = {}
        # the last ISO stamp read (a whole value): its length, where its fraction starts and
        # ends (both at its end without one), its end
        self._shape = (-1, 0, 0, 0)

    def of(self, obj: dict[str, object]) -> float | None:
        for key in TIME_KEYS:
            value = obj.get(key)
            if value is not None:
                return self._value(value)
        return None

    def _value(self, value: object) -> float | None:
        if type(value) is str:  # the common case first
            return self._iso(value)
        if isinstance(value, dict) and "epochSecond" in value:  # log4j2 instant
            seconds, nanos = value.get("epochSecond"), value.get("nanoOfSecond") or 0
            if isinstance(seconds, int) and isinstance(nanos, int):
                return _epoch(seconds + nanos / 1e9)
            return None
        if isinstance(value, dict):  # MongoDB extended JSON: {"$date": "..."}
            value = value.get("$date")
            if isinstance(value, dict):
                value = value.get("$numberLong")
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            return _epoch(float(value))
        if not isinstance(value, str):
            return None
        return self._iso(value)

    def _iso(self, value: str) -> float | None:
        size, f0, f1, end = self._shape
        if len(value) == size:  # most stamps have the last one's shape: no pattern needed
            base = self._cache.get(value[:f0] + value[f1:end])
            digits = value[f0:f1]
            if base is not None and (f0 == f1 or digits.isdecimal()):
                return base + fraction(digits)
        match = _ISO.match(value)
        if match is None:
            try:
                return _epoch(float(value))
            except ValueError:
                return None
        f0, f1 = match.span("frac")
        end = match.end()
        if f0 < 0:
            f0 = f1 = end
        key = value[:f0] + value[f1:end]
        # a stamp with more after it could match further in a value of the same length
        self._shape = (len(value), f0, f1, end) if end == len(value) else (-1, 0, 0, 0)
        if key not in self._cache:
            if len(self._cache) > 100_000:
                self._cache.clear()
            self._cache[key] = seconds_of(match.groupdict(), self._zone, self._year_for)
        base = self._cache[key]
        return None if base is None else base + fraction(match.group("frac"))


def _epoch(number: float) -> float | None:
    for scale in (1.0, 1e3, 1e6, 1e9):
        if EPOCH_MIN <= number / scale <= EPOCH_MAX:
            return number / scale
    return None


def fields(obj: dict[str, object]) -> tuple[str | None, str]:
    """(level, message) of one JSON log object."""
    level: str | None = None
    level_key: str | None = None
    message_key: str | None = None
    for key in LEVEL_KEYS:
        if key in obj:
            level_key, level = key, _level(obj[key])
            break
    else:  # ECS nested: {"log": {"level": "ERROR"}} (Kibana)
        inner = obj.get("log")
        if isinstance(inner, dict) and "level" in inner:
            level = _level(inner["level"])
    text = ""
    for key in MESSAGE_KEYS:
        value = obj.get(key)
        if isinstance(value, str):
            message_key, text = key, value.rstrip("\n")
            break
    extras = []
    for key, value in obj.items():
        if key in _TIME_KEY_SET or key in (level_key, message_key):
            continue
        if isinstance(value, _SCALARS):
            extras.append(_pair(key, key, value))
        elif isinstance(value, dict) and not _HEADERS(key):  # one level down: attr.error=...
            extras.extend(
                _pair(f"{key}.{sub}", sub, inner)
                for sub, inner in value.items()
                if isinstance(inner, _SCALARS)
            )
    return level, " ".join([text, *extras]).strip() if extras else text


def _pair(name: str, key: str, value: object) -> str:
    """``name=value``; a categorical field (``verb``, ``objectRef.resource``, ``method``)
    holding one short word is written ``name:value`` so template mining keeps its value:
    what was done to what (a secret updated, not a lease) is the message, not a variable."""
    if key in CATEGORICAL_KEYS and isinstance(value, str) and _WORD(value):
        return f"{name}:{value}"
    return f"{name}={value}"


def _level(value: object) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return _NUMERIC_LEVELS.get(value - value % 10)
    return _level_word(value) if isinstance(value, str) else None


@lru_cache(maxsize=1024)  # a file spells its levels a few ways; asked per line
def _level_word(value: str) -> str | None:
    return normalize(value)
