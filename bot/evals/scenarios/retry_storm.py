"""A retry storm: a short database hiccup, clients retrying without backoff, lasting overload.

Envoy's access log shows each request tried several times (``URX``) and, later, overflow
(``UO``); the inventory service shows its queue full long after its database recovered.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from bot.evals.casekit import Case, hexid, ipv4, stamp, utc
from bot.evals.scenarios._noise import metrics_agent

NAME = "retry-storm"
TYPE = "retry-storm"
ENVOY = stamp("%Y-%m-%dT%H:%M:%S.{ms}Z")


def generate(out_dir: Path, seed: int = 0) -> Path:
    case = Case(
        case="EVAL-RETRY",
        title="Storefront errors long after the database blip",
        symptom="Product pages return 503 for half an hour although the database recovered.",
        start=utc("2026-03-04T09:00"),
        end=utc("2026-03-04T10:00"),
        baseline=timedelta(minutes=30),
        seed=seed,
        ids=(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",),
        keywords=("retry", "queue"),
    )
    rng = case.rng
    edge = case.log("edge", "logs/envoy-access.log", ENVOY)
    inv = case.log("inventory", "logs/inventory.jsonl", ENVOY)
    noise = case.log("agent", "logs/metrics-agent.log", ENVOY)
    blip, storm_end = (case.at(11), case.at(11.7)), case.at(41)
    hosts = [ipv4(rng, "10.8") for _ in range(6)]

    def inv_line(ts: float, level: str, msg: str, tag: str | None = None, **fields: object):
        body = {"time": "{ts}", "level": level, "logger": "inventory.http", "msg": msg, **fields}
        inv.add(ts, json.dumps(body, separators=(",", ":")), tag)

    for ts in case.ticks(case.t0, case.t_end, 2.2):
        rid = f"{hexid(rng)}-{hexid(rng, 4)}-4{hexid(rng, 3)}-a{hexid(rng, 3)}-{hexid(rng, 12)}"
        item = rng.randint(1000, 9999)
        upstream = f"{rng.choice(hosts)}:8080"
        in_blip, in_storm = blip[0] <= ts < blip[1], blip[0] <= ts < storm_end
        attempts = 4 if in_storm else 1
        for attempt in range(attempts):
            at = ts + attempt * 1.0
            if in_storm and not in_blip and rng.random() < 0.5:
                inv_line(
                    at,
                    "WARN",
                    "request queue full, rejecting",
                    "proof",
                    request_id=rid,
                    queue_depth=512,
                    inflight=64,
                )
            else:
                slow = in_blip or in_storm
                inv_line(
                    at,
                    "INFO",
                    "GET /items/{id}",
                    "relevant" if slow else None,
                    request_id=rid,
                    item=item,
                    status=200 if not in_blip else 504,
                    ms=rng.randint(900, 1000) if slow else rng.randint(8, 60),
                )
        if in_storm:
            flags, code, dur = (
                ("URX", 504, 4004) if in_blip or rng.random() < 0.6 else ("UO", 503, 0)
            )
            tag = "proof" if flags == "URX" else "relevant"
        else:
            flags, code, dur, tag = "-", 200, rng.randint(9, 70), None
        edge.add(
            ts,
            f'[{{ts}}] "GET /api/items/{item} HTTP/1.1" {code} {flags} 0 '
            f"{rng.randint(300, 4000) if code == 200 else 91} {dur} "
            f'{dur if code == 200 else "-"} "{ipv4(rng, "172.16")}" "okhttp/4.12.0" '
            f'"{rid}" "inventory.shop.svc:8080" "{upstream}"',
            tag,
        )
    for ts in case.ticks(blip[0], blip[1], 2.0):
        inv_line(
            ts,
            "WARN",
            "slow query",
            "relevant",
            query="select_item_by_id",
            ms=rng.randint(2100, 4800),
        )
    for ts in case.steady(case.t0, case.t_end, 15.0):
        busy = blip[0] <= ts < storm_end
        inv_line(
            ts,
            "INFO",
            "pool stats",
            "relevant" if busy else None,
            workers=64,
            busy=64 if busy else rng.randint(3, 20),
            queued=rng.randint(400, 512) if busy else 0,
        )
    metrics_agent(case, noise, "10.8.0.5")
    return case.write(
        out_dir,
        scenario=NAME,
        type_=TYPE,
        root_cause=(
            "A 40-second database slowdown made the edge time out and retry each inventory "
            "request up to four times without backoff; the multiplied load kept inventory's "
            "request queue full long after the database recovered."
        ),
        proof_sources=["edge", "inventory"],
    )
