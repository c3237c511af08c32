"""@LogIQ: in an investigation thread it is a question; elsewhere, a pointer to /logiq."""

from __future__ import annotations

from typing import Any

from bot.listeners.events.thread_reply import route_question
from bot.slack.command import USAGE
from bot.slack.services import CONTEXT_KEY, Services


def handle_mention(event: dict[str, Any], context: dict[str, Any]) -> None:
    services: Services = context[CONTEXT_KEY]
    if route_question(services, event) or event.get("thread_ts"):
        return
    channel, ts = event.get("channel"), event.get("ts")
    if channel and ts and services.first_time("message", f"{channel}:{ts}"):
        services.poster.post(channel, USAGE, thread_ts=ts)
