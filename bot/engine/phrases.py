"""Short, readable quotes of log templates for hypothesis titles and summaries.

A mined template such as ``checkout[<*>] order=<*> payment authorization timed out after
<*> returning <*>`` is exact but hard to read. :func:`phrase` turns it, with one record
of the template, into what the message says:

- a structured message field (logfmt or JSON ``msg``/``message``/``event``) is the
  message, plus its ``error``/``reason`` field when that has words of its own;
- ``key=<*>`` fields, leading ``host prog[pid]:`` prefixes, logger names, thread names in
  brackets and level words are dropped;
- a masked slot is filled with the record's value when that is short and reads as a
  quantity or a word (``Killed process 4242 (java)``, ``pool exhausted (max=50)``),
  and dropped when it is an identifier, a path or a stamp;
- the result is capped at a word boundary.

Pure functions over strings; no engine state.
"""

from __future__ import annotations

import json
import re

from bot.engine.records import Record

WILDCARD = "<*>"
MAX_SLOTS = 24  # templates with more slots are not aligned (bounded regex work)
MAX_MESSAGE = 2000
MAX_VALUE = 20  # longer values are not quoted in a title

__all__ = ["cap", "phrase", "readable_value"]


def phrase(
    template: str,
    record: Record | str | None = None,
    limit: int = 80,
    *,
    durations: bool = True,
) -> str:
    """A readable quote of ``template``, filled from ``record`` (a representative
    record of the template, or its message) where that reads better.

    ``durations=False`` leaves measured durations out (for a title about how long the
    operation takes, one record's duration would mislead).
    """
    text = " ".join(template.split())
    message = _message(record)
    structured = _structured(text, message, durations)
    if structured is not None:
        return cap(structured, limit)
    quoted = _render(text, message, durations=durations)
    if not _has_words(quoted):
        quoted = _render(text, None, strip=False)
    if not _has_words(quoted):
        quoted = text
    return cap(quoted, limit)


def cap(text: str, limit: int = 80) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters (``…`` added)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-|([{") + "…"


# --------------------------------------------------------------------------- values

_UNIT = (
    r"(?:ms|us|µs|ns|s|m|h|d|sec|secs|seconds?|msecs?|millis|minutes?|mins?|hours?|days?"
    r"|[KMGTP]i?B|[kKMGT]|kb|mb|gb|bytes?|B|%|x)"
)
_QUANTITY = re.compile(rf"[-+]?\d+(?:\.\d+)?\s?{_UNIT}", re.IGNORECASE)
_SMALL_INT = re.compile(r"[-+]?\d{1,4}")
_DECIMAL = re.compile(r"[-+]?\d+\.\d+")
_DURATION = re.compile(
    r"[-+]?\d+(?:\.\d+)?\s?(?:ms|us|µs|ns|s|m|h|sec|secs|seconds?|msecs?|millis|minutes?|mins?)",
    re.IGNORECASE,
)
_HOST = re.compile(r"[A-Za-z][\w-]*(?:\.[A-Za-z][\w-]*)+\.?")  # api.stripe.com (no digits)
_OPAQUE = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-|\b[0-9a-fA-F]{8,}\b|\d{6,}|\d+\.\d+\.\d+\.\d+|0x[0-9a-f]+",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z][A-Za-z_-]*[A-Za-z]|[A-Za-z]")
_OPEN = "([{\"'<"
_CLOSE = ")]}\"'>,;:."


def readable_value(value: str, durations: bool = True) -> bool:
    """Whether a masked value reads well in a title: a short quantity (``50``,
    ``3000ms``, ``1.5GB``), a plain word (``java``) or a host name, not an identifier
    (``vm-178``, ``a3f9c2e1``, ``19038``), path, address or stamp."""
    core = value.strip(_OPEN + _CLOSE)
    if _HOST.fullmatch(core) and len(core) <= 40:
        return True
    if not core or len(core) > MAX_VALUE:
        return False
    if not durations and _DURATION.fullmatch(core):
        return False
    if value[:1] == "[" and core[:1].isdigit():
        return False  # [12345.678]: an uptime stamp or a thread number
    return bool(
        _QUANTITY.fullmatch(core)
        or _SMALL_INT.fullmatch(core)
        or _DECIMAL.fullmatch(core)
        or _WORD.fullmatch(core)
    )


# --------------------------------------------------------------------------- structured

_FIELD = r'(?:^|[\s{{,])"?({keys})"?[=:]\s?("(?:[^"\\]|\\.)*"|[^\s,}}]+)'
_MESSAGE_KEYS = re.compile(_FIELD.format(keys="msg|message|event"))
_ERROR_KEYS = re.compile(_FIELD.format(keys="error|err|reason|cause|exception|err\\.message"))


def _structured(template: str, message: str | None, durations: bool = True) -> str | None:
    """The message field of a logfmt or JSON template, with its error field."""
    found = _MESSAGE_KEYS.search(template)
    if found is None:
        return None
    value = _unquote(found.group(2))
    if not _has_words(value.replace(WILDCARD, " ")):
        return None
    own = _field(message, found.group(1)) if message else None
    text = _render(value, own, durations=durations)
    if not _has_words(text):
        return None
    error = _ERROR_KEYS.search(template)
    if error is not None:
        value = _unquote(error.group(2))
        if _has_words(value.replace(WILDCARD, " ")):
            own = _field(message, error.group(1)) if message else None
            detail = _render(value, own, durations=durations)
            if _has_words(detail):
                text = f"{text.rstrip(' :')}: {detail}"
    return text


def _field(message: str, key: str) -> str | None:
    if message.startswith("{"):
        try:
            data = json.loads(message)
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get(key), str):
            return str(data[key])
    for found in _MESSAGE_KEYS.finditer(message) if key in ("msg", "message", "event") else ():
        if found.group(1) == key:
            return _unquote(found.group(2))
    for found in _ERROR_KEYS.finditer(message):
        if found.group(1) == key:
            return _unquote(found.group(2))
    return None


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"')
    return value


# --------------------------------------------------------------------------- rendering

_PAIR = re.compile(r"[A-Za-z_][\w.\-]*=")
_PROGRAM = re.compile(r"[\w.\-/]+\[(?:<\*>|\d+)\]:?")  # sshd[<*>]: / checkout[<*>]
_LOGGER = re.compile(r"(?:[a-z][\w$]*\.){2,}[A-Z][\w$]*:?")  # o.h.engine.jdbc.SqlHelper
_NOT_LOGGER = re.compile(r"(?:Error|Exception|Warning|Fault|Failure):?$")
_SEPARATORS = {"-", "--", "---", ":", "|", "::", "=>", "->", "*", "#", ">", "»"}
_LEVELS = {
    "INFO",
    "WARN",
    "WARNING",
    "ERROR",
    "ERR",
    "DEBUG",
    "TRACE",
    "FATAL",
    "NOTICE",
    "CRITICAL",
    "CRIT",
    "SEVERE",
    "ALERT",
    "EMERG",
    "I",
    "W",
    "E",
    "F",
}
_SYSLOG_PROGRAM = re.compile(r"[a-z][\w\-]*:")  # kernel:, after the host
_LABEL = re.compile(r"[A-Za-z_][\w.\-]{0,11}[:=]")  # src: <*>
_SOURCE_LINE = re.compile(
    r"[\w\-]+\.(?:go|py|java|kt|scala|c|cc|cpp|h|rs|js|ts|rb|cs):(?:<\*>|\d+)\]?:?"
)
_KLOG_HEADER = re.compile(r"[IWEF](?:0[1-9]|1[0-2])[0-3]\d")  # klog E0304 (severity, month, day)
_LEAD_REACH = 6  # a prefix (program, logger) is looked for among the first tokens
_GLUED_ID = re.compile(r"(?:[A-Za-z]\(|[A-Za-z]\[|[#*@])$")  # GC(<*>), name[<*>], *<*>, #<*>


class _Token:
    __slots__ = ("dropped", "pattern", "tail", "text", "value")

    def __init__(
        self, pattern: str, text: str, dropped: bool = False, tail: str = "", value: str = ""
    ) -> None:
        self.pattern = pattern  # the template token
        self.text = text  # what it reads as ("" when dropped)
        self.dropped = dropped
        self.tail = tail  # punctuation a dropped value ended with (kept: "file: No space")
        self.value = value  # the record's value of a dropped whole-token slot


def _render(template: str, message: str | None, strip: bool = True, durations: bool = True) -> str:
    patterns = template.split()
    values = _align(patterns, message) if message else None
    tokens = [
        _fill(p, None if values is None else values[i], durations) for i, p in enumerate(patterns)
    ]
    if strip:
        tokens = _drop_lead(tokens)
    tokens = _drop_pairs(tokens)
    if strip:
        tokens = _drop_lead(tokens)
    tokens = _after_prepositions(tokens, durations)
    text = _join(tokens)
    if len(text) > 2 and text[0] == '"':  # klog: "the message" key=value ...
        close = text.find('" ', 1)
        if text.rfind('"') == len(text) - 1 and (close < 0 or close == len(text) - 1):
            text = text[1:-1]
        elif close > 1:
            text = text[1:close] + text[close + 1 :]
    return text


_PREPOSITIONS = {
    "to", "of", "on", "in", "at", "for", "from", "by", "with", "into", "onto", "via", "after",
}  # fmt: skip


def _after_prepositions(tokens: list[_Token], durations: bool = True) -> list[_Token]:
    """A value dropped right after a preposition leaves it dangling (``sync to``): name
    the value when it is a name rather than an opaque id, else drop the preposition."""
    out: list[_Token] = []
    for token in tokens:
        previous = out[-1] if out else None
        if (
            token.dropped
            and previous is not None
            and not previous.dropped
            and previous.text.lower() in _PREPOSITIONS
        ):
            value = token.value.strip(_OPEN + _CLOSE)
            if (
                value
                and len(value) <= 32
                and " " not in value
                and not _OPAQUE.search(value)
                and (durations or not _DURATION.fullmatch(value))
            ):
                tail = token.value[-1] if token.value[-1:] in ",;:" else ""
                out.append(_Token(token.pattern, value + tail))
                continue
            out.pop()
        out.append(token)
    return out


def _message(record: Record | str | None) -> str | None:
    if record is None:
        return None
    text = record if isinstance(record, str) else record.message
    return " ".join(text[:MAX_MESSAGE].split()) or None


def _align(patterns: list[str], message: str) -> list[list[str]] | None:
    """The record's value for each slot of each template token, or None when the record
    does not follow the template."""
    slots = sum(p.count(WILDCARD) for p in patterns)
    if slots > MAX_SLOTS:
        return None
    for loose in (False, True):
        if loose and slots > 6:
            return None
        regex = r"\s+".join(_token_regex(p, loose) for p in patterns)
        try:
            found = re.match(regex + r"(?=\s|$)", message)
        except re.error:
            return None
        if found is not None:
            groups = iter(found.groups())
            return [[next(groups) for _ in range(p.count(WILDCARD))] for p in patterns]
    return None


def _token_regex(pattern: str, loose: bool) -> str:
    if pattern == WILDCARD:
        return r"(.+?)" if loose else r"(\S+)"
    wild = r"(.*?)" if loose else r"(\S*?)"
    return "".join(wild if part == WILDCARD else re.escape(part) for part in _split(pattern))


def _split(pattern: str) -> list[str]:
    return [part for part in re.split(r"(<\*>)", pattern) if part]


def _fill(pattern: str, values: list[str] | None, durations: bool = True) -> _Token:
    if WILDCARD not in pattern:
        return _Token(pattern, pattern)
    if values is None:
        return _Token(pattern, "", dropped=True)
    if pattern == WILDCARD:
        value = values[0]
        if readable_value(value, durations) and (
            " " not in value.strip() or _QUANTITY.fullmatch(value.strip(_OPEN + _CLOSE))
        ):
            return _Token(pattern, value)  # ``50``, ``(20 seconds``
        tail = value[-1] if value[-1:] in ",;:" else ""
        return _Token(pattern, "", dropped=True, tail=tail, value=value)
    out, slots = [], iter(values)
    for part in _split(pattern):
        if part != WILDCARD:
            out.append(part)
            continue
        value = next(slots)
        before = "".join(out)
        if not readable_value(value, durations) or " " in value.strip() or _GLUED_ID.search(before):
            if re.search(r"[A-Za-z]{2}", pattern.replace(WILDCARD, "")) and _bracketed(before):
                out.append("\x00")  # name[<*>] -> name (the brackets go below)
                continue
            return _Token(
                pattern, "", dropped=True, tail=pattern[-1] if pattern[-1] in ",;" else ""
            )
        out.append(value)
    text = re.sub(r"[\[(]\x00[\])]", "", "".join(out)).replace("\x00", "")
    return _Token(pattern, text)


def _bracketed(before: str) -> bool:
    return before.endswith(("[", "("))


def _drop_pairs(tokens: list[_Token]) -> list[_Token]:
    """Drop ``key=<*>`` fields (a quoted value may span tokens). When nothing but a
    prefix would be left, keep the fields whose values read well (``timeout=2s``)."""
    out = _pairs(tokens, keep_readable=False)
    if len([t for t in out if not t.dropped]) <= 1:
        out = _pairs(tokens, keep_readable=True)
    return out


def _pairs(tokens: list[_Token], keep_readable: bool) -> list[_Token]:
    out: list[_Token] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        pair = _PAIR.match(token.pattern)
        if pair is None:
            out.append(token)
            i += 1
            continue
        end = i
        value = token.pattern[pair.end() :]
        if value.startswith('"') and not (len(value) > 1 and value.rstrip(",;").endswith('"')):
            while end + 1 < len(tokens) and not tokens[end].pattern.rstrip(",;").endswith('"'):
                end += 1
        span = tokens[i : end + 1]
        key = pair.group(0)[:-1].lower()
        variable = any(WILDCARD in t.pattern for t in span)
        if (
            keep_readable
            and variable
            and not any(t.dropped for t in span)
            and key not in _META_KEYS
        ):
            out.extend(span)
        elif variable or key in _META_KEYS:
            last = span[-1].pattern
            tail = ":" if key in _ERROR_NAMES else (last[-1] if last[-1] in ",;" else "")
            out.append(_Token(token.pattern, "", dropped=True, tail=tail))
        else:
            out.extend(span)
        i = end + 1
        continue
        out.extend(span)
        i = end + 1
    return out


_ERROR_NAMES = {"error", "err", "reason", "cause", "exception"}
_META_KEYS = {"level", "lvl", "severity", "ts", "time", "timestamp", "caller", "logger", "thread"}


def _drop_lead(tokens: list[_Token]) -> list[_Token]:
    """Drop what precedes the message: host and ``prog[pid]:``, logger names, ``[thread]``,
    level words, separators and unreadable slots."""
    for i, token in enumerate(tokens[:3]):
        program = _PROGRAM.fullmatch(token.pattern) or (
            i
            and _SYSLOG_PROGRAM.fullmatch(token.pattern)
            and all(_host_like(t) for t in tokens[:i])
        )
        if program and _has_words(_join(tokens[i + 1 :])):
            tokens = tokens[i + 1 :]
            break
    for i, token in enumerate(tokens[:_LEAD_REACH]):
        if token.pattern == "---" or (
            _LOGGER.fullmatch(token.pattern) and not _NOT_LOGGER.search(token.pattern)
        ):
            if _has_words(_join(tokens[i + 1 :])):
                tokens = tokens[i + 1 :]
            break
    while tokens:
        first = tokens[0]
        word = first.text.strip("[]():")
        if (
            first.dropped
            or first.pattern == WILDCARD  # a leading value: a pid, a thread, a stamp
            or (WILDCARD in first.pattern and not re.search(r"[A-Za-z]{2}", first.pattern))
            or _SOURCE_LINE.fullmatch(first.pattern)
            or _KLOG_HEADER.fullmatch(first.pattern)
            or not first.text
            or first.text in _SEPARATORS
            or word in _LEVELS
        ):
            tokens = tokens[1:]
            continue
        if first.text.startswith("["):  # [thread], [orders.api], [WARNING] (may span tokens)
            end = next(
                (
                    j
                    for j, t in enumerate(tokens[:6])
                    if t.text.rstrip(":").endswith("]") or t.pattern.rstrip(":").endswith("]")
                ),
                None,
            )
            if end is not None and _has_words(_join(tokens[end + 1 :])):
                tokens = tokens[end + 1 :]
                continue
        if (
            _LOGGER.fullmatch(first.pattern)
            and not _NOT_LOGGER.search(first.pattern)
            and _has_words(_join(tokens[1:]))
        ):
            tokens = tokens[1:]
            continue
        if (  # Spring Boot pads its (abbreviated) logger name before a lone ``:``
            len(tokens) > 2
            and tokens[1].pattern == ":"
            and first.pattern.count(".") >= 2
            and _has_words(_join(tokens[2:]))
        ):
            tokens = tokens[2:]
            continue
        break
    return tokens


def _host_like(token: _Token) -> bool:
    return token.pattern == WILDCARD or bool(re.search(r"\d", token.pattern))


def _join(tokens: list[_Token]) -> str:
    words: list[str] = []
    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if (
            following is not None
            and following.dropped
            and words
            and _LABEL.fullmatch(token.pattern)
        ):
            continue  # "src: <*>" with the value dropped says nothing
        if token.dropped:
            if token.tail and words and words[-1][-1:].isalnum():
                words[-1] += token.tail
            continue
        words.append(token.text)
    text = " ".join(words)
    text = re.sub(r"\(\s*\)|\[\s*\]|\{\s*\}", "", text)
    text = re.sub(r"\s+([,;:.)\]])", r"\1", text)
    text = re.sub(r"([;,:])(?:\s*[;,:])+", r"\1", text)
    return " ".join(text.split()).strip(" ,;:-|")


def _has_words(text: str) -> bool:
    return len(re.findall(r"[A-Za-z]{2,}", text)) >= 2
