"""The real Bolt app over HTTP: signatures, the /logiq command, events, de-duplication."""

from __future__ import annotations

import time

import httpx
from slack_signing import reaction, thread_reply

from bot.session import SessionStore
from bot.settings import Settings


def _store(settings: Settings, redis_client) -> SessionStore:
    return SessionStore(redis_client, prefix=settings.key_prefix, ttl=settings.session_ttl)


def _start(sender, fake_slack, queue, text="investigate checkout"):
    response = sender.command(text, response_url=fake_slack.response_url)
    assert response.status_code == 200, response.text
    root = fake_slack.wait_for(lambda f: f.posted(channel="C0INCIDENT"))[0]
    fake_slack.wait_for(lambda f: queue.count == 1)
    return response, root


def test_bad_signature_and_stale_timestamp_are_refused(sender, fake_slack, queue):
    assert sender.command("help", signature="v0=" + "0" * 64).status_code == 401
    assert sender.command("help", timestamp=int(time.time()) - 6 * 60).status_code == 401
    assert sender.command("help").status_code == 200
    assert queue.count == 0 and fake_slack.calls("chat.postMessage") == []


def test_url_verification_and_health(app_server, sender):
    import json

    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"}).encode()
    assert sender.send(body, "application/json").json() == {"challenge": "c-123"}
    assert httpx.get(app_server + "/healthz").text == "ok"


def test_help_and_list_are_ephemeral(sender):
    help_ = sender.command("help").json()
    assert help_["response_type"] == "ephemeral" and "/logiq investigate" in help_["text"]
    listing = sender.command("list").json()
    assert listing["response_type"] == "ephemeral" and "`checkout`" in listing["text"]


def test_investigate_acks_posts_root_saves_session_and_enqueues(
    sender, fake_slack, queue, settings, redis_client
):
    started = time.perf_counter()
    response, root = _start(
        sender,
        fake_slack,
        queue,
        "investigate checkout --from 2026-03-01T10:15 --to 2026-03-01T10:45 payment hangs",
    )
    assert response.text == ""  # plain ack: the thread root is the visible answer
    assert root.thread_ts is None
    assert root.text.startswith("Investigating INC-7 — Checkout stalls under load: scope checkout")
    assert (
        "2026-03-01T10:15:00Z → 2026-03-01T10:45:00Z" in root.text and "api, payments" in root.text
    )
    session = _store(settings, redis_client).get("C0INCIDENT", root.ts)
    assert (session.case, session.symptom, session.user, session.state) == (
        "INC-7",
        "payment hangs",
        "U0ALICE",
        "queued",
    )
    [job] = queue.get_jobs()
    assert job.func_name == "bot.jobs.investigate_thread" and job.args == ("C0INCIDENT", root.ts)
    assert time.perf_counter() - started < 3


def _refused(sender, fake_slack, queue, text, fragment, **kw):
    response = sender.command(text, **kw)
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral", body
    assert fragment in body["text"], body["text"]
    assert queue.count == 0
    assert fake_slack.calls("chat.postMessage") == []


def test_unknown_manifest_lists_known_ones_and_enqueues_nothing(sender, fake_slack, queue):
    _refused(
        sender, fake_slack, queue, "investigate nope", "unknown manifest 'nope'. Known: `checkout`"
    )
    _refused(sender, fake_slack, queue, "investigate ../checkout", "not a manifest name")


def test_bad_window_is_refused(sender, fake_slack, queue):
    _refused(
        sender,
        fake_slack,
        queue,
        "investigate checkout --from 2026-03-01T11:00 --to 2026-03-01T10:00",
        "bad window",
    )


def test_invalid_manifest_names_the_field(sender, fake_slack, queue, case_root):
    (case_root / "broken.yaml").write_text(
        "case: X\nwindow: {start: 2026-03-01T10:00:00Z}\n"
        "sources: [{name: a, kind: file, paths: [logs/api.log]}]\n"
    )
    _refused(sender, fake_slack, queue, "investigate broken", "window.end: required but missing")


def test_scope_violation_is_refused(sender, fake_slack, queue, case_root, tmp_path):
    outside = tmp_path / "elsewhere.log"
    outside.write_text("x\n")
    (case_root / "escape.yaml").write_text(
        "case: X\nwindow: {start: 2026-03-01T10:00:00Z, end: 2026-03-01T11:00:00Z}\n"
        f"sources: [{{name: a, kind: file, paths: ['{outside}']}}]\n"
    )
    _refused(sender, fake_slack, queue, "investigate escape", "leaves the allowed roots")


def test_channel_and_user_allow_lists(settings, fake_slack, queue, case_root):
    from conftest import serve_in_thread
    from slack_signing import SlackSender

    from bot.serve import build_wsgi

    limited = settings.model_copy(update={"allowed_channels": ["C0OK"], "allowed_users": ["U0BOB"]})
    url, stop = serve_in_thread(build_wsgi(limited))
    try:
        sender = SlackSender(url + "/slack/events")
        _refused(sender, fake_slack, queue, "investigate checkout", "not enabled in this channel")
        _refused(sender, fake_slack, queue, "investigate checkout", "allow-list", channel="C0OK")
        assert sender.command("investigate checkout", channel="C0OK", user="U0BOB").text == ""
    finally:
        stop()


def test_duplicate_retry_is_answered_once_but_a_lone_retry_is_processed(sender, fake_slack, queue):
    _, root = _start(sender, fake_slack, queue)
    queue.empty()
    event = thread_reply("C0INCIDENT", root.ts, "what happened to order-2?")
    assert sender.event(event, event_id="EvONE").status_code == 200
    assert sender.event(event, event_id="EvONE", retry_num=1).status_code == 200
    fake_slack.wait_for(lambda f: queue.count >= 1)
    time.sleep(0.2)
    assert queue.count == 1
    # A retry whose first delivery never arrived is the only copy: it must be handled.
    lone = thread_reply("C0INCIDENT", root.ts, "and order-1?")
    assert sender.event(lone, event_id="EvTWO", retry_num=2).status_code == 200
    fake_slack.wait_for(lambda f: queue.count == 2)
    assert [j.args[2] for j in queue.get_jobs()] == ["what happened to order-2?", "and order-1?"]


def test_mention_and_message_for_the_same_ts_are_answered_once(sender, fake_slack, queue):
    _, root = _start(sender, fake_slack, queue)
    queue.empty()
    message = thread_reply("C0INCIDENT", root.ts, "<@UBOT0001> 10:00-10:05")
    mention = dict(message, type="app_mention")
    sender.event(message)
    sender.event(mention)
    fake_slack.wait_for(lambda f: queue.count >= 1)
    time.sleep(0.2)
    assert queue.count == 1


def test_messages_that_are_not_questions_are_ignored(sender, fake_slack, queue):
    _, root = _start(sender, fake_slack, queue)
    queue.empty()
    edits = {
        "type": "message",
        "subtype": "message_changed",
        "channel": "C0INCIDENT",
        "message": {"text": "x"},
        "ts": "5.5",
    }
    bot = dict(thread_reply("C0INCIDENT", root.ts, "from a bot"), bot_id="B0OTHER")
    other_thread = thread_reply("C0INCIDENT", "123.456", "no session here")
    top_level = dict(thread_reply("C0INCIDENT", root.ts, "channel chatter"))
    top_level.pop("thread_ts")
    for event in (edits, bot, other_thread, top_level):
        assert sender.event(event).status_code == 200  # catch-all: never 404 (-> retries)
    time.sleep(0.3)
    assert queue.count == 0


def test_mention_outside_a_thread_gets_usage_in_a_thread(sender, fake_slack):
    event = {
        "type": "app_mention",
        "channel": "C0INCIDENT",
        "user": "U0ALICE",
        "text": "<@UBOT0001> hi",
        "ts": "777.000001",
    }
    sender.event(event)
    [reply] = fake_slack.wait_for(lambda f: f.calls("chat.postMessage"))
    assert (
        reply.params["thread_ts"] == "777.000001" and "/logiq investigate" in reply.params["text"]
    )


def test_reaction_on_a_non_hypothesis_message_is_ignored(
    sender, fake_slack, queue, settings, redis_client
):
    _, root = _start(sender, fake_slack, queue)
    before = _store(settings, redis_client).get("C0INCIDENT", root.ts)
    for target in (root.ts, "999.000001"):
        sender.event(reaction("reaction_added", "C0INCIDENT", target, "white_check_mark"))
    sender.event(
        {
            "type": "reaction_added",
            "user": "U1",
            "reaction": "x",
            "item": {"type": "file", "file": "F1"},
        }
    )
    time.sleep(0.3)
    assert fake_slack.calls("chat.update") == []
    assert _store(settings, redis_client).get("C0INCIDENT", root.ts) == before
