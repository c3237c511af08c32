"""A tiny JQL evaluator for the fake Jira: enough to make window filtering real.

Supports ``AND``/``OR``/``NOT``, parentheses, ``field = v``, ``!=``, ``~`` (all words,
case-insensitive), ``<``/``<=``/``>``/``>=`` on dates (``yyyy/MM/dd HH:mm`` or
``yyyy-MM-dd``, read in the user's zone), ``field in (a, b)`` and a trailing ``ORDER BY``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

Predicate = Callable[[dict[str, Any]], bool]
_TOKEN = re.compile(r'\s*(?:(?P<str>"[^"]*")|(?P<op><=|>=|!=|[=~<>(),])|(?P<word>[^\s"=~<>(),!]+))')
_ORDER = re.compile(r"\s+order\s+by\s+(?P<field>\w+)(?:\s+(?P<dir>asc|desc))?\s*$", re.I)


class JqlError(ValueError):
    pass


def tokens(text: str) -> list[str]:
    out, pos = [], 0
    while pos < len(text.rstrip()):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise JqlError(f"cannot parse JQL near {text[pos : pos + 20]!r}")
        out.append(match.group(match.lastgroup or "word"))
        pos = match.end()
    return out


def compile_jql(text: str, zone: str = "UTC") -> tuple[Predicate, str, bool]:
    """(predicate over fake issues, order field, descending)."""
    order_field, descending = "created", True
    if match := _ORDER.search(text):
        order_field = match.group("field").lower()
        descending = (match.group("dir") or "asc").lower() == "desc"
        text = text[: match.start()]
    parser = _Parser(tokens(text), ZoneInfo(zone))
    predicate = parser.expr()
    if parser.pos != len(parser.toks):
        raise JqlError(f"unexpected {parser.toks[parser.pos]!r}")
    return predicate, order_field, descending


class _Parser:
    def __init__(self, toks: list[str], zone: ZoneInfo) -> None:
        self.toks, self.pos, self.zone = toks, 0, zone

    def peek(self) -> str | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self) -> str:
        tok = self.peek()
        if tok is None:
            raise JqlError("JQL ends too early")
        self.pos += 1
        return tok

    def expr(self) -> Predicate:
        left = self.term()
        while (self.peek() or "").upper() == "OR":
            self.take()
            right, prev = self.term(), left
            left = lambda i, a=prev, b=right: a(i) or b(i)  # noqa: E731
        return left

    def term(self) -> Predicate:
        left = self.factor()
        while (self.peek() or "").upper() == "AND":
            self.take()
            right, prev = self.factor(), left
            left = lambda i, a=prev, b=right: a(i) and b(i)  # noqa: E731
        return left

    def factor(self) -> Predicate:
        tok = self.take()
        if tok.upper() == "NOT":
            inner = self.factor()
            return lambda i: not inner(i)
        if tok == "(":
            inner = self.expr()
            if self.take() != ")":
                raise JqlError("missing )")
            return inner
        return self.clause(tok.lower())

    def clause(self, field: str) -> Predicate:
        op = self.take()
        if op.upper() == "IN":
            if self.take() != "(":
                raise JqlError("in needs (")
            values = []
            while (tok := self.take()) != ")":
                if tok != ",":
                    values.append(tok.strip('"').lower())
            return lambda i: any(v.lower() in values for v in _values(i, field))
        value = self.take().strip('"')
        if op in ("<", "<=", ">", ">="):
            bound = _date(value, self.zone)
            return lambda i: _compare(i.get(field), op, bound)
        if op == "~":
            words = value.lower().split()
            return lambda i: all(w in _text(i) for w in words)
        if op in ("=", "!="):
            want = op == "="
            return lambda i: (value.lower() in [v.lower() for v in _values(i, field)]) == want
        raise JqlError(f"unknown operator {op!r}")


def _values(issue: dict[str, Any], field: str) -> list[str]:
    value = issue.get(field)
    if isinstance(value, list):
        return [str(v) for v in value]
    return [] if value is None else [str(value)]


def _text(issue: dict[str, Any]) -> str:
    parts = [issue.get("summary", ""), issue.get("description", "")]
    parts += [c.get("body", "") for c in issue.get("comments", [])]
    return " ".join(parts).lower()


def _date(value: str, zone: ZoneInfo) -> float:
    for fmt in ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=zone).timestamp()
        except ValueError:
            continue
    raise JqlError(f"bad date {value!r}")


def _compare(stamp: Any, op: str, bound: float) -> bool:
    if not stamp:
        return False
    ts = datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).timestamp()
    return {"<": ts < bound, "<=": ts <= bound, ">": ts > bound, ">=": ts >= bound}[op]
