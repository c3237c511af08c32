"""Events API: thread replies, @-mentions, reactions; a catch-all `message` no-op last."""

from slack_bolt import App

from bot.listeners.events.catch_all import ignore_message
from bot.listeners.events.mention import handle_mention
from bot.listeners.events.reactions import handle_reaction_added, handle_reaction_removed
from bot.listeners.events.thread_reply import handle_thread_reply


def register(app: App) -> None:
    app.event({"type": "message", "subtype": [None, "thread_broadcast"]})(handle_thread_reply)
    app.event("app_mention")(handle_mention)
    app.event("reaction_added")(handle_reaction_added)
    app.event("reaction_removed")(handle_reaction_removed)
    app.event("message")(ignore_message)  # last: other subtypes must not 404 (-> retries)
