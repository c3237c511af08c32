"""A migration's ACCESS EXCLUSIVE lock queues behind a long report; every write times out.

PostgreSQL logs (``log_lock_waits``) show the ALTER TABLE waiting behind a long-running
query and the application's statements queued behind the ALTER; the API only sees
``lock timeout``. The report query's own duration line appears when it finally ends.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.evals.casekit import ISO_Z, LOG4J, POSTGRES, Case, utc
from bot.evals.scenarios._noise import metrics_agent

NAME = "lock-timeout"
TYPE = "lock-contention"


def generate(out_dir: Path, seed: int = 0) -> Path:
    case = Case(
        case="EVAL-LOCK",
        title="Order updates time out",
        symptom="Updating or paying orders fails after ~2 s with a database error.",
        start=utc("2026-03-12T16:00"),
        end=utc("2026-03-12T17:00"),
        baseline=timedelta(minutes=30),
        seed=seed,
        keywords=("lock",),
    )
    rng = case.rng
    pg = case.log("postgres", "logs/postgresql.log", POSTGRES)
    api = case.log("api", "logs/api.log", LOG4J)
    noise = case.log("agent", "logs/metrics-agent.log", ISO_Z)
    report_start, migrate_at, report_end = case.at(-12), case.at(9), case.at(38)
    holder, migrator = 4980, 5121

    pg.add(
        migrate_at + 1.0,
        f"{{ts}} [{migrator}] LOG:  process {migrator} still waiting for "
        "AccessExclusiveLock on relation 16402 of database 16384 after 1000.045 ms",
        "proof",
    )
    pg.add(
        migrate_at + 1.0,
        f"{{ts}} [{migrator}] DETAIL:  Process holding the lock: {holder}. Wait queue: {migrator}.",
        "proof",
    )
    pg.add(
        migrate_at + 1.0,
        f"{{ts}} [{migrator}] STATEMENT:  ALTER TABLE orders ADD COLUMN discount_code text",
        "relevant",
    )
    pg.add(
        report_end,
        f"{{ts}} [{holder}] LOG:  duration: {(report_end - report_start) * 1000:.3f}"
        " ms  statement: SELECT customer_id, date_trunc('month', created_at), sum(total) FROM "
        "orders JOIN order_items USING (order_id) GROUP BY 1, 2",
        "relevant",
    )
    pg.add(
        report_end + 0.01,
        f"{{ts}} [{migrator}] LOG:  process {migrator} acquired "
        f"AccessExclusiveLock on relation 16402 of database 16384 after "
        f"{(report_end - migrate_at) * 1000:.3f} ms",
        "relevant",
    )
    pid = [5200]
    for ts in case.ticks(case.t0, case.t_end, 2.0):
        pid[0] += rng.randint(1, 3)
        order = rng.randint(100000, 999999)
        blocked = migrate_at < ts < report_end
        if blocked and rng.random() < 0.8:
            p = pid[0]
            pg.add(
                ts + 1.0,
                f"{{ts}} [{p}] LOG:  process {p} still waiting for RowExclusiveLock "
                f"on relation 16402 of database 16384 after 1000.{rng.randint(10, 99)} ms",
                "proof",
            )
            pg.add(
                ts + 1.0,
                f"{{ts}} [{p}] DETAIL:  Process holding the lock: {holder}. Wait "
                f"queue: {migrator}, {p}.",
                "relevant",
            )
            pg.add(
                ts + 2.0,
                f"{{ts}} [{p}] ERROR:  canceling statement due to lock timeout",
                "relevant",
            )
            pg.add(
                ts + 2.0,
                f"{{ts}} [{p}] STATEMENT:  UPDATE orders SET status = 'paid' WHERE "
                f"order_id = {order}",
            )
            api.add(
                ts + 2.01,
                f"{{ts}} ERROR [api.orders] PATCH /orders/{order} failed: "
                "(psycopg2.errors.LockNotAvailable) canceling statement due to lock timeout\n"
                "[SQL: UPDATE orders SET status=%(status)s WHERE orders.order_id = "
                "%(order_id)s]\n(Background on this error at: https://sqlalche.me/e/20/e3q8)",
                "proof",
            )
            continue
        api.add(
            ts + 0.02, f"{{ts}} INFO [api.orders] PATCH /orders/{order} 200 {rng.randint(4, 30)}ms"
        )
    for ts in case.ticks(case.t0, case.t_end, 2.5):
        api.add(
            ts,
            f"{{ts}} INFO [api.orders] GET /orders/{rng.randint(100000, 999999)} 200 "
            f"{rng.randint(2, 15)}ms",
        )
    for ts in case.steady(case.t0, case.t_end, 300.0, 0.01):
        pg.add(ts, "{ts} [27] LOG:  checkpoint starting: time")
        pg.add(
            ts + 29,
            f"{{ts}} [27] LOG:  checkpoint complete: wrote {rng.randint(200, 900)} "
            "buffers (1.2%); 0 WAL file(s) added, 0 removed, 1 recycled; write=27.1 s, "
            "sync=0.004 s, total=29.0 s",
        )
    for ts in case.ticks(case.t0, case.t_end, 30.0):
        pg.add(
            ts,
            f"{{ts}} [{rng.randint(6000, 9000)}] LOG:  automatic vacuum of table "
            f'"shop.public.sessions": index scans: 1',
        )
    metrics_agent(case, noise, "10.0.2.15")
    return case.write(
        out_dir,
        scenario=NAME,
        type_=TYPE,
        root_cause=(
            "A schema migration (ALTER TABLE orders) queued for an ACCESS EXCLUSIVE lock behind a "
            "long-running report query, and every order update queued behind the migration "
            "until it hit lock_timeout."
        ),
        proof_sources=["postgres", "api"],
    )
