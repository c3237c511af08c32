"""Assertions shared by the LLM tests."""

from __future__ import annotations

import re
from typing import Any

from fake_openai import FakeOpenAI
from llm_case import SECRETS

from bot.llm.tokens import count_messages


def evidence_id(body: dict[str, Any], contains: str) -> str:
    """The pack id the request shows for the line containing ``contains``."""
    text = "\n".join(str(m.get("content") or "") for m in body["messages"])
    for line in text.split("\n"):
        if contains in line and (match := re.match(r"\s*\[(E\d+)\]", line)):
            return match.group(1)
    raise AssertionError(f"no evidence line with {contains!r} in the request")


def assert_requests_clean(fake: FakeOpenAI, budget: int) -> None:
    """No secret in any request; every request's messages fit the budget."""
    assert fake.requests, "the fake received no request"
    assert not fake.errors, fake.errors
    for raw, body in zip(fake.raw, fake.requests, strict=True):
        for secret in SECRETS:
            assert secret not in raw
        assert count_messages(body["messages"]) <= budget
