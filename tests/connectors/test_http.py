"""The shared HTTP policy: retries, Retry-After, timeouts, errors, credentials, audit."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from servers.base import FakeServer, Reply, Seen
from servers.manifests import manifest

from bot.errors import ConnectorError, ScopeError
from bot.manifest import Auth
from bot.scope import check_scope
from connectors.base import Context, SourceStats
from connectors.http import (
    HttpApi,
    RetryPolicy,
    auth_headers,
    make_client,
    retry_after_seconds,
)

FAST = RetryPolicy(attempts=3, backoff=0.01, max_wait=2.0)
SECRET = "tok-9f8e7d6c5b4a"


def _echo(seen: Seen) -> Reply:
    return Reply(
        body={"path": seen.path, "q": seen.param("q"), "auth": seen.header("authorization")}
    )


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer(_echo) as fake:
        yield fake


def _api(
    server: FakeServer,
    timeout: float = 2.0,
    retry: RetryPolicy = FAST,
    headers: dict[str, str] | None = None,
) -> HttpApi:
    client = make_client(server.url, timeout=timeout, context=Context(), headers=headers)
    return HttpApi("src", client, SourceStats("src", "test"), retry=retry)


def test_get_returns_json_and_audits_the_query(server: FakeServer) -> None:
    api = _api(server)
    data = api.get("/x", params={"q": "up"}, audit="query up", window="w", count=lambda d: 7)
    assert data["q"] == "up"
    [audit] = api.stats.queries
    assert (audit.query, audit.window, audit.count, audit.status) == ("query up", "w", 7, "ok")


def test_429_waits_for_retry_after_then_succeeds(server: FakeServer) -> None:
    server.fail(Reply(429, {"error": "slow down"}, headers={"Retry-After": "1"}))
    t0 = time.perf_counter()
    assert _api(server).get("/x", audit="a")["path"] == "/x"
    assert time.perf_counter() - t0 >= 0.95
    assert server.paths() == ["/x", "/x"]


def test_retry_after_is_capped(server: FakeServer) -> None:
    server.fail(Reply(503, {}, headers={"Retry-After": "3600"}))
    t0 = time.perf_counter()
    _api(server, retry=RetryPolicy(attempts=2, backoff=0.01, max_wait=0.2)).get("/x", audit="a")
    assert time.perf_counter() - t0 < 2


def test_500_then_success(server: FakeServer) -> None:
    server.fail(Reply(500, {"error": "boom"}))
    assert _api(server).get("/x", audit="a")["path"] == "/x"
    assert len(server.requests) == 2


def test_persistent_500_is_a_connector_error_with_redacted_excerpt(server: FakeServer) -> None:
    server.fail(Reply(500, text=f"internal error; password={SECRET} Bearer {SECRET}"), times=99)
    api = _api(server)
    with pytest.raises(ConnectorError) as caught:
        api.get("/x", audit="a")
    message = str(caught.value)
    assert "HTTP 500" in message and "internal error" in message
    assert SECRET not in message
    assert len(server.requests) == FAST.attempts
    assert api.stats.queries[-1].status == "error"


def test_4xx_is_not_retried_and_names_the_status(server: FakeServer) -> None:
    server.fail(Reply(401, {"errorMessages": ["not authenticated"]}))
    with pytest.raises(ConnectorError, match=r"HTTP 401 Unauthorized .*not authenticated"):
        _api(server).get("/x", audit="a")
    assert len(server.requests) == 1


def test_slow_response_times_out(server: FakeServer) -> None:
    server.fail(Reply(200, {"late": True}, delay=0.6), times=2)
    with pytest.raises(ConnectorError, match="timed out after 2 attempts"):
        _api(server, timeout=0.2, retry=RetryPolicy(attempts=2, backoff=0.01)).get("/x", audit="a")


def test_malformed_json_is_a_connector_error(server: FakeServer) -> None:
    server.fail(Reply(200, text='{"status": "success", "data": [1, 2'))
    with pytest.raises(ConnectorError, match="malformed JSON"):
        _api(server).get("/x", audit="a")


def test_connection_refused_is_a_connector_error() -> None:
    fake = FakeServer(_echo)
    url = fake.url
    fake.stop()  # bound then closed: nothing listens on the port
    client = make_client(url, timeout=1, context=Context())
    api = HttpApi("src", client, SourceStats("src", "t"), retry=FAST)
    with pytest.raises(ConnectorError, match="ConnectError"):
        api.get("/x", audit="a")


def test_credentials_come_from_the_named_variables(server: FakeServer) -> None:
    env = {"MY_USER": "ana", "MY_TOKEN": SECRET}
    basic = auth_headers("s", Auth(username_env="MY_USER", token_env="MY_TOKEN"), env)
    bearer = auth_headers("s", Auth(token_env="MY_TOKEN"), env)
    apikey = auth_headers("s", Auth(token_env="MY_TOKEN"), env, token_scheme="ApiKey")
    assert _api(server, headers=basic).get("/x", audit="a")["auth"].startswith("Basic ")
    assert _api(server, headers=bearer).get("/x", audit="a")["auth"] == f"Bearer {SECRET}"
    assert apikey == {"Authorization": f"ApiKey {SECRET}"}
    assert auth_headers("s", None, env) == {}


def test_missing_variable_names_it_without_a_value() -> None:
    with pytest.raises(ConnectorError, match="JIRA_TOKEN") as caught:
        auth_headers(
            "jira",
            Auth(email_env="JIRA_EMAIL", token_env="JIRA_TOKEN"),
            {"JIRA_EMAIL": "ops@example.com"},
        )
    assert "ops@example.com" not in str(caught.value)
    assert caught.value.source == "jira"


def test_secret_echoed_by_the_server_never_reaches_the_error(server: FakeServer) -> None:
    server.app = lambda seen: Reply(403, text=f"denied for {seen.header('authorization')}")
    headers = auth_headers("s", Auth(token_env="T"), {"T": SECRET})
    with pytest.raises(ConnectorError) as caught:
        _api(server, headers=headers).get("/x", audit="a")
    assert "HTTP 403" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_retry_after_parses_seconds_and_http_dates() -> None:
    now = datetime(2026, 2, 10, 15, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds("5") == 5.0
    assert retry_after_seconds(later, now=now.timestamp()) == pytest.approx(30.0)
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_backoff_doubles_and_is_capped() -> None:
    policy = RetryPolicy(attempts=5, backoff=0.5, max_wait=1.5)
    assert [policy.wait(n, None) for n in range(4)] == [0.5, 1.0, 1.5, 1.5]
    assert policy.wait(0, 0.2) == 0.2


def test_host_outside_the_allow_list_is_refused_before_any_request(server: FakeServer) -> None:
    case = manifest({"name": "tickets", "kind": "jira", "url": server.url, "jql": "project = X"})
    with pytest.raises(ScopeError, match="not in LOGIQ_ALLOWED_HOSTS"):
        check_scope(case, hosts=["jira.example.com"])
    assert server.requests == []
    check_scope(case, hosts=["127.0.0.1"])  # the same manifest passes when allowed


def test_investigation_reports_a_failing_source_and_reads_the_rest(tmp_path) -> None:
    from servers.loki import LokiFake

    from bot.investigate import investigate

    (tmp_path / "app.log").write_text(
        "2026-02-10T14:40:00Z ERROR checkout payment timed out order=ord-1\n", encoding="utf-8"
    )
    t0 = 1_770_734_400 * 10**9  # 14:40 UTC
    loki = LokiFake([({"app": "gw"}, [(t0 + n * 10**9, f"acquirer slow n={n}") for n in range(5)])])
    with FakeServer(loki) as good, FakeServer(_echo) as bad:
        bad.fail(Reply(401, text=f"denied; password={SECRET}"), times=99)
        case = manifest(
            {"name": "app", "kind": "file", "paths": ["app.log"]},
            {"name": "gw", "kind": "loki", "url": good.url, "query": '{app="gw"}'},
            {
                "name": "metrics",
                "kind": "prometheus",
                "url": bad.url,
                "queries": ["up"],
                "timeout": 1,
            },
            base_dir=tmp_path,
        )
        result = investigate(case, context=Context())
    sources = {s.name: s for s in result.report.sources}
    assert sources["app"].records == 1 and sources["gw"].records == 5
    assert sources["gw"].error is None
    assert "HTTP 401" in (sources["metrics"].error or "")
    assert SECRET not in (sources["metrics"].error or "")
    assert any("'metrics' failed" in notice for notice in result.report.notices)


def test_network_connectors_fit_the_protocol_and_expose_no_writes() -> None:
    from connectors import Connector, build_connector

    case = manifest(
        {"name": "j", "kind": "jira", "url": "http://127.0.0.1:9", "jql": "project = X"},
        {"name": "l", "kind": "loki", "url": "http://127.0.0.1:9", "query": '{a="b"}'},
        {"name": "e", "kind": "elasticsearch", "url": "http://127.0.0.1:9", "index": "logs"},
        {"name": "p", "kind": "prometheus", "url": "http://127.0.0.1:9", "queries": ["up"]},
    )
    allowed = {"read", "cite", "headers", "open_api", "cap", "search_body", "step_for"}
    for source in case.sources:
        connector = build_connector(source, case, Context())
        assert isinstance(connector, Connector) and connector.name == source.name
        public = {
            n
            for n in dir(connector)
            if not n.startswith("_") and callable(getattr(type(connector), n, None))
        }
        assert public <= allowed, public - allowed


def test_only_read_verbs_can_be_sent(server: FakeServer) -> None:
    with pytest.raises(ValueError, match="connectors never write"):
        _api(server).call("PUT", "/x", audit="a")
    assert server.requests == []


def test_a_raw_credential_echoed_in_a_body_is_scrubbed_from_the_error(server: FakeServer) -> None:
    # No built-in redaction pattern knows this token's shape: only its value can be scrubbed.
    raw = "q7Zt0-custom-7f3a1c"
    server.app = lambda seen: Reply(401, text=f"token {raw} is revoked")
    headers = auth_headers("s", Auth(token_env="T"), {"T": raw})
    with pytest.raises(ConnectorError) as caught:
        _api(server, headers=headers).get("/x", audit="a")
    assert raw not in str(caught.value) and "[REDACTED:credential]" in str(caught.value)

    server.app = lambda seen: Reply(200, text=f"<html>bad password {raw} for ana</html>")
    basic = auth_headers("s", Auth(username_env="U", password_env="P"), {"U": "ana", "P": raw})
    with pytest.raises(ConnectorError, match="malformed JSON") as caught:
        _api(server, headers=basic).get("/x", audit="a")
    assert raw not in str(caught.value)


def test_connector_messages_quoting_an_answer_are_scrubbed_too(server: FakeServer) -> None:
    from connectors.prometheus import PrometheusConnector

    raw = "q7Zt0-custom-7f3a1c"
    server.app = lambda seen: Reply(body={"status": "error", "error": f"tenant key {raw} unknown"})
    case = manifest(
        {
            "name": "m",
            "kind": "prometheus",
            "url": server.url,
            "queries": ["up"],
            "auth": {"token_env": "T"},
        }
    )
    connector = PrometheusConnector(case.sources[0], case, Context(env={"T": raw}))
    from connectors.base import Scope

    with pytest.raises(ConnectorError) as caught:
        list(connector.read(Scope(start=1e9, end=1e9 + 600, baseline_start=1e9)))
    assert "tenant key" in str(caught.value) and raw not in str(caught.value)


def test_sources_are_read_concurrently_and_a_malformed_one_is_named(tmp_path) -> None:
    import dataclasses

    from servers.loki import LokiFake

    from bot.investigate import investigate

    t0 = 1_770_734_400 * 10**9  # 14:40 UTC
    delay = 1.0

    def slow(app):
        return lambda seen: dataclasses.replace(app(seen), delay=delay)

    one = LokiFake([({"app": "a"}, [(t0 + n * 10**9, f"a n={n}") for n in range(3)])])
    two = LokiFake([({"app": "b"}, [(t0 + n * 10**9, f"b n={n}") for n in range(3)])])
    with (
        FakeServer(slow(one)) as a,
        FakeServer(slow(two)) as b,
        FakeServer(lambda seen: Reply(text="<html>proxy error</html>")) as broken,
    ):
        case = manifest(
            {"name": "a", "kind": "loki", "url": a.url, "query": '{app="a"}'},
            {"name": "b", "kind": "loki", "url": b.url, "query": '{app="b"}'},
            {"name": "m", "kind": "prometheus", "url": broken.url, "queries": ["up"]},
            base_dir=tmp_path,
        )
        started = time.perf_counter()
        result = investigate(case, context=Context())
        elapsed = time.perf_counter() - started
    assert elapsed < 1.8 * delay, f"{elapsed:.2f}s: the two slow sources ran one after the other"
    sources = {s.name: s for s in result.report.sources}
    assert sources["a"].records == 3 and sources["b"].records == 3
    assert "malformed JSON" in (sources["m"].error or "")
    audit = {q.source: q for c in result.connectors.values() for q in c.stats.queries}
    assert audit["a"].count == 3 and audit["a"].duration_ms >= delay * 1000 * 0.9
    assert audit["m"].status == "error"


def test_a_url_carrying_credentials_is_refused_before_any_request(server: FakeServer) -> None:
    from connectors import build_connector
    from connectors.base import Scope

    url = server.url.replace("http://", "http://ana:hunter2pw@")
    case = manifest({"name": "l", "kind": "loki", "url": url, "query": '{a="b"}'})
    connector = build_connector(case.sources[0], case, Context())
    with pytest.raises(ConnectorError, match="auth") as caught:
        list(connector.read(Scope(start=1e9, end=1e9 + 60, baseline_start=1e9)))
    assert "hunter2pw" not in str(caught.value)
    assert server.requests == []
