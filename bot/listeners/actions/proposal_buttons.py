"""Approve / Dismiss on an action proposal: refuse non-approvers at once, else enqueue.

Approving may send an HTTP request to Jira (live mode), so it runs in the worker.
"""

from __future__ import annotations

from typing import Any

from bot.actions import APPROVE_ACTION
from bot.slack.clicks import click_of
from bot.slack.services import CONTEXT_KEY, Services
from bot.slack.start import PROPOSAL_JOB, enqueue_simple


def handle_proposal_button(
    ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any, context: dict[str, Any]
) -> None:
    ack()
    services: Services = context[CONTEXT_KEY]
    click = click_of(body, action)
    if not (click.channel and click.message_ts and click.thread_ts and click.user and click.value):
        return  # not one of our proposal messages
    approve = click.action_id == APPROVE_ACTION
    if approve and click.user not in services.settings.approvers:
        respond(
            response_type="ephemeral",
            replace_original=False,
            text=f"⚠️ <@{click.user}> is not an approver (LOGIQ_APPROVERS); nothing was sent.",
        )
        return
    decision = "approve" if approve else "dismiss"
    enqueue_simple(
        services,
        PROPOSAL_JOB,
        click.channel,
        click.thread_ts,
        click.value,
        click.user,
        decision,
        click.message_ts,
    )
