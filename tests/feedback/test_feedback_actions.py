import base64

import pytest
from feedback_factory import evidence, hypothesis, vm_hypothesis
from jira_recorder import jira_recorder

from bot.actions import (
    APPROVE_ACTION,
    DISMISS_ACTION,
    actions_mode,
    approve,
    dismiss,
    proposal_blocks,
    propose_comment,
    propose_issue,
)
from bot.errors import ConfigError
from bot.settings import Settings

THREAD = "https://slack.com/archives/C1/p1770735600000100"
ENV = {"JIRA_WRITE_TOKEN": "pat-write-0123456789"}


@pytest.fixture
def jira():
    with jira_recorder() as recorder:
        yield recorder


def settings(mode: str, url: str = "http://127.0.0.1:9", **extra) -> Settings:
    return Settings(
        LOGIQ_ACTIONS=mode,
        LOGIQ_APPROVERS="ana,bo",
        LOGIQ_JIRA_WRITE_URL=url,
        LOGIQ_JIRA_WRITE_PROJECT="VMS",
        **extra,
    )


def test_off_proposes_nothing_and_approves_nothing(jira):
    s = settings("off", jira.url)
    assert propose_issue("INC-4821", vm_hypothesis(), s, created_by="ana") is None
    assert propose_comment("INC-4821", vm_hypothesis(), "VMS-1", s, created_by="ana") is None
    live = propose_issue("INC-4821", vm_hypothesis(), settings("live", jira.url), created_by="ana")
    result = approve(live, "ana", s, ENV)
    assert result.outcome == "refused" and "off" in result.message
    assert jira.requests == []


def test_proposal_carries_the_exact_redacted_request():
    h = vm_hypothesis()
    h.evidence.append(evidence("broker", 7, "connect password=hunter22 to db"))
    p = propose_issue(
        "INC-4821",
        h,
        settings("dry-run", "https://jira.example.com/"),
        created_by="ana",
        thread=THREAD,
    )
    assert p.status == "proposed" and p.kind == "jira_create"
    assert p.request.method == "POST"
    assert p.request.url == "https://jira.example.com/rest/api/2/issue"
    fields = p.request.body["fields"]
    assert fields["project"] == {"key": "VMS"} and fields["issuetype"] == {"name": "Bug"}
    assert fields["summary"] == "[INC-4821] " + h.title
    text = fields["description"]
    assert "{noformat}\n" + h.evidence[0].text + "\n{noformat}" in text
    assert "logs/broker.log:1042" in text and THREAD in text
    assert "* Raise the broker timeout above p99 ack latency" in text
    assert "hunter22" not in text and "[REDACTED:secret]" in text


def test_blocks_have_approve_and_dismiss_with_the_proposal_id():
    p = propose_issue("INC-4821", vm_hypothesis(), settings("dry-run"), created_by="ana")
    blocks = proposal_blocks(p, "dry-run")
    buttons = blocks[-1]["elements"]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        (APPROVE_ACTION, p.id),
        (DISMISS_ACTION, p.id),
    ]
    assert "Dry run" in str(blocks)
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")


def test_huge_evidence_keeps_blocks_within_limits():
    lines = [evidence("broker", i, "x" * 900) for i in range(1, 30)]
    p = propose_issue("INC-1", hypothesis("H1", 0.9, lines), settings("live"), created_by="ana")
    for block in proposal_blocks(p, "live"):
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000


def test_non_approver_is_refused_and_nothing_is_sent(jira):
    s = settings("live", jira.url)
    p = propose_issue("INC-4821", vm_hypothesis(), s, created_by="ana")
    result = approve(p, "mallory", s, ENV)
    assert result.outcome == "refused" and "not an approver" in result.message
    assert result.proposal.status == "proposed"
    assert result.audit.actor == "mallory" and result.audit.outcome == "refused"
    assert jira.requests == []


def test_dry_run_returns_the_request_and_sends_nothing(jira):
    s = settings("dry-run", jira.url)
    p = propose_issue("INC-4821", vm_hypothesis(), s, created_by="ana", thread=THREAD)
    result = approve(p, "bo", s, ENV)
    assert result.outcome == "dry-run"
    assert result.request == p.request
    assert result.proposal.status == "approved" and result.proposal.decided_by == "bo"
    assert f"POST {jira.url}/rest/api/2/issue" in result.message
    assert jira.requests == []


def test_live_sends_exactly_one_create_with_the_write_token(jira):
    s = settings("live", jira.url)
    p = propose_issue("INC-4821", vm_hypothesis(), s, created_by="ana", thread=THREAD)
    result = approve(p, "ana", s, ENV)
    assert result.outcome == "done" and result.issue_key == "VMS-900"
    assert result.proposal.status == "done" and result.proposal.target == "VMS-900"
    assert len(jira.requests) == 1
    seen = jira.requests[0]
    assert seen.path == "/rest/api/2/issue"
    assert seen.headers["Authorization"] == "Bearer pat-write-0123456789"
    assert seen.body == p.request.body
    assert result.audit.status_code == 201 and "pat-write" not in result.model_dump_json()
    again = approve(result.proposal, "ana", s, ENV)  # a second click sends nothing
    assert again.outcome == "refused" and len(jira.requests) == 1


def test_live_comment_with_cloud_credentials_uses_basic_auth(jira):
    s = settings("live", jira.url, JIRA_WRITE_TOKEN_ENV="LOGIQ_JIRA_CLOUD")
    p = propose_comment("INC-4821", vm_hypothesis(), "VMS-112", s, created_by="ana")
    result = approve(p, "bo", s, {"LOGIQ_JIRA_CLOUD": "bot@example.com:tok3n"})
    assert result.outcome == "done" and result.issue_key == "VMS-112"
    seen = jira.requests[0]
    assert seen.path == "/rest/api/2/issue/VMS-112/comment"
    assert (
        seen.headers["Authorization"]
        == "Basic " + base64.b64encode(b"bot@example.com:tok3n").decode()
    )
    assert "{noformat}" in seen.body["body"]


def test_live_without_the_write_credential_fails_without_sending(jira):
    s = settings("live", jira.url)
    p = propose_issue("INC-4821", vm_hypothesis(), s, created_by="ana")
    result = approve(p, "ana", s, {"JIRA_TOKEN": "the-read-token"})
    assert result.outcome == "failed" and "JIRA_WRITE_TOKEN" in result.message
    assert jira.requests == []


def test_live_jira_error_is_a_failed_result(jira):
    jira.status = 400
    s = settings("live", jira.url)
    p = propose_issue("INC-4821", vm_hypothesis(), s, created_by="ana")
    result = approve(p, "ana", s, ENV)
    assert result.outcome == "failed" and result.status_code == 400
    assert result.proposal.status == "failed" and len(jira.requests) == 1
    assert "failed" in str(proposal_blocks(result.proposal, "live"))


def test_dismiss_by_author_or_approver_only(jira):
    s = settings("live", jira.url)
    p = propose_issue("INC-4821", vm_hypothesis(), s, created_by="carl")
    assert dismiss(p, "mallory", s).outcome == "refused"
    done = dismiss(p, "carl", s)
    assert done.outcome == "dismissed" and done.proposal.status == "dismissed"
    assert approve(done.proposal, "ana", s, ENV).outcome == "refused"
    assert jira.requests == []


def test_modes_and_configuration_errors():
    assert actions_mode(settings("on")) == "dry-run"
    assert actions_mode(settings("LIVE")) == "live"
    with pytest.raises(ConfigError, match="LOGIQ_ACTIONS"):
        actions_mode(settings("sometimes"))
    with pytest.raises(ConfigError, match="LOGIQ_JIRA_WRITE_URL"):
        propose_issue("INC-1", vm_hypothesis(), Settings(LOGIQ_ACTIONS="dry-run"), created_by="a")


def test_concurrent_approvals_send_one_request(jira, redis_client, redis_prefix):
    from concurrent.futures import ThreadPoolExecutor

    from bot.actions import ProposalStore, approve_once

    s = settings("live", jira.url)
    store = ProposalStore(redis_client, redis_prefix)
    p = propose_issue("INC-4821", vm_hypothesis(), s, created_by="ana")
    store.save(p)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda u: approve_once(store, p.id, u, s, ENV), ["ana", "bo"] * 4))
    assert sorted(r.outcome for r in results).count("done") == 1
    assert len(jira.requests) == 1
    assert store.get(p.id).status == "done"
    assert approve_once(store, "P-missing", "ana", s, ENV) is None


def test_stored_non_approver_does_not_block_a_real_approver(jira, redis_client, redis_prefix):
    from bot.actions import ProposalStore, approve_once, dismiss_stored

    s = settings("live", jira.url)
    store = ProposalStore(redis_client, redis_prefix)
    p = propose_issue("INC-4821", vm_hypothesis(), s, created_by="carl")
    store.save(p)
    assert approve_once(store, p.id, "mallory", s, ENV).outcome == "refused"
    assert approve_once(store, p.id, "ana", s, ENV).outcome == "done"
    assert dismiss_stored(store, p.id, "carl", s).outcome == "refused"
    assert len(jira.requests) == 1


def test_public_api_matches_all():
    import inspect

    import bot.actions as actions

    public = {
        n for n, v in vars(actions).items() if not n.startswith("_") and not inspect.ismodule(v)
    }
    assert set(actions.__all__) == public and len(actions.__all__) == len(public)
