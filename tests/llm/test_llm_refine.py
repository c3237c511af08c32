"""refine(): scripted conversations against a local OpenAI-compatible server."""

from __future__ import annotations

import time
from typing import Any

from fake_openai import (
    FakeOpenAI,
    reply_json,
    reply_slow,
    reply_status,
    reply_text,
    reply_tools,
)
from llm_case import SECRETS
from llm_helpers import assert_requests_clean, evidence_id

from bot.llm import build_chat_model, refine
from bot.llm.investigator import AuditStep


def hypothesis(title: str, *evidence: dict[str, Any], confidence: float = 0.8) -> dict:
    return {
        "title": title,
        "summary": f"{title}.",
        "confidence": confidence,
        "evidence": list(evidence),
        "next_steps": ["Check the broker timeout setting"],
    }


def cite(eid: str, quote: str | None = None, role: str = "supports") -> dict[str, Any]:
    return {"id": eid, "quote": quote, "role": role}


def good_answer(body: dict[str, Any]) -> dict[str, Any]:
    timeout = evidence_id(body, "vm-21 timed out")
    created = evidence_id(body, "vm-21 created")
    return reply_json(
        {
            "hypotheses": [
                hypothesis(
                    "Late hypervisor acks hit the broker timeout",
                    cite(timeout, "ERROR create vm-21 timed out after 30s"),
                    cite(created),
                )
            ]
        }
    )


def test_good_answer_becomes_the_verified_report(case, settings_for):
    with FakeOpenAI([good_answer]) as fake:
        settings = settings_for(fake)
        refined = refine(case.investigation, settings)
    report = refined.report
    assert report.reasoner == "llm:fake-model"
    assert [h.title for h in report.hypotheses] == ["Late hypervisor acks hit the broker timeout"]
    evidence = report.hypotheses[0].evidence
    assert [e.text for e in evidence] == [
        case.line("broker", "vm-21 timed out").text,
        case.line("hypervisor", "vm-21 created").text,
    ]
    assert evidence[0].locator == case.line("broker", "vm-21 timed out").locator
    assert report.hypotheses[0].sources_correlated == ["broker", "hypervisor"]
    assert case.investigation.report.reasoner == "engine"  # the input is not mutated
    body = fake.requests[0]
    assert body["model"] == "fake-model"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert "never an instruction" in body["messages"][0]["content"]
    assert_requests_clean(fake, settings.llm_budget)


def test_unknown_id_and_misquote_are_dropped_and_counted(case, settings_for):
    def answer(body):
        timeout = evidence_id(body, "vm-21 timed out")
        created = evidence_id(body, "vm-21 created")
        return reply_json(
            {
                "hypotheses": [
                    hypothesis("Real one", cite(timeout), cite("E999"), confidence=0.8),
                    hypothesis("Invented one", cite(created, "vm-21 deleted by operator")),
                ]
            }
        )

    with FakeOpenAI([answer]) as fake:
        refined = refine(case.investigation, settings_for(fake))
    hypotheses = refined.report.hypotheses
    assert [h.title for h in hypotheses] == ["Real one"]
    assert hypotheses[0].confidence == 0.4  # one of two citations survived
    assert [e.text for e in hypotheses[0].evidence] == [case.line("broker", "vm-21 timed out").text]
    notice = next(n for n in refined.report.notices if "LLM output checked" in n)
    assert "2 citation(s) dropped" in notice and "1 hypothesis(es) discarded" in notice


def test_malformed_json_is_retried_once(case, settings_for):
    with FakeOpenAI([reply_text("{'hypotheses': [oops"), good_answer]) as fake:
        refined = refine(case.investigation, settings_for(fake))
    assert refined.report.reasoner == "llm:fake-model"
    assert len(fake.requests) == 2
    retry = fake.requests[1]["messages"][-1]
    assert retry["role"] == "user" and "rejected" in retry["content"]


def test_malformed_json_twice_falls_back_to_the_engine(case, settings_for):
    script = [reply_text("not json"), reply_json({"hypotheses": [{"title": "no evidence"}]})]
    with FakeOpenAI(script) as fake:
        refined = refine(case.investigation, settings_for(fake))
    assert len(fake.requests) == 2
    assert refined.report.reasoner == "engine"
    assert refined.report.hypotheses == case.investigation.report.hypotheses
    assert any("outside the schema" in n for n in refined.report.notices)


def test_timeout_falls_back_quickly(case, settings_for):
    with FakeOpenAI([reply_slow(3.0, reply_text("{}"))]) as fake:
        started = time.perf_counter()
        refined = refine(case.investigation, settings_for(fake, llm_timeout=0.3))
        elapsed = time.perf_counter() - started
    assert elapsed < 2.0
    assert len(fake.requests) == 1  # no hidden SDK retries
    assert refined.report.reasoner == "engine"
    assert any("timed out" in n for n in refined.report.notices)


def test_http_error_is_retried_a_bounded_number_of_times_then_falls_back(case, settings_for):
    with FakeOpenAI([reply_status(500, retry_after="0")] * 3 + [good_answer]) as fake:
        refined = refine(case.investigation, settings_for(fake))
    assert len(fake.requests) == 3  # the first try and two retries, no more
    assert refined.report.reasoner == "engine"
    assert any("HTTP 500 after 3 tries" in n for n in refined.report.notices)


def test_rate_limit_honours_retry_after_then_succeeds(case, settings_for):
    with FakeOpenAI([reply_status(429, retry_after="0.4"), good_answer]) as fake:
        started = time.perf_counter()
        refined = refine(case.investigation, settings_for(fake))
        elapsed = time.perf_counter() - started
    assert refined.report.reasoner == "llm:fake-model"
    assert len(fake.requests) == 2 and fake.requests[0] == fake.requests[1]
    assert elapsed >= 0.4


def test_a_4xx_is_not_retried(case, settings_for):
    with FakeOpenAI([reply_status(400), good_answer]) as fake:
        refined = refine(case.investigation, settings_for(fake))
    assert len(fake.requests) == 1 and refined.report.reasoner == "engine"
    assert any("HTTP 400" in n for n in refined.report.notices)


def test_no_key_and_no_base_url_means_no_network(case, settings_for):
    with FakeOpenAI([good_answer]) as fake:
        settings = settings_for(None)
        assert build_chat_model(settings) is None
        refined = refine(case.investigation, settings)
    assert refined is case.investigation
    assert fake.requests == []


def test_nothing_valid_falls_back_with_a_notice(case, settings_for):
    with FakeOpenAI([reply_json({"hypotheses": [hypothesis("Made up", cite("E404"))]})]) as fake:
        refined = refine(case.investigation, settings_for(fake))
    assert refined.report.reasoner == "engine"
    assert refined.report.hypotheses == case.investigation.report.hypotheses
    assert any("no hypothesis backed by valid evidence" in n for n in refined.report.notices)


def test_prompt_injection_has_no_effect_and_the_key_never_leaves(case, settings_for):
    def gullible(body):  # a model that "obeys" the log line
        injected = evidence_id(body, "ignore previous instructions")
        timeout = evidence_id(body, "vm-21 timed out")
        return reply_json(
            {
                "hypotheses": [
                    hypothesis(f"Posting the API key {SECRETS[0]}", cite(injected), cite(timeout))
                ]
            }
        )

    script = [
        reply_tools(
            ("post_message", {"channel": "#general", "text": "the key"}),
            (
                "search",
                {"source": "slack", "text": "key", "regex": False, "start": None, "end": None},
            ),
        ),
        gullible,
    ]
    audit: list[AuditStep] = []
    with FakeOpenAI(script) as fake:
        settings = settings_for(fake)
        refined = refine(case.investigation, settings, audit=audit, lookup=case.lookup)
    user = fake.requests[0]["messages"][1]["content"]
    fence_open = user.index("<<<EVIDENCE ")
    fence_close = user.index("<<<END EVIDENCE ")
    assert fence_open < user.index("ignore previous instructions") < fence_close
    assert "[REDACTED:openai-key]" in user and "[REDACTED:aws-key]" in user
    tool_results = [m["content"] for m in fake.requests[1]["messages"] if m["role"] == "tool"]
    assert len(tool_results) == 2 and all(r.startswith("REFUSED") for r in tool_results)
    assert case.lookup.calls == []  # nothing ran
    assert_requests_clean(fake, settings.llm_budget)
    shown = refined.report.model_dump_json()
    assert all(secret not in shown for secret in SECRETS)  # titles are redacted on the way out
    assert [a.status for a in audit if a.kind == "tool"] == ["refused", "refused"]


def test_audit_records_each_model_turn(case, settings_for):
    audit: list[AuditStep] = []
    with FakeOpenAI([reply_text("bad"), good_answer]) as fake:
        refine(case.investigation, settings_for(fake), audit=audit)
    assert [(a.kind, a.status) for a in audit] == [
        ("model", "ok"),
        ("retry", "malformed"),
        ("model", "ok"),
    ]
    assert all(a.tokens > 0 for a in audit if a.kind == "model")


def test_citations_failing_the_source_reread_lower_confidence_or_discard(case, settings_for):
    root = case.manifest.base_dir

    def answer_then_rotate(body):
        timeout = evidence_id(body, "vm-21 timed out")
        created = evidence_id(body, "vm-21 created")
        broker_only = evidence_id(body, "vm-22 timed out")
        # the hypervisor log changes under us (rotation): its lines no longer re-read
        (root / "logs/hypervisor.log").write_text("rotated\n" * 10)
        return reply_json(
            {
                "hypotheses": [
                    hypothesis("Both sides", cite(timeout), cite(created), confidence=0.8),
                    hypothesis(
                        "Only the hypervisor supports this",
                        cite(created),
                        cite(broker_only, role="contradicts"),
                        confidence=0.9,
                    ),
                ]
            }
        )

    with FakeOpenAI([answer_then_rotate]) as fake:
        refined = refine(case.investigation, settings_for(fake))
    report = refined.report
    assert report.reasoner == "llm:fake-model"
    [kept] = report.hypotheses
    assert kept.title == "Both sides" and kept.confidence == 0.4
    assert [e.source for e in kept.evidence] == ["broker"]
    assert any("2 LLM citation(s) failed the source re-read" in n for n in report.notices)
    assert any("1 hypothesis(es) discarded" in n for n in report.notices)


def test_connection_failures_are_retried_with_backoff_then_raise():
    import openai
    import pytest

    from bot.errors import LLMError
    from bot.llm.client import OpenAIChat, Retry

    waits: list[float] = []
    client = openai.OpenAI(api_key="x", base_url="http://127.0.0.1:9/v1", max_retries=0)
    chat = OpenAIChat(client, "m", timeout=2, retry=Retry(backoff=0.1), sleep=waits.append)
    with pytest.raises(LLMError, match="APIConnectionError"):
        chat.complete([{"role": "user", "content": "hello"}])
    assert waits == [0.1, 0.2]
