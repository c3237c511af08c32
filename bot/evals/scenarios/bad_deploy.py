"""A deploy switches checkout to the payment provider's sandbox endpoint; charges fail.

The CD log shows the sync of a new revision; checkout logs its loaded config (sandbox
URL) and then 401s from the provider. Another app's deploy is a red herring.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from bot.evals.casekit import ISO_Z, LOG4J, Case, hexid, stamp, utc
from bot.evals.scenarios._noise import nginx_access

NAME = "bad-config-deploy"
TYPE = "bad-deploy"


def generate(out_dir: Path, seed: int = 0) -> Path:
    case = Case(
        case="EVAL-DEPLOY",
        title="Checkout payments declined",
        symptom="Every checkout payment fails with 'payment could not be processed'.",
        start=utc("2026-03-09T15:00"),
        end=utc("2026-03-09T16:00"),
        baseline=timedelta(minutes=30),
        seed=seed,
        keywords=("deploy", "config"),
    )
    rng = case.rng
    cd = case.log("deploy", "logs/argocd.jsonl", ISO_Z)
    app = case.log("checkout", "logs/checkout.log", LOG4J)
    web = case.log("nginx", "logs/access.log", stamp("%d/%b/%Y:%H:%M:%S +0000"))
    deploy_at, revision = case.at(6.2), hexid(rng, 7)

    def cd_line(ts: float, msg: str, tag: str | None = None, **fields: object) -> None:
        body = {"level": "info", "msg": msg, **fields, "time": "{ts}"}
        cd.add(ts, json.dumps(body, separators=(",", ":")), tag)

    for ts in case.steady(case.t0, case.t_end, 180.0, 0.05):
        for app_name in ("checkout", "search", "catalog"):
            cd_line(
                ts + rng.uniform(0, 2),
                "Reconciliation completed",
                application=app_name,
                dedup_ms=rng.randint(0, 3),
                diff_ms=rng.randint(10, 80),
            )
    cd_line(
        deploy_at - 4,
        "Initiated automated sync to '" + revision + "'",
        "relevant",
        application="checkout",
    )
    cd_line(deploy_at, f"Sync operation to {revision} succeeded", "proof", application="checkout")
    other = hexid(rng, 7)
    cd_line(case.at(24), f"Initiated automated sync to '{other}'", "herring", application="search")
    cd_line(case.at(24.1), f"Sync operation to {other} succeeded", "herring", application="search")

    good, bad = "https://api.payments.example.net/v2", "https://sandbox.payments.example.net/v2"
    for boot, url, tag in ((case.t0 - 600, good, None), (deploy_at + 25, bad, "relevant")):
        app.add(
            boot,
            "{ts} INFO checkout.config: loaded /etc/checkout/settings.yaml "
            f"(revision {revision if tag else hexid(rng, 7)})",
            tag,
        )
        app.add(
            boot + 0.01,
            f"{{ts}} INFO checkout.config: payments.base_url={url} payments.timeout=5.0",
            tag,
        )
    for ts in case.ticks(case.t0, case.t_end, 2.5):
        order = rng.randint(100000, 999999)
        if ts > deploy_at + 26:
            app.add(
                ts,
                f"{{ts}} ERROR checkout.payments: charge failed order={order} status=401 "
                'body={"error":{"type":"authentication_error","message":"Invalid '
                'merchant credentials"}}',
                "proof",
            )
            continue
        app.add(
            ts,
            f"{{ts}} INFO checkout.payments: charge ok order={order} "
            f"amount={rng.uniform(5, 400):.2f} {rng.randint(120, 900)}ms",
        )
    for ts in case.ticks(case.t0, case.t_end, 1.8):
        app.add(
            ts,
            f"{{ts}} INFO checkout.cart: cart {hexid(rng, 10)} updated items={rng.randint(1, 9)}",
        )
    for ts in case.ticks(case.at(35), case.at(37), 1.0):
        app.add(
            ts,
            "{ts} WARNING checkout.email: SMTP send to mailer.internal:587 timed out, will retry",
            "herring",
        )
    nginx_access(
        case,
        web,
        ("/checkout/pay", "/cart", "/products/{n}", "/"),
        1.0,
        (deploy_at + 26, case.t_end, 502, 0.25),
    )
    return case.write(
        out_dir,
        scenario=NAME,
        type_=TYPE,
        root_cause=(
            f"The checkout deploy of revision {revision} switched payments.base_url to the "
            "provider's sandbox endpoint, which rejects production credentials (401)."
        ),
        proof_sources=["deploy", "checkout"],
    )
