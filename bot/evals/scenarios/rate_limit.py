"""A bulk sync job exhausts the partner API quota; the CRM's own calls get 429s.

HAProxy (egress) shows a new client hammering the partner backend; the CRM (pino JSON,
epoch-millisecond ``time``) shows 429s. Slow-render warnings are a steady red herring.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from bot.evals.casekit import SYSLOG, Case, stamp, utc

NAME = "rate-limited-upstream"
TYPE = "upstream-rate-limit"
ACCEPT = stamp("%d/%b/%Y:%H:%M:%S.{ms}")
SYNC, CRM = "10.0.9.4", "10.0.3.21"


def generate(out_dir: Path, seed: int = 0) -> Path:
    case = Case(
        case="EVAL-429",
        title="CRM customer pages fail to load partner data",
        symptom="Customer pages in the CRM show 'partner data unavailable' since late morning.",
        start=utc("2026-03-11T11:00"),
        end=utc("2026-03-11T12:00"),
        baseline=timedelta(minutes=30),
        seed=seed,
        keywords=("429", "partner"),
    )
    rng = case.rng
    egress = case.log("egress", "logs/haproxy.log", SYSLOG)
    crm = case.log("crm", "logs/crm.jsonl", lambda ts: str(round(ts * 1000)))
    sync_from, quota_out = case.at(12), case.at(14.5)

    def haproxy(ts: float, client: str, status: int, tag: str | None) -> None:
        egress.add(
            ts,
            f"{{ts}} egress-1 haproxy[2345]: {client}:{rng.randint(30000, 65000)} "
            f"[{ACCEPT(ts)}] fe_egress be_partner/partner1 0/0/2/{rng.randint(30, 200)}/"
            f"{rng.randint(35, 210)} {status} {312 if status == 429 else rng.randint(800, 5000)}"
            f" - - ---- {rng.randint(10, 90)}/{rng.randint(10, 90)}/{rng.randint(1, 40)}/"
            f'{rng.randint(1, 40)}/0 0/0 "GET /v3/customers/{rng.randint(1000, 99999)} '
            'HTTP/1.1"',
            tag,
        )

    def crm_line(ts: float, level: int, msg: str, tag: str | None = None, **fields: object):
        body = {
            "level": level,
            "time": "{ts}",
            "pid": 17,
            "hostname": "crm-web-6",
            "msg": msg,
            **fields,
        }
        crm.add(ts, json.dumps(body, separators=(",", ":")).replace('"{ts}"', "{ts}"), tag)

    for ts in case.ticks(sync_from, case.t_end, 0.6):
        haproxy(ts, SYNC, 429 if ts >= quota_out else 200, "proof")
    for ts in case.ticks(case.t0, case.t_end, 2.0):
        limited = ts >= quota_out
        haproxy(ts, CRM, 429 if limited else 200, "relevant" if limited else None)
        customer = rng.randint(1000, 99999)
        if limited:
            crm_line(
                ts + 0.05,
                50,
                "partner API responded 429 Too Many Requests",
                "proof",
                path=f"/v3/customers/{customer}",
                retryAfter=60,
            )
        else:
            crm_line(
                ts + 0.05,
                30,
                "partner data loaded",
                path=f"/v3/customers/{customer}",
                ms=rng.randint(40, 220),
            )
    for ts in case.ticks(case.t0, case.t_end, 1.5):
        crm_line(
            ts,
            30,
            "request completed",
            req={"method": "GET", "url": f"/customers/{rng.randint(1000, 99999)}"},
            responseTime=rng.randint(20, 400),
        )
    for ts in case.ticks(case.t0, case.t_end, 9.0):
        crm_line(
            ts,
            40,
            "slow render",
            "herring",
            component="CustomerTimeline",
            ms=rng.randint(800, 2500),
        )
    return case.write(
        out_dir,
        scenario=NAME,
        type_=TYPE,
        root_cause=(
            f"A bulk sync job ({SYNC}) started calling the partner API at a high rate and used up "
            "the shared quota, so the partner rate-limits the CRM's own calls with 429."
        ),
        proof_sources=["egress", "crm"],
    )
