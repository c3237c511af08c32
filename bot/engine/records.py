"""The plain values that flow from connectors into the engine.

Hot-path types are slotted dataclasses; pydantic lives at the edges only.
Timestamps are epoch seconds (UTC) as floats: cheap to compare and bucket.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(slots=True)
class Record:
    """One log record: a line, or a line plus its continuation lines.

    ``text`` is verbatim (continuation lines joined by ``\\n``); ``message`` is the
    part after the timestamp/level prefix, used for templates.  ``path`` and ``line``
    make the citation locator; for non-file sources ``line`` is 0 and ``path`` is the
    whole locator (e.g. ``es:logs-2026/abc123``).
    """

    source: str
    path: str
    line: int
    ts: float | None
    level: str | None
    message: str
    text: str
    labels: dict[str, str] | None = None

    def __reduce__(self) -> tuple[type[Record], tuple[object, ...]]:
        """Pickled as its fields in order: a parallel reader sends many thousands."""
        return (
            Record,
            (self.source, self.path, self.line, self.ts, self.level, self.message, self.text)
            if self.labels is None
            else (*(getattr(self, f) for f in _RECORD_FIELDS),),
        )

    @property
    def locator(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    @property
    def timestamp(self) -> datetime | None:
        return None if self.ts is None else datetime.fromtimestamp(self.ts, UTC)


_RECORD_FIELDS = Record.__slots__


@dataclass(frozen=True, slots=True)
class Passage:
    """A citable piece of a document: a note, a runbook section, a ticket or comment.

    ``locator`` is ``path#heading-slug`` for files, ``VMS-112`` / ``VMS-112#comment-3``
    for tickets. ``text`` is verbatim from the source.
    """

    source: str
    locator: str
    title: str
    text: str
    ts: float | None = None
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Series:
    """One metric series over the window (e.g. a Prometheus range-query result)."""

    source: str
    expr: str
    labels: dict[str, str]
    points: tuple[tuple[float, float], ...]
    threshold: float | None = None  # the manifest's limit for this query, when it set one
    label: str | None = None  # the manifest's short name for the query ("p99 latency")

    @property
    def name(self) -> str:
        inner = ",".join(f'{k}="{v}"' for k, v in sorted(self.labels.items()))
        return f"{self.expr}{{{inner}}}" if inner else self.expr


Item = Record | Passage | Series


def utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return utc(ts).isoformat().replace("+00:00", "Z")


# ------------------------------------------------------------------ metric evidence
# A metric point is cited like a line: ``prom:<series>@<RFC3339>`` with the text below;
# the Prometheus connector's ``cite`` returns the same text for the same locator.


def format_value(value: float) -> str:
    """A metric value as cited: ``0.53``, ``1250``, ``2.5e-05`` (6 significant digits)."""
    text = f"{value:.6g}"
    if "e" not in text and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def point_locator(series: Series, ts: float) -> str:
    return f"prom:{series.name}@{iso(ts)}"


def point_text(series: Series, ts: float, value: float) -> str:
    return f"{series.name} = {format_value(value)} @ {iso(ts)}"


def prom_point_passage(series: Series, ts: float) -> Passage:
    """The citable passage for the point of ``series`` nearest to ``ts``.

    The engine turns metric evidence into a passage with this, so it flows through the
    normal citation path: :meth:`PrometheusConnector.cite` returns the same text.
    """
    if not series.points:
        raise ValueError(f"{series.name} has no points to cite")
    at, value = min(series.points, key=lambda point: abs(point[0] - ts))
    return Passage(
        source=series.source,
        locator=point_locator(series, at),
        title=series.name,
        text=point_text(series, at, value),
        ts=at,
        meta={"expr": series.expr, "value": format_value(value), "series": series.name},
    )
