"""The correlation engine: pure Python over records (no Slack, Redis or network)."""

from bot.engine.pipeline import Engine, EngineConfig

__all__ = ["Engine", "EngineConfig"]
