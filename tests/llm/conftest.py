"""Fixtures for the LLM tests: the hand-written case and settings pointing at a fake."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fake_openai import FakeOpenAI
from llm_case import Case, make_case

from bot.settings import Settings

_ENV = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "LOGIQ_LLM_MODEL",
    "LOGIQ_LLM_BUDGET",
    "LOGIQ_LLM_TIMEOUT",
    "LOGIQ_REDACT_PATTERNS",
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def case(tmp_path) -> Case:
    return make_case(tmp_path)


@pytest.fixture
def settings_for() -> Callable[..., Settings]:
    def build(fake: FakeOpenAI | None, **overrides: Any) -> Settings:
        values: dict[str, Any] = {"llm_model": "fake-model", "llm_timeout": 5.0}
        if fake is not None:
            values |= {
                "openai_api_key": "sk-test-local-fake-key-0000000000",
                "openai_base_url": fake.url,
            }
        return Settings(**(values | overrides))

    return build
