"""The bounded conversation: model turns, checked tool calls, a schema-valid answer.

Limits (all enforced here, whatever the model does):

- ``max_steps`` model turns; on the last one tools are switched off (``tool_choice=none``)
  and any tool call is refused;
- each tool result at most ``per_call_tokens`` (bigger ones are refused with a message
  asking for a narrower query, see :mod:`bot.llm.tools`);
- no request larger than ``budget`` tokens: a tool result that would push the
  conversation past it is refused ("answer with what you have");
- a final answer that is not valid JSON for the schema gets one retry, then LLMError.

Every model turn and tool call is appended to ``audit`` (store it in the Session,
print it with ``--verbose``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.errors import LLMError
from bot.llm.client import ChatModel, Completion, Message, ToolCall
from bot.llm.prompts import retry_message
from bot.llm.schema import response_format
from bot.llm.tokens import count_messages, count_tokens
from bot.llm.tools import ToolBox, ToolResult
from bot.redact import redact

logger = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Limits:
    max_steps: int = 8
    per_call_tokens: int = 1500
    budget: int = 12_000  # tokens of any single request (the whole conversation so far)
    retries: int = 1  # malformed final answers retried before giving up

    @classmethod
    def for_budget(cls, budget: int) -> Limits:
        return cls(budget=budget, per_call_tokens=max(200, min(1500, budget // 6)))


@dataclass(frozen=True, slots=True)
class AuditStep:
    step: int
    kind: str  # model | tool | retry
    name: str  # model name, tool name
    status: str  # ok | refused | no_data | error | malformed
    tokens: int  # request tokens (model) or result tokens (tool)
    detail: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def line(self) -> str:
        what = {"model": "asked the model", "tool": "tool", "retry": "answer rejected"}
        head = f"step {self.step}: {what.get(self.kind, self.kind)} {self.name} -> {self.status}"
        return f"{head} ({self.tokens} tokens){': ' + self.detail if self.detail else ''}"


def explain(steps: Iterable[AuditStep | dict[str, Any]]) -> str:
    """The answer to "how did you get there?": every model turn and tool call, in order.

    Accepts AuditSteps or their ``as_dict()`` form (as stored in the Session audit).
    """
    lines = [
        (s if isinstance(s, AuditStep) else AuditStep(**s)).line()  # type: ignore[arg-type]
        for s in steps
    ]
    if not lines:
        return "No model was used: the hypotheses come from the deterministic engine."
    return "\n".join(["How the model got there:", *lines])


class Conversation:
    """Runs one bounded exchange and returns the validated answer of type ``output``."""

    def __init__(self, model: ChatModel, limits: Limits, audit: list[AuditStep] | None = None):
        self.model, self.limits = model, limits
        self.audit = audit if audit is not None else []

    def run(self, messages: list[Message], output: type[T], toolbox: ToolBox | None = None) -> T:
        fmt = response_format(output)
        retries = self.limits.retries
        for step in range(1, self.limits.max_steps + self.limits.retries + 1):
            last = step >= self.limits.max_steps
            completion = self._turn(step, messages, fmt, toolbox, last)
            if completion.tool_calls:
                messages.append(completion.as_message())
                for call in completion.tool_calls:
                    messages.append(self._tool(step, call, toolbox, messages, last))
                continue
            try:
                return parse_answer(completion.content, output)
            except ValueError as exc:
                problem = _problem(exc)
                self._log(step, "retry", output.__name__, "malformed", 0, problem)
                if retries == 0:
                    raise LLMError(f"the model answered outside the schema: {problem}") from exc
                retries -= 1
                messages += [completion.as_message(), retry_message(problem)]
        raise LLMError(f"no final answer within {self.limits.max_steps} steps")

    def _turn(
        self, step: int, messages: list[Message], fmt: dict, toolbox: ToolBox | None, last: bool
    ) -> Completion:
        size = count_messages(messages)
        if size > self.limits.budget:
            raise LLMError(f"conversation of {size} tokens exceeds the budget {self.limits.budget}")
        tools = toolbox.definitions if toolbox else None
        choice = None if toolbox is None else ("none" if last else "auto")
        try:
            completion = self.model.complete(
                messages, response_format=fmt, tools=tools, tool_choice=choice
            )
        except LLMError as exc:
            self._log(step, "model", self.model.model, "error", size, str(exc))
            raise
        calls = ", ".join(c.name for c in completion.tool_calls)
        self._log(
            step,
            "model",
            self.model.model,
            "ok",
            size,
            f"tool calls: {calls}" if calls else "answer",
        )
        return completion

    def _tool(
        self,
        step: int,
        call: ToolCall,
        toolbox: ToolBox | None,
        messages: list[Message],
        last: bool,
    ) -> Message:
        if toolbox is None or last:
            result = _refusal("no tool calls are allowed now; answer with the JSON object")
        else:
            result = toolbox.run(call)
            if result.status == "ok" and self._overflows(messages, result):
                result = _refusal(
                    f"the result ({result.tokens} tokens) would exceed the conversation budget "
                    f"of {self.limits.budget} tokens; answer with the evidence you have, or "
                    "narrow the query"
                )
        self._log(
            step,
            "tool",
            call.name,
            result.status,
            result.tokens,
            _detail(call, result),
        )
        return {"role": "tool", "tool_call_id": call.id, "content": result.content}

    def _overflows(self, messages: list[Message], result: ToolResult) -> bool:
        return count_messages(messages) + result.tokens + 50 > self.limits.budget

    def _log(self, step: int, kind: str, name: str, status: str, tokens: int, detail: str) -> None:
        # the audit is shown in Slack and --verbose: model-written arguments are redacted too
        self.audit.append(AuditStep(step, kind, name, status, tokens, redact(detail)))
        logger.info("llm step %s %s %s %s (%s tokens)", step, kind, name, status, tokens)


def _detail(call: ToolCall, result: ToolResult) -> str:
    outcome = "" if result.status == "ok" else f" -> {result.content[:200]}"
    return f"{call.arguments[:300]}{outcome}"


def _refusal(text: str) -> ToolResult:
    content = f"REFUSED: {text}"
    return ToolResult("refused", content, count_tokens(content))


def parse_answer(content: str | None, output: type[T]) -> T:
    """Validate the model's JSON (a surrounding ```json fence is tolerated)."""
    if not content or not content.strip():
        raise ValueError("empty answer")
    match = _FENCE.match(content)
    return output.model_validate_json(match.group(1) if match else content)


def _problem(exc: ValueError) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "answer"
        return f"{where}: {first['msg']}"[:300]
    return str(exc)[:300]
