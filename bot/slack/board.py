"""Editing what is already in the thread: the root (hypothesis board) and hypothesis messages."""

from __future__ import annotations

import logging

from bot.session import Session, SessionStore, Tracked
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


def post_hypothesis(poster: Poster, store: SessionStore, session: Session, tracked: Tracked) -> str:
    """Post ``tracked`` as its own thread message and map its ts to it in the session."""
    ts = poster.post(
        session.channel,
        blocks.hypothesis_text(tracked),
        thread_ts=session.thread_ts,
        blocks=blocks.hypothesis_blocks(tracked),
    )
    store.index_message(session.channel, ts, session.thread_ts)

    def mark(s: Session) -> None:
        found = s.tracked(tracked.id)
        if found is not None:
            found.ts, found.held = ts, False
            s.messages[ts] = tracked.id
        s.log("post", ts=ts, what=tracked.id)

    store.update(session.channel, session.thread_ts, mark)
    return ts
