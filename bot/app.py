"""The Bolt app factory: settings in, a wired ``App`` out (no work at import time)."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import redis as redis_lib
from rq import Queue
from slack_bolt import App
from slack_sdk import WebClient

from bot.feedback import FeedbackHook
from bot.listeners import register_listeners
from bot.memory import MemoryStore
from bot.session import SessionStore
from bot.settings import Settings
from bot.slack.catalog import Catalog
from bot.slack.client import build_client
from bot.slack.poster import Pacer, Poster
from bot.slack.services import Services
from bot.slack.start import enqueue_follow_up

LISTENER_THREADS = 32  # Bolt's default is 5: a slow listener would delay the next ack


def create_app(
    settings: Settings,
    *,
    client: WebClient | None = None,
    redis: redis_lib.Redis | None = None,
    queue: Queue | None = None,
    feedback_hooks: Sequence[FeedbackHook] | None = None,
) -> App:
    """``feedback_hooks`` default to one: enqueue the worker's follow-up of each verdict
    (memory, re-ranking, next candidate, proposals); pass ``()`` for none."""
    client = client or build_client(settings)
    redis = redis or redis_lib.Redis.from_url(settings.redis_url)
    queue = queue or Queue(settings.queue_name, connection=redis)
    if feedback_hooks is None:
        feedback_hooks = (enqueue_follow_up(queue, settings.key_prefix),)
    services = Services(
        settings=settings,
        redis=redis,
        store=SessionStore(redis, prefix=settings.key_prefix, ttl=settings.session_ttl),
        queue=queue,
        catalog=Catalog(settings.manifest_dir),
        memory=MemoryStore(redis, settings.key_prefix, ttl_days=settings.memory_ttl_days),
        feedback_hooks=tuple(feedback_hooks),
        poster=Poster(
            client, Pacer(redis, prefix=settings.key_prefix, interval=settings.slack_pace)
        ),
    )
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret,
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS),
    )
    register_listeners(app, services)
    return app
