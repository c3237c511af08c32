"""Approval-gated actions: proposals a human approves before anything is written.

Build with :func:`propose_issue` / :func:`propose_comment` (None when actions are off),
show with :func:`proposal_blocks`, carry out with :func:`approve` or :func:`dismiss`.
"""

from bot.actions.blocks import proposal_blocks, proposal_text
from bot.actions.jira_write import AuditEntry, Result, approve, authorization, dismiss
from bot.actions.proposal import (
    APPROVE_ACTION,
    DISMISS_ACTION,
    HttpRequest,
    Proposal,
    actions_mode,
    issue_text,
    propose_comment,
    propose_issue,
)
from bot.actions.store import ProposalStore, approve_once, dismiss_stored

__all__ = [
    "APPROVE_ACTION",
    "DISMISS_ACTION",
    "AuditEntry",
    "HttpRequest",
    "Proposal",
    "ProposalStore",
    "Result",
    "actions_mode",
    "approve",
    "approve_once",
    "authorization",
    "dismiss",
    "dismiss_stored",
    "issue_text",
    "proposal_blocks",
    "proposal_text",
    "propose_comment",
    "propose_issue",
]
