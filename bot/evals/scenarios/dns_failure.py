"""Internal names stop resolving after a CoreDNS config reload points a zone at a dead resolver.

CoreDNS (``kubectl logs --timestamps``) shows the reload and then i/o timeouts for the
internal zone only; the billing service (Python logging) shows name-resolution errors.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.evals.casekit import LOG4J, Case, hexid, stamp, utc
from bot.evals.scenarios._noise import metrics_agent

NAME = "dns-resolution-failure"
TYPE = "dns-resolution"
KUBECTL = stamp("%Y-%m-%dT%H:%M:%S.{ns}Z")
LEDGER = "ledger.internal.example.com"
_TRACE = (
    "Traceback (most recent call last):\n"
    '  File "/usr/local/lib/python3.12/site-packages/urllib3/connection.py", line 203, in '
    "_new_conn\n"
    "    sock = connection.create_connection(\n"
    '  File "/usr/local/lib/python3.12/socket.py", line 963, in getaddrinfo\n'
    "    for res in _socket.getaddrinfo(host, port, family, type, proto, flags):\n"
    "socket.gaierror: [Errno -3] Temporary failure in name resolution"
)


def generate(out_dir: Path, seed: int = 0) -> Path:
    case = Case(
        case="EVAL-DNS",
        title="Invoices stuck in 'pending'",
        symptom="Invoices are not posted to the ledger; billing jobs fail and retry.",
        start=utc("2026-03-06T11:00"),
        end=utc("2026-03-06T12:00"),
        baseline=timedelta(minutes=30),
        seed=seed,
        ids=(r"inv-\d{6}",),
        keywords=("resolve", "dns"),
    )
    rng = case.rng
    dns = case.log("coredns", "logs/coredns.log", KUBECTL)
    bill = case.log("billing", "logs/billing.log", LOG4J)
    noise = case.log("agent", "logs/metrics-agent.log", stamp("%Y-%m-%dT%H:%M:%S.{ms}Z"))
    reload_at = case.at(9.0)

    dns.add(
        case.t0 - 5, "{ts} [INFO] plugin/reload: Running configuration SHA512 = " + hexid(rng, 64)
    )
    dns.add(reload_at, "{ts} [INFO] Reloading", "relevant")
    dns.add(
        reload_at + 0.8,
        "{ts} [INFO] plugin/reload: Running configuration SHA512 = " + hexid(rng, 64),
        "relevant",
    )
    dns.add(reload_at + 0.9, "{ts} [INFO] Reloading complete", "relevant")
    for ts in case.ticks(case.t0, case.t_end, 2.0):
        qid = rng.randint(1000, 65535)
        if ts > reload_at + 1 and rng.random() < 0.45:
            dns.add(
                ts,
                f"{{ts}} [ERROR] plugin/errors: 2 {LEDGER}. A: read udp "
                f"10.244.1.7:{rng.randint(30000, 60000)}->10.0.0.2:53: i/o timeout",
                "proof",
            )
            continue
        name = rng.choice(
            (
                "api.stripe.com.",
                "billing-db.billing.svc.cluster.local.",
                "kafka-0.kafka.svc.cluster.local.",
                "sts.amazonaws.com.",
            )
        )
        dns.add(
            ts,
            f"{{ts}} [INFO] 10.244.{rng.randint(0, 5)}.{rng.randint(2, 250)}:"
            f'{rng.randint(30000, 60000)} - {qid} "A IN {name} udp 62 false 1232" NOERROR '
            f"qr,rd,ra {rng.randint(90, 300)} {rng.uniform(0.0001, 0.004):.6f}s",
        )
    for ts in case.ticks(case.t0, case.t_end, 4.0):
        invoice = f"inv-{rng.randint(100000, 999999)}"
        if ts > reload_at + 5 and rng.random() < 0.7:
            bill.add(
                ts,
                f"{{ts}} ERROR billing.ledger_client: POST https://{LEDGER}/v1/entries "
                f"failed for {invoice}\n{_TRACE}",
                "proof",
            )
            bill.add(
                ts + 0.01,
                f"{{ts}} ERROR billing.ledger_client: urllib3.exceptions."
                "NameResolutionError: <urllib3.connection.HTTPSConnection object at "
                f"0x7f{hexid(rng, 10)}>: Failed to resolve '{LEDGER}' ([Errno -3] Temporary "
                "failure in name resolution)",
                "relevant",
            )
            bill.add(
                ts + 0.02,
                f"{{ts}} WARNING billing.jobs: {invoice} will be retried in 60s (attempt 3/5)",
                "relevant",
            )
            continue
        bill.add(
            ts,
            f"{{ts}} INFO billing.ledger_client: posted {invoice} to ledger in "
            f"{rng.randint(30, 180)}ms",
        )
        bill.add(
            ts + 0.3,
            f"{{ts}} INFO billing.stripe: charge ch_{hexid(rng, 24)} captured for {invoice}",
        )
    metrics_agent(case, noise, "10.244.1.7")
    return case.write(
        out_dir,
        scenario=NAME,
        type_=TYPE,
        root_cause=(
            "A CoreDNS configuration reload forwarded the internal zone to an unreachable "
            f"resolver (10.0.0.2), so {LEDGER} no longer resolves and billing cannot post invoices."
        ),
        proof_sources=["coredns", "billing"],
    )
