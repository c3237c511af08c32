"""Interactive components: the Confirm / Reject / Reopen buttons on hypotheses."""

import re

from slack_bolt import App

from bot.listeners.actions.feedback_buttons import handle_feedback_button


def register(app: App) -> None:
    app.action(re.compile(r"^logiq_(confirm|reject|reopen)$"))(handle_feedback_button)
