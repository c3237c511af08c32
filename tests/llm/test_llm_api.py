"""The package's public surface and the schemas sent to the model."""

from __future__ import annotations

import bot.llm
from bot.llm.schema import AnswerOut, HypothesisSet, strict_schema


def test_all_is_sorted_and_complete():
    assert bot.llm.__all__ == sorted(bot.llm.__all__)
    assert all(hasattr(bot.llm, name) for name in bot.llm.__all__)


def test_schemas_are_strict():
    for model in (HypothesisSet, AnswerOut):
        schema = strict_schema(model)
        nodes = [schema, *schema.get("$defs", {}).values()]
        for node in nodes:
            assert node["additionalProperties"] is False
            assert set(node["required"]) == set(node["properties"])
    hypothesis = strict_schema(HypothesisSet)["$defs"]["ProposedHypothesis"]
    assert "title" in hypothesis["properties"]  # a field named title survives the cleanup
