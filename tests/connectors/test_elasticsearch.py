"""Elasticsearch (PIT + search_after) and OpenSearch (scroll) against a local fake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from servers.base import FakeServer
from servers.elasticsearch import ElasticFake
from servers.manifests import manifest

from bot.errors import ConnectorError
from bot.investigate import scope_of
from connectors.base import Context
from connectors.elasticsearch import ElasticsearchConnector, get_path, parse_timestamp
from connectors.http import RetryPolicy

FAST = RetryPolicy(attempts=2, backoff=0.01)
ENV = {"ES_USER": "reader", "ES_PASS": "pw-42", "ES_KEY": "a2V5OnNlY3JldA=="}


def docs(nested: bool = False) -> dict[str, list[dict[str, Any]]]:
    """Two daily indices; one doc before the baseline, one not matching the query."""

    def doc(i: int, minute: int, message: str, level: str = "error") -> dict[str, Any]:
        when = datetime(2026, 2, 10, 14, 0, tzinfo=UTC) + timedelta(minutes=minute, milliseconds=i)
        stamp = when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        source = (
            {"event": {"created": stamp}, "log.message": message, "log": {"level": level}}
            if nested
            else {"@timestamp": stamp, "message": message, "level": level, "service": "checkout"}
        )
        return {"_id": f"d{i}", "_source": source}

    return {
        "logs-2026.02.10": [doc(i, 35 + i, f"payment upstream slow #{i}") for i in range(7)]
        + [doc(7, 40, "cache warm", "info"), doc(8, -5, "too early: before the baseline")],
        "logs-2026.02.11": [doc(9, 80, "payment upstream slow #9")],
    }


def read(url: str, env: dict[str, str] = ENV, **extra: Any):
    source = {
        "name": "es",
        "kind": "elasticsearch",
        "url": url,
        "index": "logs-*",
        "query": "slow",
        "page_size": 3,
        **extra,
    }
    case = manifest(source)
    connector = ElasticsearchConnector(case.sources[0], case, Context(env=env), retry=FAST)
    return connector, list(connector.read(scope_of(case)))


def test_elasticsearch_pages_with_point_in_time_and_search_after() -> None:
    fake = ElasticFake(docs())
    with FakeServer(fake) as server:
        connector, records = read(
            server.url, auth={"username_env": "ES_USER", "password_env": "ES_PASS"}
        )
    assert [r.text for r in records] == [f"payment upstream slow #{i}" for i in (*range(7), 9)]
    assert records[0].locator == "es:logs-2026.02.10/d0"
    assert records[0].ts == parse_timestamp("2026-02-10T14:35:00.000Z")
    assert records[0].level == "ERROR"
    methods = [(r.method, r.path) for r in server.requests]
    assert methods[:2] == [("GET", "/"), ("POST", "/logs-*/_pit")]
    assert methods[-1] == ("DELETE", "/_pit") and fake.contexts == {} and fake.closed == ["pit-1"]
    searches = [r.json() for r in server.requests if r.path == "/_search"]
    assert len(searches) == 3 and "search_after" not in searches[0]
    assert searches[1]["search_after"] and searches[2]["pit"]["id"].startswith("pit-1~")
    window = searches[0]["query"]["bool"]["filter"][0]["range"]["@timestamp"]
    assert (window["gte"], window["lte"]) == ("2026-02-10T14:00:00Z", "2026-02-10T15:30:00Z")
    assert searches[0]["query"]["bool"]["must"] == [{"query_string": {"query": "slow"}}]
    assert all((r.header("authorization") or "").startswith("Basic ") for r in server.requests)
    for record in records:
        assert connector.cite(record.locator) == record.text


def test_opensearch_is_detected_and_scrolled() -> None:
    fake = ElasticFake(docs(), distribution="opensearch")
    with FakeServer(fake) as server:
        connector, records = read(server.url)
    assert len(records) == 8
    paths = [(r.method, r.path) for r in server.requests]
    assert ("POST", "/logs-*/_search") in paths and ("POST", "/_search/scroll") in paths
    assert paths[-1] == ("DELETE", "/_search/scroll") and fake.contexts == {}
    assert server.requests[1].param("scroll") == "1m"
    assert any("flavor opensearch" in n for n in connector.stats.notes)


def test_nested_field_mapping() -> None:
    with FakeServer(
        ElasticFake(docs(nested=True), timestamp="event.created", message="log.message")
    ) as server:
        _, records = read(
            server.url,
            query="*",
            fields={"timestamp": "event.created", "message": "log.message", "level": "log.level"},
        )
    assert len(records) == 9  # everything in the window, including the info line
    info = next(r for r in records if r.text == "cache warm")
    assert info.level == "INFO" and info.ts == parse_timestamp("2026-02-10T14:40:00.007Z")


def test_cap_reports_the_exact_total_and_still_closes_the_pit() -> None:
    fake = ElasticFake(docs())
    with FakeServer(fake) as server:
        connector, records = read(server.url, max_records=4)
    assert len(records) == 4 and connector.stats.total == 8
    assert fake.contexts == {} and server.requests[-1].method == "DELETE"


def test_api_key_and_errors() -> None:
    with FakeServer(ElasticFake(docs())) as server:
        read(server.url, auth={"token_env": "ES_KEY"}, flavor="elasticsearch")
    assert server.requests[0].header("authorization") == f"ApiKey {ENV['ES_KEY']}"
    assert server.requests[0].path == "/logs-*/_pit"  # flavor given: no detection call
    with (
        FakeServer(ElasticFake(docs(), distribution="opensearch")) as server,
        pytest.raises(ConnectorError, match=r"HTTP 400 .*no handler for POST /logs-\*/_pit"),
    ):
        read(server.url, flavor="elasticsearch")


def test_helpers() -> None:
    assert get_path({"a": {"b": {"c": 1}}}, "a.b.c") == 1
    assert get_path({"log.level": "warn"}, "log.level") == "warn"
    assert get_path({"a": {"b.c": 2}}, "a.b.c") == 2
    assert get_path({"a": 1}, "x.y") is None
    assert parse_timestamp(1770733800000) == 1770733800.0
    assert parse_timestamp("2026-02-10T14:30:00.123456789Z") == pytest.approx(1770733800.123456)
    assert parse_timestamp("yesterday") is None
