"""The bounded investigator: tools checked in code, limits enforced, steps audited."""

from __future__ import annotations

from typing import Any

from fake_openai import FakeOpenAI, reply_json, reply_tools
from llm_helpers import assert_requests_clean, evidence_id

from bot.llm import refine
from bot.llm.investigator import AuditStep

EMPTY = reply_json({"hypotheses": []})


def search(text: str, source: str | None = None, start=None, end=None, regex=False) -> dict:
    return {"source": source, "text": text, "regex": regex, "start": start, "end": end}


def tool_messages(body: dict[str, Any]) -> list[str]:
    return [m["content"] for m in body["messages"] if m["role"] == "tool"]


def run(case, settings, script, audit=None):
    with FakeOpenAI(script) as fake:
        refined = refine(case.investigation, settings, audit=audit, lookup=case.lookup)
    return fake, refined


def test_calls_outside_the_allow_list_or_scope_are_refused_in_code(case, settings_for):
    calls = reply_tools(
        ("search", search("timed out", source="payments")),
        (
            "records",
            {"source": "broker", "start": "2026-02-10T12:00:00Z", "end": "2026-02-10T12:10:00Z"},
        ),
        ("search", search("timed out", end="2026-02-11T00:00:00Z")),
        ("shell", {"cmd": "rm -rf /"}),
        ("ticket", {"key": "VMS-1"}),
        ("doc", {"path": "../../etc/passwd"}),
        ("search", search("(unclosed", regex=True)),
        ("timeline", "{not json"),
    )
    audit: list[AuditStep] = []
    with FakeOpenAI([calls, EMPTY]) as fake:
        refine(case.investigation, settings_for(fake), audit=audit, lookup=case.lookup)
    results = tool_messages(fake.requests[1])
    assert len(results) == 8
    assert all(r.startswith("REFUSED") for r in results), results
    assert "not in this case" in results[0]
    assert "outside the case window" in results[1] and "outside the case window" in results[2]
    assert "unknown tool 'shell'" in results[3]
    assert "no ticket source" in results[4]
    assert "may not leave" in results[5]
    assert "invalid regex" in results[6]
    assert "not a JSON object" in results[7]
    assert case.lookup.calls == []
    assert [a.status for a in audit if a.kind == "tool"] == ["refused"] * 8


def test_tool_results_join_the_pack_and_can_be_cited(case, settings_for):
    def final(body):
        requested = evidence_id(body, "create vm-18 requested")
        return reply_json(
            {
                "hypotheses": [
                    {
                        "title": "vm-18 was requested",
                        "summary": "s",
                        "confidence": 0.5,
                        "evidence": [
                            {"id": requested, "quote": "create vm-18 requested", "role": "supports"}
                        ],
                        "next_steps": [],
                    }
                ]
            }
        )

    with FakeOpenAI([reply_tools(("timeline", {"identifier": "vm-18"})), final]) as fake:
        refined = refine(case.investigation, settings_for(fake), lookup=case.lookup)
    assert "vm-18" not in fake.requests[0]["messages"][1]["content"]  # not in the first pack
    assert case.lookup.calls == [("timeline", ("vm-18",))]
    assert refined.report.reasoner == "llm:fake-model"
    assert refined.report.hypotheses[0].evidence[0].text == case.line("broker", "vm-18").text


def test_repeated_identical_call_is_refused(case, settings_for):
    same = ("timeline", {"identifier": "vm-19"})
    with FakeOpenAI([reply_tools(same), reply_tools(same), EMPTY]) as fake:
        refine(case.investigation, settings_for(fake), lookup=case.lookup)
    assert not tool_messages(fake.requests[1])[0].startswith("REFUSED")
    assert "already made" in tool_messages(fake.requests[2])[-1]
    assert len(case.lookup.calls) == 1


def test_oversized_results_are_refused_with_a_narrowing_message(case, settings_for):
    budget = 2400
    script = [
        reply_tools(("search", search("vm-"))),  # every record: over the per-call cap
        reply_tools(
            (
                "records",
                {
                    "source": "hypervisor",
                    "start": "2026-02-10T14:30:00Z",
                    "end": "2026-02-10T15:30:00Z",
                },
            )
        ),
        reply_tools(("search", search("timed out", source="broker"))),
        *(reply_tools(("timeline", {"identifier": f"vm-{n}"})) for n in (23, 18, 19, 20)),
        EMPTY,
    ]
    audit: list[AuditStep] = []
    with FakeOpenAI(script) as fake:
        settings = settings_for(fake, llm_budget=budget)
        refine(case.investigation, settings, audit=audit, lookup=case.lookup)
    first = tool_messages(fake.requests[1])[0]
    assert first.startswith("REFUSED") and "Narrow the query" in first
    statuses = [a.status for a in audit if a.kind == "tool"]
    assert statuses[0] == "refused" and "ok" in statuses
    later = [r for body in fake.requests[2:] for r in tool_messages(body)]
    assert any("exceed the conversation budget" in r for r in later)
    assert_requests_clean(fake, budget)


def test_step_limit_switches_tools_off_then_falls_back(case, settings_for):
    def endless(body):
        return reply_tools(("timeline", {"identifier": f"vm-{len(body['messages'])}"}))

    with FakeOpenAI([endless] * 20) as fake:
        refined = refine(case.investigation, settings_for(fake), lookup=case.lookup)
    assert len(fake.requests) == 9  # 8 steps + the one retry
    assert [r["tool_choice"] for r in fake.requests[:7]] == ["auto"] * 7
    assert fake.requests[7]["tool_choice"] == "none"
    assert refined.report.reasoner == "engine"
    assert any("within 8 steps" in n for n in refined.report.notices)


def test_how_did_you_get_there_lists_each_step_redacted(case, settings_for):
    from llm_case import OPENAI_KEY

    from bot.llm import explain

    script = [
        reply_tools(("search", search(f"key {OPENAI_KEY}", source="broker"))),
        reply_tools(("frobnicate", {})),
        EMPTY,
    ]
    audit: list[AuditStep] = []
    with FakeOpenAI(script) as fake:
        refine(case.investigation, settings_for(fake), audit=audit, lookup=case.lookup)
    text = explain(audit)
    lines = text.split("\n")
    assert lines[0] == "How the model got there:"
    assert lines[1].startswith("step 1: asked the model fake-model -> ok")
    assert any(line.startswith("step 1: tool search -> ") for line in lines)
    assert any("step 2: tool frobnicate -> refused" in line for line in lines)
    assert OPENAI_KEY not in text and "[REDACTED:openai-key]" in text
    assert explain([a.as_dict() for a in audit]) == text  # the Session's stored form
    assert "deterministic engine" in explain([])
