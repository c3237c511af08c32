"""Proposals in Redis, and approval that runs at most once per proposal.

Two approvers clicking at once (or Slack retrying a button) must not file two issues:
:func:`approve_once` takes a ``SET NX`` claim on the proposal before it can send, so
exactly one caller goes on to :func:`bot.actions.jira_write.approve`.

Keys: ``{prefix}proposal:{id}`` (JSON) and ``{prefix}proposal:{id}:claim`` (who claimed it).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import httpx

from bot.actions.jira_write import Result, approve, dismiss, make_result, refusal
from bot.actions.proposal import Proposal, actions_mode
from bot.settings import Settings

logger = logging.getLogger(__name__)

DEFAULT_TTL = 7 * 24 * 3600


class ProposalStore:
    """Proposals by id; the Redis connection is passed in."""

    def __init__(self, redis, prefix: str, ttl: int = DEFAULT_TTL) -> None:
        self._redis = redis
        self._prefix = prefix
        self._ttl = ttl

    def save(self, proposal: Proposal) -> None:
        self._redis.set(self._key(proposal.id), proposal.model_dump_json(), ex=self._ttl)

    def get(self, proposal_id: str) -> Proposal | None:
        raw = self._redis.get(self._key(proposal_id))
        return Proposal.model_validate_json(raw) if raw else None

    def claim(self, proposal_id: str, user: str) -> bool:
        """True for exactly one caller per proposal."""
        return bool(self._redis.set(f"{self._key(proposal_id)}:claim", user, nx=True, ex=self._ttl))

    def _key(self, proposal_id: str) -> str:
        return f"{self._prefix}proposal:{proposal_id}"


def approve_once(
    store: ProposalStore,
    proposal_id: str,
    user: str,
    settings: Settings,
    env: Mapping[str, str],
    transport: httpx.BaseTransport | None = None,
) -> Result | None:
    """Approve a stored proposal at most once; None when there is no such proposal."""
    proposal = store.get(proposal_id)
    if proposal is None:
        return None
    mode = actions_mode(settings)
    if refusal(proposal, user, settings, mode) is not None:
        return approve(proposal, user, settings, env, transport)  # refuses, sends nothing
    if not store.claim(proposal_id, user):
        message = f"{proposal_id} is already being approved; nothing more was sent"
        return make_result(proposal, user, "approve", mode, "refused", message)
    result = approve(proposal, user, settings, env, transport)
    store.save(result.proposal)
    return result


def dismiss_stored(
    store: ProposalStore, proposal_id: str, user: str, settings: Settings
) -> Result | None:
    """Dismiss a stored proposal unless someone has claimed it for approval."""
    proposal = store.get(proposal_id)
    if proposal is None:
        return None
    result = dismiss(proposal, user, settings)
    if result.outcome == "dismissed":
        if not store.claim(proposal_id, user):
            message = f"{proposal_id} is being approved; it cannot be dismissed now"
            return make_result(
                proposal, user, "dismiss", actions_mode(settings), "refused", message
            )
        store.save(result.proposal)
    return result
