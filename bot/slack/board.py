"""Editing what is already in the thread: the root (hypothesis board) and hypothesis messages."""

from __future__ import annotations

import logging

from bot.session import Session
from bot.slack import blocks
from bot.slack.poster import Poster

logger = logging.getLogger(__name__)


def refresh_board(poster: Poster, session: Session) -> None:
    poster.update(
        session.channel, session.thread_ts, blocks.board_text(session), blocks.board_blocks(session)
    )


def refresh_hypothesis(poster: Poster, session: Session, hypothesis_id: str) -> None:
    tracked = session.tracked(hypothesis_id)
    if tracked is None or tracked.ts is None:
        return
    poster.update(
        session.channel,
        tracked.ts,
        blocks.hypothesis_text(tracked),
        blocks.hypothesis_blocks(tracked),
    )


def refresh_after_feedback(poster: Poster, session: Session, hypothesis_id: str) -> None:
    """Both edits; a failed edit is logged, never raised into the listener."""
    try:
        refresh_hypothesis(poster, session, hypothesis_id)
        refresh_board(poster, session)
    except Exception:
        logger.exception("could not edit the thread of %s/%s", session.channel, session.thread_ts)
