"""``/logiq``: parse and validate, ack (errors ephemerally), then start the investigation."""

from __future__ import annotations

from logging import Logger
from typing import Any

from bot.errors import LogIQError
from bot.slack import start
from bot.slack.command import USAGE, parse_command
from bot.slack.services import CONTEXT_KEY, Services


def handle_logiq(
    ack: Any, command: dict[str, Any], respond: Any, context: dict[str, Any], logger: Logger
) -> None:
    services: Services = context[CONTEXT_KEY]
    channel, user = command.get("channel_id", ""), command.get("user_id", "")
    try:
        parsed = parse_command(command.get("text", ""))
        if parsed.action != "investigate":
            ack(
                response_type="ephemeral",
                text=USAGE if parsed.action == "help" else _listing(services),
            )
            return
        request = start.validate(services, parsed, channel, user)
    except LogIQError as exc:
        ack(response_type="ephemeral", text=f"⚠️ {exc}")
        return
    ack()
    try:
        start.start(services, request)
    except Exception as exc:
        logger.exception("could not start %s in %s", parsed.manifest, channel)
        respond(response_type="ephemeral", text=f"⚠️ Could not start the investigation: {exc}")


def _listing(services: Services) -> str:
    names = services.catalog.names()
    if not names:
        return f"No manifests in `{services.settings.manifest_dir}` yet."
    return "Manifests: " + ", ".join(f"`{n}`" for n in names) + "\n`/logiq investigate <name>`"
