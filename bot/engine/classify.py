"""What a message *means*, judged once per template: severity and outcome.

The vocabulary is the generic language of operations (failures, successes, resource
exhaustion, changes), never strings of a particular system. Classification runs on
template text (variables masked), so it costs nothing per record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.engine.masking import categorical

DEBUG, INFO, WARN, ERROR, FATAL = 0, 1, 2, 3, 4
LEVELS = {
    "TRACE": DEBUG,
    "DEBUG": DEBUG,
    "INFO": INFO,
    "NOTICE": INFO,
    "WARN": WARN,
    "ERROR": ERROR,
    "FATAL": FATAL,
}


def _lowercase(pattern: str) -> re.Pattern[str]:
    """A vocabulary searched in lowercased text (``text.lower()``). Python's engine is
    several times slower on long alternations under IGNORECASE, and slower still when
    each alternative starts with its own ``\\b``: write them under one ``\\b(?:...)``.
    The pattern may hold no uppercase letter but in an escape (``\\S``, ``\\W``)."""
    if re.search(r"[A-Z]", re.sub(r"\\.", "", pattern)):
        raise ValueError(f"an uppercase letter in a lowercase vocabulary: {pattern[:60]!r}")
    return re.compile(pattern)


# (after a word boundary; ``QueuePool limit of size <*> overflow <*> reached``)
_REACHED = (
    r"reached (?:the |its )?(?:[\w.-]+ ){0,3}?[\w.-]*(?:max|limit|capacity|quota)|"
    r"(?:max(?:imum)?|limit)\b(?:[\w .-]|<\*>){0,30}\breached\b"
)
_FAILURE = _lowercase(
    r"time[ds]?[ _-]?out|deadline exceeded|abort|fail|error|exception|refus|reset by peer|"
    r"denied|unavailable|unreachable|cannot|can't|could not|couldn't|unable|reject|invalid|"
    r"expired|exceed|beyond (?:the |its )?(?:[\w'-]+ ){0,2}limits?\b|panic|fatal|crash|lost|"
    r"not found|no such|broken pipe|too many|exhaust|out of memory|no space|"
    r"out of (?:disk )?space|outofspace|deadlock|conflict|forbidden|unauthori[sz]ed|"
    r"bad gateway|gateway time|service unavailable|internal server error|terminat|"
    r"segfault|oom|backoff|throttl|rate limit|overload|stale|corrupt|mismatch|violat|"
    r"still waiting|waiting for \w*lock|lock wait|blocked (?:by|on)|contention|"
    r"no (?:server|backend|host|upstream)s? (?:is )?available|not responding|unresponsive|"
    r"\b(?:kill(?:ed|ing)\b|is down\b|went down\b|hung\b|blocked\b|"
    r"alarm (?:set|raised|triggered|fired|active)\b|"
    # a rate or a ceiling a component warns about (``checkpoints are occurring too
    # frequently``, ``server reached pm.max_children setting``, ``max clients reached``)
    r"too (?:frequent(?:ly)?|often)\b|clock (?:is |was )?wrong\b|clock skew\b|" + _REACHED + ")"
)
SUCCESS = _lowercase(
    r"\b(?:created|completed?|succe(?:ss|eded|ssful(?:ly)?)|ok|done|ready|acknowledged|ack(?:ed)?|"
    r"accepted|started|finished|committed|established|connected|returned|provisioned|"
    r"registered|saved|stored|delivered|processed|resolved|healthy|up|running|responded|"
    r"sent|received|allocated|approved|published)\b"
)
_TIMEOUT = _lowercase(r"time[ds]?[ _-]?out|deadline exceeded|timed out")
EXHAUSTION = _lowercase(
    r"too many (?:connections|clients|open files|requests|processes|threads)|exhaust|"
    r"out ?of ?memory|\b(?:"
    + _REACHED
    + r"|oom\b|(?:memory|disk|resource)\b.{0,30}\b(?:limit|alarm|watermark)|"
    r"pool\b.{0,60}(?:timed? ?out|timeout|no (?:free|available)|not available|wait))|"
    r"beyond (?:the |its )?(?:[\w'-]+ ){0,2}limits?\b|oom-kill|no space left|out of (?:disk )?space|outofspace|"
    r"disk (?:is )?full|file descriptors|"
    r"max_connections|maximum number of|remaining connection slots|"
    r"(?:quota|capacity|limit) (?:exceeded|reached|exhausted)|exceeded (?:the )?(?:quota|capacity|limit)|"
    r"queue (?:is )?full|backlog (?:full|exceeded)|cannot allocate memory|heap space|"
    r"memory (?:limit|pressure|exhausted)|pool (?:is )?(?:full|exhausted|empty)|"
    r"no (?:free|available|idle) (?:connection|slot|worker|thread)s?|high[ _]watermark"
)
_CHANGE = _lowercase(
    r"rolled|migrat|upgrad|feature flag|flush|evict|"
    # a process announcing its own start: ``orders-api starting version=4.2.0``
    r"(?:^|\s)[\w.@/-]+ starting(?:\s*$| [\w.-]+=)|"
    r"\b(?:deploy|release|version\b|config|reload|restart|rollout|flag\b|scal(?:ed|ing)\b|"
    r"changed?\b|updated?\b|applied\b|build\b|commit\b|revision\b|setting\b|enabled?\b|"
    r"disabled?\b|sync(?:ed|hroni[sz]ed)? (?:operation|to)\b|is starting\b|starting up\b|"
    r"shutting down\b|server (?:initiali[sz]ed|started)\b|boot(?:ing|ed)?\b|"
    r"signal(?:ed)? (?:term|hup|int)|"
    # a server coming up (gunicorn ``Listening at:``, Node ``server listening port=``) or
    # going down on purpose: a restart, so a deploy or a configuration reload
    r"(?:server )?listening (?:on|at)\b|server listening\b|graceful(?:ly)? shut|"
    # configuration management and orchestration: a module run with arguments (ansible),
    # a manifest applied or patched (kubectl, terraform, helm), a reconfigured daemon
    r"invoked with\b|appl(?:y|ying)\b|patch(?:ed|ing)?\b|reconfigur|"
    r"signal process\b|modifications? complete|replac(?:e|ed|ing)\b|(?:begin|end) edit\b|"
    # credentials replaced: a certificate re-issued or renewed, a key or secret rotated
    r"re-?issu(?:e|ed|ing)\b|renew(?:ed|al|ing)?\b|"
    r"(?:key|cert\w*|secret|token|credential)s?\b.{0,30}\brotat|"
    r"rotat\w*\b.{0,30}\b(?:key|cert|secret)|"
    # a schema change: an index, table or collection dropped, created or altered
    # (``CMD: dropIndexes``, ``Index dropped``, ``ALTER TABLE``, ``createIndexes``)
    r"(?:drop|creat|alter|rebuil|renam)\w*\s?(?:index|indexes|indices|table|column|collection)s?\b|"
    r"(?:index|table|column|collection)\s+(?:dropped|created|altered|rebuilt|renamed)\b|"
    # a service manager starting or stopping a unit (systemd ``Starting x.service``)
    r"(?:starting|stopping|stopped)\s+[\w@.-]+\.(?:service|timer|mount|socket)\b|"
    # the clock set by time synchronisation (chrony/ntpd ``System clock was stepped by``)
    r"(?:clock|time) (?:was |has been )?(?:stepped|jumped)\b)"
)
# A message that reports *another* party failing: the writer is a witness (a proxy, a
# load balancer, a client), the culprit is on the other side of the connection.
_DEPENDENCY = _lowercase(
    r"connection refused|connect(?:ion)?(?:\(\))? (?:failed|error|timed out)|"
    r"(?:could not|couldn't|unable to|failed to) connect|while connecting to|"
    r"bad gateway|gateway time|service unavailable|no route to host|"
    r"no (?:server|backend|host|upstream)s? (?:is )?available|marked (?:as )?down|"
    r"reset by peer|connection (?:reset|closed by|lost)|"
    r"\b(?:refused\b.{0,40}connect|upstream\b|unreachable\b|is down\b|"
    # an HTTP client relaying the error response it got: a reason phrase in parentheses
    # (``Response code 429 (Too Many Requests)``), ``429 Client Error: ... for url``
    r"(?:client|server) error: [\w ]{3,40} for\b)|"
    r"\((?:too many requests|service unavailable|bad gateway|gateway timeout)\)"
)
# An HTTP status: after a quoted request line, after a ``status`` key, or HAProxy's
# Tq/Tw/Tc/Tr/Tt timers. The leftmost of the three counts. Searched one shape at a time
# (:func:`_status_of`): one alternation of them cannot skip ahead to its literals.
_QUOTED_STATUS = re.compile(r'"\s([1-5]\d\d)\s')
_KEYED_STATUS = re.compile(r"status[=: ]+([1-5]\d\d)\b")  # and no word character before
_HAPROXY_STATUS = re.compile(r"\s-?\d+/-?\d+/-?\d+/-?\d+/\+?-?\d+\s([1-5]\d\d)\s")


@dataclass(frozen=True, slots=True)
class Meaning:
    """The classification of one template."""

    severity: int  # implied by the words when the record has no level
    failure: bool
    success: bool
    timeout: bool
    exhaustion: bool
    change: bool
    http: bool  # an access-log shape whose status code decides the severity per record
    dependency: bool = False  # reports that another party failed (refused, upstream, down)


# ``key=value``, ``key: <*>`` and a named user (``for user deploy``, systemd's ``Session 7
# of User deploy``, sshd's ``Accepted publickey for deploy from``): values, not words
_PARAMETER = re.compile(r"[\w.-]+=(?:<\*>|\S+)|[\w.-]+:\s?<\*>|\b[Uu]ser \S+|\bfor \S+(?= from\b)")
_PROSE = re.compile(r'[\w.-]+="([^"=]*\s[^"=]*)"')  # logfmt: msg="upstream request failed"


def classify(template: str, cause: str = "") -> Meaning:
    """Judge a template by its words; ``key=value`` parameters (``timeout=30s``,
    ``status=failed``) are settings and values, not what the message says happened. A
    quoted value of several words (logfmt ``msg="..."``, ``error="..."``) is prose: its
    words are kept. ``cause`` is the exception line of a multi-line record (see
    :func:`exception_of`): what went wrong is often said only there."""
    words = _PARAMETER.sub(" ", _PROSE.sub(r" \1 ", _categories(_without_agents(template))))
    if cause:
        words = f"{words} {_PARAMETER.sub(' ', cause)}"
    return _classify(words.lower(), template)


_KEYED_WORD = re.compile(r"\b([A-Za-z_][\w.-]*)=([A-Za-z][A-Za-z_-]{0,23})\b")


# An audit record's operation that alters what it names is a change (an admin creating a
# key provider, deleting a rule); an HTTP method is not (every PUT would be one).
_OPERATION_KEY = re.compile(r"(?i)(?:operation|op|action|event)(?:_?type)?").fullmatch
_MUTATIONS = frozenset(
    {"create", "update", "delete", "patch", "modify", "add", "remove", "insert", "replace"}
)


def _categories(template: str) -> str:
    """``operationType=UPDATE`` says what happened (see :func:`masking.categorical`): its
    value is read as words (``CONFIG_CHANGE`` as ``CONFIG CHANGE``)."""
    if "=" not in template:
        return template

    def words(match: re.Match[str]) -> str:
        key, value = match.groups()
        if not categorical(key, value):
            return match.group(0)
        if _OPERATION_KEY(key) and value.lower() in _MUTATIONS:
            return f" {value} changed "
        return f" {value.replace('_', ' ')} "

    return _KEYED_WORD.sub(words, template)


# The quoted fields of an access-log line other than its request line (the referrer, the
# user agent: ``Version/17.3 Mobile Safari``) are what the client sent, not what happened.
_QUOTED_FIELD = re.compile(
    r'("(?:GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|CONNECT|TRACE) [^"]*")|"[^"]*"'
)


def _without_agents(template: str) -> str:
    if "HTTP/" not in template or '"' not in template:
        return template
    return _QUOTED_FIELD.sub(lambda m: m.group(1) or " ", template)


def failure_words(template: str) -> int:
    """How many distinct failure phrases a template's words hold (parameters aside):
    ``Out of memory: Killed process`` says more than ``invoked oom-killer``."""
    words = _PARAMETER.sub(" ", _PROSE.sub(r" \1 ", template))
    return len({m.group(0) for m in _FAILURE.finditer(words.lower())})


# ``java.io.IOException: msg``, ``Caused by: x.y.DiskOutOfSpaceException: msg``, Python's
# ``redis.exceptions.ConnectionError: msg``: an exception name, then what it says.
_EXCEPTION = re.compile(
    r"^\s*(?:Caused by:\s*|Error:\s*)?((?:[A-Za-z_$][\w$]*\.)*[A-Z][\w$]*(?:Exception|Error|Fault)\b.*)$"
)
_CAUSE_CHARS = 240


def exception_of(text: str) -> str:
    """The innermost exception line of a multi-line record (a stack trace's last
    ``Caused by:``, a Python traceback's final line), or ``""``."""
    found = ""
    for line in text.split("\n")[1:]:
        match = _EXCEPTION.match(line)
        if match:
            found = match.group(1).strip()
    # Spring wraps in one line: "X: Error in execution; nested exception is Y: what happened"
    nested = found.rpartition("nested exception is ")[2]
    return nested[:_CAUSE_CHARS]


_WARNING = _lowercase(r"retry|retrying|slow|backoff|throttl|waiting|blocked|contention|\bwarn")


def _classify(words: str, full: str) -> Meaning:
    """``words``: the template's words, lowercased; ``full``: the template."""
    failure = bool(_FAILURE.search(words))
    success = bool(SUCCESS.search(words)) and not failure
    severity = ERROR if failure else INFO
    if failure and _WARNING.search(words):
        severity = WARN
    return Meaning(
        severity=severity,
        failure=failure,
        success=success,
        timeout=bool(_TIMEOUT.search(words)),
        exhaustion=failure and _names_exhaustion(words),
        change=bool(_CHANGE.search(words)) and not failure,
        http="HTTP/" in full or "status" in full.lower(),
        dependency=failure and bool(_DEPENDENCY.search(words)),
    )


# A guess is no finding: gunicorn's "Worker was sent SIGKILL! Perhaps out of memory?"
_HEDGE = _lowercase(r"\b(?:perhaps|maybe|possibly)\b[^.!;]*\??")


def names_exhaustion(text: str) -> bool:
    """Whether ``text`` says a resource ran out (not merely wonders whether it did)."""
    return _names_exhaustion(text.lower())


def _names_exhaustion(lowered: str) -> bool:
    return bool(EXHAUSTION.search(_HEDGE.sub(" ", lowered)))


@lru_cache(maxsize=512)  # a file spells its levels a few ways; called per record
def level_rank(level: str | None) -> int | None:
    if level is None:
        return None
    return LEVELS.get(level.upper())


def http_severity(message: str) -> int | None:
    """Severity from an HTTP status in an access-log line: 5xx error, 4xx warning."""
    status = _status_of(message)
    if status is None:
        return None
    if status >= 500:
        return ERROR
    if status in (408, 429):
        return WARN
    return INFO


def http_status(message: str) -> int | None:
    status = _status_of(message)
    if status is not None:
        return status
    match = _ALB_STATUS.search(message)  # rarer: tried only where the others found none
    return int(match.group(1)) if match else None


def _status_of(message: str) -> int | None:
    """The leftmost status of the three shapes. A keyed or HAProxy match holds no ``"``,
    so one that starts before a quoted match also ends before it: the others are searched
    only up to there."""
    best = _QUOTED_STATUS.search(message)
    end = best.start() if best else len(message)
    pos = 0
    while (keyed := _KEYED_STATUS.search(message, pos, end)) is not None:
        before = keyed.start() - 1
        if before < 0 or not (message[before].isalnum() or message[before] == "_"):
            best, end = keyed, keyed.start()  # \bstatus
            break
        pos = keyed.start() + 1
    # HAProxy's five timers hold four slashes: fewer before ``end`` and none can match
    timers = _HAPROXY_STATUS.search(message, 0, end) if message.count("/", 0, end) >= 4 else None
    if timers is not None:
        best = timers
    return int(best.group(1)) if best else None


# AWS ALB access logs put the status before the request: the three processing times
# (-1 when the target never answered), elb_status_code, target_status_code, bytes, bytes.
_ALB_STATUS = re.compile(
    r"(?:-1|\d+\.\d+) (?:-1|\d+\.\d+) (?:-1|\d+\.\d+) ([1-5]\d\d) (?:[1-5]\d\d|-) \d+ \d+ \""
)
