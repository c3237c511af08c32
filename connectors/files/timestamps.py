"""Timestamp formats found in log files, and their conversion to epoch seconds (UTC).

Each :class:`StampFormat` is a regex with named groups: ``Y``/``y`` (4/2-digit year),
``m`` or ``b`` (month number or name), ``d``, ``H``, ``M``, ``S``, ``frac`` (fraction
digits), ``tz`` (explicit zone) or ``E`` (epoch seconds). The seconds part of a stamp is
converted once and cached (most lines share their second); the fraction is added per line.
Year-less stamps (syslog, Android, Proxifier) take the year that puts them nearest the
investigation window; date-less stamps (``clock``: logback, Serilog, WildFly consoles) take
the day that does, then roll over to the next day when the time goes back by more than
12 hours (a file crossing midnight); zone-less stamps are read in the source's zone
(DST-correct).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_MON = r"(?P<b>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_HMS = r"(?P<H>[0-2]\d):(?P<M>[0-5]\d):(?P<S>[0-6]\d)"
_LEFT = r"(?<![\w.:/-])"  # a stamp starts a token, not the middle of a number or path
_DOW = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
EPOCH_MIN, EPOCH_MAX = 1_000_000_000, 4_102_444_800  # 2001-09-09 .. 2100-01-01

YearFor = Callable[[int, int, int, int, int, tzinfo], float | None]


@dataclass(frozen=True, slots=True)
class StampFormat:
    name: str
    regex: re.Pattern[str]
    frac_ms: bool = False  # fraction digits count milliseconds (HealthApp ``:6`` is 6 ms)
    weak: bool = False  # a bare number: needs most sampled lines to agree
    specific: bool = False  # a refinement of a general format (CRI after ISO): wins ties
    clock: bool = False  # a time of day without a date: the day comes from the window

    @property
    def has_year(self) -> bool:
        return "Y" in self.regex.groupindex or "y" in self.regex.groupindex


def _fmt(name: str, pattern: str, **kw: bool) -> StampFormat:
    return StampFormat(name, re.compile(pattern), **kw)


_ISO = (
    _LEFT
    + r"(?P<Y>\d{4})([-/.])(?P<m>[01]\d)\2(?P<d>[0-3]\d)[T ]"
    + _HMS
    + r"(?:[.,](?P<frac>\d{1,9}))?"
    + r"(?P<tz>Z|\s?[+-][01]\d:?[0-5]\d|\s(?:UTC|GMT)(?![\w]))?(?!\d)"
)
# 12-hour clocks (Windows exports, java.util.logging): 1:18:47 PM; Jenkins' audit trail
# adds milliseconds: 8:40:17,482 AM
_HMS12 = (
    r"(?P<H>[01]?\d):(?P<M>[0-5]\d):(?P<S>[0-6]\d)(?:[.,](?P<frac>\d{1,9}))? (?P<p>[AP]M)(?![\w])"
)
# a zone written after the stamp: UTC, +01:00, or an IANA name (PHP's error_log)
_ZONE = r"(?:\s(?P<tz>UTC|GMT|[+-][01]\d:?[0-5]\d|[A-Z][a-z]+/[A-Za-z_]+(?:/[A-Za-z_]+)?))?"


FORMATS: tuple[StampFormat, ...] = (
    # ISO 8601 / RFC 3339 / log4j / Python / PostgreSQL / Zookeeper / Windows CBS
    # ClickHouse: 2026.03.04 10:18:46.123456
    _fmt("iso", _ISO),
    # Kubernetes CRI container logs: <RFC 3339 nano> stdout F <the container's line>
    _fmt("cri", _ISO + r" (?:stdout|stderr) [FP] ", specific=True),
    # BGL: 2005-06-03-15.42.50.675872
    _fmt(
        "bgl",
        _LEFT + r"(?P<Y>\d{4})-(?P<m>[01]\d)-(?P<d>[0-3]\d)-(?P<H>[0-2]\d)\.(?P<M>[0-5]\d)"
        r"\.(?P<S>[0-6]\d)(?:\.(?P<frac>\d{1,9}))?(?!\d)",
    ),
    # nginx / Apache access: [10/Feb/2026:14:47:03 +0000]; HAProxy [10/Feb/2026:14:47:03.123];
    # Django runserver [10/Feb/2026 14:47:03]
    _fmt(
        "clf",
        r"\[(?P<d>[0-3]\d)/"
        + _MON
        + r"/(?P<Y>\d{4})[: ]"
        + _HMS
        + r"(?:\.(?P<frac>\d{1,9}))?(?: (?P<tz>[+-]\d{4}))?\]",
    ),
    # Apache error: [Tue Feb 10 14:47:03.123456 2026]; C ctime (OpenVPN, uWSGI): Wed Mar  4 ...
    _fmt(
        "apache",
        r"(?<![\w])\[?"
        + _DOW
        + " "
        + _MON
        + r" {1,2}(?P<d>[0-3]?\d) "
        + _HMS
        + r"(?:\.(?P<frac>\d{1,9}))? (?P<Y>\d{4})\]?",
    ),
    # Redis: 10 Feb 2026 14:47:03.123
    _fmt(
        "redis",
        _LEFT
        + r"(?P<d>[0-3]?\d) "
        + _MON
        + r" (?P<Y>\d{4}) "
        + _HMS
        + r"(?:\.(?P<frac>\d{1,9}))?(?!\d)",
    ),
    # php-fpm / Tomcat catalina: [10-Feb-2026 14:47:03], 10-Feb-2026 14:47:03.123
    _fmt(
        "dmy",
        _LEFT
        + r"(?P<d>[0-3]\d)-"
        + _MON
        + r"-(?P<Y>\d{4}) "
        + _HMS
        + r"(?:\.(?P<frac>\d{1,9}))?"
        + _ZONE
        + r"(?!\d)",
    ),
    # syslog (RFC 3164): Feb 10 14:47:03, Feb  1 04:07:03; journalctl: Feb 01 04:07:03 -- no year
    _fmt(
        "syslog",
        r"(?<![\w])"
        + _MON
        + r" {1,2}(?P<d>[0-3]?\d) "
        + _HMS
        + r"(?:\.(?P<frac>\d{1,9}))?(?![\d:])",
    ),
    # Redis 2.x: [1234] 04 Mar 10:18:46.123 -- no year
    _fmt(
        "dmon",
        _LEFT + r"(?P<d>[0-3]?\d) " + _MON + " " + _HMS + r"(?:\.(?P<frac>\d{1,9}))?(?![\d:])",
    ),
    # java.util.logging SimpleFormatter (Tomcat, Jenkins): Mar 04, 2026 1:18:47 PM
    _fmt("jul", r"(?<![\w])" + _MON + r" (?P<d>[0-3]?\d), (?P<Y>\d{4}) " + _HMS12),
    # US dates (Windows Event Viewer CSV): 3/4/2026 1:18:47 PM
    _fmt("us", _LEFT + r"(?P<m>[01]?\d)/(?P<d>[0-3]?\d)/(?P<Y>\d{4}),? " + _HMS12),
    # epoch seconds (10 digits), optionally .fraction, or milliseconds (13 digits); a colon
    # may end it before a space (Mosquitto: "1772619526: New connection")
    _fmt(
        "epoch",
        _LEFT + r"(?P<E>[1-4]\d{9})\.?(?P<frac>(?<=\.)\d{1,9}|(?<=\d)\d{3})?(?![\w./-]|:[^\s])",
        weak=True,
    ),
    # auditd: msg=audit(1772619526.123:456): -- epoch, fraction, then the event serial
    _fmt("audit", r"(?<=audit\()(?P<E>[1-4]\d{9})\.(?P<frac>\d{1,9})(?=:\d+\))"),
    # Zabbix: "  1234:20260304:101846.123" (pid:date:time)
    _fmt(
        "zabbix",
        r"(?<=\d:)(?P<Y>\d{4})(?P<m>[01]\d)(?P<d>[0-3]\d):(?P<H>[0-2]\d)(?P<M>[0-5]\d)"
        r"(?P<S>[0-6]\d)\.(?P<frac>\d{3})(?!\d)",
    ),
    # MySQL <= 5.6 / MariaDB < 10.1: 260304 10:18:46, 260304  9:18:46 (space-padded hour)
    _fmt(
        "mysql",
        _LEFT + r"(?P<y>\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d) {1,2}(?P<H>[0-2]?\d):(?P<M>[0-5]\d)"
        r":(?P<S>[0-6]\d)(?!\d)",
    ),
    # HDFS: 081109 203615
    _fmt(
        "hdfs",
        _LEFT + r"(?P<y>\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d) (?P<H>[0-2]\d)(?P<M>[0-5]\d)"
        r"(?P<S>[0-6]\d)(?![\w.:/-])",
    ),
    # Spark / log4j short: 17/06/09 20:10:40
    _fmt(
        "spark",
        _LEFT
        + r"(?P<y>\d\d)/(?P<m>[01]\d)/(?P<d>[0-3]\d) "
        + _HMS
        + r"(?:[.,](?P<frac>\d{1,9}))?(?!\d)",
    ),
    # Android logcat: 03-17 16:13:38.811 -- no year
    _fmt(
        "android",
        _LEFT + r"(?P<m>[01]\d)-(?P<d>[0-3]\d) " + _HMS + r"(?:\.(?P<frac>\d{1,9}))?(?!\d)",
    ),
    # glog / klog (Kubernetes): E0210 14:47:03.123456 -- the level letter leads the stamp;
    # no year
    _fmt(
        "klog",
        _LEFT
        + r"(?P<lvl>[IWEF])(?P<m>[01]\d)(?P<d>[0-3]\d) "
        + _HMS
        + r"(?:\.(?P<frac>\d{1,9}))?(?!\d)",
    ),
    # HealthApp: 20171223-22:15:29:606, 20171223-22:16:0:9 (unpadded; the fraction is ms)
    _fmt(
        "healthapp",
        _LEFT + r"(?P<Y>\d{4})(?P<m>[01]\d)(?P<d>[0-3]\d)-(?P<H>[0-2]?\d):(?P<M>[0-5]?\d)"
        r":(?P<S>[0-6]?\d):(?P<frac>\d{1,3})(?!\d)",
        frac_ms=True,
    ),
    # Proxifier: [10.30 16:49:06] -- no year
    _fmt("proxifier", r"\[(?P<m>[01]\d)\.(?P<d>[0-3]\d) " + _HMS + r"\]"),
    # a time of day alone, at column 0 or right after "[" -- no date: logback / log4j2
    # console 10:18:46.123 [main] INFO, WildFly 10:18:46,123 INFO, Serilog [10:18:46 INF],
    # Elixir 10:18:46.123 [info]
    _fmt("clock", r"(?:^|(?<=\[))" + _HMS + r"(?:[.,](?P<frac>\d{1,9}))?(?![\d:])", clock=True),
)


@lru_cache(maxsize=64)
def _named_zone(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_of(text: str | None) -> tzinfo | None:
    """The explicit zone of a stamp (``Z``, ``+01:00``, ``+0100``, ``UTC``,
    ``Europe/Berlin``), if any."""
    if not text:
        return None
    text = text.strip()
    if text in ("Z", "UTC", "GMT"):
        return UTC
    if "/" in text:
        return _named_zone(text)
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))


def fraction(digits: str | None, ms: bool = False) -> float:
    if not digits:
        return 0.0
    return int(digits) / (1000 if ms else 10 ** len(digits))


def seconds_of(groups: dict[str, str | None], zone: tzinfo, year_for: YearFor) -> float | None:
    """Epoch seconds of a stamp's whole-second part; None when it is not a real instant."""
    if groups.get("E"):
        value = int(groups["E"] or 0)
        return float(value) if EPOCH_MIN <= value <= EPOCH_MAX else None
    try:
        month = int(groups.get("m") or 0) or MONTHS[groups.get("b") or ""]
        day, hour, minute = int(groups["d"] or 0), int(groups["H"] or 0), int(groups["M"] or 0)
        if groups.get("p"):  # 12-hour clock: 12:05 AM is 00:05
            hour = hour % 12 + (12 if groups["p"] == "PM" else 0)
        second = min(int(groups["S"] or 0), 59)  # a leap second stays in its minute
        tz = zone_of(groups.get("tz")) or zone
        if groups.get("Y"):
            year = int(groups["Y"] or 0)
        elif groups.get("y"):
            short = int(groups["y"] or 0)
            year = 2000 + short if short < 70 else 1900 + short
        else:
            return year_for(month, day, hour, minute, second, tz)
        return datetime(year, month, day, hour, minute, second, tzinfo=tz).timestamp()
    except (ValueError, KeyError, OverflowError):
        return None


class NearestYear:
    """For year-less stamps: the year that puts the stamp nearest the window [lo, hi]
    (called as a :data:`YearFor`); for date-less ones, :meth:`day`."""

    __slots__ = ("_first", "_last", "hi", "lo")

    def __init__(self, lo: float, hi: float) -> None:
        self.lo, self.hi = lo, hi
        self._first = datetime.fromtimestamp(lo, UTC).year
        self._last = datetime.fromtimestamp(hi, UTC).year

    def __call__(
        self, month: int, day: int, hour: int, minute: int, second: int, tz: tzinfo
    ) -> float | None:
        lo, hi = self.lo, self.hi
        best: float | None = None
        best_gap = float("inf")
        for year in range(self._first - 1, self._last + 2):
            try:
                ts = datetime(year, month, day, hour, minute, second, tzinfo=tz).timestamp()
            except ValueError:  # Feb 29 outside a leap year
                continue
            gap = lo - ts if ts < lo else (ts - hi if ts > hi else 0.0)
            if gap < best_gap:
                best, best_gap = ts, gap
        return best

    def day(self, hour: int, minute: int, second: int, tz: tzinfo) -> date | None:
        """The day (in ``tz``) that puts a time of day inside the window -- the latest
        such day, nearest the case's end -- or, when none does, nearest it."""
        lo, hi = self.lo, self.hi
        try:
            clock = time(hour, minute, second)
            first = datetime.fromtimestamp(lo, tz).date() - timedelta(days=1)
            day = datetime.fromtimestamp(hi, tz).date() + timedelta(days=1)
        except (ValueError, OverflowError, OSError):
            return None
        best: date | None = None
        best_gap = float("inf")
        while day >= first:
            ts = datetime.combine(day, clock, tzinfo=tz).timestamp()
            gap = lo - ts if ts < lo else (ts - hi if ts > hi else 0.0)
            if gap == 0.0:
                return day
            if gap < best_gap:
                best, best_gap = day, gap
            day -= timedelta(days=1)
        return best


def nearest_year(lo: float, hi: float) -> NearestYear:
    """For year-less stamps: the year that puts the stamp nearest the window [lo, hi]."""
    return NearestYear(lo, hi)


def clock_of(groups: dict[str, str | None]) -> tuple[int, int, int] | None:
    """Hour, minute, second of a date-less stamp; None when it is not a time of day."""
    try:
        hour, minute = int(groups["H"] or 0), int(groups["M"] or 0)
        second = min(int(groups["S"] or 0), 59)  # a leap second stays in its minute
    except (ValueError, KeyError):
        return None
    return (hour, minute, second) if hour < 24 else None


def on_day(day: date, hour: int, minute: int, second: int, tz: tzinfo) -> float | None:
    """Epoch seconds of a time of day on ``day`` in ``tz`` (DST-correct)."""
    try:
        return datetime.combine(day, time(hour, minute, second), tzinfo=tz).timestamp()
    except (ValueError, OverflowError):
        return None
