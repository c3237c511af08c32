"""The model behind a small protocol, and its OpenAI-compatible implementation.

Everything above this module talks to :class:`ChatModel`; tests and other providers
substitute anything with ``complete(...)``. :class:`OpenAIChat` wraps an injected
``openai.OpenAI`` client (any OpenAI-compatible endpoint via ``base_url``) and
translates every library error into :class:`~bot.errors.LLMError`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.errors import LLMError
from bot.settings import Settings

logger = logging.getLogger(__name__)

Message = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # JSON text as the model wrote it (may be malformed)

    def as_message(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments},
        }


@dataclass(frozen=True, slots=True)
class Completion:
    content: str | None
    tool_calls: tuple[ToolCall, ...] = ()
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def as_message(self) -> Message:
        message: Message = {"role": "assistant", "content": self.content}
        if self.tool_calls:
            message["tool_calls"] = [call.as_message() for call in self.tool_calls]
        return message


class ChatModel(Protocol):
    """One Chat Completions turn; raises LLMError on any failure."""

    model: str

    def complete(
        self,
        messages: list[Message],
        *,
        response_format: dict[str, Any] | None = None,
        tools: list[dict[str, Any]] | None = None,
        tool_choice: str | None = None,
    ) -> Completion: ...


RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class Retry:
    """Bounded retries of 429/5xx answers and connection failures (not of timeouts: a
    timeout has already cost ``timeout`` seconds; the engine's report is the fallback)."""

    retries: int = 2  # after the first try
    backoff: float = 0.5  # doubling
    max_wait: float = 8.0  # any wait, Retry-After included, is capped

    def wait(self, attempt: int, retry_after: float | None) -> float:
        base = retry_after if retry_after is not None else self.backoff * (2**attempt)
        return max(0.0, min(base, self.max_wait))


def _retry_after(response: Any) -> float | None:
    headers = getattr(response, "headers", None) or {}
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return float(millis) / 1000
        except ValueError:
            pass
    from connectors.http import retry_after_seconds

    return retry_after_seconds(headers.get("retry-after"))


class OpenAIChat:
    """:class:`ChatModel` over the ``openai`` SDK (sync), with a per-call timeout and
    bounded retries (:class:`Retry`); the SDK's own retries are off."""

    def __init__(
        self,
        client: Any,
        model: str,
        *,
        timeout: float = 60.0,
        retry: Retry = Retry(),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self.model = model
        self.timeout = timeout
        self.retry = retry
        self._sleep = sleep

    def complete(
        self,
        messages: list[Message],
        *,
        response_format: dict[str, Any] | None = None,
        tools: list[dict[str, Any]] | None = None,
        tool_choice: str | None = None,
    ) -> Completion:
        import openai

        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "timeout": self.timeout,
            "temperature": 0,
        }
        if response_format:
            kwargs["response_format"] = response_format
        if tools:
            kwargs["tools"] = tools
            kwargs["tool_choice"] = tool_choice or "auto"
        for attempt in range(self.retry.retries + 1):
            last = attempt == self.retry.retries
            try:
                response = self._client.chat.completions.create(**kwargs)
            except openai.APITimeoutError as exc:
                raise LLMError(f"the model endpoint timed out after {self.timeout:g}s") from exc
            except openai.APIStatusError as exc:
                if exc.status_code in RETRY_STATUSES and not last:
                    self._pause(attempt, _retry_after(exc.response), f"HTTP {exc.status_code}")
                    continue
                tries = f" after {attempt + 1} tries" if attempt else ""
                raise LLMError(
                    f"the model endpoint answered HTTP {exc.status_code}{tries}"
                ) from exc
            except openai.APIConnectionError as exc:
                if not last:
                    self._pause(attempt, None, type(exc).__name__)
                    continue
                raise LLMError(f"the model endpoint failed: {type(exc).__name__}") from exc
            except openai.OpenAIError as exc:
                raise LLMError(f"the model endpoint failed: {type(exc).__name__}") from exc
            return _completion(response)
        raise AssertionError("unreachable")  # pragma: no cover

    def _pause(self, attempt: int, retry_after: float | None, why: str) -> None:
        wait = self.retry.wait(attempt, retry_after)
        logger.info("model endpoint: %s; retrying in %.2fs", why, wait)
        self._sleep(wait)


def _completion(response: Any) -> Completion:
    try:
        choice = response.choices[0]
        message = choice.message
    except (AttributeError, IndexError, TypeError) as exc:
        raise LLMError("the model endpoint answered without a choice") from exc
    calls = tuple(
        ToolCall(id=c.id, name=c.function.name, arguments=c.function.arguments or "{}")
        for c in (message.tool_calls or ())
        if getattr(c, "function", None) is not None
    )
    usage = getattr(response, "usage", None)
    return Completion(
        content=message.content,
        tool_calls=calls,
        prompt_tokens=getattr(usage, "prompt_tokens", None),
        completion_tokens=getattr(usage, "completion_tokens", None),
    )


def is_configured(settings: Settings) -> bool:
    """A model is configured when a key or an (OpenAI-compatible) base URL is set."""
    return bool(settings.openai_api_key or settings.openai_base_url)


def build_chat_model(settings: Settings, *, http_client: Any = None) -> OpenAIChat | None:
    """The configured model, or None (no key and no base URL: stay offline).

    Retries are ours (bounded, :class:`Retry`), so the SDK's own are switched off.
    """
    if not is_configured(settings):
        return None
    import openai

    client = openai.OpenAI(
        api_key=settings.openai_api_key or "not-needed",  # local endpoints often take none
        base_url=settings.openai_base_url,
        timeout=settings.llm_timeout,
        max_retries=0,
        http_client=http_client,
    )
    return OpenAIChat(client, settings.llm_model, timeout=settings.llm_timeout)


def parse_arguments(call: ToolCall) -> dict[str, Any]:
    """A tool call's arguments as a dict; malformed JSON raises ValueError."""
    value = json.loads(call.arguments or "{}")
    if not isinstance(value, dict):
        raise ValueError("tool arguments must be a JSON object")
    return value
