"""The Redis session store: JSON round trip, TTL, message index, atomic updates."""

from __future__ import annotations

import threading

import pytest
from scripted import hypothesis

from bot.feedback import apply_feedback, record_feedback
from bot.session import Session, SessionStore, Tracked


@pytest.fixture
def store(redis_client, redis_prefix) -> SessionStore:
    return SessionStore(redis_client, prefix=redis_prefix, ttl=120)


def _session(n: int = 3) -> Session:
    return Session(
        channel="C1",
        thread_ts="100.1",
        user="U1",
        manifest_name="checkout",
        manifest_path="/c/checkout.yaml",
        case="INC-7",
        window_start="2026-03-01T10:00:00Z",
        window_end="2026-03-01T11:00:00Z",
        hypotheses=[Tracked(hypothesis=hypothesis(i), ts=f"200.{i}") for i in range(1, n + 1)],
        messages={f"200.{i}": f"H{i}" for i in range(1, n + 1)},
    )


def test_round_trip_ttl_and_message_index(store, redis_client, redis_prefix):
    session = _session()
    store.create(session)
    store.index_message("C1", "200.2", "100.1")
    assert store.get("C1", "100.1") == session
    assert 0 < redis_client.ttl(f"{redis_prefix}session:C1:100.1") <= 120
    assert store.find_by_message("C1", "200.2") == session
    assert store.find_by_message("C1", "100.1") == session  # the root maps to its own session
    assert store.find_by_message("C1", "999.9") is None
    assert store.get("C2", "100.1") is None


def test_update_of_a_missing_session_raises_keyerror(store):
    with pytest.raises(KeyError):
        store.update("C1", "nope", lambda s: None)


def test_concurrent_updates_all_land(store):
    store.create(_session(n=8))
    barrier = threading.Barrier(8)

    def vote(i: int) -> None:
        barrier.wait()
        record_feedback(store, _session(), f"H{i}", "confirmed" if i % 2 else "rejected", f"U{i}")

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = store.get("C1", "100.1")
    assert [(t.status, t.set_by) for t in final.hypotheses] == [
        ("confirmed" if i % 2 else "rejected", f"U{i}") for i in range(1, 9)
    ]
    assert len(final.feedback) == 8
    assert sum(1 for a in final.audit if a.kind == "feedback") == 8


def test_apply_feedback_reopen_clears_who_and_unknown_id_is_none():
    session = _session()
    event = apply_feedback(session, "H1", "confirmed", "U7", at=5.0)
    assert (event.previous, event.status, event.changed) == ("open", "confirmed", True)
    assert (
        session.tracked("H1").set_by == "U7"
        and session.tracked("H1").hypothesis.status == "confirmed"
    )
    apply_feedback(session, "H1", "open", "U8")
    assert session.tracked("H1").set_by is None and session.tracked("H1").status == "open"
    assert apply_feedback(session, "H99", "rejected", "U7") is None


def test_hooks_run_after_a_change_and_a_failing_hook_does_not_lose_feedback(store):
    store.create(_session())
    seen = []

    def broken(session, event):
        raise RuntimeError("memory down")

    hooks = [broken, lambda session, event: seen.append((event.hypothesis_id, event.status))]
    record_feedback(store, _session(), "H2", "rejected", "U1", hooks)
    record_feedback(store, _session(), "H2", "rejected", "U1", hooks)  # no change: no hook
    assert seen == [("H2", "rejected")]
    assert store.get("C1", "100.1").tracked("H2").status == "rejected"
