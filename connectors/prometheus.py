"""Prometheus range queries as metric series (``GET /api/v1/query_range``).

Each manifest query runs over baseline start .. window end at the manifest's ``step``
(widened when the range would exceed Prometheus' 11,000 points per series). Every
result series becomes a :class:`Series` (values as floats; NaN and ±Inf skipped).

Citing a metric point — one text form, used by :func:`prom_point_passage` (what the
engine cites) and by :meth:`PrometheusConnector.cite` (what the check re-reads)::

    locator  prom:<series>@<RFC 3339 time>
    text     <series> = <value> @ <RFC 3339 time>

where ``<series>`` is ``Series.name``: the expression, followed by the result labels
in braces sorted by name when there are any (``rate(x[5m]){pod="a"}``), and
``<value>`` is :func:`format_value` (plain decimal, at most 6 significant digits,
e.g. ``0.53``, ``1250``, ``2.5e-05``). Example::

    prom:checkout_p99_seconds{service="checkout"}@2026-02-10T14:47:00Z
    checkout_p99_seconds{service="checkout"} = 0.53 @ 2026-02-10T14:47:00Z
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from typing import Any, ClassVar

from bot.durations import parse_instant
from bot.engine.records import (
    Series,
    iso,
    point_text,
)
from bot.errors import ConnectorError
from bot.manifest import Manifest, PrometheusSource, PromQuery
from connectors.base import Context, Scope
from connectors.http import (
    HttpApi,
    HttpConnector,
    window_text,
)

logger = logging.getLogger(__name__)

QUERY_RANGE = "/api/v1/query_range"
MAX_POINTS = 11_000  # Prometheus refuses range queries with more points per series


# --------------------------------------------------------------------------- citation form


# --------------------------------------------------------------------------- connector


class PrometheusConnector(HttpConnector):
    source: PrometheusSource
    kind: ClassVar[str] = "prometheus"

    def __init__(
        self, source: PrometheusSource, manifest: Manifest, context: Context, **seams: Any
    ) -> None:
        super().__init__(source, manifest, context, **seams)
        self._series: dict[str, Series] = {}  # cite() re-derives point texts from these

    def read(self, scope: Scope) -> Iterator[Series]:
        cap = self.cap
        step = self.step_for(scope)
        found = 0
        with self.open_api() as api:
            for query in self.source.queries:
                for series in self._query(api, query, scope, step):
                    found += 1
                    if self.stats.records >= cap:
                        continue  # keep counting so the report can say "N of M"
                    self._series[series.name] = series
                    self.stats.records += 1
                    yield series
        if found > self.stats.records:
            self.stats.total = found
            self.stats.notes.append(f"cap of {cap} series reached; {found} matched")

    def cite(self, locator: str) -> str | None:
        name, at, stamp = locator.removeprefix("prom:").rpartition("@")
        series = self._series.get(name) if at and locator.startswith("prom:") else None
        if series is None:
            return None
        try:
            ts = parse_instant(stamp).timestamp()
        except ValueError:
            return None
        for point_ts, value in series.points:
            if iso(point_ts) == iso(ts):
                return point_text(series, point_ts, value)
        return None

    def step_for(self, scope: Scope) -> float:
        """The manifest's step, widened so no series exceeds Prometheus' point limit."""
        step = self.source.step.total_seconds()
        span = scope.end - scope.baseline_start
        if span / step > MAX_POINTS:
            wider = math.ceil(span / MAX_POINTS)
            self.stats.notes.append(f"step widened from {step:g}s to {wider}s (point limit)")
            return float(wider)
        return step

    # -- steps

    def _query(self, api: HttpApi, query: PromQuery, scope: Scope, step: float) -> Iterator[Series]:
        expr = query.expr
        params = {"query": expr, "start": scope.baseline_start, "end": scope.end, "step": step}
        data = api.get(
            QUERY_RANGE,
            params=params,
            audit=f"PromQL {expr}",
            window=window_text(scope.baseline_start, scope.end),
            count=lambda d: len(((d or {}).get("data") or {}).get("result") or []),
        )
        for warning in (data or {}).get("warnings") or [] if isinstance(data, dict) else []:
            self.stats.notes.append(f"Prometheus warning for {expr}: {warning}")
        for labels, values in _matrix(self.name, data):
            points = tuple(p for p in (_point(v) for v in values) if p is not None)
            yield Series(
                source=self.name,
                expr=expr,
                labels=labels,
                points=points,
                threshold=query.threshold,
                label=query.name,
            )


def _matrix(source: str, data: Any) -> Iterator[tuple[dict[str, str], list[Any]]]:
    if not isinstance(data, dict) or data.get("status") != "success":
        error = data.get("error") if isinstance(data, dict) else None
        raise ConnectorError(source, f"Prometheus answered an error: {error or data!r}"[:300])
    body = data.get("data") or {}
    if body.get("resultType") != "matrix":
        raise ConnectorError(source, f"expected a matrix, got {body.get('resultType')!r}")
    for result in body.get("result") or []:
        metric = result.get("metric") or {}
        # __name__ repeats what the expression already says; it would only lengthen locators
        labels = {str(k): str(v) for k, v in metric.items() if k != "__name__"}
        yield labels, result.get("values") or []


def _point(value: Any) -> tuple[float, float] | None:
    try:
        ts, number = float(value[0]), float(value[1])
    except (IndexError, TypeError, ValueError):
        return None
    return (ts, number) if math.isfinite(number) else None
