"""All routing in one place: global middleware, then commands, actions and events."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import actions, commands, events
from bot.listeners.middleware import dedupe_events, provide
from bot.slack.services import Services


def register_listeners(app: App, services: Services) -> None:
    app.use(provide(services))
    app.use(dedupe_events)
    commands.register(app)
    actions.register(app)
    events.register(app)  # registers the catch-all `message` listener last
