"""Approving and dismissing proposals: the only code in LogIQ that writes anywhere.

``approve`` refuses unless the user is an approver and the proposal is still open.
``dry-run`` returns the exact request and sends nothing; ``live`` sends exactly one
request (no retries) with the write credential read from the env var named by
``settings.jira_write_token_env`` — a credential the read-only connectors never see.
Failures are values (``Result.outcome``), never exceptions; every call yields an
:class:`AuditEntry` for the Session.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Mapping
from typing import Literal

import httpx
from pydantic import BaseModel

from bot.actions.proposal import HttpRequest, Mode, Proposal, actions_mode
from bot.redact import redact
from bot.settings import Settings

logger = logging.getLogger(__name__)

Outcome = Literal["refused", "dry-run", "done", "failed", "dismissed"]
TIMEOUT = 15.0


class AuditEntry(BaseModel):
    at: float
    actor: str
    action: Literal["approve", "dismiss"]
    proposal_id: str
    kind: str
    mode: Mode
    outcome: Outcome
    request: str  # "POST https://jira.example.com/rest/api/2/issue"
    status_code: int | None = None
    detail: str = ""


class Result(BaseModel):
    proposal: Proposal  # updated copy: store it back in the Session
    outcome: Outcome
    message: str  # one line for the thread, redacted
    request: HttpRequest | None = None  # what was (or, in dry-run, would be) sent
    status_code: int | None = None
    issue_key: str | None = None
    audit: AuditEntry


def approve(
    proposal: Proposal,
    user: str,
    settings: Settings,
    env: Mapping[str, str],
    transport: httpx.BaseTransport | None = None,
) -> Result:
    """Carry out ``proposal`` as ``user`` according to ``settings.actions_mode``."""
    mode = actions_mode(settings)
    refused = refusal(proposal, user, settings, mode)
    if refused:
        return make_result(proposal, user, "approve", mode, "refused", refused)
    decided = proposal.model_copy(update={"decided_by": user, "decided_at": time.time()})
    if mode == "dry-run":
        decided = decided.model_copy(update={"status": "approved"})
        message = f"Dry run: would send {proposal.request.describe()} (nothing sent)"
        return make_result(decided, user, "approve", mode, "dry-run", message, proposal.request)
    token = env.get(settings.jira_write_token_env)
    if not token:
        message = f"not sent: the write credential {settings.jira_write_token_env} is not set"
        return make_result(_failed(decided, message), user, "approve", mode, "failed", message)
    return _send(decided, user, token, transport)


def dismiss(proposal: Proposal, user: str, settings: Settings) -> Result:
    """Close ``proposal`` without sending; its author or an approver may."""
    mode = actions_mode(settings)
    if proposal.status != "proposed":
        message = f"{proposal.id} is already {proposal.status}"
        return make_result(proposal, user, "dismiss", mode, "refused", message)
    if user != proposal.created_by and user not in settings.approvers:
        message = f"only {proposal.created_by} or an approver can dismiss {proposal.id}"
        return make_result(proposal, user, "dismiss", mode, "refused", message)
    decided = proposal.model_copy(
        update={"status": "dismissed", "decided_by": user, "decided_at": time.time()}
    )
    return make_result(decided, user, "dismiss", mode, "dismissed", f"{proposal.id} dismissed")


def authorization(token: str) -> str:
    """``email:api-token`` (Jira Cloud) → Basic; anything else (a Data Center PAT) → Bearer."""
    if ":" in token:
        return "Basic " + base64.b64encode(token.encode()).decode()
    return f"Bearer {token}"


def refusal(proposal: Proposal, user: str, settings: Settings, mode: Mode) -> str | None:
    if mode == "off":
        return "actions are off (LOGIQ_ACTIONS=off): nothing is sent"
    if user not in settings.approvers:
        return f"<@{user}> is not an approver (LOGIQ_APPROVERS); nothing was sent"
    if proposal.status != "proposed":
        return f"{proposal.id} is already {proposal.status}; nothing was sent"
    return None


def _send(
    proposal: Proposal, user: str, token: str, transport: httpx.BaseTransport | None
) -> Result:
    request = proposal.request
    headers = {"Authorization": authorization(token), "Accept": "application/json"}
    try:
        with httpx.Client(transport=transport, timeout=TIMEOUT, follow_redirects=False) as client:
            response = client.request(
                request.method, request.url, json=request.body, headers=headers
            )
    except httpx.HTTPError as exc:
        message = f"not done: {type(exc).__name__} talking to Jira"
        logger.warning("proposal %s: %s", proposal.id, exc)
        return make_result(
            _failed(proposal, message), user, "approve", "live", "failed", message, request
        )
    return _answered(proposal, user, request, response)


def _answered(
    proposal: Proposal, user: str, request: HttpRequest, response: httpx.Response
) -> Result:
    code = response.status_code
    if not response.is_success:
        message = f"Jira answered {code}: {redact(response.text[:200])}"
        failed = _failed(proposal, message)
        return make_result(failed, user, "approve", "live", "failed", message, request, code)
    key = _issue_key(response) if proposal.kind == "jira_create" else proposal.target
    what = f"created {key}" if proposal.kind == "jira_create" else f"commented on {key}"
    done = proposal.model_copy(
        update={"status": "done", "target": key, "notes": [*proposal.notes, what]}
    )
    return make_result(done, user, "approve", "live", "done", f"Jira: {what}", request, code, key)


def _issue_key(response: httpx.Response) -> str | None:
    try:
        return response.json().get("key")
    except ValueError:
        return None


def _failed(proposal: Proposal, message: str) -> Proposal:
    return proposal.model_copy(update={"status": "failed", "notes": [*proposal.notes, message]})


def make_result(
    proposal: Proposal,
    user: str,
    action: Literal["approve", "dismiss"],
    mode: Mode,
    outcome: Outcome,
    message: str,
    request: HttpRequest | None = None,
    status_code: int | None = None,
    issue_key: str | None = None,
) -> Result:
    message = redact(message)
    audit = AuditEntry(
        at=time.time(),
        actor=user,
        action=action,
        proposal_id=proposal.id,
        kind=proposal.kind,
        mode=mode,
        outcome=outcome,
        request=proposal.request.describe(),
        status_code=status_code,
        detail=message,
    )
    logger.info("proposal %s %s by %s: %s", proposal.id, outcome, user, message)
    return Result(
        proposal=proposal,
        outcome=outcome,
        message=message,
        request=request,
        status_code=status_code,
        issue_key=issue_key,
        audit=audit,
    )
