"""A heap that grows after every GC until the kernel OOM-kills the JVM; the LB serves 503s.

The GC log (JVM unified logging) shows the live heap after GC creeping up; syslog shows
the cgroup OOM kill and systemd restarts; HAProxy shows 503s while the backend is down.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.evals.casekit import SYSLOG, Case, ipv4, stamp, utc

NAME = "memory-leak-oom"
TYPE = "oom-kill"
GC = stamp("[%Y-%m-%dT%H:%M:%S.{ms}+0000]")
HAPROXY_ACCEPT = stamp("%d/%b/%Y:%H:%M:%S.{ms}")


def generate(out_dir: Path, seed: int = 0) -> Path:
    case = Case(
        case="EVAL-OOM",
        title="Orders service keeps restarting",
        symptom="Intermittent 503s from the orders API; the service restarts every ~25 minutes.",
        start=utc("2026-03-08T13:00"),
        end=utc("2026-03-08T14:00"),
        baseline=timedelta(minutes=30),
        seed=seed,
        keywords=("oom", "killed", "heap"),
    )
    rng = case.rng
    gc = case.log("gc", "logs/gc.log", GC)
    sys_ = case.log("syslog", "logs/syslog", SYSLOG)
    lb = case.log("haproxy", "logs/haproxy.log", SYSLOG)
    kills = [case.at(17.3), case.at(44.8)]
    down = [(k, k + 38.0) for k in kills]
    leak_from = case.at(-8)

    # GC: young pauses every few seconds; live heap after GC grows from leak_from.
    boot, number, pid = case.t0 - 3000, 4100, 4321
    for ts in case.steady(case.t0, case.t_end, 4.0):
        if any(a <= ts < b for a, b in down):
            continue
        restarted = max([k + 38 for k in kills if k + 38 <= ts], default=None)
        base_from = leak_from if restarted is None else restarted
        grow = max(0.0, ts - base_from) / 60.0 * (190 if restarted is None else 230)
        after = int(1900 + grow + rng.uniform(-40, 40))
        number += 1
        near_kill = any(0 <= k - ts < 240 for k in kills)
        if after > 5900:
            gc.add(
                ts,
                f"{{ts}}[info][gc] GC({number}) Pause Full (G1 Compaction Pause) "
                f"{min(after + 140, 6144)}M->{min(after, 6130)}M(6144M) "
                f"{rng.uniform(900, 2400):.3f}ms",
                "proof" if near_kill else "relevant",
            )
            continue
        before = min(after + rng.randint(900, 1600), 6144)
        gc.add(
            ts,
            f"{{ts}}[info][gc] GC({number}) Pause Young (Normal) (G1 Evacuation Pause) "
            f"{before}M->{after}M(6144M) {rng.uniform(8, 45):.3f}ms",
            "relevant" if after > 4800 else None,
        )
    for kill in kills:
        pid += rng.randint(50, 400)
        sys_.add(
            kill,
            "{ts} web-3 kernel: [" + f"{kill - boot:.6f}" + "] java invoked "
            "oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0",
            "relevant",
        )
        sys_.add(
            kill + 0.001,
            "{ts} web-3 kernel: [" + f"{kill - boot + 0.001:.6f}" + "] Memory "
            "cgroup out of memory: Killed process " + str(pid) + " (java) total-vm:9123456kB, "
            f"anon-rss:{rng.randint(7100000, 7200000)}kB, file-rss:0kB, shmem-rss:0kB, "
            "UID:1001 pgtables:14012kB oom_score_adj:0",
            "proof",
        )
        sys_.add(
            kill + 0.2,
            "{ts} web-3 systemd[1]: orders.service: Main process exited, "
            "code=killed, status=9/KILL",
            "relevant",
        )
        sys_.add(
            kill + 0.2,
            "{ts} web-3 systemd[1]: orders.service: Failed with result 'oom-kill'.",
            "relevant",
        )
        sys_.add(
            kill + 5.2,
            "{ts} web-3 systemd[1]: orders.service: Scheduled restart job, "
            "restart counter is at 1.",
        )
        sys_.add(kill + 5.3, "{ts} web-3 systemd[1]: Started orders.service - Orders API.")
    for ts in case.ticks(case.t0, case.t_end, 6.0):
        sys_.add(
            ts,
            f"{{ts}} web-3 systemd-journald[412]: Suppressed {rng.randint(20, 400)} "
            "messages from orders.service",
            None,
        )
    for ts in case.ticks(case.t0, case.t_end, 40.0):
        sys_.add(
            ts,
            f"{{ts}} web-3 CRON[{rng.randint(3000, 9000)}]: (root) CMD (command -v "
            "debian-sa1 > /dev/null && debian-sa1 1 1)",
        )
    clients = [ipv4(rng, "203.0") for _ in range(40)]
    for ts in case.ticks(case.t0, case.t_end, 1.0):
        is_down = any(a <= ts < b for a, b in down)
        server = rng.choice(("web3", "web4")) if not is_down else "web3"
        if is_down and rng.random() < 0.5:
            status, times, flags, tag = 503, "0/0/-1/-1/3001", "SC--", "relevant"
        else:
            status, flags, tag = 200, "----", None
            times = f"0/0/1/{rng.randint(5, 90)}/{rng.randint(6, 95)}"
            server = "web4" if is_down else server
        lb.add(
            ts,
            f"{{ts}} lb-1 haproxy[1811]: {rng.choice(clients)}:{rng.randint(30000, 65000)} "
            f"[{HAPROXY_ACCEPT(ts)}] fe_https~ be_orders/{server} {times} {status} "
            f"{rng.randint(180, 4000)} - - {flags} {rng.randint(100, 300)}/{rng.randint(100, 300)}"
            f'/{rng.randint(5, 30)}/{rng.randint(0, 12)}/0 0/0 "GET /api/orders/'
            f'{rng.randint(10000, 99999)} HTTP/1.1"',
            tag,
        )
    return case.write(
        out_dir,
        scenario=NAME,
        type_=TYPE,
        root_cause=(
            "The orders JVM leaks memory: its heap after GC grows steadily until full GCs cannot "
            "free it and the kernel's cgroup OOM killer kills java, causing restarts and 503s."
        ),
        proof_sources=["syslog", "gc"],
    )
