"""Global middleware: hand the services to listeners; drop Slack's duplicate deliveries.

Runs after Bolt's signature verification. A retry (``X-Slack-Retry-Num``) is *not*
dropped for being a retry — it may be the only delivery that arrived — but any event
whose ``event_id`` was already seen is acknowledged and skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltResponse

from bot.slack.services import CONTEXT_KEY, Services

logger = logging.getLogger(__name__)


def provide(services: Services) -> Callable[..., Any]:
    def provide_services(context: dict[str, Any], next: Callable[[], None]) -> None:
        context[CONTEXT_KEY] = services
        next()

    return provide_services


def dedupe_events(body: dict[str, Any], context: dict[str, Any], next: Callable[[], None]) -> Any:
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    if event_id and not context[CONTEXT_KEY].first_time("event", event_id):
        logger.info("duplicate delivery of %s ignored", event_id)
        return BoltResponse(status=200, body="")
    next()
    return None
