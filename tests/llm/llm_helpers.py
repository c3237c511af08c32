"""Assertions shared by the LLM tests (``evidence_id`` lives with the fake server)."""

from __future__ import annotations

from fake_openai import FakeOpenAI, evidence_id  # noqa: F401  (re-exported)
from llm_case import SECRETS

from bot.llm.tokens import count_messages


def assert_requests_clean(fake: FakeOpenAI, budget: int) -> None:
    """No secret in any request; every request's messages fit the budget."""
    assert fake.requests, "the fake received no request"
    assert not fake.errors, fake.errors
    for raw, body in zip(fake.raw, fake.requests, strict=True):
        for secret in SECRETS:
            assert secret not in raw
        assert count_messages(body["messages"]) <= budget
