"""Jira connector against a local fake speaking the Cloud (v3) and Server (v2) REST shapes."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from servers.base import FakeServer, Reply
from servers.jira import JiraFake
from servers.manifests import manifest

from bot.engine.records import Passage
from bot.errors import ConnectorError
from bot.investigate import investigate, scope_of
from connectors.adf import adf_to_text
from connectors.base import Context
from connectors.http import RetryPolicy
from connectors.jira import JiraConnector, build_jql, jql_time, parse_time

FAST = RetryPolicy(attempts=3, backoff=0.01)
ENV = {"JIRA_EMAIL": "ops@example.com", "JIRA_TOKEN": "s3cret-token"}
WINDOW_END = "2026-02-10T15:30:00Z"


def make_issues(count: int = 5) -> list[dict[str, Any]]:
    """VMS-1..VMS-n: older tickets before the window, the last one filed after it ends."""
    issues = []
    for n in range(1, count + 1):
        after = n == count
        issues.append(
            {
                "key": f"VMS-{n}",
                "project": "VMS",
                "summary": f"VM creation timeout case {n}",
                "description": f"Broker timed out after {20 + n} machines.\n\nHypervisor said created.",
                "status": "Done" if n % 2 else "Open",
                "resolution": "Fixed" if n % 2 else None,
                "created": "2026-02-10T16:00:00Z" if after else f"2025-1{n % 3}-0{n}T10:0{n}:00Z",
                "resolved": "2025-12-01T09:00:00Z" if n % 2 else None,
                "labels": ["timeout", f"batch{n}"],
                "components": ["broker"],
                "comments": [
                    {
                        "author": f"eng{c}",
                        "body": f"comment {c} on VMS-{n}",
                        "created": f"2025-12-0{c}T08:00:00Z",
                    }
                    for c in range(1, (n % 3) + 2)
                ],
            }
        )
    return issues


def jira_manifest(url: str, **extra: Any):
    source = {
        "name": "tickets",
        "kind": "jira",
        "url": url,
        "auth": {"email_env": "JIRA_EMAIL", "token_env": "JIRA_TOKEN"},
        **extra,
    }
    return manifest(source)


def read(url: str, env: dict[str, str] = ENV, **extra: Any) -> tuple[JiraConnector, list[Passage]]:
    case = jira_manifest(url, **extra)
    connector = JiraConnector(case.sources[0], case, Context(env=env), retry=FAST)
    return connector, list(connector.read(scope_of(case)))


@pytest.fixture
def cloud() -> Iterator[tuple[FakeServer, JiraFake]]:
    fake = JiraFake(make_issues())
    with FakeServer(fake) as server:
        yield server, fake


def test_cloud_reads_pages_and_comments_within_the_window(cloud) -> None:
    server, _ = cloud
    connector, items = read(server.url, jql="project = VMS")
    keys = [p.locator for p in items if "#" not in p.locator]
    assert sorted(keys) == ["VMS-1", "VMS-2", "VMS-3", "VMS-4"]  # VMS-5 was filed after the end
    searches = [r for r in server.requests if r.path == "/rest/api/3/search/jql"]
    assert len(searches) == 2 and searches[1].param("nextPageToken")
    assert searches[0].param("jql") == (
        'project = VMS AND created <= "2026/02/10 15:30" ORDER BY created DESC'
    ).replace("project = VMS", "(project = VMS)")
    expected_auth = "Basic " + base64.b64encode(b"ops@example.com:s3cret-token").decode()
    assert all(r.header("authorization") == expected_auth for r in searches)
    # VMS-2 has 3 comments; 1 was embedded, 2 came from the comment endpoint
    comments = [p.locator for p in items if p.locator.startswith("VMS-2#")]
    assert comments == ["VMS-2#comment-1", "VMS-2#comment-2", "VMS-2#comment-3"]
    assert "/rest/api/3/issue/VMS-2/comment" in server.paths()
    assert connector.stats.records == len(items)
    assert any("flavor cloud" in note for note in connector.stats.notes)


def test_issue_passage_is_readable_and_citable(cloud) -> None:
    server, _ = cloud
    connector, items = read(server.url, jql="project = VMS")
    issue = next(p for p in items if p.locator == "VMS-3")
    assert issue.title == "VM creation timeout case 3"
    assert issue.text.startswith(
        "VMS-3: VM creation timeout case 3\nStatus: Done | Resolution: Fixed"
    )
    assert "Labels: timeout, batch3 | Components: broker" in issue.text
    assert issue.text.endswith("Broker timed out after 23 machines.\nHypervisor said created.")
    assert issue.meta["resolution"] == "Fixed" and issue.meta["url"].endswith("/browse/VMS-3")
    assert issue.ts == parse_time("2025-10-03T10:03:00Z")
    comment = next(p for p in items if p.locator == "VMS-3#comment-1")
    assert comment.text == "comment 1 on VMS-3" and comment.meta["author"] == "eng1"
    for passage in items:
        assert connector.cite(passage.locator) == passage.text
    assert connector.cite("VMS-99") is None


def test_named_keys_are_fetched_regardless_of_dates(cloud) -> None:
    server, _ = cloud
    _, items = read(server.url, keys=["VMS-5"])
    assert [p.locator for p in items if "#" not in p.locator] == ["VMS-5"]
    _, both = read(server.url, jql="project = VMS AND status = Open", keys=["VMS-5"])
    assert sorted(p.locator for p in both if "#" not in p.locator) == ["VMS-2", "VMS-4", "VMS-5"]


def test_window_end_is_written_in_the_users_zone() -> None:
    fake = JiraFake(make_issues(), user_zone="America/New_York")
    with FakeServer(fake) as server:
        _, items = read(server.url, jql="project = VMS")
    jql = next(r for r in server.requests if r.path.endswith("/search/jql")).param("jql")
    assert '"2026/02/10 10:30"' in jql  # 15:30Z in New York
    assert "VMS-5" not in {p.locator for p in items}


def test_server_flavor_uses_bearer_pat_and_start_at_paging() -> None:
    fake = JiraFake(make_issues(), deployment="Server", token="pat-123")
    with FakeServer(fake) as server:
        _, items = read(
            server.url,
            env={"JIRA_PAT": "pat-123"},
            jql="project = VMS",
            auth={"token_env": "JIRA_PAT"},
        )
    searches = [r for r in server.requests if r.path == "/rest/api/2/search"]
    assert [r.param("startAt") for r in searches] == ["0", "2"]
    assert all(r.header("authorization") == "Bearer pat-123" for r in searches)
    issue = next(p for p in items if p.locator == "VMS-1")
    assert issue.text.endswith("Broker timed out after 21 machines.\n\nHypervisor said created.")
    assert "/rest/api/2/issue/VMS-2/comment" in server.paths()


def test_cap_sets_total_and_says_so() -> None:
    fake = JiraFake(make_issues(), deployment="Server", token="pat-123")
    with FakeServer(fake) as server:
        connector, items = read(
            server.url,
            env={"JIRA_PAT": "pat-123"},
            jql="project = VMS",
            auth={"token_env": "JIRA_PAT"},
            flavor="server",
            max_records=2,
        )
    assert len([p for p in items if "#" not in p.locator]) == 2
    assert connector.stats.total is not None and connector.stats.total > connector.stats.records
    assert any("cap of 2 issues reached; 2 more" in n for n in connector.stats.notes)
    assert "/rest/api/2/serverInfo" not in server.paths()  # flavor given: no detection call


def test_cloud_cap_asks_for_the_approximate_count(cloud) -> None:
    server, _ = cloud
    connector, items = read(server.url, jql="project = VMS", max_records=1)
    assert len([p for p in items if "#" not in p.locator]) == 1
    [count] = [r for r in server.requests if r.path.endswith("/approximate-count")]
    assert count.method == "POST" and "ORDER BY" not in count.json()["jql"]
    assert "created <=" in count.json()["jql"]
    assert any("cap of 1 issues reached; 3 more" in n for n in connector.stats.notes)
    assert connector.stats.total == connector.stats.records + 3


def test_bad_credentials_fail_clearly_without_the_secret(cloud) -> None:
    server, _ = cloud
    with pytest.raises(ConnectorError, match="HTTP 401") as caught:
        read(
            server.url,
            env={"JIRA_EMAIL": "ops@example.com", "JIRA_TOKEN": "wrong-secret"},
            jql="project = VMS",
        )
    assert "wrong-secret" not in str(caught.value)


def test_missing_variable_fails_before_any_request(cloud) -> None:
    server, _ = cloud
    with pytest.raises(ConnectorError, match="JIRA_TOKEN"):
        read(server.url, env={"JIRA_EMAIL": "ops@example.com"}, jql="project = VMS")
    assert server.requests == []


def test_search_500_is_retried(cloud) -> None:
    server, _ = cloud
    server.fail(Reply(500, {"errorMessages": ["try later"]}), path="/rest/api/3/search/jql")
    _, items = read(server.url, jql="project = VMS")
    assert len([p for p in items if "#" not in p.locator]) == 4


def test_bad_jql_is_reported_with_jiras_message(cloud) -> None:
    server, _ = cloud
    with pytest.raises(ConnectorError, match=r"HTTP 400.*Error in the JQL Query"):
        read(server.url, jql="project = = VMS")


def test_failing_source_does_not_sink_the_investigation(cloud) -> None:
    server, _ = cloud
    good = {
        "name": "tickets",
        "kind": "jira",
        "url": server.url,
        "jql": "project = VMS",
        "auth": {"email_env": "JIRA_EMAIL", "token_env": "JIRA_TOKEN"},
    }
    bad = {**good, "name": "other", "auth": {"email_env": "JIRA_EMAIL", "token_env": "NOPE"}}
    case = manifest(good, bad)
    result = investigate(case, context=Context(env=ENV))
    by_name = {s.name: s for s in result.report.sources}
    assert by_name["tickets"].records > 0 and by_name["tickets"].error is None
    assert "NOPE" in (by_name["other"].error or "")
    assert any("'other' failed" in n for n in result.report.notices)


def test_build_jql_keeps_the_users_order_and_combines_keys() -> None:
    end = parse_time(WINDOW_END) or 0
    assert build_jql("project = X ORDER BY updated ASC", [], end) == (
        '(project = X) AND created <= "2026/02/10 15:30" ORDER BY updated ASC'
    )
    assert build_jql("a = b", ["X-1", "X-2"], end) == (
        '((a = b) AND created <= "2026/02/10 15:30") OR (key in (X-1, X-2)) ORDER BY created DESC'
    )
    assert jql_time(end + 1, "UTC") == "2026/02/10 15:31"  # rounded up, never cut short


def test_adf_to_text_covers_common_nodes() -> None:
    doc = {
        "type": "doc",
        "content": [
            {
                "type": "heading",
                "attrs": {"level": 2},
                "content": [{"type": "text", "text": "Cause"}],
            },
            {
                "type": "paragraph",
                "content": [
                    {"type": "text", "text": "ping "},
                    {"type": "mention", "attrs": {"text": "@ana"}},
                    {"type": "hardBreak"},
                    {"type": "text", "text": "next", "marks": [{"type": "strong"}]},
                ],
            },
            {
                "type": "bulletList",
                "content": [
                    {
                        "type": "listItem",
                        "content": [
                            {"type": "paragraph", "content": [{"type": "text", "text": "one"}]}
                        ],
                    },
                    {
                        "type": "listItem",
                        "content": [
                            {"type": "paragraph", "content": [{"type": "text", "text": "two"}]}
                        ],
                    },
                ],
            },
            {
                "type": "codeBlock",
                "attrs": {"language": "log"},
                "content": [{"type": "text", "text": "ERROR timeout"}],
            },
            {
                "type": "table",
                "content": [
                    {
                        "type": "tableRow",
                        "content": [
                            {
                                "type": "tableCell",
                                "content": [
                                    {
                                        "type": "paragraph",
                                        "content": [{"type": "text", "text": "a"}],
                                    }
                                ],
                            },
                            {
                                "type": "tableCell",
                                "content": [
                                    {
                                        "type": "paragraph",
                                        "content": [{"type": "text", "text": "b"}],
                                    }
                                ],
                            },
                        ],
                    }
                ],
            },
            {"type": "mysteryNode", "content": [{"type": "text", "text": "kept"}]},
        ],
    }
    assert adf_to_text(doc) == (
        "## Cause\nping @ana\nnext\n- one\n- two\n```log\nERROR timeout\n```\na | b\nkept"
    )
    assert adf_to_text(None) == "" and adf_to_text("wiki *text*") == "wiki *text*"


def test_a_key_that_is_not_an_issue_key_is_refused_before_any_request(cloud) -> None:
    server, _ = cloud
    with pytest.raises(ConnectorError, match="not an issue key"):
        read(server.url, keys=["VMS-5) OR project = HR OR key in (X-1"])
    assert server.requests == []
    _, items = read(server.url, keys=["vms-5"])  # JQL keys are case-insensitive
    assert any(p.locator == "VMS-5" for p in items)
