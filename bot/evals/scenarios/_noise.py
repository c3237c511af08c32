"""Background traffic and red herrings shared by several scenarios."""

from __future__ import annotations

from bot.evals.casekit import Case, LogFile, hexid, ipv4

AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/121.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.3 Safari/605.1.15",
    "okhttp/4.12.0",
    "python-requests/2.31.0",
    "kube-probe/1.29",
)


def nginx_access(
    case: Case,
    log: LogFile,
    paths: tuple[str, ...],
    mean_gap: float,
    failing: tuple[float, float, int, float] | None = None,
) -> None:
    """Combined-format access lines; ``failing=(from, to, status, share)`` adds errors."""
    rng = case.rng
    clients = [ipv4(rng, "203.0") for _ in range(40)]
    for ts in case.ticks(case.t0, case.t_end, mean_gap):
        path = rng.choice(paths).replace("{n}", str(rng.randint(1000, 99999)))
        status, size, tag = 200, rng.randint(200, 9000), None
        if failing and failing[0] <= ts < failing[1] and rng.random() < failing[3]:
            status, size, tag = failing[2], rng.choice((167, 183, 497)), "relevant"
        elif rng.random() < 0.01:
            status, size = 404, 153
        posts = "checkout" in path or ("orders" in path and rng.random() < 0.3)
        method = "POST" if posts else "GET"
        log.add(
            ts,
            f'{rng.choice(clients)} - - [{{ts}}] "{method} {path} HTTP/1.1" {status} {size} '
            f'"-" "{rng.choice(AGENTS)}" {rng.uniform(0.002, 0.4):.3f}',
            tag,
        )


def scanner_burst(case: Case, log: LogFile, minute: float, count: int = 60) -> None:
    """An unrelated burst of 404s from one scanner IP inside the window (a red herring)."""
    rng = case.rng
    ip = ipv4(rng, "185.220")
    probes = (
        "/wp-login.php",
        "/.env",
        "/xmlrpc.php",
        "/admin/config.php",
        "/.git/config",
        "/phpmyadmin/index.php",
        "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
    )
    ts = case.at(minute)
    for _ in range(count):
        ts += rng.uniform(0.05, 0.6)
        log.add(
            ts,
            f'{ip} - - [{{ts}}] "GET {rng.choice(probes)} HTTP/1.1" 404 153 "-" '
            f'"Mozilla/5.0 zgrab/0.x" 0.001',
            "herring",
        )


def metrics_agent(case: Case, log: LogFile, host: str, period: float = 4.0) -> None:
    """A loud agent warning at the same rate before and during the incident (a red herring)."""
    rng = case.rng
    for ts in case.steady(case.t0, case.t_end, period):
        kind = rng.random()
        if kind < 0.6:
            text = (
                f"{{ts}} WARN metrics-agent[{rng.choice((812, 812, 813))}]: scrape of "
                f"http://{host}:9100/metrics took {rng.uniform(2.0, 2.9):.2f}s "
                "(budget 2s), sample dropped"
            )
        elif kind < 0.9:
            text = (
                f"{{ts}} WARN metrics-agent[812]: remote_write queue shard "
                f"{rng.randint(0, 3)} behind by {rng.randint(800, 2400)} samples"
            )
        else:
            text = (
                f"{{ts}} ERROR metrics-agent[812]: failed to resolve label "
                f'"pod_uid" for target {hexid(rng, 12)}: cache miss'
            )
        log.add(ts, text, "herring")
