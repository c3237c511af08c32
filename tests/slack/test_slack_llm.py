"""The worker with a model configured: the real pipeline, a local OpenAI-compatible server.

The model's hypotheses are posted (citations re-read from the example's files), its
turns land in the Session audit, thread answers go through the model with the session's
context, and "how did you get there?" shows the queries and the model's steps.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from slack_signing import thread_reply

from bot.session import SessionStore
from tests.llm.fake_openai import FakeOpenAI, evidence_id, reply_json

CHANNEL = "C0INCIDENT"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "vm-timeout"
KEY = "sk-test-local-fake-key-0000000000"


def reasoned(body: dict[str, Any]) -> dict[str, Any]:
    reply = evidence_id(body, "CreateVm reply sent")
    timeout = evidence_id(body, "Hypervisor.CreateVm failed")
    return reply_json(
        {
            "hypotheses": [
                {
                    "title": "The model's take: hypervisor replies land after the broker gave up",
                    "summary": "Replies arrive after the 30 s WCF timeout.",
                    "confidence": 0.85,
                    "evidence": [
                        {"id": timeout, "quote": None, "role": "supports"},
                        {"id": reply, "quote": None, "role": "supports"},
                        {"id": "E9999", "quote": None, "role": "supports"},  # invented: dropped
                    ],
                    "next_steps": ["Compare sendTimeout with create latency under load"],
                }
            ]
        }
    )


def answered(body: dict[str, Any]) -> dict[str, Any]:
    reply = evidence_id(body, "CreateVm reply sent")
    return reply_json(
        {
            "answer": "Its reply was sent after the broker had timed out.",
            "evidence": [{"id": reply, "quote": None, "role": "supports"}],
        }
    )


def test_a_configured_model_reasons_answers_and_explains_itself(
    case_root, sender, fake_slack, queue, run_jobs, settings, redis_client
):
    shutil.copytree(EXAMPLE, case_root / "vm-timeout", ignore=shutil.ignore_patterns("*.py"))
    with FakeOpenAI([reasoned, answered]) as fake:
        settings.openai_api_key, settings.openai_base_url = KEY, fake.url
        settings.llm_model, settings.llm_timeout = "fake-model", 5.0
        assert sender.command("investigate vm-timeout").text == ""
        root = fake_slack.wait_for(lambda f: f.posted(channel=CHANNEL))[0]
        fake_slack.wait_for(lambda f: queue.count == 1)
        run_jobs()
        store = SessionStore(redis_client, prefix=settings.key_prefix, ttl=60)
        session = store.get(CHANNEL, root.ts)
        assert session.state == "done", session.progress
        [tracked] = session.hypotheses
        assert tracked.hypothesis.title.startswith("The model's take")
        texts = [e.text for e in tracked.hypothesis.evidence]
        assert len(texts) == 2 and "CreateVm reply sent" in texts[1]
        for evidence in tracked.hypothesis.evidence:  # verbatim at the locator
            path, line = evidence.locator.rsplit(":", 1)
            lines = (case_root / "vm-timeout" / path).read_text().split("\n")
            assert evidence.text.split("\n")[0] == lines[int(line) - 1]
        steps = [a.detail for a in session.audit if a.kind == "llm"]
        assert steps and steps[0]["kind"] == "model" and steps[0]["status"] == "ok"

        sender.event(thread_reply(CHANNEL, root.ts, "what happened to vm-178?"))
        fake_slack.wait_for(lambda f: queue.count == 1)
        run_jobs()  # a fresh worker: it re-runs the engine once to rebuild the evidence pack
        answer = fake_slack.calls("chat.postMessage")[-1].params
        assert answer["thread_ts"] == root.ts
        assert answer["text"] == "Its reply was sent after the broker had timed out."
        assert "logs/hypervisor.log:" in str(answer["blocks"])
        question = fake.requests[-1]["messages"][1]["content"]
        assert "what happened to vm-178?" in question and "The model's take" in question

        sender.event(thread_reply(CHANNEL, root.ts, "how did you get there?"))
        fake_slack.wait_for(lambda f: queue.count == 1)
        run_jobs()
    how = fake_slack.calls("chat.postMessage")[-1].params["text"]
    assert how.startswith("What I read:")
    assert "• broker: read logs/broker.log" in how
    assert "How the model got there:\nstep 1: asked the model fake-model -> ok" in how
    assert len(fake.requests) == 2  # the explanation needs no model call
    for raw in fake.raw:
        assert KEY not in raw
