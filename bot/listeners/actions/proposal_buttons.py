"""Approve / Dismiss on an action proposal: refuse non-approvers at once, else enqueue.

Approving may send an HTTP request to Jira (live mode), so it runs in the worker.
"""

from __future__ import annotations

from typing import Any

from bot.actions import APPROVE_ACTION
from bot.slack.services import CONTEXT_KEY, Services
from bot.slack.start import PROPOSAL_JOB, enqueue_simple


def handle_proposal_button(
    ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any, context: dict[str, Any]
) -> None:
    ack()
    services: Services = context[CONTEXT_KEY]
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    message_ts = container.get("message_ts")
    thread_ts = container.get("thread_ts") or (body.get("message") or {}).get("thread_ts")
    user = (body.get("user") or {}).get("id", "")
    proposal_id = action.get("value", "")
    if not (channel and message_ts and thread_ts and user and proposal_id):
        return  # not one of our proposal messages
    approve = action.get("action_id") == APPROVE_ACTION
    if approve and user not in services.settings.approvers:
        respond(
            response_type="ephemeral",
            replace_original=False,
            text=f"⚠️ <@{user}> is not an approver (LOGIQ_APPROVERS); nothing was sent.",
        )
        return
    decision = "approve" if approve else "dismiss"
    enqueue_simple(
        services, PROPOSAL_JOB, channel, thread_ts, proposal_id, user, decision, message_ts
    )
