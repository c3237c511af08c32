"""Feedback over real Slack traffic: re-rank on rejection, memory, proposals, chart, report.

The real app over HTTP records the verdict; a real RQ worker follows it up (memory,
re-ranking, the next candidate, next steps, a proposal); the fake Slack records it all.
"""

from __future__ import annotations

import json
import time

import pytest
from scripted import Scripted
from slack_signing import button, reaction, thread_reply

from bot.jobs import build_runtime
from bot.memory import MemoryStore
from bot.report import Evidence, Hypothesis
from bot.session import SessionStore

CHANNEL = "C0INCIDENT"
TEAM = "T00000001"


def _h(n: int, confidence: float, title: str | None = None, kind: str = "latency") -> Hypothesis:
    """Hypotheses citing different lines (so rejecting one does not discount the others)."""
    return Hypothesis(
        id=f"H{n}",
        rank=n,
        title=title or f"Cause number {n} behind the stalled checkouts",
        summary=f"Summary {n}",
        confidence=confidence,
        evidence=[
            Evidence(
                source="api",
                locator=f"logs/api.log:{n}",
                line=n,
                text=f"2026-03-01T10:0{n}:00Z ERROR order-{n} stalled",
            )
        ],
        sources_correlated=["api", "payments"],
        next_steps=[f"check step {n}"],
        kind=kind,
    )


TITLES = [
    "Payment acknowledgements arrive after the api timeout",
    "Connection pool exhausted in payments",
    "Clock skew between api and payments",
    "Retry storm after the first stalls",
    "Disk pressure on the api hosts",
]


def five() -> Scripted:
    confidences = [0.8, 0.7, 0.6, 0.5, 0.2]
    return Scripted(hypotheses=[_h(n, c, TITLES[n - 1]) for n, c in enumerate(confidences, 1)])


@pytest.fixture
def store(settings, redis_client) -> SessionStore:
    return SessionStore(redis_client, prefix=settings.key_prefix, ttl=settings.session_ttl)


@pytest.fixture
def memory(settings, redis_client) -> MemoryStore:
    return MemoryStore(redis_client, settings.key_prefix)


def _investigate(sender, fake_slack, queue, run_jobs, script, **kw) -> str:
    before = len(fake_slack.posted(CHANNEL))
    assert sender.command("investigate checkout", **kw).text == ""
    root = fake_slack.wait_for(lambda f: f.posted(channel=CHANNEL)[before:])[0]
    fake_slack.wait_for(lambda f: queue.count == 1)
    run_jobs(investigate=script)
    return root.ts


def _follow_up(fake_slack, queue, run_jobs, script) -> None:
    fake_slack.wait_for(lambda f: queue.count >= 1)
    run_jobs(investigate=script)


def _thread(fake_slack, root_ts) -> list[str]:
    return [m.text for m in fake_slack.posted(CHANNEL, root_ts) if m.ts != root_ts]


def test_only_the_best_are_posted_and_a_rejection_posts_the_next_candidate_with_why(
    sender, fake_slack, queue, run_jobs, store, memory, settings
):
    script = five()
    root = _investigate(sender, fake_slack, queue, run_jobs, script)
    session = store.get(CHANNEL, root)
    assert [t.id for t in session.hypotheses if t.ts] == ["H1", "H2", "H3"]
    assert [t.id for t in session.hypotheses if t.held] == ["H4", "H5"]
    assert "not posted yet" in fake_slack.message(CHANNEL, root).text

    h2 = session.tracked("H2").ts
    sender.event(reaction("reaction_added", CHANNEL, h2, "x", user="U0ANA"))
    _follow_up(fake_slack, queue, run_jobs, script)
    texts = _thread(fake_slack, root)
    assert "H2 rejected by <@U0ANA> — next: H4 Retry storm after the first stalls" in (texts[-2])
    assert texts[-1].startswith("H4 (50%, open)")
    session = store.get(CHANNEL, root)
    assert session.messages[session.tracked("H4").ts] == "H4"
    assert session.tracked("H5").held  # 0.2 does not clear the bar
    board = fake_slack.message(CHANNEL, root).text
    assert "*H2* Connection pool exhausted" in board and "❌ rejected by <@U0ANA>" in board

    # The rejecter's reply is the reason: kept in the session and in incident memory.
    sender.event(thread_reply(CHANNEL, root, "it was the DNS change, not this", user="U0ANA"))
    _follow_up(fake_slack, queue, run_jobs, script)
    assert _thread(fake_slack, root)[-1] == (
        "Noted why H2 was rejected by <@U0ANA>: it was the DNS change, not this"
    )
    assert store.get(CHANNEL, root).feedback[-1].reason == "it was the DNS change, not this"
    from bot.rerank import pattern_of

    [rejection] = memory.rejections(TEAM, pattern_of(script.hypotheses[1]))
    assert rejection.why.reason == "it was the DNS change, not this"


def test_a_question_after_a_rejection_is_still_answered(sender, fake_slack, queue, run_jobs, store):
    class Echo:
        def answer(self, session, question):
            from bot.answers import Answer

            return Answer(f"answer to {question}")

    root = _investigate(sender, fake_slack, queue, run_jobs, five())
    sender.event(
        reaction("reaction_added", CHANNEL, store.get(CHANNEL, root).tracked("H1").ts, "x")
    )
    _follow_up(fake_slack, queue, run_jobs, five())
    sender.event(thread_reply(CHANNEL, root, "what about order-2?"))
    fake_slack.wait_for(lambda f: queue.count >= 1)
    run_jobs(answerer=Echo())
    assert _thread(fake_slack, root)[-1] == "answer to what about order-2?"


def test_confirmation_explains_the_case_remembers_it_and_a_new_case_cites_it(
    sender, fake_slack, queue, run_jobs, store, memory
):
    root = _investigate(sender, fake_slack, queue, run_jobs, five())
    h1 = store.get(CHANNEL, root).tracked("H1").ts
    sender.event(reaction("reaction_added", CHANNEL, h1, "white_check_mark", user="U0ANA"))
    _follow_up(fake_slack, queue, run_jobs, five())
    assert (
        "H1 confirmed by <@U0ANA> — case explained. Next steps: check step 1"
        in _thread(fake_slack, root)[-1]
    )
    assert "✅ *Case explained* by H1" in fake_slack.message(CHANNEL, root).text
    assert not any("Approve" in str(m.blocks) for m in fake_slack.posted(CHANNEL))  # actions off
    [remembered] = memory.list(TEAM)
    assert (remembered.case, remembered.confirmed_by) == ("INC-7", "U0ANA")
    assert remembered.thread.endswith(root.replace(".", ""))

    listing = sender.command("memory").json()["text"]
    assert (
        f"`{remembered.id}` INC-7: Payment acknowledgements" in listing
        and "expires in 179 d" in listing
    )

    # A later investigation with the same pattern cites the confirmed incident.
    later = _investigate(sender, fake_slack, queue, run_jobs, five())
    session = store.get(CHANNEL, later)
    assert session.tracked("H1").memory.startswith("Matches INC-7 (confirmed ")
    assert "by <@U0ANA>): Payment acknowledgements arrive after the api timeout." in (
        session.tracked("H1").memory
    )
    h1_blocks = str(fake_slack.message(CHANNEL, session.tracked("H1").ts).blocks)
    assert "Matches INC-7" in h1_blocks
    assert session.tracked("H2").memory == ""  # a different title is not a match

    # Never across workspaces; forgetting is for the confirmer (or an admin).
    sender.team_id = "T0OTHER"
    assert "No confirmed incidents" in sender.command("memory").json()["text"]
    sender.team_id = TEAM
    refused = sender.command(f"forget {remembered.id}", user="U0EVE").json()["text"]
    assert "only U0ANA (who confirmed it) or an admin" in refused
    assert "Forgotten" in sender.command(f"forget {remembered.id}", user="U0ANA").json()["text"]
    assert memory.list(TEAM) == []


def test_a_rejected_pattern_starts_lower_in_a_later_case(
    sender, fake_slack, queue, run_jobs, store
):
    root = _investigate(sender, fake_slack, queue, run_jobs, five())
    h1 = store.get(CHANNEL, root).tracked("H1").ts
    sender.event(reaction("reaction_added", CHANNEL, h1, "x", user="U0ANA"))
    _follow_up(fake_slack, queue, run_jobs, five())
    later = store.get(CHANNEL, _investigate(sender, fake_slack, queue, run_jobs, five()))
    lowered = later.tracked("H1")
    assert lowered.prior == 0.7 and lowered.hypothesis.confidence == pytest.approx(0.56)
    assert [t.id for t in later.hypotheses][:2] == ["H2", "H3"]  # re-ranked below them
    assert "prior ×0.70" in str(fake_slack.message(CHANNEL, lowered.ts).blocks)


@pytest.fixture
def actions_on(settings):
    settings.actions_mode = "dry-run"
    settings.approvers.append("U0BOB")
    settings.jira_write_url = "https://jira.example.com"
    settings.jira_write_project = "OPS"
    return settings


def _proposal_click(action_id, proposal, root, user, fake_slack):
    payload = button(action_id, _value(proposal), CHANNEL, proposal.ts, user)
    payload["container"]["thread_ts"] = root
    payload["message"]["thread_ts"] = root
    payload["response_url"] = fake_slack.response_url
    return payload


def _value(message) -> str:
    return next(e["value"] for b in message.blocks if b["type"] == "actions" for e in b["elements"])


def test_a_confirmed_hypothesis_proposes_jira_and_only_approvers_approve_in_dry_run(
    actions_on, sender, fake_slack, queue, run_jobs, store
):
    root = _investigate(sender, fake_slack, queue, run_jobs, five())
    h1 = store.get(CHANNEL, root).tracked("H1").ts
    sender.event(reaction("reaction_added", CHANNEL, h1, "white_check_mark", user="U0ANA"))
    _follow_up(fake_slack, queue, run_jobs, five())
    proposal = fake_slack.posted(CHANNEL, root)[-1]
    assert (
        proposal.text
        == "File a Jira issue for H1: Payment acknowledgements arrive after the api timeout"
    )
    assert "POST https://jira.example.com/rest/api/2/issue" in str(proposal.blocks)
    pid = _value(proposal)

    eve = _proposal_click("logiq_action_approve", proposal, root, "U0EVE", fake_slack)
    assert sender.action(eve).status_code == 200
    [refusal] = fake_slack.wait_for(lambda f: f.calls("response_url"))
    assert "not an approver" in refusal.params.get("text", json.dumps(refusal.params))
    time.sleep(0.2)
    assert queue.count == 0

    bob = _proposal_click("logiq_action_approve", proposal, root, "U0BOB", fake_slack)
    assert sender.action(bob).status_code == 200
    _follow_up(fake_slack, queue, run_jobs, five())
    done = fake_slack.posted(CHANNEL, root)[-1]
    assert done.text == (
        "Dry run: would send POST https://jira.example.com/rest/api/2/issue (nothing sent)"
    )
    shown = str(done.blocks)
    assert '"key": "OPS"' in shown and "[INC-7] Payment acknowledgements" in shown
    assert "*approved* by <@U0BOB>" in str(fake_slack.message(CHANNEL, proposal.ts).blocks)
    audit = [a.detail for a in store.get(CHANNEL, root).audit if a.kind == "action"]
    assert [(a.get("outcome"), a.get("actor")) for a in audit] == [
        ("proposed", None),
        ("dry-run", "U0BOB"),
    ]
    assert audit[1]["proposal_id"] == pid


def test_the_write_credential_never_reaches_the_read_only_connectors(settings, redis_client):
    env = {"JIRA_TOKEN": "read", "JIRA_WRITE_TOKEN": "write", "PATH": "/bin"}
    runtime = build_runtime(settings, redis=redis_client, env=env)
    assert "JIRA_WRITE_TOKEN" not in runtime.env and runtime.env["JIRA_TOKEN"] == "read"
    assert runtime.write_env == {"JIRA_WRITE_TOKEN": "write"}


def test_the_timeline_png_is_uploaded_into_the_thread(sender, fake_slack, queue, run_jobs, store):
    root = _investigate(sender, fake_slack, queue, run_jobs, five())
    [get_url] = fake_slack.calls("files.getUploadURLExternal")
    assert get_url.params["filename"] == "INC-7-timeline.png"
    [upload] = fake_slack.calls("upload")
    assert upload.raw.startswith(b"\x89PNG")
    [complete] = fake_slack.calls("files.completeUploadExternal")
    assert (complete.params["channel_id"], complete.params["thread_ts"]) == (CHANNEL, root)
    assert store.get(CHANNEL, root).chart_posted


def test_report_in_the_thread_and_from_the_channel(sender, fake_slack, queue, run_jobs, store):
    root = _investigate(sender, fake_slack, queue, run_jobs, five())
    h2 = store.get(CHANNEL, root).tracked("H2").ts
    sender.event(reaction("reaction_added", CHANNEL, h2, "x", user="U0ANA"))
    _follow_up(fake_slack, queue, run_jobs, five())
    sender.event(thread_reply(CHANNEL, root, "not it: the retry storm came later", user="U0ANA"))
    _follow_up(fake_slack, queue, run_jobs, five())
    sender.event(thread_reply(CHANNEL, root, "report"))
    _follow_up(fake_slack, queue, run_jobs, five())
    markdown = fake_slack.calls("upload")[-1].raw.decode()
    assert markdown.startswith("# INC-7 — Checkout stalls under load")
    assert "## Ruled out" in markdown and "not it: the retry storm came later" in markdown
    assert "(by @U0ANA)" in markdown and "## Next steps" in markdown
    assert fake_slack.calls("files.completeUploadExternal")[-1].params["thread_ts"] == root

    ack = sender.command("report").json()
    assert ack["response_type"] == "ephemeral" and "INC-7" in ack["text"]
    _follow_up(fake_slack, queue, run_jobs, five())
    assert len(fake_slack.calls("upload")) == 3  # chart + two reports


def test_payloads_with_missing_fields_are_acknowledged_and_ignored(sender, queue):
    assert sender.action({"type": "block_actions", "actions": [{"action_id": "logiq_confirm"}]})
    bare = {"type": "block_actions", "actions": [{"action_id": "logiq_action_approve"}]}
    assert sender.action(bare).status_code == 200
    assert sender.event({"type": "reaction_added"}).status_code == 200
    assert sender.event({"type": "message"}).status_code == 200
    assert sender.event({"type": "app_mention"}).status_code == 200
    assert sender.command("").json()["response_type"] == "ephemeral"
    assert "which memory" in sender.command("forget").json()["text"]
    time.sleep(0.2)
    assert queue.count == 0
