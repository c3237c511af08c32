"""What the listeners need, built once per process and handed to them via Bolt's context."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import redis
from rq import Queue

from bot.feedback import FeedbackHook
from bot.memory import MemoryStore
from bot.session import SessionStore
from bot.settings import Settings
from bot.slack.catalog import Catalog
from bot.slack.poster import Poster

CONTEXT_KEY = "logiq"
DEDUPE_TTL = 15 * 60  # Slack retries for ~5 minutes; keep ids well beyond that


@dataclass(frozen=True)
class Services:
    settings: Settings
    redis: redis.Redis
    store: SessionStore
    queue: Queue
    catalog: Catalog
    poster: Poster
    memory: MemoryStore
    feedback_hooks: Sequence[FeedbackHook] = field(default_factory=tuple)

    def first_time(self, kind: str, ident: str) -> bool:
        """True once per ``(kind, ident)`` within the de-duplication TTL (``SET NX EX``)."""
        key = f"{self.settings.key_prefix}seen:{kind}:{ident}"
        return bool(self.redis.set(key, 1, nx=True, ex=DEDUPE_TTL))

    def allowed(self, channel: str | None, user: str | None) -> str | None:
        """None when allowed, else the reason (for the optional allow-lists)."""
        channels, users = self.settings.allowed_channels, self.settings.allowed_users
        if channels and channel not in channels:
            return (
                "LogIQ is not enabled in this channel; "
                f"ask an admin to add {channel} to LOGIQ_ALLOWED_CHANNELS"
            )
        if users and user not in users:
            return "you are not on LogIQ's user allow-list (LOGIQ_ALLOWED_USERS); ask an admin"
        return None
