"""The worker side: a real RQ worker posts hypotheses into the thread; feedback edits them."""

from __future__ import annotations

import itertools
import json
import threading
import time

import pytest
from rq.registry import FailedJobRegistry
from scripted import scripted
from slack_signing import button, reaction

from bot.jobs import InvestigationJob
from bot.session import SessionStore

CHANNEL = "C0INCIDENT"


@pytest.fixture
def store(settings, redis_client) -> SessionStore:
    return SessionStore(redis_client, prefix=settings.key_prefix, ttl=settings.session_ttl)


@pytest.fixture
def started(sender, fake_slack, queue):
    """A /logiq investigate sent over HTTP; returns the thread root's ts."""
    assert sender.command("investigate checkout").status_code == 200
    root = fake_slack.wait_for(lambda f: f.posted(channel=CHANNEL))[0]
    fake_slack.wait_for(lambda f: queue.count == 1)
    return root.ts


def _replies(fake_slack, root_ts):
    return [c for c in fake_slack.calls("chat.postMessage") if c.params.get("thread_ts") == root_ts]


def test_each_hypothesis_is_its_own_thread_message_and_the_root_becomes_the_board(
    started, run_jobs, fake_slack, store
):
    script = scripted(3)
    run_jobs(investigate=script)
    replies = _replies(fake_slack, started)
    assert [r.params["text"].split(" ")[0] for r in replies] == ["H1", "H2", "H3"]
    for reply, h in zip(replies, script.hypotheses, strict=True):
        assert reply.params["channel"] == CHANNEL and h.title in reply.params["text"]
        assert f"{h.evidence[0].locator}  {h.evidence[0].text}" in json.dumps(
            reply.params["blocks"], ensure_ascii=False
        )
    session = store.get(CHANNEL, started)
    assert session.state == "done"
    assert session.messages == {t.ts: t.id for t in session.hypotheses}
    assert set(session.messages) == {m.ts for m in fake_slack.posted(CHANNEL) if m.ts != started}
    kinds = [a.kind for a in session.audit]
    assert kinds.count("query") == 2 and kinds.count("post") == 5  # root, 3 hypotheses, chart
    board = fake_slack.message(CHANNEL, started)
    assert board.edits >= 2 and "done" in board.text
    for h in script.hypotheses:
        assert f"*{h.id}* {h.title} — {round(h.confidence * 100)}% · 🔎 open" in board.text


def test_posts_are_paced_per_channel(started, run_jobs, fake_slack, settings):
    # a pace long enough that the fake server's arrival times, which carry the jitter of
    # each request on a busy machine, still show it
    settings.slack_pace = 0.15
    run_jobs(investigate=scripted(4))
    times = [c.at for c in _replies(fake_slack, started)]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(gaps) >= 2
    assert min(gaps) >= settings.slack_pace * 0.8


def test_slack_429_is_retried_after_retry_after(started, run_jobs, fake_slack):
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=1)
    run_jobs(investigate=scripted(1))
    calls = [
        c for c in fake_slack.calls("chat.postMessage") if c.params.get("thread_ts") == started
    ]
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 1.0
    assert len(fake_slack.posted(CHANNEL, started)) == 2  # root + one hypothesis, no duplicate


def test_a_failed_source_is_reported_in_the_thread_and_the_rest_analysed(
    started, run_jobs, fake_slack, store
):
    run_jobs(investigate=scripted(2, failed_source="payments"))
    texts = [r.params["text"] for r in _replies(fake_slack, started)]
    assert "source 'payments' failed: HTTP 500" in texts[0]
    assert [t.split(" ")[0] for t in texts[1:]] == ["H1", "H2"]
    session = store.get(CHANNEL, started)
    assert any(a.kind == "error" and a.detail["source"] == "payments" for a in session.audit)


def test_no_hypothesis_is_said_plainly(started, run_jobs, fake_slack, store):
    run_jobs(investigate=scripted(0, notices=["no strong hypothesis: evidence too thin"]))
    [reply] = _replies(fake_slack, started)
    assert reply.params["text"].startswith("No hypothesis has enough evidence")
    assert "evidence too thin" in reply.params["text"]
    assert store.get(CHANNEL, started).state == "done"


def test_a_crash_is_reported_in_the_thread_and_the_job_fails_loudly(
    started, run_jobs, fake_slack, store, queue
):
    run_jobs(investigate=scripted(1, raise_error=RuntimeError("disk on fire")))
    [reply] = _replies(fake_slack, started)
    assert reply.params["text"] == (
        "⚠️ The investigation failed while reading and correlating "
        "the sources: RuntimeError: disk on fire"
    )
    session = store.get(CHANNEL, started)
    assert session.state == "failed"
    assert FailedJobRegistry(queue=queue).count == 1
    assert "failed" in fake_slack.message(CHANNEL, started).text


def test_a_retried_job_does_not_post_duplicates(started, run_jobs, fake_slack, store):
    script = scripted(3)
    runtime = run_jobs(investigate=script)

    # Simulate a crash after H1 was posted: forget H2/H3's messages, then run the job again.
    def crash_after_h1(s):
        for t in s.hypotheses[1:]:
            s.messages.pop(t.ts)
            t.ts = None
        s.state = "posting"

    store.update(CHANNEL, started, crash_after_h1)
    before = len(_replies(fake_slack, started))
    assert InvestigationJob(runtime, CHANNEL, started).run() == "done"
    again = _replies(fake_slack, started)[before:]
    assert [r.params["text"].split(" ")[0] for r in again] == ["H2", "H3"]
    assert len(script.calls) == 1  # stored hypotheses were reused, not recomputed
    assert InvestigationJob(runtime, CHANNEL, started).run() == "already-done"
    assert len(_replies(fake_slack, started)) == before + 2


def test_a_job_retried_after_the_chart_upload_failed_still_posts_the_chart(
    started, run_jobs, fake_slack, store
):
    script = scripted(2)
    fake_slack.fail_next("files.getUploadURLExternal", error="internal_error")
    runtime = run_jobs(investigate=script)
    assert store.get(CHANNEL, started).state == "failed"
    assert not fake_slack.calls("files.completeUploadExternal")
    assert InvestigationJob(runtime, CHANNEL, started).run() == "done"
    assert len(fake_slack.calls("files.completeUploadExternal")) == 1
    assert len(script.calls) == 1  # the picture of the first run, not a new investigation
    session = store.get(CHANNEL, started)
    assert session.chart_posted and store.chart(CHANNEL, started) is None  # dropped once posted


def _hypothesis_ts(store, root_ts):
    return {t.id: t.ts for t in store.get(CHANNEL, root_ts).hypotheses}


def test_reactions_confirm_reject_and_removal_reopens(started, run_jobs, sender, fake_slack, store):
    run_jobs(investigate=scripted(2))
    ts = _hypothesis_ts(store, started)
    updates = len(fake_slack.calls("chat.update"))
    sender.event(reaction("reaction_added", CHANNEL, ts["H1"], "white_check_mark", user="U0BOB"))
    fake_slack.wait_for(lambda f: store.get(CHANNEL, started).tracked("H1").status == "confirmed")
    fake_slack.wait_for(lambda f: len(f.calls("chat.update")) >= updates + 2)
    assert "✅ confirmed by <@U0BOB>" in fake_slack.message(CHANNEL, started).text
    assert "confirmed" in fake_slack.message(CHANNEL, ts["H1"]).text
    sender.event(reaction("reaction_added", CHANNEL, ts["H2"], "x"))
    fake_slack.wait_for(lambda f: store.get(CHANNEL, started).tracked("H2").status == "rejected")
    sender.event(reaction("reaction_removed", CHANNEL, ts["H1"], "x"))  # not what set it: no-op
    sender.event(reaction("reaction_removed", CHANNEL, ts["H1"], "white_check_mark"))
    fake_slack.wait_for(lambda f: store.get(CHANNEL, started).tracked("H1").status == "open")
    session = store.get(CHANNEL, started)
    assert [(f.hypothesis_id, f.status) for f in session.feedback] == [
        ("H1", "confirmed"),
        ("H2", "rejected"),
        ("H1", "open"),
    ]


def test_buttons_do_what_reactions_do(started, run_jobs, sender, fake_slack, store):
    run_jobs(investigate=scripted(1))
    ts = _hypothesis_ts(store, started)["H1"]
    assert (
        sender.action(button("logiq_reject", "H1", CHANNEL, ts, user="U0CAROL")).status_code == 200
    )
    fake_slack.wait_for(lambda f: store.get(CHANNEL, started).tracked("H1").status == "rejected")
    assert store.get(CHANNEL, started).tracked("H1").set_by == "U0CAROL"
    fake_slack.wait_for(lambda f: "logiq_reopen" in str(f.message(CHANNEL, ts).blocks))
    sender.action(button("logiq_reopen", "H1", CHANNEL, ts))
    fake_slack.wait_for(lambda f: store.get(CHANNEL, started).tracked("H1").status == "open")
    # A button whose value does not match the message's hypothesis is ignored.
    sender.action(button("logiq_confirm", "H9", CHANNEL, ts))
    time.sleep(0.2)
    assert store.get(CHANNEL, started).tracked("H1").status == "open"


def test_two_concurrent_reactions_both_land(started, run_jobs, sender, fake_slack, store):
    run_jobs(investigate=scripted(2))
    ts = _hypothesis_ts(store, started)
    events = [
        reaction("reaction_added", CHANNEL, ts["H1"], "white_check_mark", user="U1"),
        reaction("reaction_added", CHANNEL, ts["H2"], "x", user="U2"),
    ]
    barrier = threading.Barrier(2)

    def fire(event):
        barrier.wait()
        assert sender.event(event).status_code == 200

    threads = [threading.Thread(target=fire, args=(e,)) for e in events]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    fake_slack.wait_for(
        lambda f: (
            [t.status for t in store.get(CHANNEL, started).hypotheses] == ["confirmed", "rejected"]
        )
    )
    assert {(f.hypothesis_id, f.user) for f in store.get(CHANNEL, started).feedback} == {
        ("H1", "U1"),
        ("H2", "U2"),
    }
