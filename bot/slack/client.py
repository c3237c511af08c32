"""The Slack Web API client, built once per process from settings."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.settings import Settings

RATE_LIMIT_RETRIES = 3


def build_client(settings: Settings, *, timeout: int = 15) -> WebClient:
    """A WebClient on ``settings.slack_api_url`` that retries HTTP 429 per ``Retry-After``."""
    client = WebClient(
        token=settings.slack_bot_token,
        base_url=_with_slash(settings.slack_api_url),
        timeout=timeout,
    )
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES))
    return client


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"
