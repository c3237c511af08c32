"""Witnesses of another party's failure: HTTP clients relaying an error response, and
culprits whose failure began minutes before the witness and was still going on."""

from __future__ import annotations

from bot.engine.classify import classify
from bot.engine.phrases import phrase
from tests.engine.helpers import Log, analyse


def test_an_http_client_relaying_an_error_response_is_a_witness() -> None:
    assert classify("giving up after <*> attempts err=<*> code <*> (Too Many Requests)").dependency
    assert classify("sync failed: <*> Client Error: Too Many Requests for url: <*>").dependency
    assert not classify("sorry, too many clients already").dependency
    assert not classify("limiting requests, excess: <*> by zone <*>").dependency


def _node_and_proxy(errors_until: float) -> tuple[Log, Log, Log]:
    node, proxy, app = Log("node"), Log("proxy"), Log("app")
    for i in range(int(3600 / 5)):
        at = -1800 + i * 7.5
        node.add(at, "INFO", f"sync loop iteration {i} completed")
        proxy.add(at, "INFO", f"request {i} to backend completed status=200")
        app.add(at, "INFO", f"order {i} placed")
    t = 600.0
    while t < errors_until:  # the node's runtime stops answering at 10:10
        node.add(t, "ERROR", "runtime call ListSandboxes failed: rpc deadline exceeded")
        t += 20
    t = 900.0
    while t < 3500:  # five minutes later the proxy relays its backends' failures
        proxy.add(t, "ERROR", "upstream returned error status=502 backend=checkout")
        t += 4
    return node, proxy, app


def test_an_earlier_failure_still_going_on_is_the_witness_culprit() -> None:
    analysis = analyse(*_node_and_proxy(errors_until=3500))
    assert analysis.drafts[0].sources_correlated[0] == "node"
    proxy = next(d for d in analysis.drafts if d.sources_correlated[0] == "proxy")
    assert proxy.confidence < analysis.drafts[0].confidence


def test_an_earlier_failure_that_had_ended_is_not_the_culprit() -> None:
    ongoing = analyse(*_node_and_proxy(errors_until=3500))
    ended = analyse(*_node_and_proxy(errors_until=800))
    score = {
        name: next(d.confidence for d in a.drafts if d.sources_correlated[0] == "proxy")
        for name, a in (("ongoing", ongoing), ("ended", ended))
    }
    assert score["ended"] > score["ongoing"]


def test_a_klog_header_is_not_part_of_the_quote() -> None:
    template = (
        '<*> kubelet[<*>]: E0304 <*> <*> remote_runtime.go:<*>] "ListPodSandbox failed" '
        'err="rpc error: code = DeadlineExceeded"'
    )
    assert phrase(template).startswith('ListPodSandbox failed err="rpc error')
