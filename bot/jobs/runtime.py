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
    model: Any = None  # a bot.llm ChatModel when one is configured (None: engine only)
    contexts: Any = None  # bot.llm.thread.ThreadContexts: the model's view of a thread


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
    offline = LookupAnswerer(_case_lookup(settings, env))
    model, contexts = None, None
    if settings.openai_api_key or settings.openai_base_url:
        model, contexts, llm_answerer = _llm_parts(settings, env, offline)
        answerer = answerer or llm_answerer
    return Runtime(
        settings=settings,
        redis=redis,
        store=SessionStore(redis, prefix=settings.key_prefix, ttl=settings.session_ttl),
        poster=Poster(
            client, Pacer(redis, prefix=settings.key_prefix, interval=settings.slack_pace)
        ),
        answerer=answerer or offline,
        memory=MemoryStore(redis, settings.key_prefix, ttl_days=settings.memory_ttl_days),
        proposals=ProposalStore(redis, settings.key_prefix),
        env=env,
        write_env=write_env,
        model=model,
        contexts=contexts,
    )


def _llm_parts(
    settings: Settings, env: Mapping[str, str], offline: Answerer
) -> tuple[Any, Any, Answerer | None]:
    """(model, thread contexts, thread answerer); imported only when a model is set up."""
    from bot.llm import Limits, LLMAnswerer, build_chat_model
    from bot.llm.thread import LLMThreadAnswerer, ThreadContexts

    model = build_chat_model(settings)
    if model is None:
        return None, None, None
    contexts = ThreadContexts(settings, env)
    llm = LLMAnswerer(model, Limits.for_budget(settings.llm_budget))
    return model, contexts, LLMThreadAnswerer(llm, contexts, fallback=offline)


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
