"""Block Kit for proposals (pure): the ask with Approve/Dismiss, and the decided state."""

from __future__ import annotations

import json
from typing import Any

from bot.actions.proposal import APPROVE_ACTION, DISMISS_ACTION, Mode, Proposal
from bot.redact import redact

SECTION_LIMIT = 3000
Block = dict[str, Any]

_WHAT = {"jira_create": "File a Jira issue", "jira_comment": "Comment on a Jira issue"}
_MODE_NOTE = {
    "off": "Actions are off: nothing will be sent.",
    "dry-run": "Dry run: approving shows the exact request; nothing is sent.",
    "live": "Live: approving sends exactly this one request with the write credential.",
}


def proposal_text(proposal: Proposal) -> str:
    """Plain fallback text for the proposal message."""
    target = f" {proposal.target}" if proposal.target else ""
    return redact(f"{_WHAT[proposal.kind]}{target} for {proposal.hypothesis_id}: {proposal.title}")


def proposal_blocks(proposal: Proposal, mode: Mode) -> list[Block]:
    """The proposal with its exact request and Approve/Dismiss buttons (value = proposal id)."""
    blocks = _body(proposal, mode)
    if proposal.status == "proposed":
        blocks.append(
            {
                "type": "actions",
                "block_id": f"logiq_proposal_{proposal.id}",
                "elements": [
                    _button("Approve", APPROVE_ACTION, proposal.id, "primary"),
                    _button("Dismiss", DISMISS_ACTION, proposal.id, None),
                ],
            }
        )
    else:
        who = f" by <@{proposal.decided_by}>" if proposal.decided_by else ""
        notes = f" — {proposal.notes[-1]}" if proposal.notes else ""
        blocks.append(_context(redact(f"*{proposal.status}*{who}{notes}")))
    return blocks


def _body(proposal: Proposal, mode: Mode) -> list[Block]:
    request = proposal.request
    preview = json.dumps(request.body, indent=2, ensure_ascii=False)
    head = f"*{proposal_text(proposal)}*\n`{request.describe()}`"
    room = SECTION_LIMIT - 8
    if len(preview) > room:
        preview = preview[: room - 12] + "\n… (trimmed)"
    return [
        _section(head[:SECTION_LIMIT]),
        _section(redact(f"```{preview}```")),
        _context(f"{_MODE_NOTE[mode]} Proposed by <@{proposal.created_by}>."),
    ]


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:SECTION_LIMIT]}]}


def _button(label: str, action_id: str, value: str, style: str | None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button
