"""Optional LLM reasoning over the engine's evidence pack (see DESIGN.md, principle 4).

Public API::

    refine(investigation, settings, *, client=None, audit=None, lookup=None) -> Investigation
    LLMAnswerer(model, limits).answer(question, AnswerContext(...)) -> Answer
    build_chat_model(settings) -> OpenAIChat | None      # None: no key / base URL
    build_pack(analysis, report, budget=..., redactor=...) -> EvidencePack
    count_tokens(text) -> int
    explain(audit_steps) -> str                            # "how did you get there?"
"""

from bot.llm.answer import Answer, AnswerContext, LLMAnswerer
from bot.llm.client import ChatModel, Completion, OpenAIChat, ToolCall, build_chat_model
from bot.llm.investigator import AuditStep, Conversation, Limits, explain
from bot.llm.pack import EvidencePack, build_pack
from bot.llm.reasoner import Reasoner, Verified, verify
from bot.llm.refine import pack_budget, prepare_pack, refine
from bot.llm.tokens import count_tokens, encoding_name
from bot.llm.tools import Lookup, ToolBox, ToolResult

__all__ = [
    "Answer",
    "AnswerContext",
    "AuditStep",
    "ChatModel",
    "Completion",
    "Conversation",
    "EvidencePack",
    "LLMAnswerer",
    "Limits",
    "Lookup",
    "OpenAIChat",
    "Reasoner",
    "ToolBox",
    "ToolCall",
    "ToolResult",
    "Verified",
    "build_chat_model",
    "build_pack",
    "count_tokens",
    "encoding_name",
    "explain",
    "pack_budget",
    "prepare_pack",
    "refine",
    "verify",
]
