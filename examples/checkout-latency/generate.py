"""Regenerate the example incident INC-5170 ("checkout p99 latency tripled").

    python examples/checkout-latency/generate.py

Stdlib only and seeded: the output is the same on every run and is committed, so
``make demo-services`` needs no generation step.

What happened: from 10:18 to 10:44 the NorthPay acquirer answers the payment gateway
in ~3 s instead of ~0.2 s. The gateway's calls pile up, checkout's payment client pool
(50 connections) runs dry, checkout requests wait for a connection and then time out
at 3 s. Checkout's own log only says "slow" and "timed out"; the gateway's log in Loki
says the acquirer is slow; the metrics show both p99s rising together; and Jira holds
PAY-231, a resolved ticket from October describing the same chain and its fix
(fail over to the secondary acquirer). Sources: a file, Loki, Prometheus, Jira.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 5170
START = datetime(2026, 2, 17, 10, 0, tzinfo=UTC)  # incident window start
END = START + timedelta(hours=1)
DATA_FROM = START - timedelta(minutes=45)  # a little before the 30 m baseline
DATA_TO = END + timedelta(minutes=15)
SLOW_FROM, SLOW_TO = START + timedelta(minutes=18), START + timedelta(minutes=44)
TIMEOUT_MS = 3000

rng = random.Random(SEED)


def stamp(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def slow(when: datetime) -> bool:
    return SLOW_FROM <= when < SLOW_TO


def upstream_ms(when: datetime) -> int:
    return int(rng.gauss(2900, 350)) if slow(when) else int(rng.gauss(190, 30))


def traffic() -> tuple[list[str], list[tuple[int, str]]]:
    """Checkout's log lines and the gateway's (ns, line) entries, one order at a time."""
    checkout: list[str] = []
    gateway: list[tuple[int, str]] = []
    when, order = DATA_FROM, 10_000
    while when < DATA_TO:
        when += timedelta(milliseconds=rng.randint(1500, 3500))
        order += 1
        node = f"web-{rng.randint(1, 3)}"
        upstream = upstream_ms(when)
        gw_at = when + timedelta(milliseconds=rng.randint(5, 25))
        ns = int(gw_at.timestamp() * 1000) * 1_000_000 + rng.randint(0, 999_999)
        if upstream >= TIMEOUT_MS:
            gateway.append(
                (
                    ns,
                    f'level=error msg="acquirer call timed out" order=ord-{order} '
                    f"acquirer=northpay after_ms={TIMEOUT_MS}",
                )
            )
            checkout.append(
                f"{stamp(when)} ERROR checkout[{node}] order=ord-{order} payment "
                f"authorization timed out after {TIMEOUT_MS}ms; returning 504"
            )
            continue
        gateway.append(
            (
                ns,
                f'level=info msg="authorize" order=ord-{order} acquirer=northpay '
                f"upstream_ms={upstream} status=approved",
            )
        )
        total = upstream + rng.randint(120, 260)
        if total > 2500:
            checkout.append(
                f"{stamp(when)} WARN checkout[{node}] order=ord-{order} payment "
                f"authorization slow: {total}ms (budget 2500ms)"
            )
        checkout.append(
            f"{stamp(when)} INFO checkout[{node}] order=ord-{order} POST /checkout "
            f"200 took={total}ms payment=northpay"
        )
    return checkout, gateway


def periodic() -> tuple[list[str], list[tuple[int, str]]]:
    """Pool stats in checkout and acquirer health in the gateway, every 30 s."""
    checkout, gateway = [], []
    when = DATA_FROM
    while when < DATA_TO:
        when += timedelta(seconds=30)
        active = rng.randint(45, 50) if slow(when) else rng.randint(3, 12)
        at = stamp(when + timedelta(milliseconds=7))
        checkout.append(f"{at} INFO checkout[web-1] payment client pool active={active} max=50")
        if active >= 48:
            checkout.append(
                f"{at} WARN checkout[web-1] payment client pool exhausted (max=50), "
                "requests waiting for a connection"
            )
        ns = int(when.timestamp()) * 1_000_000_000 + 11_000_000
        if slow(when):
            p95 = rng.randint(2800, 3400)
            gateway.append(
                (
                    ns,
                    f'level=warn msg="acquirer latency above SLO" acquirer=northpay '
                    f"p95_ms={p95} slo_ms=800",
                )
            )
        else:
            gateway.append((ns, 'level=info msg="acquirer health" acquirer=northpay state=ok'))
    return checkout, gateway


def metrics() -> str:
    """OpenMetrics gauges every 30 s: checkout p99 and each acquirer's p99."""
    families: dict[str, dict[str, list[str]]] = {
        "checkout_request_duration_p99_seconds": {'{service="checkout"}': []},
        "payment_upstream_latency_p99_seconds": {
            '{acquirer="northpay"}': [],
            '{acquirer="southbank"}': [],
        },
    }
    when = DATA_FROM
    while when < DATA_TO:
        ts = f"{when.timestamp():.3f}"
        north = 3.1 + rng.uniform(-0.2, 0.2) if slow(when) else 0.24 + rng.uniform(-0.03, 0.03)
        south = 0.21 + rng.uniform(-0.03, 0.03)
        check = min(3.0, north + 0.3) if slow(when) else 0.45 + rng.uniform(-0.05, 0.05)
        families["checkout_request_duration_p99_seconds"]['{service="checkout"}'].append(
            f"{check:.3f} {ts}"
        )
        ups = families["payment_upstream_latency_p99_seconds"]
        ups['{acquirer="northpay"}'].append(f"{north:.3f} {ts}")
        ups['{acquirer="southbank"}'].append(f"{south:.3f} {ts}")
        when += timedelta(seconds=30)
    lines = []
    for metric, series in families.items():
        lines.append(f"# TYPE {metric} gauge")
        lines += [
            f"{metric}{labels} {sample}" for labels, samples in series.items() for sample in samples
        ]
    return "\n".join(lines) + "\n# EOF\n"


def issues() -> list[dict[str, object]]:
    """What the fake Jira serves (the simple form of tests/connectors/servers/jira.py)."""
    return [
        {
            "key": "PAY-231",
            "project": "PAY",
            "status": "Done",
            "resolution": "Fixed",
            "summary": "Checkout p99 latency spikes when the NorthPay acquirer slows down",
            "description": (
                "On 2025-10-14 NorthPay answered authorizations in ~3 s for 20 minutes.\n\n"
                "Checkout p99 went from 0.45 s to 3 s: the payment client pool (max 50) was "
                "exhausted while calls waited on the acquirer, and checkout returned 504 after "
                "its 3 s payment timeout.\n\n"
                "Fix: fail over to the secondary acquirer (SouthBank) with the payment-routing "
                "flag, then lower the acquirer call timeout to 1.5 s so the pool drains."
            ),
            "created": "2025-10-14T13:05:00Z",
            "resolved": "2025-10-16T09:30:00Z",
            "labels": ["latency", "acquirer", "postmortem"],
            "components": ["payment-gateway"],
            "comments": [
                {
                    "author": "Mira Okafor",
                    "created": "2025-10-14T13:40:00Z",
                    "body": "Gateway log shows upstream_ms ~3000 for northpay only; southbank fine.",
                },
                {
                    "author": "Jonas Berg",
                    "created": "2025-10-14T13:52:00Z",
                    "body": "Failed over to southbank via payment-routing flag; p99 back to 0.5 s "
                    "within 2 minutes.",
                },
            ],
        },
        {
            "key": "PAY-240",
            "project": "PAY",
            "status": "Open",
            "resolution": None,
            "summary": "Alert on acquirer latency before the checkout pool runs dry",
            "description": "Page when payment_upstream_latency_p99_seconds > 1 s for 3 minutes.",
            "created": "2025-10-20T08:00:00Z",
            "labels": ["latency", "alerting"],
            "components": ["payment-gateway"],
            "comments": [],
        },
        {
            "key": "PAY-198",
            "project": "PAY",
            "status": "Done",
            "resolution": "Fixed",
            "summary": "Refund report CSV shows the wrong currency",
            "description": "Refunds in SEK are listed as EUR in the nightly CSV.",
            "created": "2025-08-02T10:00:00Z",
            "resolved": "2025-08-05T10:00:00Z",
            "labels": ["reports"],
            "components": ["refunds"],
            "comments": [],
        },
        {
            "key": "PAY-260",
            "project": "PAY",
            "status": "Open",
            "resolution": None,
            "summary": "Checkout latency regression after 2026-02-18 deploy",
            "description": "Filed after this incident's window: must not be read.",
            "created": "2026-02-18T09:00:00Z",
            "labels": ["latency"],
            "components": ["checkout"],
            "comments": [],
        },
    ]


def _streams_json(streams: list[dict[str, object]]) -> str:
    """JSON with one entry per line: diff-friendly when the generator changes."""
    parts = []
    for stream in streams:
        values = ",\n  ".join(json.dumps(v) for v in stream["values"])  # type: ignore[attr-defined]
        parts.append(f'{{"stream": {json.dumps(stream["stream"])}, "values": [\n  {values}\n]}}')
    return "[\n" + ",\n".join(parts) + "\n]\n"


def main() -> None:
    checkout, gateway = traffic()
    more_checkout, more_gateway = periodic()
    lines = sorted(checkout + more_checkout, key=lambda line: line[:24])
    (HERE / "logs").mkdir(exist_ok=True)
    (HERE / "services").mkdir(exist_ok=True)
    (HERE / "logs" / "checkout.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    streams = [
        {
            "stream": {"app": "payment-gateway", "env": "prod"},
            "values": [[str(ns), line] for ns, line in sorted(gateway)],
        },
        {
            "stream": {"app": "payment-gateway", "env": "prod", "component": "acquirer-health"},
            "values": [[str(ns), line] for ns, line in sorted(more_gateway)],
        },
    ]
    services = HERE / "services"
    (services / "loki-streams.json").write_text(_streams_json(streams), encoding="utf-8")
    (services / "jira-issues.json").write_text(json.dumps(issues(), indent=1) + "\n")
    (services / "metrics.om").write_text(metrics(), encoding="utf-8")
    print(
        f"wrote {len(lines)} checkout lines, {len(gateway) + len(more_gateway)} gateway "
        f"entries, {len(issues())} issues, metrics to {HERE}"
    )


if __name__ == "__main__":
    main()
