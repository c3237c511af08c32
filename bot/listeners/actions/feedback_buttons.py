"""A Confirm/Reject/Reopen click: same effect as the ✅ / ❌ reactions."""

from __future__ import annotations

from typing import Any

from bot.feedback import ACTIONS, record_feedback
from bot.slack.board import refresh_after_feedback
from bot.slack.services import CONTEXT_KEY, Services


def handle_feedback_button(
    ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any, context: dict[str, Any]
) -> None:
    ack()
    services: Services = context[CONTEXT_KEY]
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    message_ts = container.get("message_ts")
    user = (body.get("user") or {}).get("id", "")
    if reason := services.allowed(channel, user):
        respond(response_type="ephemeral", replace_original=False, text=f"⚠️ {reason}")
        return
    session = (
        services.store.find_by_message(channel, message_ts) if channel and message_ts else None
    )
    hypothesis_id = action.get("value", "")
    if session is None or session.messages.get(message_ts) != hypothesis_id:
        return
    session, event = record_feedback(
        services.store,
        session,
        hypothesis_id,
        ACTIONS[action.get("action_id", "")],
        user,
        services.feedback_hooks,
    )
    if event is not None and event.changed:
        refresh_after_feedback(services.poster, session, hypothesis_id)
