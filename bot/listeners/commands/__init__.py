"""Slash commands."""

from slack_bolt import App

from bot.listeners.commands.logiq import handle_logiq


def register(app: App) -> None:
    app.command("/logiq")(handle_logiq)
