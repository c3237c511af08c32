"""PostgreSQL max_connections exhausted by a leaking batch job; the API's pool starves.

Postgres shows a new client (``report-export``) opening sessions it never closes and,
later, ``too many clients``; the Spring Boot API only shows Hikari timeouts. Neither
names the other.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.evals.casekit import ISO_Z, POSTGRES, Case, stamp, utc
from bot.evals.scenarios._noise import metrics_agent, nginx_access, scanner_burst

NAME = "db-pool-exhaustion"
TYPE = "connection-exhaustion"
SPRING = stamp("%Y-%m-%d %H:%M:%S.{ms}")
_HIKARI_TRACE = (
    "org.springframework.transaction.CannotCreateTransactionException: Could not open JPA "
    "EntityManager for transaction\n"
    "\tat org.springframework.orm.jpa.JpaTransactionManager.doBegin"
    "(JpaTransactionManager.java:466)\n"
    "\tat org.springframework.transaction.support.AbstractPlatformTransactionManager"
    ".startTransaction(AbstractPlatformTransactionManager.java:531)\n"
    "\tat com.example.orders.service.OrderService$$SpringCGLIB$$0.find(<generated>)\n"
    "Caused by: java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not "
    "available, request timed out after 30000ms.\n"
    "\tat com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)\n"
    "\tat com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:181)\n"
    "\t... 118 common frames omitted"
)


def generate(out_dir: Path, seed: int = 0) -> Path:
    case = Case(
        case="EVAL-DBPOOL",
        title="Order API returns 500s and timeouts",
        symptom="Order lookups hang for 30 s and then fail with HTTP 500; checkout is degraded.",
        start=utc("2026-03-02T10:00"),
        end=utc("2026-03-02T11:00"),
        baseline=timedelta(minutes=30),
        seed=seed,
        keywords=("connection", "timeout"),
    )
    rng = case.rng
    api = case.log("orders-api", "logs/orders-api.log", SPRING)
    pg = case.log("postgres", "logs/postgresql.log", POSTGRES)
    web = case.log("nginx", "logs/nginx-access.log", stamp("%d/%b/%Y:%H:%M:%S +0000"))
    agent = case.log("node-agent", "logs/metrics-agent.log", ISO_Z)

    starve_at = case.at(13.5)  # the report job has taken the last free slot
    pid = [4000]

    def pg_session(ts: float, user: str, app: str, host: str, tag: str | None, close: float | None):
        pid[0] += rng.randint(1, 7)
        port = rng.randint(40000, 60999)
        pg.add(ts, f"{{ts}} [{pid[0]}] LOG:  connection received: host={host} port={port}")
        pg.add(
            ts + 0.004,
            f"{{ts}} [{pid[0]}] LOG:  connection authorized: user={user} "
            f"database=orders application_name={app}",
            tag,
        )
        if close is not None:
            pg.add(
                close,
                f"{{ts}} [{pid[0]}] LOG:  disconnection: session time: "
                f"0:{int((close - ts) // 60):02d}:{(close - ts) % 60:06.3f} user={user} "
                f"database=orders host={host} port={port}",
            )

    # Normal pool churn of the API (Hikari maxLifetime), and the nightly ETL reader.
    for ts in case.ticks(case.t0, starve_at, 40.0):
        pg_session(ts, "orders", "PostgreSQL JDBC Driver", "10.0.3.14", None, ts + 1800)
    for ts in case.ticks(case.t0, case.t_end, 90.0):
        pg_session(ts, "etl", "airflow", "10.0.6.8", None, ts + rng.uniform(5, 50))
    # The leaking export job: sessions every few seconds from minute 2, never closed.
    for ts in case.ticks(case.at(2), starve_at, 6.0):
        pg_session(ts, "reporting", "report-export", "10.0.7.21", "proof", None)
    # Once full: every new API connection is refused.
    for ts in case.ticks(starve_at, case.t_end, 5.0):
        pid[0] += rng.randint(1, 5)
        pg.add(
            ts,
            f"{{ts}} [{pid[0]}] LOG:  connection received: host=10.0.3.14 port="
            f"{rng.randint(40000, 60999)}",
        )
        pg.add(ts + 0.001, f"{{ts}} [{pid[0]}] FATAL:  sorry, too many clients already", "proof")
    for ts in case.steady(case.t0, case.t_end, 300.0, 0.01):
        pg.add(ts, "{ts} [27] LOG:  checkpoint starting: time")
        pg.add(
            ts + 28.1,
            f"{{ts}} [27] LOG:  checkpoint complete: wrote {rng.randint(300, 2500)} "
            f"buffers ({rng.uniform(1, 9):.1f}%); 0 WAL file(s) added, 0 removed, "
            f"{rng.randint(0, 3)} recycled; write=26.9 s, sync=0.012 s, total=28.1 s",
        )

    _api_traffic(case, api, starve_at)
    nginx_access(
        case,
        web,
        ("/api/orders/{n}", "/api/orders?customer={n}", "/healthz", "/api/checkout"),
        0.9,
        (starve_at + 30, case.t_end, 500, 0.6),
    )
    scanner_burst(case, web, 41.0)
    metrics_agent(case, agent, "10.0.3.14")
    return case.write(
        out_dir,
        scenario=NAME,
        type_=TYPE,
        root_cause=(
            "The report-export job opened PostgreSQL sessions without closing them until "
            "max_connections was reached, so the orders API's Hikari pool could not get "
            "connections and requests timed out."
        ),
        proof_sources=["postgres", "orders-api"],
    )


def _api_traffic(case: Case, api, starve_at: float) -> None:
    rng = case.rng
    prefix = "  INFO 1 --- [nio-8080-exec-{}] c.e.orders.web.OrderController          : "
    for ts in case.ticks(case.t0, case.t_end, 2.0):
        thread = rng.randint(1, 200)
        order = rng.randint(10000, 99999)
        if ts > starve_at + 30 and rng.random() < 0.55:
            api.add(
                ts,
                "{ts} ERROR 1 --- [nio-8080-exec-"
                + str(thread)
                + "] o.h.engine.jdbc.spi.SqlExceptionHelper   : HikariPool-1 - Connection "
                "is not available, request timed out after 30000ms.",
                "proof",
            )
            if rng.random() < 0.35:
                api.add(
                    ts + 0.002,
                    "{ts} ERROR 1 --- [nio-8080-exec-"
                    + str(thread)
                    + "] c.e.orders.web.ApiExceptionHandler       : GET /api/orders/"
                    + f"{order} failed\n"
                    + _HIKARI_TRACE,
                    "relevant",
                )
            continue
        ms = rng.randint(4, 60)
        api.add(ts, "{ts}" + prefix.format(thread) + f"GET /api/orders/{order} 200 in {ms} ms")
    for ts in case.steady(case.t0, case.t_end, 30.0, 0.01):
        busy = ts > starve_at
        active = 20 if busy else rng.randint(1, 6)
        waiting = rng.randint(30, 90) if busy else 0
        api.add(
            ts,
            "{ts} DEBUG 1 --- [l-1 housekeeper] com.zaxxer.hikari.pool.HikariPool        "
            f": HikariPool-1 - Pool stats (total={active if busy else 10}, active={active}, "
            f"idle={0 if busy else 10 - active}, waiting={waiting})",
            "relevant" if busy else None,
        )
        if busy:
            api.add(
                ts + 0.01,
                "{ts} DEBUG 1 --- [onnection adder] "
                "com.zaxxer.hikari.pool.PoolBase          : HikariPool-1 - Cannot acquire "
                "connection from data source\norg.postgresql.util.PSQLException: FATAL: "
                "sorry, too many clients already\n\tat org.postgresql.core.v3."
                "ConnectionFactoryImpl.doAuthentication(ConnectionFactoryImpl.java:693)",
                "relevant",
            )
