"""Redis restarts empty; every product request misses and hits PostgreSQL at once.

Redis's log shows a restart with no dataset loaded; PostgreSQL shows a burst of slow
product queries right after; the catalog service shows misses and 503s.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.evals.casekit import POSTGRES, REDIS, Case, stamp, utc

NAME = "cache-stampede"
TYPE = "cache-stampede"
SPRING = stamp("%Y-%m-%d %H:%M:%S.{ms}")


def generate(out_dir: Path, seed: int = 0) -> Path:
    case = Case(
        case="EVAL-STAMPEDE",
        title="Catalog pages slow and failing",
        symptom="Product pages time out or return 503 for about twenty minutes.",
        start=utc("2026-03-13T07:00"),
        end=utc("2026-03-13T08:00"),
        baseline=timedelta(minutes=30),
        seed=seed,
        ids=(r"product:\d+",),
        keywords=("cache", "slow"),
    )
    rng = case.rng
    redis = case.log("redis", "logs/redis.log", REDIS)
    pg = case.log("postgres", "logs/postgresql.log", POSTGRES)
    app = case.log("catalog", "logs/catalog.log", SPRING)
    flush, recovered = case.at(9.0), case.at(29.0)
    epoch = int(flush)

    restart = [
        (0.0, f"1:signal-handler ({epoch}) Received SIGTERM scheduling shutdown...", None),
        (0.1, "1:M {ts} # User requested shutdown...", "relevant"),
        (0.12, "1:M {ts} # Redis is now ready to exit, bye bye...", "relevant"),
        (3.0, "1:C {ts} # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo", "proof"),
        (
            3.01,
            "1:C {ts} # Redis version=7.2.4, bits=64, commit=00000000, modified=0, pid=1, "
            "just started",
            "relevant",
        ),
        (3.02, "1:C {ts} # Configuration loaded", None),
        (3.05, "1:M {ts} * monotonic clock: POSIX clock_gettime", None),
        (3.06, "1:M {ts} * Running mode=standalone, port=6379.", None),
        (3.07, "1:M {ts} * Server initialized", "proof"),
        (3.08, "1:M {ts} * Ready to accept connections tcp", "relevant"),
    ]
    for offset, text, tag in restart:
        redis.add(flush + offset, text, tag)
    for ts in case.ticks(case.t0, case.t_end, 25.0):
        redis.add(
            ts,
            f"1:M {{ts}} - Client closed connection id={rng.randint(1000, 9999)} "
            f"addr=10.0.5.{rng.randint(2, 60)}:{rng.randint(30000, 60000)}",
        )
    pid = [7000]
    for ts in case.ticks(case.t0, case.t_end, 0.8):
        product = rng.randint(1, 400)
        storm = flush + 3 < ts < recovered
        warmth = 1.0 if not storm else (ts - flush) / (recovered - flush)
        if storm and rng.random() > warmth:
            took = rng.uniform(1200, 6000) * (1.2 - warmth)
            app.add(
                ts,
                "{ts}  WARN 1 --- [nio-8080-exec-"
                + str(rng.randint(1, 200))
                + "] c.e.catalog.ProductCache              : cache miss product:"
                + f"{product}, loading from database",
                "relevant",
            )
            if took > 1000:
                pid[0] += 1
                pg.add(
                    ts + took / 1000,
                    f"{{ts}} [{pid[0]}] LOG:  duration: {took:.3f} ms  "
                    "statement: SELECT p.*, json_agg(v.*) FROM products p JOIN variants v ON "
                    f"v.product_id = p.id WHERE p.id = {product} GROUP BY p.id",
                    "proof",
                )
            if took > 3000:
                app.add(
                    ts + 3,
                    "{ts} ERROR 1 --- [nio-8080-exec-"
                    + str(rng.randint(1, 200))
                    + "] c.e.catalog.web.ProductController     : GET /products/"
                    + f"{product} -> 503 (load timed out after 3000 ms)",
                    "relevant",
                )
            continue
        app.add(
            ts,
            "{ts}  INFO 1 --- [nio-8080-exec-"
            + str(rng.randint(1, 200))
            + "] c.e.catalog.web.ProductController     : GET /products/"
            + f"{product} 200 in {rng.randint(2, 15)} ms",
        )
    for ts in case.ticks(case.t0, case.t_end, 20.0):
        pid[0] += 1
        pg.add(
            ts,
            f"{{ts}} [{pid[0]}] LOG:  duration: {rng.uniform(1000, 1900):.3f} ms  "
            "statement: SELECT count(*) FROM orders WHERE created_at > now() - interval "
            "'1 day'",
            "herring",
        )
    for ts in case.steady(case.t0, case.t_end, 300.0, 0.01):
        pg.add(ts, "{ts} [27] LOG:  checkpoint starting: time")
    return case.write(
        out_dir,
        scenario=NAME,
        type_=TYPE,
        root_cause=(
            "Redis restarted without loading any data, so the product cache was empty and "
            "concurrent misses all queried PostgreSQL at once, making product queries slow "
            "until the cache warmed up."
        ),
        proof_sources=["redis", "postgres"],
    )
