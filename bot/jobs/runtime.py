"""What every job needs (settings, Redis, Slack poster, stores), bound once per worker.

The worker binds a :class:`Runtime` once with :func:`bind`; a job run by a plain
``rq worker`` builds one from the environment on first use."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import redis as redis_lib
from slack_sdk import WebClient

from bot.actions import ProposalStore
from bot.answers import Answerer, LookupAnswerer
from bot.memory import MemoryStore
from bot.session import SessionStore
from bot.settings import Settings
from bot.slack.client import build_client
from bot.slack.poster import Pacer, Poster
from connectors import Context

if TYPE_CHECKING:
    from bot.investigate import Investigation

InvestigateFn = Callable[..., "Investigation"]
PROGRESS_EVERY = 3.0  # seconds between progress edits of the root (chat.update is Tier 3)


@dataclass
class Runtime:
    settings: Settings
    redis: redis_lib.Redis
    store: SessionStore
    poster: Poster
    answerer: Answerer
    memory: MemoryStore
    proposals: ProposalStore
    env: Mapping[str, str] = field(default_factory=dict)  # what read-only connectors see
    write_env: Mapping[str, str] = field(default_factory=dict)  # the approved actions' credential
    investigate: InvestigateFn | None = None  # default: bot.investigate.investigate
    progress_every: float = PROGRESS_EVERY
    chart: bool = True


def build_runtime(
    settings: Settings,
    *,
    redis: redis_lib.Redis | None = None,
    client: WebClient | None = None,
    env: Mapping[str, str] | None = None,
    answerer: Answerer | None = None,
) -> Runtime:
    redis = redis or redis_lib.Redis.from_url(settings.redis_url)
    client = client or build_client(settings)
    env, write_env = split_env(settings, env or {})
    return Runtime(
        settings=settings,
        redis=redis,
        store=SessionStore(redis, prefix=settings.key_prefix, ttl=settings.session_ttl),
        poster=Poster(
            client, Pacer(redis, prefix=settings.key_prefix, interval=settings.slack_pace)
        ),
        answerer=answerer or LookupAnswerer(_case_lookup(settings, env)),
        memory=MemoryStore(redis, settings.key_prefix, ttl_days=settings.memory_ttl_days),
        proposals=ProposalStore(redis, settings.key_prefix),
        env=env,
        write_env=write_env,
    )


def split_env(settings: Settings, env: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(env for read-only connectors, env for approved actions): the write credential
    named by ``JIRA_WRITE_TOKEN_ENV`` is only ever in the second."""
    name = settings.jira_write_token_env
    read = {k: v for k, v in env.items() if k != name}
    return read, ({name: env[name]} if name in env else {})


def _case_lookup(settings: Settings, env: Mapping[str, str]) -> Callable[[Any], Any]:
    def build(manifest: Any) -> Any:
        from bot.lookup import CaseLookup  # the lead's module; imported when first needed

        return CaseLookup(manifest, Context(env=env, max_records=settings.max_records_per_source))

    return build


_bound: Runtime | None = None


def bind(runtime: Runtime | None) -> None:
    """Set the runtime the job functions use in this process (the worker calls it)."""
    global _bound
    _bound = runtime


def current() -> Runtime:
    if _bound is None:  # a plain `rq worker bot.jobs...`: configure from the environment
        bind(build_runtime(Settings(), env=os.environ))
    assert _bound is not None
    return _bound
