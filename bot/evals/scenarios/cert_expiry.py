"""An upstream TLS certificate expires at midnight because its renewal failed hours earlier.

nginx reports handshake failures to the payments upstream from 00:00; certbot's log
shows the renewal that failed in the baseline. Together they are the story.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.evals.casekit import NGINX_ERROR, Case, ipv4, stamp, utc
from bot.evals.scenarios._noise import nginx_access, scanner_burst

NAME = "cert-expiry"
TYPE = "certificate-expiry"
CERTBOT = stamp("%Y-%m-%d %H:%M:%S,{ms}")
DOMAIN = "payments.internal.example.com"


def generate(out_dir: Path, seed: int = 0) -> Path:
    case = Case(
        case="EVAL-CERT",
        title="Payments fail with 502 since midnight",
        symptom="All card payments fail with HTTP 502 from the API gateway since about 00:00 UTC.",
        start=utc("2026-03-05T00:00"),
        end=utc("2026-03-05T01:00"),
        baseline=timedelta(minutes=60),
        seed=seed,
        keywords=("SSL", "certificate", "renew"),
    )
    rng = case.rng
    err = case.log("nginx-error", "logs/nginx/error.log", NGINX_ERROR)
    acc = case.log("nginx-access", "logs/nginx/access.log", stamp("%d/%b/%Y:%H:%M:%S +0000"))
    bot = case.log("certbot", "logs/letsencrypt.log", CERTBOT)
    expiry = case.t_start
    clients = [ipv4(rng, "203.0") for _ in range(30)]

    _certbot_run(case, bot, case.at(-47), failing=True)
    _certbot_run(case, bot, case.at(-17), failing=True)
    for ts in case.ticks(case.t0, case.t_end, 4.0):
        worker, conn = rng.choice((2231, 2232, 2233, 2234)), rng.randint(800000, 999999)
        client = rng.choice(clients)
        if ts >= expiry and rng.random() < 0.8:
            err.add(
                ts,
                f"{{ts}} [error] {worker}#{worker}: *{conn} upstream SSL certificate "
                f"verify error: (10:certificate has expired) while SSL handshaking to "
                f'upstream, client: {client}, server: api.example.com, request: "POST '
                f'/v1/payments HTTP/1.1", upstream: "https://10.0.4.12:8443/v1/payments", '
                f'host: "api.example.com"',
                "proof",
            )
            continue
        kind = rng.random()
        if kind < 0.5:
            text = (
                f"{{ts}} [info] {worker}#{worker}: *{conn} client {client} closed keepalive "
                "connection"
            )
        elif kind < 0.8:
            text = (
                f"{{ts}} [warn] {worker}#{worker}: *{conn} an upstream response is buffered "
                f"to a temporary file /var/cache/nginx/proxy_temp/{rng.randint(1, 9)}/"
                f"{rng.randint(10, 99)}/{rng.randint(10**9, 10**10 - 1)} while reading "
                f'upstream, client: {client}, server: api.example.com, request: "GET '
                f'/v1/catalog HTTP/1.1", upstream: "http://10.0.4.20:8080/v1/catalog"'
            )
        else:
            text = (
                f'{{ts}} [error] {worker}#{worker}: *{conn} open() "/usr/share/nginx/html/'
                f'favicon.ico" failed (2: No such file or directory), client: {client}, '
                'server: api.example.com, request: "GET /favicon.ico HTTP/1.1"'
            )
        err.add(ts, text)
    nginx_access(
        case,
        acc,
        ("/v1/payments", "/v1/catalog", "/v1/catalog/{n}", "/v1/cart"),
        0.8,
        (expiry, case.t_end, 502, 0.3),
    )
    scanner_burst(case, acc, 23.0)
    return case.write(
        out_dir,
        scenario=NAME,
        type_=TYPE,
        root_cause=(
            f"The TLS certificate of {DOMAIN} expired at midnight because certbot's renewals "
            "failed, so nginx's handshakes to the payments upstream fail and payments get 502."
        ),
        proof_sources=["nginx-error", "certbot"],
    )


def _certbot_run(case: Case, log, ts: float, failing: bool) -> None:
    rng = case.rng
    steps = [
        ("DEBUG", "certbot._internal.main", "certbot version: 2.9.0", None),
        (
            "DEBUG",
            "certbot._internal.main",
            "Arguments: ['-q', '--no-random-sleep-on-renew']",
            None,
        ),
        (
            "INFO",
            "certbot._internal.renewal",
            f"Renewing an existing certificate for {DOMAIN}",
            "relevant",
        ),
        ("DEBUG", "acme.client", "Requesting fresh nonce", None),
        ("INFO", "certbot._internal.auth_handler", "Performing the following challenges:", None),
        ("INFO", "certbot._internal.auth_handler", f"http-01 challenge for {DOMAIN}", None),
        ("INFO", "certbot._internal.auth_handler", "Waiting for verification...", None),
        (
            "INFO",
            "certbot._internal.auth_handler",
            "Challenge failed for domain " + DOMAIN,
            "proof",
        ),
        (
            "ERROR",
            "certbot._internal.renewal",
            f"Failed to renew certificate {DOMAIN} with error: Some challenges have failed.",
            "proof",
        ),
        (
            "ERROR",
            "certbot._internal.renewal",
            "All renewals failed. The following certificates could not be renewed:\n"
            f"  /etc/letsencrypt/live/{DOMAIN}/fullchain.pem (failure)",
            "proof",
        ),
    ]
    for level, logger, message, tag in steps:
        ts += rng.uniform(0.05, 2.5)
        log.add(ts, f"{{ts}}:{level}:{logger}:{message}", tag if failing else None)
    for minute in range(-58, 60, 2):
        at = case.at(minute) + rng.uniform(0, 20)
        log.add(
            at,
            "{ts}:DEBUG:certbot._internal.plugins.selection:Requested authenticator "
            "None and installer None",
        )
