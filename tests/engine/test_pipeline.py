"""The engine end to end on hand-built records: signals, stories, ranking, evidence."""

from __future__ import annotations

from tests.engine.helpers import BASELINE, WINDOW, Log, analyse, cited


def steady(log: Log, every: float, message: str, level: str = "INFO") -> None:
    """A message repeated through the baseline and the window alike."""
    at = -BASELINE
    i = 0
    while at < WINDOW:
        log.add(at, level, message.format(i=i))
        at += every
        i += 1


def race(caller: Log, callee: Log, *, first: int = 1, count: int = 30, slow_from: int = 20) -> None:
    """Requests with a 30 s timeout; the callee gets slower with each one of a burst."""
    for n in range(first, first + count):
        start = 600 + n * 1.0
        took = 8.0 + 1.1 * n
        caller.add(start, "INFO", f"req-{n} calling Create timeout=30s")
        callee.add(start + 0.02, "INFO", f"Create received req-{n}")
        if took > 30.0 and n >= slow_from:
            caller.add(start + 30.0, "ERROR", f"req-{n} Create failed: request timed out after 30s")
        else:
            caller.add(start + took + 0.01, "INFO", f"req-{n} Create returned ok")
        callee.add(start + took, "INFO", f"Create completed req-{n} took {took:.1f}s")


def test_ack_after_timeout_is_the_top_hypothesis_citing_both_sides() -> None:
    caller, callee, noise = Log("broker"), Log("hypervisor"), Log("agent")
    steady(noise, 5, "scrape took 2.5s over budget, sample dropped", "WARN")
    race(caller, callee)
    analysis = analyse(caller, callee, noise)

    top = analysis.drafts[0]
    assert top.kind == "race"
    assert {"broker", "hypervisor"} <= set(top.sources_correlated)
    assert "30 s timeout" in top.title
    cited_sources = {c.item.source for c in top.citations}
    assert {"broker", "hypervisor"} <= cited_sources
    texts = [c.item.text for c in top.citations]
    assert any("timed out" in t for t in texts) and any("completed" in t for t in texts)
    assert "agent" not in cited_sources  # equally loud in the baseline: not a cause


def test_latency_crossing_reports_the_ordinal_within_a_burst() -> None:
    caller, callee = Log("broker"), Log("hypervisor")
    race(caller, callee)
    analysis = analyse(caller, callee)
    latency = next(s for s in analysis.signals if s.kind == "latency_limit")
    # took = 8 + 1.1 n crosses 30 s at n = 21, the 21st request of the burst
    assert latency.detail["limit"] == 30.0
    assert latency.detail["ordinal"] == 21
    assert latency.detail["limit_source"] == "broker"


def test_noise_equally_loud_in_baseline_yields_no_hypothesis() -> None:
    noise = Log("agent")
    steady(noise, 3, "disk usage check failed on /mnt/scratch: permission denied", "ERROR")
    analysis = analyse(noise)
    assert analysis.drafts == []
    assert any("No hypothesis" in n for n in analysis.notices)


def test_cause_ranks_above_its_symptoms() -> None:
    db, api = Log("db"), Log("api")
    steady(db, 20, "checkpoint complete: wrote {i} buffers")
    steady(api, 4, "GET /orders/{i} 200 12ms")
    for i in range(40):
        db.add(1200 + i * 5, "FATAL", "sorry, too many clients already")
    for i in range(60):
        api.add(
            1203 + i * 3,
            "ERROR",
            f"order-{i} failed: could not acquire connection: connection refused",
        )
    analysis = analyse(db, api)
    top = analysis.drafts[0]
    assert top.sources_correlated[0] == "db"
    assert top.kind == "exhaustion"
    assert "api" in top.sources_correlated
    ranks = {d.sources_correlated[0]: i for i, d in enumerate(analysis.drafts)}
    assert ranks["db"] < ranks.get("api", 99)


def test_source_with_wrong_zone_is_aligned_not_blamed() -> None:
    caller, callee = Log("broker"), Log("hypervisor", offset=-8 * 3600)
    steady(callee, 30, "heartbeat answered")
    race(caller, callee)
    analysis = analyse(caller, callee)
    offsets = {o.source: o.seconds for o in analysis.offsets}
    assert offsets == {"hypervisor": -8 * 3600.0} or offsets == {"broker": 8 * 3600.0}
    assert not any(s.kind == "silence" for s in analysis.signals)
    assert analysis.drafts[0].kind == "race"
    assert any("aligned" in n for n in analysis.notices)


def test_confidence_reflects_evidence() -> None:
    strong_caller, strong_callee = Log("broker"), Log("hypervisor")
    race(strong_caller, strong_callee, count=40)
    weak = Log("app")
    steady(weak, 60, "request served")
    weak.add(1500, "WARN", "slow request /health took 1.2s")
    weak.add(1600, "WARN", "slow request /health took 1.3s")
    strong = analyse(strong_caller, strong_callee).drafts[0].confidence
    weak_drafts = analyse(weak).drafts
    assert weak_drafts, "two new warnings are still worth a (weak) hypothesis"
    assert weak_drafts[0].confidence < strong


def test_evidence_is_concise_and_verbatim() -> None:
    caller, callee = Log("broker"), Log("hypervisor")
    race(caller, callee, count=60)
    analysis = analyse(caller, callee)
    by_locator = {r.locator: r.text for log in (caller, callee) for r in log.records}
    for draft in analysis.drafts:
        logs = [c for c in draft.citations if c.item.locator in by_locator]
        assert 0 < len(logs) <= 10
        for citation in logs:
            assert citation.item.text == by_locator[citation.item.locator]


def test_analysis_is_deterministic() -> None:
    def run():
        caller, callee = Log("broker"), Log("hypervisor")
        race(caller, callee)
        return [
            (d.title, d.confidence, sorted(cited_locators(d)))
            for d in analyse(caller, callee).drafts
        ]

    assert run() == run()


def cited_locators(draft) -> set[str]:
    return {c.item.locator for c in draft.citations}


def test_new_error_in_window_is_reported_with_onset() -> None:
    app = Log("app")
    steady(app, 10, "GET /api/items/{i} 200")
    for i in range(12):
        app.add(900 + i * 20, "ERROR", "x509: certificate has expired or is not yet valid")
    analysis = analyse(app)
    assert analysis.drafts
    assert "certificate has expired" in analysis.drafts[0].title
    assert "10:15:00" in analysis.drafts[0].title
    assert cited(analysis) <= {r.locator for r in app.records}


def _fallbacks_then_success(start: float) -> tuple[Log, Log]:
    """payments warns that a side service is down for an order, checkout then logs the
    order charged: every two minutes from ``start``."""
    payments, checkout = Log("payments"), Log("checkout")
    at, n = start, 0
    while at < WINDOW:
        payments.add(at, "WARN", f"fraud score unavailable, falling back order_id=ord-{n}")
        checkout.add(at + 0.4, "INFO", f"charge succeeded order_id=ord-{n}")
        at, n = at + 120, n + 1
    return payments, checkout


def test_a_disagreement_as_frequent_before_the_incident_is_routine() -> None:
    new = [s for s in analyse(*_fallbacks_then_success(0.0)).signals if s.kind == "disagreement"]
    usual = [
        s for s in analyse(*_fallbacks_then_success(-BASELINE)).signals if s.kind == "disagreement"
    ]
    assert new and usual
    assert usual[0].score <= 0.6 * new[0].score


def test_a_burst_over_before_lasting_trouble_does_not_date_it() -> None:
    """An upstream blinks for three minutes at minute 4; from minute 14, right after a
    clock step on its host, a gateway rejects tokens for half an hour. The blink is not
    when the incident began, and the rejections are not late."""
    gateway, host = Log("gateway"), Log("host")
    steady(gateway, 3, "request {i} served status=200")
    steady(host, 60, "heartbeat {i} ok")
    for n in range(30):
        gateway.add(4 * 60 + n * 6, "ERROR", f"upstream connect error: connection refused id={n}")
    host.add(14 * 60 - 2, "WARN", "System clock was stepped by -312.4 seconds")
    for n in range(600):
        gateway.add(14 * 60 + n * 3, "WARN", f"JWT rejected: iat/nbf in the future req={n}")
    titles = [d.title for d in analyse(gateway, host).drafts]
    assert not any("after errors began" in t for t in titles), titles
    assert "JWT" in titles[0] or "clock" in titles[0], titles
