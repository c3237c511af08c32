"""✅ / ❌ on a hypothesis message confirms / rejects it; removing the reaction reopens."""

from __future__ import annotations

from typing import Any

from bot.feedback import REACTIONS, record_feedback, status_for_removed
from bot.report import Status
from bot.session import Session
from bot.slack.board import refresh_after_feedback
from bot.slack.services import CONTEXT_KEY, Services


def handle_reaction_added(event: dict[str, Any], context: dict[str, Any]) -> None:
    _react(context[CONTEXT_KEY], event, lambda s, hid: REACTIONS.get(event.get("reaction", "")))


def handle_reaction_removed(event: dict[str, Any], context: dict[str, Any]) -> None:
    _react(
        context[CONTEXT_KEY],
        event,
        lambda s, hid: status_for_removed(s, hid, event.get("reaction", "")),
    )


def _react(services: Services, event: dict[str, Any], decide: Any) -> None:
    item, user = event.get("item") or {}, event.get("user", "")
    if item.get("type") != "message" or event.get("reaction") not in REACTIONS:
        return
    if services.settings.allowed_users and user not in services.settings.allowed_users:
        return
    session: Session | None = services.store.find_by_message(
        item.get("channel", ""), item.get("ts", "")
    )
    hypothesis_id = session.messages.get(item.get("ts", "")) if session else None
    if session is None or hypothesis_id is None:
        return  # not a hypothesis message: reactions fire for every message in the channel
    status: Status | None = decide(session, hypothesis_id)
    if status is None:
        return
    session, change = record_feedback(
        services.store, session, hypothesis_id, status, user, services.feedback_hooks
    )
    if change is not None and change.changed:
        refresh_after_feedback(services.poster, session, hypothesis_id)
