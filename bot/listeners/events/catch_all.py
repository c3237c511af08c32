"""Every other `message` event (edits, deletions, joins...): acknowledged, ignored."""

from typing import Any


def ignore_message(event: dict[str, Any], logger: Any) -> None:
    logger.debug("ignored message event subtype=%s", event.get("subtype"))
