"""``/logiq``: parse and validate, ack (errors ephemerally), then start the investigation."""

from __future__ import annotations

from logging import Logger
from typing import Any

from bot.errors import LogIQError
from bot.slack import start
from bot.slack.channel_commands import reply
from bot.slack.command import parse_command
from bot.slack.services import CONTEXT_KEY, Services


def handle_logiq(
    ack: Any, command: dict[str, Any], respond: Any, context: dict[str, Any], logger: Logger
) -> None:
    services: Services = context[CONTEXT_KEY]
    channel, user = command.get("channel_id", ""), command.get("user_id", "")
    team = command.get("team_id") or context.get("team_id") or ""
    try:
        parsed = parse_command(command.get("text", ""))
        if parsed.action != "investigate":
            ack(response_type="ephemeral", text=reply(services, parsed, channel, user, team))
            return
        request = start.validate(services, parsed, channel, user, team)
    except LogIQError as exc:
        ack(response_type="ephemeral", text=f"⚠️ {exc}")
        return
    ack()
    try:
        start.start(services, request)
    except Exception as exc:
        logger.exception("could not start %s in %s", parsed.manifest, channel)
        respond(response_type="ephemeral", text=f"⚠️ Could not start the investigation: {exc}")
