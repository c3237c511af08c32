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

from bot.engine.speedups import native

# Tokens holding a digit: ``[A-Za-z0-9_][\w.:/=@#-]*\d[\w.:/=@#-]*``, written so that it
# runs in linear time (that form backtracks over every position of a digit-free run). A
# match starts at the first ASCII word character of a run of ``[\w.:/=@#-]`` and takes
# the rest of the run, provided a digit follows inside the run -- the same matches.
_CANDIDATE = re.compile(
    r"(?<![\w.:/=@#-])(?:[^\W0-9A-Za-z_]|[.:/=@#-])*+"
    r"([A-Za-z0-9_](?=[\w.:/=@#-]*?\d)[\w.:/=@#-]*+)"
)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HEX = re.compile(r"(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{12,64}")
# A whole word that is a lowercase hex id: what ``_verdict`` makes of it is the word itself.
_PLAIN_HEX = _HEX.fullmatch
# A whole word that is a lowercase ``name-123``: ``_verdict`` keeps it as it is.
_PLAIN_NAME = re.compile(r"[a-z]{2,16}[-_]{1,2}[0-9]{1,20}").fullmatch
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


def identifiers_of(word: str) -> tuple[str, ...]:
    """The identifiers one word stands for, in order."""
    return tuple(
        ident for token in _CANDIDATE.findall(word) if (ident := _verdict(token)) is not None
    )


# A run of the characters a candidate is made of ('=' aside), and what no identifier holds.
_RUN = re.compile(r"[A-Za-z0-9_.:/@#-]+")
_SEPARATOR = re.compile(r"[/:.@#]")


def no_identifier(word: str) -> bool:
    """Whether :func:`identifiers_of` is sure to find nothing in ``word``, told cheaply.

    An ASCII word without ``=`` has at most one candidate per run of candidate
    characters: the run from its first letter, digit or ``_``. Stripped as
    :func:`_verdict` strips it, a candidate that still holds ``/ : . @ #`` is no UUID,
    hex id or ``name-123``: paths, addresses, versions, dotted names and decimals are
    judged here without the patterns (``_speedups.c`` does the same)."""
    if not word.isascii() or "=" in word:
        return False
    for run in _RUN.findall(word):
        start = next((i for i, c in enumerate(run) if c.isalnum() or c == "_"), -1)
        if start >= 0 and not _SEPARATOR.search(run[start:].rstrip(".:,;/#-")):
            return False
    return True


class IdentifierExtractor:
    """Finds identifiers in a message; the manifest's patterns come first.

    Candidate tokens never span whitespace (it is outside their character class), so a
    message's candidates are those of its whitespace-separated words, in order; each
    word's identifiers are cached, and most words repeat from line to line.
    """

    def __init__(self, patterns: Iterable[str] = ()) -> None:
        self._custom = [re.compile(p) for p in patterns]
        self._words: dict[str, tuple[str, ...]] = {}

    def extract(self, message: str, words: list[str] | None = None) -> list[str]:
        """Identifiers in ``message``, in order, each once. ``words``, when given, is
        ``message.split(" ")`` made by the caller: words that still hold other whitespace
        yield the same candidates, which never span whitespace."""
        found: list[str] = []
        for pattern in self._custom:
            if not pattern.groups:  # the whole match is the id
                found.extend(map(str.lower, pattern.findall(message)))
            else:
                self._grouped(pattern, message, found)
        words = message.split() if words is None else words
        if native is not None:
            native.id_words(words, self._words, self._word, found)
        else:
            self._scan_words(words, found)
        if len(found) > 1:
            return list(dict.fromkeys(found))
        return found

    @staticmethod
    def _grouped(pattern: re.Pattern[str], message: str, found: list[str]) -> None:
        """A manifest pattern with groups: its ``id`` group, else the whole match."""
        for match in pattern.finditer(message):
            found.append((match.groupdict().get("id") or match.group(0)).lower())

    def _scan_words(self, words: list[str], found: list[str]) -> None:
        get = self._words.get
        for word in words:
            idents = get(word)
            if idents is None:
                if word.isdigit():
                    continue  # a bare number is no identifier without a key
                if _PLAIN_HEX(word) or _PLAIN_NAME(word):
                    found.append(word)  # mostly unique: not worth a cache slot
                    continue
                idents = self._word(word)
            if idents:
                found.extend(idents)

    def _word(self, word: str) -> tuple[str, ...]:
        if no_identifier(word):
            return ()  # mostly unique (paths, addresses, decimals): not worth a cache slot
        idents = identifiers_of(word)
        if len(self._words) > _CACHE_LIMIT:
            self._words.clear()
        self._words[word] = idents
        return idents


def id_kind(identifier: str) -> str:
    """A readable kind for an identifier: ``vm`` for ``vm-21``, ``session`` for ``session=..``."""
    if "=" in identifier:
        return identifier.split("=", 1)[0]
    match = re.match(r"([a-z]+)[-_]+\d", identifier)
    if match:
        return match.group(1)
    return "id"
