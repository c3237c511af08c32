"""A backup job fills the database volume: PostgreSQL cannot extend files, writes fail.

Syslog shows the backup starting and progressing into the data volume; PostgreSQL
shows ``No space left on device``. The API (Python) sees DiskFull errors.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.evals.casekit import LOG4J, POSTGRES, SYSLOG, Case, utc

NAME = "disk-full"
TYPE = "disk-full"


def generate(out_dir: Path, seed: int = 0) -> Path:
    case = Case(
        case="EVAL-DISK",
        title="Orders cannot be saved",
        symptom="Saving an order fails with a database error; reads still work.",
        start=utc("2026-03-07T02:00"),
        end=utc("2026-03-07T03:00"),
        baseline=timedelta(minutes=30),
        seed=seed,
        keywords=("space", "backup"),
    )
    rng = case.rng
    sys_ = case.log("syslog", "logs/syslog", SYSLOG)
    pg = case.log("postgres", "logs/postgresql.log", POSTGRES)
    api = case.log("api", "logs/api.log", LOG4J)
    start, full = case.at(5), case.at(21.5)

    sys_.add(
        start - 1,
        "{ts} db-1 CRON[2211]: (postgres) CMD (/usr/local/bin/pg-backup.sh "
        "--target /var/lib/postgresql/backups)",
        "proof",
    )
    sys_.add(
        start,
        "{ts} db-1 pg-backup.sh[2212]: starting pg_basebackup into "
        "/var/lib/postgresql/backups/2026-03-07",
        "proof",
    )
    done = 0.0
    for ts in case.steady(start + 30, full, 60.0, 0.02):
        done += rng.uniform(2.4, 2.9)
        sys_.add(ts, f"{{ts}} db-1 pg-backup.sh[2212]: {done:.1f} GB copied", "relevant")
    sys_.add(
        full + 3,
        "{ts} db-1 pg-backup.sh[2212]: pg_basebackup: error: could not write to "
        'file "/var/lib/postgresql/backups/2026-03-07/base.tar": No space left on device',
        "relevant",
    )
    for ts in case.ticks(case.t0, case.t_end, 2.5):
        roll = rng.random()
        if roll < 0.5:
            text = (
                f"{{ts}} db-1 kernel: [UFW BLOCK] IN=eth0 OUT= MAC=02:42:ac:11:00:02 "
                f"SRC=45.{rng.randint(1, 250)}.{rng.randint(1, 250)}.{rng.randint(1, 250)} "
                f"DST=10.0.2.15 LEN=44 TOS=0x00 PREC=0x00 TTL=241 ID={rng.randint(1, 65535)} "
                f"PROTO=TCP SPT={rng.randint(1024, 65535)} DPT={rng.choice((22, 23, 3389))} "
                "WINDOW=1024 RES=0x00 SYN URGP=0"
            )
            sys_.add(ts, text, "herring")
        elif roll < 0.8:
            sys_.add(
                ts,
                f"{{ts}} db-1 systemd[1]: Started session-{rng.randint(100, 999)}.scope "
                "- Session of User ops.",
            )
        else:
            sys_.add(
                ts,
                f"{{ts}} db-1 sshd[{rng.randint(3000, 9000)}]: Accepted publickey for "
                f"ops from 10.0.9.{rng.randint(2, 60)} port {rng.randint(30000, 60000)} ssh2",
            )
    pid = [5000]
    for ts in case.ticks(case.t0, case.t_end, 3.0):
        pid[0] += rng.randint(1, 4)
        order = rng.randint(100000, 999999)
        if ts > full and rng.random() < 0.75:
            pg.add(
                ts,
                f'{{ts}} [{pid[0]}] ERROR:  could not extend file "base/16384/'
                f'{rng.choice((24591, 24598, 24603))}": No space left on device',
                "proof",
            )
            pg.add(ts, f"{{ts}} [{pid[0]}] HINT:  Check free disk space.", "relevant")
            pg.add(
                ts,
                f"{{ts}} [{pid[0]}] STATEMENT:  INSERT INTO orders (id, customer_id, total) "
                f"VALUES ({order}, {rng.randint(1000, 9999)}, {rng.uniform(5, 500):.2f})",
            )
            api.add(
                ts + 0.01,
                f"{{ts}} ERROR api.orders: POST /orders failed order={order}\n"
                "Traceback (most recent call last):\n"
                '  File "/app/api/orders.py", line 88, in create\n'
                "    session.commit()\n"
                "sqlalchemy.exc.OperationalError: (psycopg2.errors.DiskFull) could not extend "
                'file "base/16384/24591": No space left on device\n'
                "HINT:  Check free disk space.",
                "relevant",
            )
            continue
        api.add(
            ts, f"{{ts}} INFO api.orders: POST /orders 201 order={order} {rng.randint(8, 40)}ms"
        )
        if rng.random() < 0.2:
            pg.add(
                ts,
                f"{{ts}} [{pid[0]}] LOG:  duration: {rng.uniform(200, 900):.3f} ms  "
                f"statement: SELECT * FROM orders WHERE customer_id = {rng.randint(1000, 9999)}",
            )
    for ts in case.ticks(case.t0, case.t_end, 2.0):
        api.add(
            ts,
            f"{{ts}} INFO api.orders: GET /orders/{rng.randint(100000, 999999)} 200 "
            f"{rng.randint(2, 20)}ms",
        )
    for ts in case.steady(case.t0, case.t_end, 300.0, 0.01):
        pg.add(ts, "{ts} [27] LOG:  checkpoint starting: time")
    return case.write(
        out_dir,
        scenario=NAME,
        type_=TYPE,
        root_cause=(
            "The nightly pg-backup job wrote its base backup onto the database's own volume and "
            "filled it, so PostgreSQL could not extend table files and order inserts failed."
        ),
        proof_sources=["syslog", "postgres"],
    )
