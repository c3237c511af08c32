"""Proposals: the exact write request an approver is asked to allow (pure).

A proposal is built from a confirmed hypothesis and carries the exact HTTP request it
would send (Jira REST v2, wiki-markup text), already redacted. Nothing here sends
anything; :mod:`bot.actions.jira_write` does, after approval, in ``live`` mode only.
"""

from __future__ import annotations

import secrets
import time
from typing import Any, Literal

from pydantic import BaseModel, Field

from bot.errors import ConfigError
from bot.redact import redact
from bot.report import Hypothesis
from bot.settings import Settings

ActionKind = Literal["jira_create", "jira_comment"]
ProposalStatus = Literal["proposed", "approved", "dismissed", "done", "failed"]
Mode = Literal["off", "dry-run", "live"]

APPROVE_ACTION = "logiq_action_approve"
DISMISS_ACTION = "logiq_action_dismiss"
MAX_EVIDENCE = 10
SUMMARY_LIMIT = 250  # Jira's summary field takes 255 characters

_MODES: dict[str, Mode] = {
    "": "off",
    "off": "off",
    "false": "off",
    "0": "off",
    "no": "off",
    "on": "dry-run",
    "true": "dry-run",
    "1": "dry-run",
    "yes": "dry-run",
    "enabled": "dry-run",
    "dry-run": "dry-run",
    "dryrun": "dry-run",
    "dry_run": "dry-run",
    "live": "live",
}


class HttpRequest(BaseModel):
    """One HTTP request, exactly as it would be sent (minus the credential header)."""

    method: Literal["POST"] = "POST"
    url: str
    body: dict[str, Any]

    def describe(self) -> str:
        return f"{self.method} {self.url}"


class Proposal(BaseModel):
    id: str
    kind: ActionKind
    case: str
    hypothesis_id: str
    title: str
    request: HttpRequest
    created_by: str
    created_at: float
    status: ProposalStatus = "proposed"
    target: str | None = None  # the issue key commented on, or created
    decided_by: str | None = None
    decided_at: float | None = None
    notes: list[str] = Field(default_factory=list)


def actions_mode(settings: Settings) -> Mode:
    """``LOGIQ_ACTIONS`` normalised; enabling without a mode means ``dry-run``."""
    raw = settings.actions_mode.strip().lower()
    if raw not in _MODES:
        raise ConfigError(f"LOGIQ_ACTIONS={settings.actions_mode!r}: use off, dry-run or live")
    return _MODES[raw]


def propose_issue(
    case: str,
    hypothesis: Hypothesis,
    settings: Settings,
    *,
    created_by: str,
    thread: str | None = None,
    issue_type: str = "Bug",
) -> Proposal | None:
    """A proposal to file a Jira issue from ``hypothesis``; None when actions are off."""
    if actions_mode(settings) == "off":
        return None
    base, project = _target(settings, need_project=True)
    fields = {
        "project": {"key": project},
        "issuetype": {"name": issue_type},
        "summary": _summary(case, hypothesis),
        "description": issue_text(case, hypothesis, thread),
        "labels": ["logiq"],
    }
    request = HttpRequest(url=f"{base}/rest/api/2/issue", body={"fields": fields})
    return _proposal("jira_create", case, hypothesis, request, created_by, None)


def propose_comment(
    case: str,
    hypothesis: Hypothesis,
    issue_key: str,
    settings: Settings,
    *,
    created_by: str,
    thread: str | None = None,
) -> Proposal | None:
    """A proposal to comment on ``issue_key`` with the hypothesis; None when actions are off."""
    if actions_mode(settings) == "off":
        return None
    base, _ = _target(settings, need_project=False)
    request = HttpRequest(
        url=f"{base}/rest/api/2/issue/{issue_key}/comment",
        body={"body": issue_text(case, hypothesis, thread)},
    )
    return _proposal("jira_comment", case, hypothesis, request, created_by, issue_key)


def issue_text(case: str, hypothesis: Hypothesis, thread: str | None = None) -> str:
    """Jira wiki markup: summary, cited lines in ``{noformat}`` blocks, next steps, thread."""
    parts = [
        f"*{hypothesis.title}* (confirmed in {case}, confidence {hypothesis.confidence:.2f})",
        "",
        hypothesis.summary,
        "",
        "h3. Evidence",
    ]
    for e in hypothesis.evidence[:MAX_EVIDENCE]:
        stamp = f" ({e.timestamp})" if e.timestamp else ""
        parts += [f"{e.source} {e.locator}{stamp} — {e.role}", "{noformat}", e.text, "{noformat}"]
    if len(hypothesis.evidence) > MAX_EVIDENCE:
        parts.append(f"… {len(hypothesis.evidence) - MAX_EVIDENCE} more cited lines in the thread")
    if hypothesis.sources_correlated:
        parts += ["", "Sources correlated: " + ", ".join(hypothesis.sources_correlated)]
    if hypothesis.next_steps:
        parts += ["", "h3. Next steps", *(f"* {step}" for step in hypothesis.next_steps)]
    if thread:
        parts += ["", f"Slack thread: [{thread}]"]
    parts += ["", "_Filed by LogIQ after approval._"]
    return redact("\n".join(parts))


def _summary(case: str, hypothesis: Hypothesis) -> str:
    text = redact(f"[{case}] {hypothesis.title}")
    return text if len(text) <= SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 1] + "…"


def _target(settings: Settings, *, need_project: bool) -> tuple[str, str]:
    if not settings.jira_write_url:
        raise ConfigError("set LOGIQ_JIRA_WRITE_URL to the Jira base URL that actions write to")
    if need_project and not settings.jira_write_project:
        raise ConfigError("set LOGIQ_JIRA_WRITE_PROJECT to the project key new issues go to")
    return settings.jira_write_url.rstrip("/"), settings.jira_write_project or ""


def _proposal(
    kind: ActionKind,
    case: str,
    hypothesis: Hypothesis,
    request: HttpRequest,
    created_by: str,
    target: str | None,
) -> Proposal:
    return Proposal(
        id=f"P{secrets.token_hex(5)}",
        kind=kind,
        case=case,
        hypothesis_id=hypothesis.id,
        title=redact(hypothesis.title),
        request=request,
        created_by=created_by,
        created_at=time.time(),
        target=target,
    )
