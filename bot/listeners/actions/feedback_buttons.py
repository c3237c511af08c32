"""A Confirm/Reject/Reopen click: same effect as the ✅ / ❌ reactions."""

from __future__ import annotations

from typing import Any

from bot.feedback import ACTIONS, record_feedback
from bot.slack.board import refresh_after_feedback
from bot.slack.clicks import click_of
from bot.slack.services import CONTEXT_KEY, Services


def handle_feedback_button(
    ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any, context: dict[str, Any]
) -> None:
    ack()
    services: Services = context[CONTEXT_KEY]
    click = click_of(body, action)
    if reason := services.allowed(click.channel, click.user):
        respond(response_type="ephemeral", replace_original=False, text=f"⚠️ {reason}")
        return
    session = (
        services.store.find_by_message(click.channel, click.message_ts)
        if click.channel and click.message_ts
        else None
    )
    if session is None or session.messages.get(click.message_ts) != click.value:
        return
    session, event = record_feedback(
        services.store,
        session,
        click.value,
        ACTIONS[click.action_id],
        click.user,
        services.feedback_hooks,
    )
    if event is not None and event.changed:
        refresh_after_feedback(services.poster, session, click.value)
