"""A file's layout: where its timestamp sits, in which format, and where its level is.

Detected once per file from a sample of its first non-empty lines (:func:`detect`), then
applied per line by two calls:

- ``stamp(line)`` -> epoch seconds when the line starts a record, :data:`NO_TS` when it
  starts a record without a time (a JSON line with no time field), None for a
  continuation line. On the hot path this is a slice and a dict lookup: the seconds part
  of the stamp is the cache key, the fraction is added per line.
- ``fields(line)`` -> ``(level, message)`` for a record's first line; only called for
  records inside the window.

Detection tries every format at every place it matches (a fixed column, or the N-th
whitespace-separated token when a variable-width prefix comes first, as in access logs)
and keeps the (format, place) matching the most lines; ties prefer stamps that carry
their zone (epoch, ``Z``), then a refined format (CRI over ISO), then a stamp at column 0
(the syslog header over HAProxy's accept date inside the message), then a year, then a
fraction, then a fixed column. A time of day without a date (``clock``) only counts when
no dated stamp does, and needs most sampled lines to agree; its day comes from the window
and advances when the time goes back by more than :data:`ROLLOVER` seconds.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo

from connectors.files import jsonlines
from connectors.files.levels import LevelReader, detect_index, normalize
from connectors.files.timestamps import (
    FORMATS,
    StampFormat,
    YearFor,
    clock_of,
    fraction,
    nearest_year,
    on_day,
    seconds_of,
)

NO_TS = float("-inf")  # identity sentinel: "a record starts here but carries no time"
MESSAGE_CAP = 16_384  # characters of a message handed to template mining
SAMPLE = 200  # non-empty lines looked at to detect the layout
_SCAN = 400  # characters of a line searched for a stamp during detection
_CACHE_MAX = 100_000
ROLLOVER = 12 * 3600  # a date-less time going back this far is on the next day

Stamp = Callable[[str], float | None]
# a line, where its stamp starts and ends (-1: it has none), the level the stamp holds
_Found = tuple[str | None, int, int, str | None]
_NOT_FOUND: _Found = (None, -1, -1, None)
Fields = Callable[[str], tuple[str | None, str]]


@dataclass(frozen=True, slots=True)
class Place:
    """Where the stamp starts: column ``offset``, ``skip`` chars into token ``token``, or
    right after the logfmt key ``key`` (``t=``) wherever it sits among the line's pairs;
    with ``sep`` (``,``) tokens are the fields of a CSV export, not whitespace-separated;
    ``bracketed`` tokens count ``[thread name]`` as one even when it holds a space."""

    offset: int | None = None
    token: int = 0
    skip: int = 0
    key: str = ""
    sep: str = ""
    bracketed: bool = False  # a [bracketed group] is one token: Cassandra's [Service Thread]


@dataclass(slots=True)
class _Candidate:
    count: int = 0
    zoned: int = 0
    fractions: int = 0
    spans: set[tuple[int, int, int]] = field(default_factory=set)
    rests: list[str] = field(default_factory=list)
    heads: list[str] = field(default_factory=list)


class Layout:
    """No timestamps: every line is a record of its own, without a time."""

    name = "plain"
    zoned = False  # stamps carry their own zone (or are epoch): the clock needs no assumption

    def __init__(self, level_index: int | None = None) -> None:
        self._levels = LevelReader(level_index)  # a level without a time: "[INFO] ..."

    def stamp(self, line: str) -> float | None:
        return None

    def fields(self, line: str) -> tuple[str | None, str]:
        if self._levels.index is None:
            return None, line.strip()
        return self._levels.split(line)[0], line.strip()[:MESSAGE_CAP]


class RegexLayout(Layout):
    def __init__(
        self,
        fmt: StampFormat,
        place: Place,
        span: tuple[int, int, int] | None,
        level_index: int | None,
        zone: tzinfo,
        year_for: YearFor,
        lead: bool = False,
    ) -> None:
        self.name = fmt.name
        self.fmt, self.place, self.span = fmt, place, span
        self._levels = LevelReader(level_index)
        self._lead = lead  # the level is the line's first token, before the stamp (Cassandra)
        self._cache: dict[str, float] = {}
        self._zone, self._year_for = zone, year_for
        self._day: date | None = None  # clock stamps: the day they are on
        # Where the stamps of the last two lines read by place (not at a fixed column) were:
        # a record's fields are asked for once the next line has been stamped (it is what
        # closes the record).
        self._last: _Found = _NOT_FOUND
        self._prev: _Found = _NOT_FOUND
        self._lvl = "lvl" in fmt.regex.groupindex  # the stamp holds the level (klog)
        self._locate = _locator(place)
        self.stamp = self._compile()  # type: ignore[method-assign,assignment]
        if fmt.clock:
            self.stamp = self._rolling(self.stamp)  # type: ignore[method-assign,assignment]
        self.fields = self._compile_fields()  # type: ignore[method-assign,assignment]

    def _slow(self, line: str, pos: int) -> float | None:
        match = self.fmt.regex.match(line, pos)
        if match is None:
            self._prev, self._last = self._last, (line, -1, -1, None)
            return None
        start, end = match.span()
        self._prev, self._last = self._last, (line, start, end, self._level_in(match))
        f0, f1 = _frac_span(match)
        key = line[start:end] if f0 < 0 else line[start:f0] + line[f1:end]
        cache = self._cache
        base = cache.get(key)
        if base is None:
            if self.fmt.clock:
                base = self._clock(match.groupdict())
            else:
                base = seconds_of(match.groupdict(), self._zone, self._year_for)
            if base is None:
                return None
            if len(cache) >= _CACHE_MAX:
                cache.clear()
            cache[key] = base
        return base if f0 < 0 else base + fraction(line[f0:f1], self.fmt.frac_ms)

    def _clock(self, groups: dict[str, str | None]) -> float | None:
        """A date-less stamp on the current day; the first one picks the day."""
        hms = clock_of(groups)
        if hms is None:
            return None
        if self._day is None:
            days = getattr(self._year_for, "day", None)
            if days is None:  # no window: the day nearest now
                now = time.time()
                days = nearest_year(now - 86_400, now).day
            self._day = days(*hms, self._zone)
            if self._day is None:
                return None
        return on_day(self._day, *hms, self._zone)

    def _rolling(self, inner: Stamp) -> Stamp:
        """Date-less stamps: a time going back more than ROLLOVER is on the next day."""
        cache = self._cache
        last = NO_TS

        def rolling(line: str) -> float | None:
            nonlocal last
            ts = inner(line)
            if ts is None:
                return None
            if ts < last - ROLLOVER and self._day is not None:
                self._day += timedelta(days=1)
                cache.clear()
                ts = inner(line)
                if ts is None:
                    return None
            last = ts
            return ts

        return rolling

    def _compile(self) -> Stamp:
        slow, offset, span = self._slow, self.place.offset, self.span
        cache_get = self._cache.get
        if offset is None or span is None:
            locate = self._locate
            if span is None or span[1] >= 0 or self._lvl:

                def located(line: str) -> float | None:
                    pos = locate(line)
                    return None if pos < 0 else slow(line, pos)

                return located
            width = span[0]

            def located_fixed(line: str) -> float | None:
                """A stamp of one width, found by place: the cache holds it whole."""
                pos = locate(line)
                if pos < 0:
                    return None
                end = pos + width
                base = cache_get(line[pos:end])
                if base is None:
                    return slow(line, pos)
                self._prev, self._last = self._last, (line, pos, end, None)
                return base

            return located_fixed
        a, b = offset, offset + span[0]
        if span[1] < 0:

            def fixed(line: str) -> float | None:
                base = cache_get(line[a:b])
                return base if base is not None else slow(line, a)

            return fixed
        fa, fb = a + span[1], a + span[2]
        div = 1000 if self.fmt.frac_ms else 10 ** (fb - fa)
        if fb == b:

            def fixed_frac(line: str) -> float | None:
                base = cache_get(line[a:fa])
                if base is not None:
                    try:
                        return base + int(line[fa:fb]) / div
                    except ValueError:
                        pass
                return slow(line, a)

            return fixed_frac

        def fixed_frac_tail(line: str) -> float | None:
            base = cache_get(line[a:fa] + line[fb:b])
            if base is not None:
                try:
                    return base + int(line[fa:fb]) / div
                except ValueError:
                    pass
            return slow(line, a)

        return fixed_frac_tail

    def _level_in(self, match: re.Match[str]) -> str | None:
        return match.group("lvl") if self._lvl else None

    def _slow_fields(self, line: str) -> tuple[str | None, str]:
        if self._last[0] is line:
            _, start, end, lvl = self._last
        elif self._prev[0] is line:
            _, start, end, lvl = self._prev
        else:
            match = self.fmt.regex.match(line, max(self._locate(line), 0))
            start, end = match.span() if match else (-1, -1)
            lvl = self._level_in(match) if match else None
        if start < 0:
            return None, line.strip()[:MESSAGE_CAP]
        level, message = self._levels.split(line[end:])
        if level is None and lvl:  # klog: E0210 14:47:03.1
            level = normalize(lvl)
        if start:
            prefix = line[:start].rstrip('"')
            if prefix.endswith("="):  # logfmt: drop the stamp's own key (ts=, time=")
                prefix = prefix[: prefix.rfind(" ") + 1]
            if self._lead and level is None:  # WARN  [main] 2026-03-04 10:18:46,123 ...
                head, _, tail = prefix.lstrip().partition(" ")
                # Redis' role markers follow the stamp; a leading '#' is a comment sign
                level = self._levels.lookup(head) if head not in _MARKERS else None
                if level is not None:
                    prefix = tail
            prefix = prefix.strip(" \t-[]<>")
            if prefix and _ALNUM(prefix):
                message = f"{prefix} {message}"
        return level, message[:MESSAGE_CAP]

    def _compile_fields(self) -> Fields:
        """Fast path for a stamp at column 0 with a fixed width; else the general one."""
        if self.place.offset != 0 or self.span is None or self._levels.index is None:
            return self._slow_fields
        end, index, lookup = self.span[0], self._levels.index, self._levels.lookup
        cut = index + 1

        def fields(line: str) -> tuple[str | None, str]:
            parts = line[end:].split(None, cut)
            if len(parts) > index:
                level = lookup(parts[index])
                if level is not None:
                    if len(parts) > cut:
                        return level, parts[cut].lstrip(" \t:|-]")[:MESSAGE_CAP]
                    return level, ""
            return None, line[end:].lstrip(" \t:|,]")[:MESSAGE_CAP]

        return fields


class JsonLayout(Layout):
    """JSON lines: every line that is a JSON object starts a record."""

    name = "json"
    zoned = True  # ISO with an offset or epoch numbers, as JSON loggers write them

    def __init__(self, zone: tzinfo, year_for: YearFor) -> None:
        self._times = jsonlines.TimeParser(zone, year_for)
        # The objects of the last two stamped lines: a record's fields are asked for once
        # the next line has been stamped (it is what closes the record).
        self._last: tuple[str | None, dict[str, object] | None] = (None, None)
        self._prev: tuple[str | None, dict[str, object] | None] = (None, None)

    def stamp(self, line: str) -> float | None:
        obj = jsonlines.load(line)
        if obj is None:
            return None
        self._prev, self._last = self._last, (line, obj)
        ts = self._times.of(obj)
        return NO_TS if ts is None else ts

    def fields(self, line: str) -> tuple[str | None, str]:
        prev, last = self._prev, self._last
        if prev[0] is line:
            obj = prev[1]
        elif last[0] is line:
            obj = last[1]
        else:
            obj = jsonlines.load(line)
        if obj is None:
            return None, line.strip()[:MESSAGE_CAP]
        level, message = jsonlines.fields(obj)
        return level, message[:MESSAGE_CAP]


# Dated formats a line of a second writer may start with (a file mixing two formats).
_SECOND_FORMATS = (
    "iso", "bgl", "clf", "apache", "redis", "dmy", "syslog", "dmon", "jul", "us", "mysql",
    "hdfs", "spark", "klog", "healthapp", "proxifier",
)  # fmt: skip
_NAME_STARTS = frozenset("JFMASONDTW")  # month and day names


class SecondStamps:
    """Stamps of other formats at the very start of a line, for files that two writers
    share: Tomcat's own lines in ``catalina.out`` among the application's, klog lines of
    the ingress controller among its access lines. Without this they would be read as
    continuation lines of the record before them.

    Tried only on lines the file's own layout does not stamp and that begin like a stamp
    (a digit, ``[``, ``I0302``, a month or day name). The answer depends on the line alone,
    so ``cite`` finds the same record boundaries that ``read`` did."""

    def __init__(self, primary: Layout, zone: tzinfo, year_for: YearFor) -> None:
        own = getattr(primary, "fmt", None)
        self._layouts = [
            RegexLayout(fmt, Place(offset=0), None, None, zone, year_for)
            for fmt in FORMATS
            if fmt.name in _SECOND_FORMATS and fmt is not own
        ]
        self._levels = LevelReader(0)

    def _layout(self, line: str) -> RegexLayout | None:
        first = line[:1]
        if not (
            first.isdigit()
            or first == "["
            or (first in "IWEF" and line[1:2].isdigit())
            or (first in _NAME_STARTS and line[1:3].isalpha())
        ):
            return None
        for layout in self._layouts:
            if layout.stamp(line) is not None:
                return layout
        return None

    def stamp(self, line: str) -> float | None:
        layout = self._layout(line)
        return None if layout is None else layout.stamp(line)

    def fields(self, line: str) -> tuple[str | None, str]:
        layout = self._layout(line)
        if layout is None:
            return None, line.strip()[:MESSAGE_CAP]
        level, message = layout.fields(line)
        if level is None:  # the level is one of the first words after the stamp
            words = message.split(None, 3)
            for i, word in enumerate(words[:3]):
                level = self._levels.lookup(word.strip("[]:"))
                if level is not None:
                    message = " ".join(words[:i] + words[i + 1 :])
                    break
        return level, message[:MESSAGE_CAP]


def _frac_span(match: re.Match[str]) -> tuple[int, int]:
    return match.span("frac") if "frac" in match.re.groupindex else (-1, -1)


def _locator(place: Place) -> Callable[[str], int]:
    """line -> index where the stamp should start, or -1 when the line has no such token."""
    if place.offset is not None:
        offset = place.offset
        return lambda line: offset
    if place.key:
        key, spaced, width = place.key, " " + place.key, len(place.key)

        def keyed(line: str) -> int:
            if line.startswith(key):
                return width
            at = line.find(spaced)
            return -1 if at < 0 else at + 1 + width

        return keyed
    if place.sep:
        prefix = re.compile(rf"(?:[^{place.sep}\n]*{place.sep}){{{place.token}}}")
    elif place.bracketed:
        prefix = re.compile(rf"(?:{_BRACKETED_TOKEN}\s+){{{place.token}}}")
    else:
        prefix = re.compile(rf"(?:\S+\s+){{{place.token}}}")
    skip = place.skip

    def locate(line: str) -> int:
        match = prefix.match(line)
        return -1 if match is None else match.end() + skip

    return locate


# --------------------------------------------------------------------------- detection


def detect(sample: list[str], zone: tzinfo, year_for: YearFor) -> Layout:
    """The layout of a file whose first lines are ``sample``."""
    lines = [line for line in sample if line.strip()][:SAMPLE]
    if not lines:
        return Layout()
    json_hits = sum(1 for line in lines if jsonlines.load(line) is not None)
    best: tuple[tuple[int, ...], StampFormat, Place, _Candidate] | None = None
    for fmt in FORMATS:
        for place, cand in _candidates(fmt, lines).items():
            if cand.count < _needed(fmt, place, len(lines)):
                continue
            rank = (
                int(not fmt.clock),  # any dated stamp over a time of day alone
                cand.count,
                int(cand.zoned * 2 > cand.count or fmt.name == "epoch"),
                int(fmt.specific),
                int(place.offset == 0),  # a line-leading stamp over one inside the message
                int(fmt.has_year),
                int(cand.fractions * 2 > cand.count),
                int(place.offset is not None),
                -(place.offset if place.offset is not None else place.token),
            )
            if best is None or rank > best[0]:
                best = (rank, fmt, place, cand)
    if json_hits and (best is None or json_hits >= best[3].count):
        return JsonLayout(zone, year_for)
    if best is None:
        return Layout(detect_index(lines))
    _, fmt, place, cand = best
    span = next(iter(cand.spans)) if len(cand.spans) == 1 else None
    index = detect_index(cand.rests)
    lead = index is None and detect_index(cand.heads) == 0
    layout = RegexLayout(fmt, place, span, index, zone, year_for, lead)
    layout.zoned = cand.zoned * 2 > cand.count or fmt.name == "epoch"
    return layout


def _needed(fmt: StampFormat, place: Place, sampled: int) -> int:
    """Matches a (format, place) needs in the sample to be taken as the file's stamp.

    A full date-time at column 0 counts from one line (a log whose first record carries a
    200-line stack trace); elsewhere a few lines must agree; a bare number or a time of day
    without a date needs most.
    """
    if fmt.weak or fmt.clock:
        return max(1, (sampled + 1) // 2)
    if place.offset == 0:
        return 1
    return max(1, min(3, sampled // 10))


def _candidates(fmt: StampFormat, lines: list[str]) -> dict[Place, _Candidate]:
    found: dict[Place, _Candidate] = {}
    for line in lines:
        seen: set[Place] = set()
        for match in list(fmt.regex.finditer(line, 0, _SCAN))[:3]:
            for place in _places(line, match.start()):
                if place in seen:
                    continue
                seen.add(place)
                cand = found.setdefault(place, _Candidate())
                _count(cand, match)
    return found


_ALNUM = re.compile(r"[^\W_]").search  # a character str.isalnum() accepts
_MARKERS = frozenset("#*")  # levels only after a stamp (Redis), never before one
_BRACKETED_TOKEN = r"(?:\[[^\]\n]*\]\S*|\S+)"
_BRACKETED = re.compile(_BRACKETED_TOKEN)


def _places(line: str, start: int) -> list[Place]:
    places = [Place(offset=start)]
    token_start = start
    while token_start > 0 and not line[token_start - 1].isspace():
        token_start -= 1
    places.append(Place(token=len(line[:token_start].split()), skip=start - token_start))
    if "[" in line[:start]:
        places.append(_bracketed_place(line, start))
    if start and line[start - 1] == ",":  # a CSV export: Error,3/4/2026 10:18:46 AM,...
        places.append(Place(token=line.count(",", 0, start), sep=","))
    key = line[token_start:start]
    if key.endswith(("=", '="')) and key[:-1].rstrip('="').isidentifier():
        places.append(Place(key=key))  # logfmt pairs in no fixed order: t=..., time="..."
    return places


def _bracketed_place(line: str, start: int) -> Place:
    """The stamp's place counting a bracketed group with spaces in it as one token."""
    index = 0
    for index, token in enumerate(_BRACKETED.finditer(line)):
        if token.end() > start:
            return Place(token=index, skip=max(0, start - token.start()), bracketed=True)
    return Place(token=index + 1, bracketed=True)


def _count(cand: _Candidate, match: re.Match[str]) -> None:
    cand.count += 1
    groups = match.groupdict()
    cand.zoned += bool(groups.get("tz"))
    cand.fractions += bool(groups.get("frac"))
    start, end = match.span()
    f0, f1 = _frac_span(match)
    cand.spans.add((end - start, f0 - start if f0 >= 0 else -1, f1 - start if f0 >= 0 else -1))
    if len(cand.rests) < SAMPLE:
        cand.rests.append(match.string[end:])
        cand.heads.append(match.string[:start])
