"""Paced, redacted posting to Slack.

- Pacing: at most one ``chat.postMessage`` per ``interval`` seconds per channel, shared by
  every process through a Redis key (``SET NX PX``), so several workers stay polite too.
- 429s: the client's ``RateLimitErrorRetryHandler`` honours ``Retry-After``; should the
  limit outlast it, the poster waits ``Retry-After`` again (a few times) before giving up.
- Redaction: every string that leaves for Slack (text and block text) goes through
  :func:`bot.redact.redact`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.redact import redact

logger = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_INTERVAL = 1.0
_MAX_WAITS = 3


class Pacer:
    """Spaces posts to one channel ``interval`` seconds apart across processes."""

    def __init__(
        self, client: redis.Redis, *, prefix: str, interval: float = DEFAULT_INTERVAL
    ) -> None:
        self._redis, self._prefix, self.interval = client, prefix, interval

    def wait(self, channel: str) -> float:
        """Block until this caller may post to ``channel``; returns seconds waited."""
        if self.interval <= 0:
            return 0.0
        key, started = f"{self._prefix}pace:{channel}", time.monotonic()
        while not self._redis.set(key, 1, nx=True, px=max(1, int(self.interval * 1000))):
            left = self._redis.pttl(key)
            time.sleep(max(left, 5) / 1000 if left and left > 0 else 0.005)
        return time.monotonic() - started


class Poster:
    """Posts and edits thread messages; returns the ``ts`` Slack assigned."""

    def __init__(self, client: WebClient, pacer: Pacer | None = None) -> None:
        self.client, self._pacer = client, pacer

    def post(
        self,
        channel: str,
        text: str,
        *,
        thread_ts: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
    ) -> str:
        if self._pacer:
            self._pacer.wait(channel)
        response = self._call(
            lambda: self.client.chat_postMessage(
                channel=channel,
                text=redact(text),
                thread_ts=thread_ts,
                blocks=redact_blocks(blocks),
                unfurl_links=False,
                unfurl_media=False,
            )
        )
        return str(response["ts"])

    def update(
        self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        self._call(
            lambda: self.client.chat_update(
                channel=channel,
                ts=ts,
                text=redact(text),
                blocks=redact_blocks(blocks) or [],
            )
        )

    def upload(
        self,
        channel: str,
        thread_ts: str,
        data: bytes,
        *,
        filename: str,
        title: str,
        comment: str | None = None,
    ) -> None:
        """A file into the thread: getUploadURLExternal, POST bytes, completeUploadExternal."""
        if self._pacer:
            self._pacer.wait(channel)
        self._call(
            lambda: self.client.files_upload_v2(
                channel=channel,
                thread_ts=thread_ts,
                content=data,
                filename=filename,
                title=redact(title),
                initial_comment=redact(comment) if comment else None,
            )
        )

    def ephemeral(
        self, channel: str, user: str, text: str, *, thread_ts: str | None = None
    ) -> None:
        self._call(
            lambda: self.client.chat_postEphemeral(
                channel=channel, user=user, text=redact(text), thread_ts=thread_ts
            )
        )

    @staticmethod
    def _call(send: Callable[[], T]) -> T:
        for attempt in range(_MAX_WAITS + 1):
            try:
                return send()
            except SlackApiError as exc:
                if exc.response.status_code != 429 or attempt == _MAX_WAITS:
                    raise
                wait = float(exc.response.headers.get("Retry-After", 1))
                logger.warning("Slack rate limit; waiting %.1fs (attempt %d)", wait, attempt + 1)
                time.sleep(wait)
        raise AssertionError("unreachable")


def redact_blocks(value: Any) -> Any:
    """``value`` with every string redacted (ids such as action_id/value are safe to pass)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [redact_blocks(v) for v in value]
    if isinstance(value, dict):
        return {k: redact_blocks(v) for k, v in value.items()}
    return value
