"""The model behind a small protocol, and its OpenAI-compatible implementation.

Everything above this module talks to :class:`ChatModel`; tests and other providers
substitute anything with ``complete(...)``. :class:`OpenAIChat` wraps an injected
``openai.OpenAI`` client (any OpenAI-compatible endpoint via ``base_url``) and
translates every library error into :class:`~bot.errors.LLMError`.
"""

from __future__ import annotations

import json
import logging
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


class OpenAIChat:
    """:class:`ChatModel` over the ``openai`` SDK (sync), with a per-call timeout."""

    def __init__(self, client: Any, model: str, *, timeout: float = 60.0) -> None:
        self._client = client
        self.model = model
        self.timeout = timeout

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
        try:
            response = self._client.chat.completions.create(**kwargs)
        except openai.APITimeoutError as exc:
            raise LLMError(f"the model endpoint timed out after {self.timeout:g}s") from exc
        except openai.APIStatusError as exc:
            raise LLMError(f"the model endpoint answered HTTP {exc.status_code}") from exc
        except openai.OpenAIError as exc:
            raise LLMError(f"the model endpoint failed: {type(exc).__name__}") from exc
        return _completion(response)


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

    Retries are ours (bounded, in the reasoner), so the SDK's own are switched off.
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
