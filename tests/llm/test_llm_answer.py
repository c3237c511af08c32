"""Thread answers: session context in the prompt, citations checked like hypotheses."""

from __future__ import annotations

from fake_openai import FakeOpenAI, reply_json, reply_tools
from llm_helpers import assert_requests_clean, evidence_id

from bot.llm import AnswerContext, Limits, LLMAnswerer, build_chat_model, prepare_pack
from bot.llm.tools import ToolBox


def context_for(case, settings, *, rejected: bool = True, tools: bool = False):
    investigation = case.investigation
    pack = prepare_pack(investigation, settings, tools=tools)
    hypotheses = [
        h.model_copy(update={"status": "rejected"}) if rejected else h
        for h in investigation.report.hypotheses
    ]
    toolbox = ToolBox(case.lookup, case.manifest, pack) if tools else None
    return AnswerContext(
        pack=pack,
        hypotheses=hypotheses,
        feedback=["U42 rejected H1"],
        toolbox=toolbox,
        connectors=investigation.connectors,
    )


def test_answer_cites_verified_lines_and_sees_rejections(case, settings_for):
    def reply(body):
        created = evidence_id(body, "vm-21 created")
        return reply_json(
            {
                "answer": "vm-21 was created by the hypervisor at 14:51:45.",
                "evidence": [
                    {"id": created, "quote": "vm-21 created", "role": "supports"},
                    {"id": "E77", "quote": None, "role": "supports"},
                ],
            }
        )

    with FakeOpenAI([reply]) as fake:
        settings = settings_for(fake)
        answerer = LLMAnswerer(build_chat_model(settings), Limits.for_budget(settings.llm_budget))
        answer = answerer.answer("what happened to vm-21?", context_for(case, settings))
    assert answer.text.startswith("vm-21 was created")
    assert [c.item.text for c in answer.citations] == [
        case.line("hypervisor", "vm-21 created").text
    ]
    assert answer.dropped == 1
    user = fake.requests[0]["messages"][1]["content"]
    assert "H1 [REJECTED (do not propose again)" in user
    assert "U42 rejected H1" in user and "what happened to vm-21?" in user
    assert "REJECTED" in fake.requests[0]["messages"][0]["content"]
    assert_requests_clean(fake, settings.llm_budget)


def test_answer_can_use_tools_and_redacts_its_text(case, settings_for):
    def final(body):
        line = evidence_id(body, "create vm-19 requested")
        return reply_json(
            {
                "answer": "vm-19 was requested; password=hunter22 was seen",
                "evidence": [{"id": line, "quote": None, "role": "supports"}],
            }
        )

    script = [
        reply_tools(
            (
                "search",
                {"source": "broker", "text": "vm-19", "regex": False, "start": None, "end": None},
            )
        ),
        final,
    ]
    with FakeOpenAI(script) as fake:
        settings = settings_for(fake)
        answerer = LLMAnswerer(build_chat_model(settings), Limits.for_budget(settings.llm_budget))
        answer = answerer.answer("and vm-19?", context_for(case, settings, tools=True))
    assert "hunter22" not in answer.text and "[REDACTED:secret]" in answer.text
    assert answer.citations[0].item.text == case.line("broker", "vm-19 requested").text
    assert case.lookup.calls[0][0] == "search"


def test_thread_adapter_falls_back_to_the_offline_answerer(case, settings_for):
    from fake_openai import reply_status

    from bot.answers import Answer as ThreadAnswer
    from bot.llm.thread import LLMThreadAnswerer

    class Offline:
        def answer(self, session, question):
            return ThreadAnswer(text=f"offline: {question}")

    unavailable = [reply_status(503, retry_after="0")] * 3  # the first try and both retries
    with FakeOpenAI([*unavailable, reply_json({"answer": "ok", "evidence": []})]) as fake:
        settings = settings_for(fake)
        llm = LLMAnswerer(build_chat_model(settings), Limits.for_budget(settings.llm_budget))
        adapter = LLMThreadAnswerer(llm, lambda s: context_for(case, settings), Offline())
        assert adapter.answer(None, "vm-21?").text == "offline: vm-21?"  # type: ignore[arg-type]
        second = adapter.answer(None, "vm-21?")  # type: ignore[arg-type]
    assert (second.text, second.kind) == ("ok", "llm")
