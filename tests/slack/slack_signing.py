"""Build and send requests exactly as Slack does: signed, with Slack's body encodings.

- slash commands: form-encoded fields (``command``, ``text``, ``response_url``...)
- events: a JSON ``event_callback`` envelope with ``event_id``; retries carry
  ``X-Slack-Retry-Num`` / ``X-Slack-Retry-Reason``
- interactivity: form-encoded ``payload=<json>``
Signature: ``v0=`` + HMAC-SHA256 of ``v0:{timestamp}:{raw body}`` with the signing secret.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

SECRET = "test-signing-secret"
_ids = itertools.count(1)


def sign(body: bytes, timestamp: int, secret: str = SECRET) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class SlackSender:
    """Sends signed requests to a running app at ``url`` (``.../slack/events``)."""

    url: str
    secret: str = SECRET
    team_id: str = "T00000001"

    def send(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
        client: httpx.Client | None = None,
    ) -> httpx.Response:
        ts = int(time.time()) if timestamp is None else timestamp
        all_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": signature or sign(body, ts, self.secret),
            **(headers or {}),
        }
        if client is not None:
            return client.post(self.url, content=body, headers=all_headers)
        return httpx.post(self.url, content=body, headers=all_headers, timeout=10)

    def command(
        self,
        text: str,
        *,
        channel: str = "C0INCIDENT",
        user: str = "U0ALICE",
        response_url: str = "https://hooks.slack.invalid/commands/1",
        **kw: Any,
    ) -> httpx.Response:
        fields = {
            "token": "legacy",
            "team_id": self.team_id,
            "team_domain": "fake",
            "channel_id": channel,
            "channel_name": "incident",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/logiq",
            "text": text,
            "api_app_id": "A0LOGIQ",
            "response_url": response_url,
            "trigger_id": f"{next(_ids)}.trigger",
        }
        return self.send(urlencode(fields).encode(), "application/x-www-form-urlencoded", **kw)

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        **kw: Any,
    ) -> httpx.Response:
        envelope = {
            "token": "legacy",
            "team_id": self.team_id,
            "api_app_id": "A0LOGIQ",
            "type": "event_callback",
            "event": event,
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": self.team_id, "user_id": "UBOT0001", "is_bot": True}],
        }
        headers = dict(kw.pop("headers", None) or {})
        if retry_num is not None:
            headers |= {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.send(json.dumps(envelope).encode(), "application/json", headers=headers, **kw)

    def action(self, payload: dict[str, Any], **kw: Any) -> httpx.Response:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.send(body, "application/x-www-form-urlencoded", **kw)


def thread_reply(channel: str, thread_ts: str, text: str, user: str = "U0ALICE") -> dict[str, Any]:
    ts = f"{time.time():.6f}"
    return {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "thread_ts": thread_ts,
        "channel_type": "channel",
        "event_ts": ts,
    }


def reaction(kind: str, channel: str, ts: str, name: str, user: str = "U0ALICE") -> dict[str, Any]:
    return {
        "type": kind,
        "user": user,
        "reaction": name,
        "item_user": "UBOT0001",
        "item": {"type": "message", "channel": channel, "ts": ts},
        "event_ts": f"{time.time():.6f}",
    }


def button(
    action_id: str, value: str, channel: str, message_ts: str, user: str = "U0ALICE"
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": "T00000001"},
        "user": {"id": user},
        "api_app_id": "A0LOGIQ",
        "trigger_id": f"{next(_ids)}.trigger",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
        "channel": {"id": channel},
        "message": {"ts": message_ts, "text": ""},
        "response_url": "https://hooks.slack.invalid/actions/1",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "fb",
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
