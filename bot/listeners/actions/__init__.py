"""Interactive components: Confirm / Reject / Reopen on hypotheses; Approve / Dismiss on
action proposals."""

import re

from slack_bolt import App

from bot.actions import APPROVE_ACTION, DISMISS_ACTION
from bot.listeners.actions.feedback_buttons import handle_feedback_button
from bot.listeners.actions.proposal_buttons import handle_proposal_button


def register(app: App) -> None:
    app.action(re.compile(r"^logiq_(confirm|reject|reopen)$"))(handle_feedback_button)
    app.action(re.compile(f"^({APPROVE_ACTION}|{DISMISS_ACTION})$"))(handle_proposal_button)
