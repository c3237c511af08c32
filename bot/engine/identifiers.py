"""Identifiers that tie records together across sources.

Generic shapes only: UUIDs, long hex ids, ``key=value`` pairs whose key names an id
(request, session, trace, order, vm, ...), ``name-123`` style names, plus the
manifest's ``correlate.ids`` patterns (a named group ``id`` selects the part to keep).
A distinctive value is the identity whatever its key is called, so ``vm=vm-21`` in one
source meets ``vm-21`` in another.

Hot path: one cheap scan for tokens that contain a digit, then a cached verdict per
token; most tokens repeat (hosts, thread names) or are rejected by a character test.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_CANDIDATE = re.compile(r"[A-Za-z0-9_][\w.:/=@#-]*\d[\w.:/=@#-]*")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HEX = re.compile(r"(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{12,64}")
_NAMED = re.compile(r"[a-z][a-z]{1,15}[-_]{1,2}\d{1,20}")
_ID_KEY = re.compile(
    r"(?:^|[_.-])(?:id|uuid|guid|request|req|session|sess|trace|span|correlation|corr|txn|"
    r"transaction|order|job|task|conn|connection|user|vm|instance|container|pod|block|blk|"
    r"ticket|payment|cart|invoice|account|msg|message|query|xid|operation|op|call|deployment|"
    r"node|worker|client|tenant|customer|key)(?:[_-]?ids?)?$|id$"
)
_KEY_NORMAL = {
    "req": "request",
    "sess": "session",
    "corr": "correlation",
    "blk": "block",
    "txn": "transaction",
    "conn": "connection",
    "msg": "message",
    "op": "operation",
}
_NOT_ID_KEYS = frozenset({"pid", "ppid", "tid", "thread_id", "threadid", "uid", "gid", "port"})
_CACHE_LIMIT = 200_000


def _verdict(token: str) -> str | None:
    """The identifier a token stands for, or None."""
    token = token.strip(".:,;/#-").lower()
    key, sep, value = token.partition("=")
    if sep:
        if key in _NOT_ID_KEYS or not _ID_KEY.search(key) or not any(c.isdigit() for c in value):
            return None
        value = value.strip(".:,;/\"'")
        if value.isdigit():  # a bare number only means something with its key
            base = re.sub(r"[_-]?ids?$", "", key) or key
            return f"{_KEY_NORMAL.get(base, base)}={value}"
        return _verdict(value) or (value if len(value) >= 6 else None)
    if _UUID.fullmatch(token) or _HEX.fullmatch(token) or _NAMED.fullmatch(token):
        return token
    return None


class IdentifierExtractor:
    """Finds identifiers in a message; the manifest's patterns come first."""

    def __init__(self, patterns: Iterable[str] = ()) -> None:
        self._custom = [re.compile(p) for p in patterns]
        self._cache: dict[str, str | None] = {}

    def extract(self, message: str) -> list[str]:
        found: list[str] = []
        for pattern in self._custom:
            for match in pattern.finditer(message):
                found.append((match.groupdict().get("id") or match.group(0)).lower())
        cache = self._cache
        for token in _CANDIDATE.findall(message):
            try:
                ident = cache[token]
            except KeyError:
                if len(cache) > _CACHE_LIMIT:
                    cache.clear()
                ident = cache[token] = _verdict(token)
            if ident is not None:
                found.append(ident)
        if len(found) > 1:
            return list(dict.fromkeys(found))
        return found


def id_kind(identifier: str) -> str:
    """A readable kind for an identifier: ``vm`` for ``vm-21``, ``session`` for ``session=..``."""
    if "=" in identifier:
        return identifier.split("=", 1)[0]
    match = re.match(r"([a-z]+)[-_]+\d", identifier)
    if match:
        return match.group(1)
    return "id"
