"""Redis stops accepting writes (failed RDB snapshots); the worker's clock zone is wrong.

The worker writes Berlin local time without a zone and the manifest does not say so, so
its lines appear an hour late. Job ids shared with the API allow aligning it. The cause
is in Redis (MISCONF after ``No space left on device``), not in the worker.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from bot.evals.casekit import ISO_Z, REDIS, Case, hexid, stamp, utc

NAME = "clock-skew-redis-misconf"
TYPE = "clock-skew"
BERLIN = stamp("%Y-%m-%d %H:%M:%S,{ms}", "Europe/Berlin")
MISCONF = (
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist "
    "to disk. Commands that may modify the data set are disabled, because this instance is "
    "configured to report errors during writes if RDB snapshotting fails "
    "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the "
    "RDB error."
)


def generate(out_dir: Path, seed: int = 0) -> Path:
    case = Case(
        case="EVAL-SKEW",
        title="Report exports never finish",
        symptom="Exports stay 'queued'; workers look busy but nothing completes.",
        start=utc("2026-03-10T10:00"),
        end=utc("2026-03-10T12:00"),
        baseline=timedelta(minutes=60),
        seed=seed,
        ids=(r"job-[0-9a-f]{10}",),
        keywords=("MISCONF", "bgsave"),
    )
    rng = case.rng
    api = case.log("api", "logs/api.jsonl", ISO_Z)
    worker = case.log("worker", "logs/worker.log", BERLIN)  # no timezone in the manifest
    redis = case.log("redis", "logs/redis.log", REDIS)
    broken = case.at(20.0)

    for ts in case.steady(case.t0 - 3600, case.t_end, 90.0, 0.05):
        failing = ts >= broken
        redis.add(ts, "1:M {ts} * 100 changes in 300 seconds. Saving...")
        redis.add(
            ts + 0.01, "1:M {ts} * Background saving started by pid " + str(rng.randint(2000, 9000))
        )
        if failing:
            redis.add(
                ts + 0.4,
                "{pid}:C {ts} # Write error saving DB on disk: No space left on device".replace(
                    "{pid}", str(rng.randint(2000, 9000))
                ),
                "proof",
            )
            redis.add(ts + 0.5, "1:M {ts} # Background saving error", "proof")
        else:
            redis.add(ts + 0.5, "1:M {ts} * Background saving terminated with success")
    for ts in case.steady(case.t0 - 3600, case.t_end, 60.0, 0.1):
        redis.add(
            ts,
            f"1:M {{ts}} - Accepted 10.0.5.{rng.randint(2, 60)}:{rng.randint(30000, 60000)}"
            f" (conn id {rng.randint(1000, 9999)})",
        )
    for ts in case.ticks(case.t0 - 3600, case.t_end, 5.0):
        job = f"job-{hexid(rng, 10)}"
        failing = ts >= broken
        body = {
            "time": "{ts}",
            "level": "info",
            "msg": "export queued",
            "job": job,
            "user": rng.randint(100, 999),
        }
        if failing and rng.random() < 0.4:
            body = {
                "time": "{ts}",
                "level": "error",
                "msg": "enqueue failed",
                "job": job,
                "error": MISCONF,
            }
            api.add(ts, json.dumps(body, separators=(",", ":")), "relevant")
            continue
        api.add(ts, json.dumps(body, separators=(",", ":")))
        pid = rng.randint(20, 23)
        worker.add(
            ts + rng.uniform(0.1, 0.6), f"{{ts}} INFO [worker-{pid}] exports.worker: picked {job}"
        )
        done = ts + rng.uniform(2, 9)
        if failing:
            worker.add(
                done,
                f"{{ts}} ERROR [worker-{pid}] exports.worker: {job} failed to store "
                f"result: redis.exceptions.ResponseError: {MISCONF}",
                "proof",
            )
            worker.add(
                done + 0.01,
                f"{{ts}} WARNING [worker-{pid}] exports.worker: {job} requeued (attempt 2)",
                "relevant",
            )
        else:
            worker.add(
                done,
                f"{{ts}} INFO [worker-{pid}] exports.worker: {job} done "
                f"rows={rng.randint(100, 90000)}",
            )
    for ts in case.steady(case.t0 - 3600, case.t_end, 20.0, 0.1):
        worker.add(
            ts,
            f"{{ts}} WARNING [main] exports.heartbeat: heartbeat lag {rng.uniform(1.5, 3.5):.1f}s",
            "herring",
        )
    return case.write(
        out_dir,
        scenario=NAME,
        type_=TYPE,
        root_cause=(
            "Redis's RDB snapshots fail with 'No space left on device', so Redis refuses writes "
            "(MISCONF) and workers cannot store results; the worker log is an hour off "
            "(local Berlin time) and must be aligned, not blamed."
        ),
        proof_sources=["redis", "worker"],
    )
