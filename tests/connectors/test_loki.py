"""Loki connector against a local fake of ``/loki/api/v1/query_range``."""

from __future__ import annotations

from typing import Any

import pytest
from servers.base import FakeServer
from servers.loki import LokiFake
from servers.manifests import manifest

from bot.errors import ConnectorError
from bot.investigate import scope_of
from connectors.base import Context
from connectors.http import RetryPolicy
from connectors.loki import LokiConnector, level_of, message_of, stream_key

FAST = RetryPolicy(attempts=2, backoff=0.01)
T0 = 1_770_733_800 * 10**9  # 2026-02-10T14:30:00Z in ns (the window start)
BASELINE = T0 - 1800 * 10**9


def streams() -> list[tuple[dict[str, str], list[tuple[int, str]]]]:
    """Two checkout streams with ties at the same nanosecond, plus one stream not queried."""
    prod: list[tuple[int, str]] = []
    canary: list[tuple[int, str]] = []
    for n in range(12):
        ts = T0 + (n // 2) * 10**9  # pairs share a timestamp
        prod.append((ts, f"2026-02-10T14:30:0{n // 2}Z ERROR payment call {n} timed out"))
        canary.append((ts, f'level=info msg="request {n} ok"'))
    before = [(BASELINE - 10**9, "before the baseline: never read")]
    return [
        ({"env": "prod", "app": "checkout", "level": "error"}, prod + before),
        ({"app": "checkout", "env": "canary"}, canary),
        ({"app": "billing", "env": "prod"}, [(T0, "other app")]),
    ]


def read(url: str, **extra: Any) -> tuple[LokiConnector, list]:
    source = {"name": "loki", "kind": "loki", "url": url, "query": '{app="checkout"}', **extra}
    case = manifest(source)
    connector = LokiConnector(
        case.sources[0], case, Context(env={"LOKI_TOKEN": "lk-1"}), retry=FAST
    )
    return connector, list(connector.read(scope_of(case)))


def test_pages_at_the_limit_boundary_without_loss_or_duplicates() -> None:
    with FakeServer(LokiFake(streams())) as server:
        connector, records = read(server.url, limit=5)
    texts = [r.text for r in records]
    expected = sorted(line for labels, entries in streams()[:2] for ts, line in entries if ts >= T0)
    assert sorted(texts) == expected and len(set(texts)) == len(texts) == 24
    assert [r.ts for r in records] == sorted(r.ts for r in records)
    first, *rest = server.requests
    assert first.param("start") == str(BASELINE)
    assert first.param("end") == str(T0 + 3600 * 10**9 + 1)
    assert (first.param("direction"), first.param("limit")) == ("forward", "5")
    assert first.param("query") == '{app="checkout"}'
    starts = [int(r.param("start") or 0) for r in server.requests]
    assert starts == sorted(starts) and len(rest) >= 4
    assert connector.stats.records == 24 and len(connector.stats.queries) == len(server.requests)


def test_records_carry_locator_level_message_and_labels() -> None:
    with FakeServer(LokiFake(streams())) as server:
        connector, records = read(server.url)
    prod = next(r for r in records if r.labels and r.labels["env"] == "prod")
    assert prod.locator == f'loki:{{app="checkout",env="prod",level="error"}}@{T0}'
    assert prod.line == 0 and prod.ts == T0 / 10**9
    assert prod.level == "ERROR"
    assert prod.message == "payment call 0 timed out"
    canary = next(r for r in records if r.labels and r.labels["env"] == "canary")
    assert canary.level == "INFO"
    for record in records:
        assert connector.cite(record.locator) == record.text


def test_same_stream_and_nanosecond_get_distinct_locators() -> None:
    fake = LokiFake([({"app": "checkout"}, [(T0, "first"), (T0, "second")])])
    with FakeServer(fake) as server:
        connector, records = read(server.url)
    assert [r.locator for r in records] == [
        f'loki:{{app="checkout"}}@{T0}',
        f'loki:{{app="checkout"}}@{T0}#2',
    ]
    assert [connector.cite(r.locator) for r in records] == ["first", "second"]


def test_tenant_and_token_are_sent() -> None:
    with FakeServer(LokiFake(streams(), tenant="team-a")) as server:
        _, records = read(server.url, tenant="team-a", auth={"token_env": "LOKI_TOKEN"})
    assert records
    assert all(r.header("x-scope-orgid") == "team-a" for r in server.requests)
    assert all(r.header("authorization") == "Bearer lk-1" for r in server.requests)


def test_missing_tenant_is_a_clear_error() -> None:
    with (
        FakeServer(LokiFake(streams(), tenant="team-a")) as server,
        pytest.raises(ConnectorError, match=r"HTTP 401.*no org id"),
    ):
        read(server.url)


def test_metric_query_is_refused_with_a_hint() -> None:
    with (
        FakeServer(LokiFake(streams())) as server,
        pytest.raises(ConnectorError, match=r"matrix.*log query"),
    ):
        read(server.url, query='rate({app="checkout"}[5m])')


def test_cap_stops_reading_and_says_more_exist() -> None:
    with FakeServer(LokiFake(streams())) as server:
        connector, records = read(server.url, max_records=7, limit=4)
    assert len(records) == 7
    assert connector.stats.total == 24  # counted by Loki: both checkout streams in range
    assert any("cap of 7 entries reached; 24 match" in n for n in connector.stats.notes)
    count = server.requests[-1]
    assert count.path == "/loki/api/v1/query"
    assert count.param("query") == 'sum(count_over_time({app="checkout"} [5400s]))'


def test_line_filters_are_pushed_down() -> None:
    with FakeServer(LokiFake(streams())) as server:
        _, records = read(server.url, query='{app="checkout"} |= "timed out"')
    assert records and all("timed out" in r.text for r in records)


def test_helpers() -> None:
    assert stream_key({"b": '2"', "a": "1"}) == '{a="1",b="2\\""}'
    assert level_of({}, "2026-02-10 14:30:00 WARNING disk low") == "WARN"
    assert level_of({"detected_level": "debug"}, "x") == "DEBUG"
    assert level_of({}, "nothing here") is None
    assert message_of("2026-02-10T14:30:00.123Z [ERROR] boom") == "boom"
    assert message_of("plain line") == "plain line"
