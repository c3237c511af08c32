"""An Approve/Dismiss click on an action proposal: carried out at most once, audited."""

from __future__ import annotations

import json
import logging
from typing import Any

from bot.actions import (
    actions_mode,
    approve_once,
    dismiss_stored,
    proposal_blocks,
    proposal_text,
)
from bot.jobs.runtime import Runtime
from bot.slack import blocks

logger = logging.getLogger(__name__)


class ProposalJob:
    """An Approve/Dismiss click: carried out at most once, shown, audited in the Session."""

    def __init__(self, runtime: Runtime, channel: str, thread_ts: str) -> None:
        self.rt, self.channel, self.thread_ts = runtime, channel, thread_ts

    def run(self, proposal_id: str, user: str, decision: str, message_ts: str) -> str:
        settings, store = self.rt.settings, self.rt.proposals
        if decision == "approve":
            result = approve_once(store, proposal_id, user, settings, self.rt.write_env)
        else:
            result = dismiss_stored(store, proposal_id, user, settings)
        if result is None:
            self.rt.poster.post(
                self.channel, f"⚠️ No proposal {proposal_id} (expired?)", thread_ts=self.thread_ts
            )
            return "no-proposal"
        if result.outcome == "refused":
            self.rt.poster.ephemeral(self.channel, user, result.message, thread_ts=self.thread_ts)
        else:
            mode = actions_mode(settings)
            self.rt.poster.update(
                self.channel,
                message_ts,
                proposal_text(result.proposal),
                proposal_blocks(result.proposal, mode),
            )
            self.rt.poster.post(
                self.channel,
                result.message,
                thread_ts=self.thread_ts,
                blocks=_request_blocks(result) if result.outcome == "dry-run" else None,
            )
        audit = result.audit.model_dump(mode="json")
        audit["proposal_kind"] = audit.pop("kind")
        try:
            self.rt.store.update(self.channel, self.thread_ts, lambda s: s.log("action", **audit))
        except KeyError:
            logger.warning("proposal %s: session expired; audit only in the log", proposal_id)
        return result.outcome


def _request_blocks(result: Any) -> list[dict[str, Any]]:
    """Dry run: exactly the request that would be sent (method, URL, JSON body)."""
    request = result.request
    body = json.dumps(request.body, indent=2, ensure_ascii=False)
    return [
        blocks.section(blocks.escape(result.message)),
        *blocks.code_sections([request.describe(), *body.splitlines()]),
    ]
