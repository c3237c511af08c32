"""What the model must answer, as pydantic models, and their strict JSON schemas.

The model cites evidence by pack id (``E12``) only, optionally quoting the line; code
resolves every id to its raw record and checks the quote before anything is shown.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CitedEvidence(_Out):
    id: str = Field(description="An evidence id from the pack, e.g. E12")
    quote: str | None = Field(
        description="Optional: an exact substring of that evidence line, or null"
    )
    role: Literal["supports", "contradicts"]


class ProposedHypothesis(_Out):
    title: str
    summary: str
    confidence: float = Field(description="0.0 to 1.0")
    evidence: list[CitedEvidence]
    next_steps: list[str]


class HypothesisSet(_Out):
    hypotheses: list[ProposedHypothesis]


class AnswerOut(_Out):
    answer: str
    evidence: list[CitedEvidence]


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema in the shape OpenAI's strict structured output accepts:
    every property required, no additional properties, no titles/defaults.
    """
    schema = copy.deepcopy(model.model_json_schema())
    _tighten(schema)
    for definition in schema.get("$defs", {}).values():
        _tighten(definition)
    return schema


def _tighten(node: Any) -> None:
    if isinstance(node, dict):
        for key in ("title", "default"):  # annotations, not a property named "title"
            if key in node and not isinstance(node[key], dict):
                del node[key]
        if node.get("type") == "object" and "properties" in node:
            node["additionalProperties"] = False
            node["required"] = list(node["properties"])
        for value in node.values():
            _tighten(value)
    elif isinstance(node, list):
        for value in node:
            _tighten(value)


def response_format(model: type[BaseModel]) -> dict[str, Any]:
    """``response_format`` for Chat Completions structured output."""
    return {
        "type": "json_schema",
        "json_schema": {"name": model.__name__, "schema": strict_schema(model), "strict": True},
    }
