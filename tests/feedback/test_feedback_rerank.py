from feedback_factory import evidence, hypothesis

from bot.rerank import Feedback, apply_priors, pattern_of, rerank, shape


def _case():
    shared = evidence("broker", 10, "ERROR create vm-3 timed out")
    only_h1 = evidence("broker", 11, "ERROR pool exhausted")
    h1 = hypothesis("H1", 0.8, [shared, only_h1])
    h2 = hypothesis("H2", 0.6, [shared])  # rests entirely on a line H1 also cites
    h3 = hypothesis("H3", 0.5, [evidence("hypervisor", 5, "INFO vm-3 created")])
    h4 = hypothesis("H4", 0.2, [evidence("hypervisor", 6, "WARN slow ack")])
    return [h1, h2, h3, h4]


def test_reject_drops_it_discounts_shared_evidence_and_picks_next_candidate():
    hyps = _case()
    out = rerank(
        hyps, [Feedback("H1", "rejected", "ana", reason="pool is fine")], posted={"H1", "H2"}
    )
    by_id = {h.id: h for h in out.hypotheses}
    assert by_id["H1"].status == "rejected" and out.hypotheses[-1].id == "H1"
    assert by_id["H2"].confidence == 0.3  # halved: all its evidence was H1's
    assert by_id["H3"].confidence == 0.5  # untouched
    assert [h.id for h in out.hypotheses] == ["H3", "H2", "H4", "H1"]
    assert [h.rank for h in out.hypotheses] == [1, 2, 3, 4]
    assert out.next is not None and out.next.id == "H3"
    assert not out.explained
    assert out.message.startswith("H1 rejected by @ana (pool is fine) — next: H3")
    assert "lowered: H2" in out.message
    assert {c.hypothesis_id for c in out.changes} == {"H1", "H2"}


def test_no_candidate_when_all_below_bar_or_posted():
    hyps = _case()
    out = rerank(hyps, [Feedback("H1", "rejected", "ana")], posted={"H1", "H2", "H3"})
    assert out.next is None  # H4 is below 0.3, H3 is posted already
    assert "top open: H3" in out.message


def test_confirm_marks_explained_and_returns_next_steps():
    hyps = _case()
    out = rerank(hyps, [Feedback("H3", "confirmed", "bo")])
    assert out.explained
    assert out.hypotheses[0].id == "H3" and out.hypotheses[0].status == "confirmed"
    assert out.next_steps == ("check H3",)
    assert out.message == "H3 confirmed by @bo — case explained. Next steps: check H3"


def test_reopen_restores_confidence_even_if_session_mutated_status():
    hyps = _case()
    rejected = [Feedback("H1", "rejected", "ana")]
    # the Slack session mutates the stored hypothesis status; rerank must not trust it
    hyps[0] = hyps[0].model_copy(update={"status": "rejected"})
    out = rerank(hyps, [*rejected, Feedback("H1", "open", "ana")])
    by_id = {h.id: h for h in out.hypotheses}
    assert by_id["H1"].status == "open" and by_id["H2"].confidence == 0.6
    assert out.message.startswith("H1 reopened by @ana")
    assert any(c.hypothesis_id == "H2" and c.after > c.before for c in out.changes)


def test_priors_lower_a_pattern_rejected_before():
    hyps = _case()
    prior = {pattern_of(hyps[0]): 0.5}
    ranked = apply_priors(hyps, prior)
    assert [h.id for h in ranked] == ["H2", "H3", "H1", "H4"]
    assert {h.id: h.confidence for h in ranked}["H1"] == 0.4


def test_pattern_is_stable_across_cases_with_different_numbers():
    a = hypothesis("H1", 0.5, [], title="Broker times out after 30 s on vm-21")
    b = hypothesis("H7", 0.5, [], title="Broker times out after 45 s on vm-108")
    c = hypothesis("H1", 0.5, [], title="Disk full on db-1", kind="exhaustion")
    assert pattern_of(a) == pattern_of(b) != pattern_of(c)
    assert shape("Took 31.2s for VMS-112") == "took <*> for <*>"


def test_engine_signals_decide_what_a_rejection_takes_from_the_others():
    shared = evidence("broker", 10, "ERROR create vm-3 timed out")
    h1 = hypothesis("H1", 0.8, [shared]).model_copy(update={"signals": ["burst:a", "latency:b"]})
    h2 = hypothesis("H2", 0.6, [shared]).model_copy(update={"signals": ["latency:b", "new:c"]})
    h3 = hypothesis("H3", 0.5, [shared]).model_copy(update={"signals": ["change:d"]})
    out = rerank([h1, h2, h3], [Feedback("H1", "rejected", "ana")])
    by_id = {h.id: h for h in out.hypotheses}
    assert by_id["H2"].confidence == 0.45  # half its signals were H1's: 0.6 * (1 - 0.5 / 2)
    assert by_id["H3"].confidence == 0.5  # same cited line, but explains another signal
    why = {c.hypothesis_id: c.why for c in out.changes}
    assert why["H2"] == "rests on what a rejected hypothesis explained"
