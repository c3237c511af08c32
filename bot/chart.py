"""The timeline picture: one PNG for the thread (and ``logiq investigate --chart``).

One lane per log source with event and error rates on a shared, clock-aligned time
axis; the onset; the top hypothesis's cited lines on their lanes; and, when there is a
latency signal, the latencies against the limit. Built on :class:`matplotlib.figure.Figure`
with the Agg canvas (no pyplot global state, safe in worker threads).

Data, best first:
- rates: ``analysis.rates: dict[source, list[(bucket_start_ts, events, errors)]]`` when the
  engine provides it; otherwise the records the Analysis keeps (signals, timelines, drafts),
  bucketed here;
- clock offsets: ``Offset.seconds`` is *source clock minus reference clock*, as in the
  engine (``aligned = ts - seconds``), applied only where the engine applied it. Record and
  evidence times are on their source's clock and get shifted here; the engine's own times
  (signal onsets, ``detail["points"]``, ``rates``) are already aligned and are drawn as is;
- latency: ``latency_limit`` signals' ``detail["points"]`` (``[(ts, seconds), ...]``) and
  ``detail["limit"]`` (seconds); otherwise durations parsed from the signal's records.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import BinaryIO

from matplotlib import dates as mdates
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from bot.engine.model import Analysis, Draft
from bot.engine.records import Record
from bot.redact import redact
from bot.report import Hypothesis, Report

WIDTH, HEIGHT, DPI = 12.0, 7.0, 100  # 1200 x 700 px: Slack's preview size
LOG_KINDS = {"file", "loki", "elasticsearch"}
ERROR_LEVELS = {"ERROR", "ERR", "FATAL", "CRITICAL", "CRIT", "SEVERE", "PANIC", "EMERG", "ALERT"}
STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400)
EVENTS, ERRORS, MARK, ONSET, LIMIT = "#7a9cc6", "#d1495b", "#222222", "#ee8a2a", "#d1495b"

Bucket = tuple[float, int, int]  # (bucket start, events, errors)


@dataclass(slots=True)
class Lane:
    source: str
    buckets: list[Bucket]
    width: float
    marks: list[float] = field(default_factory=list)  # aligned times of cited lines


@dataclass(slots=True)
class Latency:
    points: list[tuple[float, float]]
    limit: float | None
    label: str


def render_timeline(
    report: Report,
    analysis: Analysis,
    path_or_buffer: str | Path | BinaryIO | None = None,
    *,
    rates: Mapping[str, Sequence[Bucket]] | None = None,
) -> bytes:
    """Draw the timeline; write it to ``path_or_buffer`` if given and return the PNG bytes.

    ``rates`` defaults to ``analysis.rates`` when the Analysis has that field.
    """
    start, end = _epoch(report.window.start), _epoch(report.window.end)
    top = _top(report)
    shift = applied_offsets(analysis)
    if rates is None:
        rates = analysis.rates
    lanes = _lanes(report, analysis, rates, top, shift, start, end)
    latency = _latency(analysis, shift)
    onset = _onset(top, analysis, shift)
    figure = _draw(report, top, lanes, latency, onset, start, end)
    data = _png(figure)
    _write(data, path_or_buffer)
    return data


# --------------------------------------------------------------------------- data


def applied_offsets(analysis: Analysis) -> dict[str, float]:
    """``source -> seconds`` the engine shifted its clock by (only applied offsets)."""
    return {o.source: o.seconds for o in analysis.offsets if o.applied}


def _top(report: Report) -> Hypothesis | None:
    live = [h for h in report.hypotheses if h.status != "rejected"]
    return min(live, key=lambda h: h.rank) if live else None


def _lanes(
    report: Report,
    analysis: Analysis,
    rates: Mapping[str, Sequence[Bucket]],
    top: Hypothesis | None,
    shift: dict[str, float],
    start: float,
    end: float,
) -> list[Lane]:
    names = [s.name for s in report.sources if s.kind in LOG_KINDS] or sorted(analysis.counts)
    width = _step(end - start)
    records = _records_by_source(analysis)
    lanes = []
    for name in names:
        off = shift.get(name, 0.0)
        if name in rates:
            buckets = list(rates[name])  # the engine's buckets are on the reference clock
            lane_width = _width_of(buckets) or width
        else:
            buckets, lane_width = _bucket(records.get(name, []), off, start, width), width
        marks = [
            _epoch(e.timestamp) - off
            for e in (top.evidence if top else [])
            if e.source == name and e.timestamp
        ]
        lanes.append(Lane(name, buckets, lane_width, marks))
    return lanes


def _records_by_source(analysis: Analysis) -> dict[str, list[Record]]:
    seen: dict[str, Record] = {}
    pools: list[Iterable[object]] = [s.records for s in analysis.signals]
    pools += list(analysis.timelines.values())
    pools += [[c.item for c in d.citations] for d in analysis.drafts]
    for pool in pools:
        for item in pool:
            if isinstance(item, Record) and item.ts is not None:
                seen.setdefault(f"{item.source}\0{item.locator}", item)
    grouped: dict[str, list[Record]] = {}
    for record in seen.values():
        grouped.setdefault(record.source, []).append(record)
    return grouped


def _bucket(records: list[Record], off: float, start: float, width: float) -> list[Bucket]:
    events: Counter[float] = Counter()
    errors: Counter[float] = Counter()
    for r in records:
        slot = start + ((r.ts or 0.0) - off - start) // width * width
        events[slot] += 1
        errors[slot] += (r.level or "").upper() in ERROR_LEVELS
    return [(t, events[t], errors[t]) for t in sorted(events)]


def _step(span: float, buckets: int = 60) -> float:
    want = max(span, 1.0) / buckets
    return float(next((s for s in STEPS if s >= want), STEPS[-1]))


def _width_of(buckets: list[Bucket]) -> float | None:
    gaps = [b[0] - a[0] for a, b in pairwise(buckets) if b[0] > a[0]]
    return min(gaps) if gaps else None


def _draft_for(top: Hypothesis, analysis: Analysis) -> Draft | None:
    by_title = [d for d in analysis.drafts if redact(d.title) == top.title]
    if by_title:
        return by_title[0]
    return analysis.drafts[top.rank - 1] if 0 < top.rank <= len(analysis.drafts) else None


def _onset(top: Hypothesis | None, analysis: Analysis, shift: dict[str, float]) -> float | None:
    if top is None:
        return None
    draft = _draft_for(top, analysis)
    onsets = [s.onset for s in (draft.signals if draft else []) if s.onset is not None]
    if onsets:
        return min(onsets)
    cited = [_epoch(e.timestamp) - shift.get(e.source, 0.0) for e in top.evidence if e.timestamp]
    return min(cited) if cited else None


_DURATION = re.compile(
    r"(?i)(?:took|after|elapsed|latency|duration|in)[=: ]*(\d+(?:\.\d+)?)\s?(ms|s|sec|seconds)\b"
)
_LIMIT = re.compile(r"(?i)timeout[=: ]*(?:of\s)?(\d+(?:\.\d+)?)\s?(ms|s|sec|seconds)\b")
_LIMIT_IN_TITLE = re.compile(r"(?i)(\d+(?:\.\d+)?)\s?(ms|s|sec|seconds)\b[^.]{0,40}?timeout")


def _latency(analysis: Analysis, shift: dict[str, float]) -> Latency | None:
    signals = [s for s in analysis.signals if s.kind == "latency_limit"]
    if not signals:
        return None
    signal = max(signals, key=lambda s: s.score)
    off = shift.get(signal.sources[0], 0.0) if signal.sources else 0.0
    raw_points = signal.detail.get("points")
    if isinstance(raw_points, list | tuple) and raw_points:
        points = [(float(t), float(v)) for t, v in raw_points]  # aligned by the engine
    else:
        points = [
            (r.ts - off, v)
            for r in signal.records
            if r.ts is not None
            for v in _seconds(_DURATION, r.text)[:1]
        ]
    limit = signal.detail.get("limit")
    if not isinstance(limit, int | float):
        found = [v for r in signal.records for v in _seconds(_LIMIT, r.text)]
        found += _seconds(_LIMIT_IN_TITLE, signal.title)
        limit = found[0] if found else None
    return Latency(sorted(points), limit, signal.title) if points else None


def _seconds(pattern: re.Pattern[str], text: str) -> list[float]:
    return [float(v) / (1000.0 if u.lower() == "ms" else 1.0) for v, u in pattern.findall(text)]


# --------------------------------------------------------------------------- drawing


def _draw(
    report: Report,
    top: Hypothesis | None,
    lanes: list[Lane],
    latency: Latency | None,
    onset: float | None,
    start: float,
    end: float,
) -> Figure:
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
    rows = max(1, len(lanes)) + (1 if latency else 0)
    ratios = [1.0] * max(1, len(lanes)) + ([1.3] if latency else [])
    axes = figure.subplots(rows, 1, sharex=True, squeeze=False, height_ratios=ratios)[:, 0]
    figure.suptitle(_title(report, top), fontsize=15, fontweight="bold", x=0.01, ha="left")
    for ax, lane in zip(axes, lanes, strict=False):
        _draw_lane(ax, lane)
    if not lanes:
        axes[0].text(
            0.5,
            0.5,
            "no log sources in scope",
            ha="center",
            va="center",
            transform=axes[0].transAxes,
            fontsize=14,
        )
    if latency:
        _draw_latency(axes[-1], latency)
    for ax in axes:
        _decorate(ax, onset, start, end)
    if onset is not None:
        axes[0].annotate(
            f"onset {_clock(onset)}",
            (_num(onset), 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(6, -16),
            textcoords="offset points",
            color=ONSET,
            fontsize=12,
            fontweight="bold",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5},
        )
    axes[-1].set_xlabel("time (UTC)", fontsize=12)
    _legend(figure, axes[0], bool(lanes))
    return figure


def _draw_lane(ax, lane: Lane) -> None:
    if lane.buckets:
        xs = [_num(t) for t, _, _ in lane.buckets]
        width = lane.width / 86400.0
        ax.bar(
            xs,
            [e for _, e, _ in lane.buckets],
            width=width,
            align="edge",
            color=EVENTS,
            label="events",
        )
        ax.bar(
            xs,
            [x for _, _, x in lane.buckets],
            width=width,
            align="edge",
            color=ERRORS,
            label="errors",
        )
    else:
        ax.text(
            0.5,
            0.5,
            "no records kept for this source",
            ha="center",
            va="center",
            transform=ax.transAxes,
            fontsize=11,
            color="#666666",
        )
    for mark in lane.marks:
        ax.axvline(_num(mark), color=MARK, linewidth=1.2, alpha=0.8)
    if lane.marks:
        ax.plot(
            [_num(m) for m in lane.marks],
            [1.0] * len(lane.marks),
            "v",
            color=MARK,
            markersize=9,
            transform=ax.get_xaxis_transform(),
            clip_on=False,
            label="cited line",
        )
    per = _per(lane.width)
    ax.set_ylabel(f"{lane.source}\n{per}", fontsize=12, rotation=0, ha="right", va="center")
    ax.set_ylim(bottom=0)


def _draw_latency(ax, latency: Latency) -> None:
    ax.plot(
        [_num(t) for t, _ in latency.points],
        [v for _, v in latency.points],
        "o-",
        color=EVENTS,
        markersize=4,
        linewidth=1.5,
        label="latency",
    )
    if latency.limit is not None:
        ax.axhline(latency.limit, color=LIMIT, linestyle="--", linewidth=2)
        ax.annotate(
            f"limit {latency.limit:g} s",
            (0.0, latency.limit),
            xycoords=("axes fraction", "data"),
            xytext=(4, 4),
            textcoords="offset points",
            color=LIMIT,
            fontsize=12,
            fontweight="bold",
        )
        over = [(t, v) for t, v in latency.points if v >= latency.limit]
        if over:
            ax.plot(
                [_num(t) for t, _ in over], [v for _, v in over], "o", color=ERRORS, markersize=7
            )
    ax.set_ylabel("latency\n(s)", fontsize=12, rotation=0, ha="right", va="center")
    highest = max([v for _, v in latency.points] + [latency.limit or 0.0])
    ax.set_ylim(0, highest * 1.15 or 1.0)
    ax.set_title(redact(latency.label)[:110], fontsize=12, loc="left")


def _decorate(ax, onset: float | None, start: float, end: float) -> None:
    if onset is not None:
        ax.axvline(_num(onset), color=ONSET, linestyle="--", linewidth=2.2)
    ax.set_xlim(_num(start), _num(end))
    ax.tick_params(labelsize=11)
    ax.grid(axis="x", color="#dddddd", linewidth=0.8)
    ax.spines[["top", "right"]].set_visible(False)
    locator = mdates.AutoDateLocator(minticks=5, maxticks=10, tz=UTC)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=UTC))


def _legend(figure: Figure, ax, has_lanes: bool) -> None:
    handles: list[Artist] = [
        Line2D([], [], color=ONSET, linestyle="--", linewidth=2, label="onset")
    ]
    if has_lanes:
        handles = [
            Patch(color=EVENTS, label="events"),
            Patch(color=ERRORS, label="errors"),
            Line2D([], [], color=MARK, marker="v", linestyle="", label="cited line"),
            *handles,
        ]
    figure.legend(
        handles=handles, loc="outside lower center", ncols=len(handles), fontsize=12, frameon=False
    )


def _title(report: Report, top: Hypothesis | None) -> str:
    head = report.case
    if top is not None:
        head += f" — {top.id}: {top.title} ({top.confidence:.2f})"
    head = redact(head)
    return head if len(head) <= 95 else head[:94] + "…"


def _per(width: float) -> str:
    return f"per {int(width)} s" if width < 60 else f"per {width / 60:g} min"


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()


def _write(data: bytes, target: str | Path | BinaryIO | None) -> None:
    if target is None:
        return
    if isinstance(target, str | Path):
        Path(target).write_bytes(data)
    else:
        target.write(data)


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _num(ts: float) -> float:
    return mdates.date2num(datetime.fromtimestamp(ts, UTC))


def _clock(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%H:%M:%S")
