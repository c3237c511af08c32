"""A gRPC deadline/ack race: the orchestrator gives up after 20 s, the agent finishes later.

After the compute agent restarts with a cold image cache, builds take longer than the
orchestrator's deadline. The orchestrator logs DEADLINE_EXCEEDED and rolls back; the
agent logs "build complete" for the same request ids. Only together they show it.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from bot.evals.casekit import ISO_Z, LOG4J, Case, hexid, utc
from bot.evals.scenarios._noise import metrics_agent

NAME = "grpc-deadline-race"
TYPE = "timeout-ack-race"
DEADLINE = 20.0
_TRACE = (
    "Traceback (most recent call last):\n"
    '  File "/app/orchestrator/provision.py", line 142, in build\n'
    "    reply = self.stub.BuildInstance(request, timeout=DEADLINE)\n"
    '  File "/usr/lib/python3.11/site-packages/grpc/_channel.py", line 1160, in __call__\n'
    "    return _end_unary_response_blocking(state, call, False, None)\n"
    "grpc._channel._InactiveRpcError: <_InactiveRpcError of RPC that terminated with:\n"
    "\tstatus = StatusCode.DEADLINE_EXCEEDED\n"
    '\tdetails = "Deadline Exceeded"\n'
    '\tdebug_error_string = "UNKNOWN:Deadline Exceeded {grpc_status:4}"\n'
    ">"
)


def generate(out_dir: Path, seed: int = 0) -> Path:
    case = Case(
        case="EVAL-GRPCRACE",
        title="Instance launches fail but instances keep running",
        symptom="Instance launches report ERROR, yet the instances are running and billed.",
        start=utc("2026-03-03T08:00"),
        end=utc("2026-03-03T09:00"),
        baseline=timedelta(minutes=30),
        seed=seed,
        ids=(r"inst-[0-9a-f]{8}", r"req-[0-9a-f]{12}"),
        keywords=("deadline", "build complete"),
    )
    rng = case.rng
    orch = case.log("orchestrator", "logs/orchestrator.log", LOG4J)
    agent = case.log("compute-agent", "logs/compute-agent.jsonl", ISO_Z)
    noise = case.log("node-exporter", "logs/metrics-agent.log", ISO_Z)
    cold_from, warm_again = case.at(6), case.at(44)

    def agent_line(ts: float, level: str, msg: str, tag: str | None = None, **fields: object):
        body = {
            "level": level,
            "ts": "{ts}",
            "caller": "agent/build.go:" + str(rng.randint(90, 400)),
            "msg": msg,
            **fields,
        }
        agent.add(ts, json.dumps(body, separators=(",", ":")), tag)

    agent_line(cold_from - 9, "info", "compute-agent starting", version="1.14.2")
    agent_line(
        cold_from - 2, "warn", "image cache index empty, rebuilding", path="/var/cache/images"
    )
    for ts in case.ticks(case.t0, case.t_end, 25.0):
        inst, req = f"inst-{hexid(rng)}", f"req-{hexid(rng, 12)}"
        cold = cold_from <= ts < warm_again
        took = rng.uniform(23.0, 41.0) if cold and rng.random() < 0.85 else rng.uniform(6.0, 14.0)
        late = took > DEADLINE
        thread = rng.randint(1, 8)
        orch.add(
            ts,
            f"{{ts}} INFO [provision-{thread}] orchestrator.provision: BuildInstance sent "
            f"instance={inst} request_id={req} flavor=m5.large deadline={DEADLINE:.0f}s",
            "relevant" if late else None,
        )
        agent_line(
            ts + 0.02,
            "info",
            "build requested",
            "relevant" if late else None,
            instance=inst,
            request_id=req,
            image="ubuntu-22.04",
        )
        if cold:
            agent_line(
                ts + 0.05,
                "info",
                "image not in local cache, fetching",
                "relevant" if late else None,
                image="ubuntu-22.04",
                registry="registry.internal:5000",
            )
        agent_line(
            ts + took,
            "info",
            "build complete",
            "proof" if late else None,
            instance=inst,
            request_id=req,
            state="ACTIVE",
            duration_ms=int(took * 1000),
        )
        if not late:
            orch.add(
                ts + took + 0.01,
                f"{{ts}} INFO [provision-{thread}] orchestrator.provision: "
                f"instance={inst} request_id={req} ACTIVE in {took:.1f}s",
            )
            continue
        orch.add(
            ts + DEADLINE,
            f"{{ts}} ERROR [provision-{thread}] orchestrator.provision: "
            f"BuildInstance failed instance={inst} request_id={req}\n{_TRACE}",
            "proof",
        )
        orch.add(
            ts + DEADLINE + 0.01,
            f"{{ts}} WARNING [provision-{thread}] "
            f"orchestrator.quota: instance={inst} state=ERROR, quota released",
            "relevant",
        )
    for ts in case.ticks(case.t0, case.t_end, 3.0):
        orch.add(
            ts,
            f"{{ts}} INFO [api-{rng.randint(1, 16)}] orchestrator.api: GET "
            f"/v2/instances?project={hexid(rng, 6)} 200 {rng.randint(5, 80)}ms",
        )
    for ts in case.steady(case.t0, case.t_end, 10.0):
        agent_line(ts, "debug", "heartbeat", load=round(rng.uniform(0.2, 1.5), 2))
    metrics_agent(case, noise, "10.1.4.20", period=3.0)
    return case.write(
        out_dir,
        scenario=NAME,
        type_=TYPE,
        root_cause=(
            "After the compute agent restarted with a cold image cache, builds took longer than "
            "the orchestrator's 20 s gRPC deadline; the orchestrator marked them failed while "
            "the agent completed them, leaving running instances the orchestrator had abandoned."
        ),
        proof_sources=["orchestrator", "compute-agent"],
    )
