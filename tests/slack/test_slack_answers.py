"""Thread questions: classified, looked up in the case (real CaseLookup), answered in thread."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from scripted import scripted
from slack_signing import thread_reply

from bot.answers import Answer, classify
from bot.session import SessionStore

CHANNEL = "C0INCIDENT"
DAY = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text, kind, detail",
    [
        ("what happened to order-2?", "identifier", "order-2"),
        ("what about session=ab12-cd?", "identifier", "ab12-cd"),
        ("look at 10:01-10:03", "range", (10 * 3600 + 60, 10 * 3600 + 180)),
        ("between 10:01 to 10:03 please", "range", (10 * 3600 + 60, 10 * 3600 + 180)),
        ("payment timeout", "words", ("payment", "timeout")),
        ("?", "unknown", None),
        ("what happened in INC-7", "unknown", None),  # the case id is not an identifier to look up
    ],
)
def test_classify(text, kind, detail):
    q = classify(
        text, id_patterns=[r"order-\d+", r"session[=:](?P<id>[0-9a-f-]+)"], case="INC-7", day=DAY
    )
    assert q.kind == kind
    midnight = DAY.replace(hour=0).timestamp()
    if kind == "identifier":
        assert q.identifier == detail
    elif kind == "range":
        assert (q.start - midnight, q.end - midnight) == detail
    elif kind == "words":
        assert q.words == detail


def test_ranges_are_read_in_the_case_zone():
    q = classify("02:01-02:03", zone="America/Los_Angeles", day=DAY)
    assert datetime.fromtimestamp(q.start, UTC) == datetime(2026, 3, 1, 10, 1, tzinfo=UTC)


@pytest.fixture
def thread(sender, fake_slack, queue, run_jobs):
    """An investigation thread with its hypotheses posted; yields a function asking a question."""
    assert sender.command("investigate checkout").status_code == 200
    root = fake_slack.wait_for(lambda f: f.posted(channel=CHANNEL))[0]
    fake_slack.wait_for(lambda f: queue.count == 1)
    run_jobs(investigate=scripted(1))

    def ask(text: str) -> dict:
        before = len(fake_slack.calls("chat.postMessage"))
        sender.event(thread_reply(CHANNEL, root.ts, text))
        fake_slack.wait_for(lambda f: queue.count == 1)
        run_jobs()
        [answer] = fake_slack.calls("chat.postMessage")[before:]
        assert answer.params["thread_ts"] == root.ts
        return answer.params

    ask.root_ts = root.ts
    return ask


def _blocks(params: dict) -> str:
    return json.dumps(params.get("blocks") or [], ensure_ascii=False)


def test_identifier_question_gets_the_cross_source_timeline(thread, settings, redis_client):
    answer = thread("what happened to order-2?")
    assert answer["text"] == "Timeline of `order-2` — 2 records from api, payments:"
    cited = _blocks(answer)
    assert "logs/api.log:2  2026-03-01T10:02:00Z ERROR order-2 payment timeout after 30s" in cited
    assert cited.index("logs/api.log:2") < cited.index("logs/payments.log:1  2026-03-01T10:02:01Z")
    session = SessionStore(redis_client, prefix=settings.key_prefix, ttl=60).get(
        CHANNEL, thread.root_ts
    )
    [question] = [a for a in session.audit if a.kind == "question"]
    assert (
        question.detail["text"] == "what happened to order-2?"
        and question.detail["user"] == "U0ALICE"
    )
    assert any(a.kind == "answer" for a in session.audit)


def test_time_range_question_lists_records_in_it(thread):
    answer = thread("what happened 10:01-10:01:30?")
    assert answer["text"].startswith("Notable records 10:01–10:01 UTC — 1 records from api")
    assert "logs/api.log:1  2026-03-01T10:01:00Z INFO order-1 accepted" in _blocks(answer)


def test_words_question_finds_matching_records(thread):
    answer = thread("charged")
    assert "logs/payments.log:1  2026-03-01T10:02:01Z INFO order-2 charged" in _blocks(answer)


def test_out_of_window_and_unusable_questions_are_explained(thread):
    assert "outside the case window" in thread("and 18:00-18:05?")["text"]
    assert thread("??")["text"].startswith("I can answer from this case's sources")
    assert "No record mentions `nothingmatches`" in thread("nothingmatches")["text"]


def test_a_custom_answerer_plugs_in(sender, fake_slack, queue, run_jobs):
    class Echo:
        def answer(self, session, question):
            return Answer(f"{session.case}: you asked {question!r}")

    assert sender.command("investigate checkout").status_code == 200
    root = fake_slack.wait_for(lambda f: f.posted(channel=CHANNEL))[0]
    fake_slack.wait_for(lambda f: queue.count == 1)
    run_jobs(investigate=scripted(0))
    sender.event(thread_reply(CHANNEL, root.ts, "ignore the hypervisor"))
    fake_slack.wait_for(lambda f: queue.count == 1)
    run_jobs(answerer=Echo())
    assert (
        fake_slack.calls("chat.postMessage")[-1].params["text"]
        == "INC-7: you asked 'ignore the hypervisor'"
    )


def test_how_did_you_get_there_lists_the_queries_and_says_no_model_was_used(thread):
    text = thread("how did you get there?")["text"]
    assert text.startswith("What I read:\n• ")
    assert text.endswith("No model was used: the hypotheses come from the deterministic engine.")
