"""Prometheus connector against a real Prometheus serving historical data made here."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from servers.manifests import manifest
from servers.prometheus import PrometheusServer, binaries, openmetrics

from bot.engine.records import format_value, point_locator, prom_point_passage
from bot.errors import ConnectorError
from bot.investigate import scope_of
from connectors.base import Context, Scope
from connectors.http import RetryPolicy
from connectors.prometheus import PrometheusConnector

FAST = RetryPolicy(attempts=2, backoff=0.01)
BASELINE = 1_770_732_000  # 2026-02-10T14:00:00Z: the manifest's baseline start
END = BASELINE + 90 * 60


def p99(region: str, ts: float) -> float:
    """eu slows from 14:45 to 15:05 (payment upstream); us stays flat."""
    minute = (ts - BASELINE) / 60
    bump = 0.7 if region == "eu" and 45 <= minute <= 65 else 0.0
    return round(0.2 + 0.01 * (int(minute) % 5) + bump, 3)


def samples(region: str) -> list[tuple[float, float]]:
    return [(float(ts), p99(region, ts)) for ts in range(BASELINE - 1800, END + 900, 60)]


def data() -> str:
    errors = [
        (float(ts), math.nan if ts == BASELINE + 600 else 0.01)
        for ts in range(BASELINE - 1800, END + 900, 60)
    ]
    return openmetrics(
        {
            "checkout_p99_seconds": {
                f'{{region="{r}",service="checkout"}}': samples(r) for r in ("eu", "us")
            },
            "payment_error_ratio": {'{service="payment"}': errors},
        }
    )


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    if binaries() is None:
        pytest.skip(
            "prometheus/promtool not installed: apt-get install prometheus "
            "(.ci/run installs it in CI)"
        )
    with PrometheusServer(data(), tmp_path_factory.mktemp("prom")) as server:
        yield server


def read(url: str, queries: list[Any], **extra: Any) -> tuple[PrometheusConnector, list]:
    source = {
        "name": "metrics",
        "kind": "prometheus",
        "url": url,
        "queries": queries,
        "step": "1m",
        **extra,
    }
    case = manifest(source)
    connector = PrometheusConnector(case.sources[0], case, Context(), retry=FAST)
    return connector, list(connector.read(scope_of(case)))


def test_series_have_the_stored_values_over_baseline_and_window(prometheus) -> None:
    connector, series = read(prometheus.url, ["checkout_p99_seconds"])
    by_region = {s.labels["region"]: s for s in series}
    assert set(by_region) == {"eu", "us"}
    eu = by_region["eu"]
    expected = [(ts, v) for ts, v in samples("eu") if BASELINE <= ts <= END]
    assert list(eu.points) == expected
    assert eu.name == 'checkout_p99_seconds{region="eu",service="checkout"}'
    request = connector.stats.queries[0]
    assert request.query == "PromQL checkout_p99_seconds" and request.count == 2


def test_nan_points_are_skipped_and_expressions_work(prometheus) -> None:
    _, series = read(
        prometheus.url,
        ["payment_error_ratio", {"expr": "max(checkout_p99_seconds)", "threshold": 0.5}],
    )
    errors, peak = series
    assert len(errors.points) == 90  # 91 steps, the NaN one skipped
    assert all(v == 0.01 for _, v in errors.points)
    assert peak.labels == {} and peak.name == "max(checkout_p99_seconds)"
    assert max(v for _, v in peak.points) == pytest.approx(0.9 + 0.04, abs=0.05)


def test_point_passage_and_cite_agree(prometheus) -> None:
    connector, series = read(prometheus.url, ["checkout_p99_seconds"])
    eu = next(s for s in series if s.labels["region"] == "eu")
    passage = prom_point_passage(eu, BASELINE + 47 * 60 + 10)  # nearest point: 14:47:00
    assert passage.locator == (
        'prom:checkout_p99_seconds{region="eu",service="checkout"}@2026-02-10T14:47:00Z'
    )
    assert passage.text == (
        'checkout_p99_seconds{region="eu",service="checkout"} = 0.92 @ 2026-02-10T14:47:00Z'
    )
    assert connector.cite(passage.locator) == passage.text
    assert passage.ts == BASELINE + 47 * 60 and passage.source == "metrics"
    assert connector.cite(point_locator(eu, END + 3600)) is None
    assert connector.cite("prom:nope@2026-02-10T14:47:00Z") is None


def test_metric_passage_passes_the_investigation_citation_check(prometheus) -> None:
    from bot.errors import CitationError
    from bot.investigate import verify_citation

    connector, series = read(prometheus.url, ["max(checkout_p99_seconds)"])
    passage = prom_point_passage(series[0], BASELINE + 50 * 60)
    verify_citation(passage, {"metrics": connector})  # raises on any mismatch
    forged = dataclasses.replace(passage, text=passage.text.replace("= 0.", "= 9."))
    with pytest.raises(CitationError):
        verify_citation(forged, {"metrics": connector})


def test_a_query_threshold_becomes_a_cited_crossing_in_the_investigation(prometheus) -> None:
    """From the manifest's ``threshold`` through the real server to the engine's signal."""
    from bot.engine import Engine
    from bot.investigate import engine_config, verify_citation

    query = {"expr": 'checkout_p99_seconds{region="eu"}', "name": "eu p99", "threshold": 0.5}
    connector, series = read(prometheus.url, [query])
    assert [(s.threshold, s.label) for s in series] == [(0.5, "eu p99")]
    engine = Engine(
        engine_config(
            manifest(
                {"name": "metrics", "kind": "prometheus", "url": prometheus.url, "queries": [query]}
            )
        )
    )
    for item in series:
        engine.add(item)
    [signal] = [s for s in engine.finish().signals if s.kind == "metric"]
    assert signal.onset == BASELINE + 45 * 60  # eu slows from 14:45
    assert signal.title.startswith("eu p99 (checkout_p99_seconds{")
    assert "went above its limit 0.5 at 14:45:00 UTC (peak 0.94" in signal.title
    for passage in signal.records:  # cited points are re-read from the server verbatim
        verify_citation(passage, {"metrics": connector})


def test_bad_promql_is_a_clear_error(prometheus) -> None:
    with pytest.raises(ConnectorError, match=r"HTTP 400 .*parse error"):
        read(prometheus.url, ["sum(rate(checkout_p99_seconds[5m]"])


def test_series_cap_counts_what_was_left_out(prometheus) -> None:
    connector, series = read(prometheus.url, ["checkout_p99_seconds"], max_records=1)
    assert len(series) == 1 and connector.stats.total == 2


def test_step_is_widened_past_the_point_limit() -> None:
    case = manifest(
        {
            "name": "m",
            "kind": "prometheus",
            "url": "http://127.0.0.1:9",
            "queries": ["up"],
            "step": "1s",
        }
    )
    connector = PrometheusConnector(case.sources[0], case, Context())
    scope = Scope(start=0, end=timedelta(days=1).total_seconds(), baseline_start=0)
    assert connector.step_for(scope) == 8.0  # 86400 / 11000 rounded up
    assert "step widened" in connector.stats.notes[0]


def test_format_value() -> None:
    assert [format_value(v) for v in (0.53, 1250.0, 2.5e-05, 0.0, 1 / 3, -4.0)] == [
        "0.53",
        "1250",
        "2.5e-05",
        "0",
        "0.333333",
        "-4",
    ]


def test_checkout_latency_example_reads_every_source() -> None:
    """The committed example against its demo services (on free ports here)."""
    import importlib.util
    from contextlib import ExitStack

    from bot.investigate import investigate
    from bot.manifest import load_manifest

    if binaries() is None:
        pytest.skip("prometheus/promtool not installed")
    repo = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("demo", repo / "scripts" / "demo_services.py")
    assert spec and spec.loader
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    case = load_manifest(repo / "examples" / "checkout-latency" / "case.yaml")
    with ExitStack() as stack:
        urls = demo.start(stack, {"loki": 0, "jira": 0, "prometheus": 0})
        sources = [
            s.model_copy(update={"url": urls[s.kind]}) if s.kind in urls else s
            for s in case.sources
        ]
        result = investigate(case.model_copy(update={"sources": sources}))
    by_name = {s.name: s for s in result.report.sources}
    assert {name: s.error for name, s in by_name.items()} == dict.fromkeys(by_name)
    assert all(s.records > 0 for s in by_name.values())
    tickets = result.connectors["tickets"]
    assert tickets.cite("PAY-231") and tickets.cite("PAY-260") is None  # filed after the window
    assert by_name["metrics"].records == 3
    top = result.report.hypotheses[0]  # the past incident is named with how it was resolved
    assert "Seen before in PAY-231 (Fixed, resolved 2025-10-16): “Failed over to southbank" in (
        top.summary
    )
    assert {"PAY-231", "PAY-231#comment-2"} <= {e.locator for e in top.evidence}
