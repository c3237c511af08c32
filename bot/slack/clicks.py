"""Where a Block Kit button was clicked, read from an interactivity payload (pure).

Slack puts the message in ``container`` (and again in ``message``); any field may be
missing in a malformed or foreign payload, so every one defaults to ``""``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Click:
    channel: str
    message_ts: str
    thread_ts: str
    user: str
    action_id: str
    value: str


def click_of(body: dict[str, Any], action: dict[str, Any]) -> Click:
    container = body.get("container") or {}
    message = body.get("message") or {}
    return Click(
        channel=(body.get("channel") or {}).get("id") or container.get("channel_id") or "",
        message_ts=container.get("message_ts") or message.get("ts") or "",
        thread_ts=container.get("thread_ts") or message.get("thread_ts") or "",
        user=(body.get("user") or {}).get("id") or "",
        action_id=action.get("action_id") or "",
        value=action.get("value") or "",
    )
