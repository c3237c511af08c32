"""Regenerate the example incident INC-4821 ("VM creation fails after the 20th machine").

    python examples/vm-timeout/generate.py

Stdlib only and seeded: the output is byte-for-byte the same on every run, and is
committed so ``make demo`` needs no generation step.

What happened (and what no single log says): the broker calls ``Hypervisor.CreateVm``
with a 30 s WCF timeout. The hypervisor's create time grows with the number of creates
in flight, so in a batch of 40 the 21st and later take longer than 30 s. The broker
times out and aborts the channel; the hypervisor finishes anyway and replies to a
channel nobody listens to. Inventory discovers the VMs on the host, but the broker
never registered them, so every later management call for them fails.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
SEED = 4821
START = datetime(2026, 2, 10, 14, 30, tzinfo=UTC)  # incident window start
END = START + timedelta(hours=1)
BASELINE = timedelta(minutes=30)
TIMEOUT = 30.0
LA = ZoneInfo("America/Los_Angeles")

rng = random.Random(SEED)
logs: dict[str, list[tuple[float, int, str, str | None]]] = {
    "broker": [],
    "hypervisor": [],
    "inventory": [],
    "metrics-agent": [],
}
_seq = [0]


def at(minutes: float) -> float:
    return START.timestamp() + minutes * 60


def add(log: str, ts: float, text: str, tag: str | None = None) -> None:
    _seq[0] += 1
    logs[log].append((ts, _seq[0], text, tag))


def broker_stamp(ts: float) -> str:
    moment = datetime.fromtimestamp(ts, LA)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def iso(ts: float) -> str:
    moment = datetime.fromtimestamp(ts, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def session_id() -> str:
    h = "".join(rng.choice("0123456789abcdef") for _ in range(32))
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def ticks(start: float, end: float, gap: float):
    t = start + rng.expovariate(1 / gap)
    while t < end:
        yield t
        t += rng.expovariate(1 / gap)


# --------------------------------------------------------------------------- broker


def b(ts: float, thread: int, level: str, logger: str, message: str, tag: str | None = None):
    add("broker", ts, f"{broker_stamp(ts)} [{thread}] {level:<5} {logger} - {message}", tag)


TIMEOUT_TRACE = (
    "System.TimeoutException: The request channel timed out while waiting for a reply after "
    "00:00:30. Increase the timeout value passed to the call to Request or increase the "
    "SendTimeout value on the Binding. The time allotted to this operation may have been a "
    "portion of a longer timeout.\n"
    "   at System.ServiceModel.Channels.RequestChannel.Request(Message message, TimeSpan timeout)\n"
    "   at System.ServiceModel.Channels.ServiceChannel.Call(String action, Boolean oneway, "
    "ProxyOperationRuntime operation, Object[] ins, Object[] outs, TimeSpan timeout)\n"
    "   at VmBroker.Hypervisor.HypervisorClient.CreateVm(CreateVmRequest request) in "
    "D:\\a\\1\\s\\src\\VmBroker\\Hypervisor\\HypervisorClient.cs:line 88\n"
    "   at VmBroker.Provisioning.CreateVmHandler.Handle(CreateVmCommand command) in "
    "D:\\a\\1\\s\\src\\VmBroker\\Provisioning\\CreateVmHandler.cs:line 57"
)
ABORTED_TRACE = (
    "System.ServiceModel.CommunicationObjectAbortedException: The communication object, "
    "System.ServiceModel.Channels.ServiceChannel, cannot be used for communication because "
    "it has been Aborted.\n"
    "   at System.ServiceModel.Channels.CommunicationObject.ThrowIfDisposedOrNotOpen()\n"
    "   at VmBroker.Sessions.SessionRegistry.Attach(Guid session, String vm) in "
    "D:\\a\\1\\s\\src\\VmBroker\\Sessions\\SessionRegistry.cs:line 141"
)


# --------------------------------------------------------------------------- one create


def create(ts: float, session: str, vm: str, in_flight: int, tenant: str) -> bool:
    """One CreateVm call; returns True when the broker got the reply in time."""
    duration = 6.8 + 1.12 * in_flight + rng.uniform(-0.3, 0.3)
    late = duration > TIMEOUT
    thread = rng.randint(20, 60)
    mark = "relevant" if late else None
    b(
        ts,
        thread,
        "INFO",
        "VmBroker.CreateVm",
        f"session={session} {vm} calling Hypervisor.CreateVm timeout=00:00:30",
        mark,
    )
    arrive = ts + rng.uniform(0.008, 0.03)
    hv(
        arrive,
        f"CreateVm request received vm={vm} session={session} tenant={tenant} "
        f"cpu=4 memoryMB=16384 image=win2022-std",
        mark,
    )
    hv(
        arrive + 0.02,
        f"scheduler: create vm={vm} admitted, creates in flight={in_flight}",
        "relevant" if late else None,
    )
    done = ts + duration
    hv(done - 0.4, f"vm={vm} disk attached image=win2022-std sizeGB=64")
    hv(done, f"vm={vm} state=Running elapsed={int(duration * 1000)}ms", "proof" if late else None)
    hv(
        done + 0.003,
        f"CreateVm reply sent session={session} vm={vm} status=Running",
        "proof" if late else None,
    )
    discovered = done + rng.uniform(4, 12)
    inv(
        discovered,
        "info",
        event="vm.discovered",
        vm=vm,
        host="hv-07",
        tenant=tenant,
        state="Running",
        tag=mark,
    )
    if not late:
        elapsed = f"00:00:{duration:06.3f}"
        b(
            done + 0.01,
            thread,
            "INFO",
            "VmBroker.CreateVm",
            f"session={session} {vm} Hypervisor.CreateVm returned status=Running elapsed={elapsed}",
        )
        b(done + 0.02, thread, "INFO", "VmBroker.Sessions", f"session={session} {vm} attached")
        managed.append((vm, tenant, done))
        return True
    b(
        ts + TIMEOUT,
        thread,
        "ERROR",
        "VmBroker.CreateVm",
        f"session={session} {vm} Hypervisor.CreateVm failed\n{TIMEOUT_TRACE}",
        "proof",
    )
    b(
        ts + TIMEOUT + 0.004,
        thread,
        "ERROR",
        "VmBroker.Sessions",
        f"session={session} {vm} attach failed\n{ABORTED_TRACE}",
        "relevant",
    )
    b(
        ts + TIMEOUT + 0.006,
        thread,
        "WARN",
        "VmBroker.CreateVm",
        f"session={session} {vm} create marked Failed; quota released tenant={tenant}",
        "relevant",
    )
    orphans.append((vm, tenant, discovered))
    return False


def batch(minute: float, tenant: str, count: int) -> None:
    ts = at(minute)
    session = session_id()
    b(
        ts - 0.2,
        14,
        "INFO",
        "VmBroker.Sessions",
        f"session={session} opened tenant={tenant} request=CreateVms count={count}",
    )
    ok = sum(create(ts + i * 0.11, session, next_vm(), i + 1, tenant) for i in range(count))
    b(
        ts + TIMEOUT + count * 0.11 + 1,
        14,
        "INFO",
        "VmBroker.Sessions",
        f"session={session} batch finished tenant={tenant} succeeded={ok} failed={count - ok}",
    )


_vm_counter = [100]
managed: list[tuple[str, str, float]] = []
orphans: list[tuple[str, str, float]] = []


def next_vm() -> str:
    _vm_counter[0] += 1
    return f"vm-{_vm_counter[0]}"


# --------------------------------------------------------------------------- hypervisor


def hv(ts: float, message: str, tag: str | None = None, level: str = "INFO") -> None:
    add("hypervisor", ts, f"{iso(ts)} hv-07 vmms[2231]: {level} {message}", tag)


# --------------------------------------------------------------------------- inventory


def inv(ts: float, level: str, tag: str | None = None, **fields: object) -> None:
    record = {"ts": iso(ts), "level": level, "svc": "inventory-api", **fields}
    add("inventory", ts, json.dumps(record, separators=(",", ":")), tag)


ACTIONS = ("start", "stop", "resize", "attach-disk", "snapshot")


def management_traffic(start: float, end: float) -> None:
    for ts in ticks(start, end, 4.0):
        known = [(vm, tenant) for vm, tenant, since in managed if since < ts]
        pending = [o for o in orphans if o[2] + 60 < ts]
        if pending and rng.random() < 0.3:
            vm, tenant, _ = rng.choice(pending)
            action = rng.choice(ACTIONS)
            inv(
                ts,
                "error",
                event="vm.action.failed",
                vm=vm,
                tenant=tenant,
                action=action,
                status=409,
                error=f"VM {vm} not found in broker session",
                tag="relevant",
            )
            continue
        vm, tenant = rng.choice(known)
        inv(
            ts,
            "info",
            event="vm.action",
            vm=vm,
            tenant=tenant,
            action=rng.choice(ACTIONS),
            status=200,
            ms=rng.randint(40, 900),
        )


# --------------------------------------------------------------------------- background


def background(start: float, end: float) -> None:
    for ts in ticks(start, end, 2.2):
        tenant = rng.choice(("contoso", "fabrikam", "northwind", "tailspin", "adatum"))
        b(
            ts,
            rng.randint(20, 60),
            "INFO",
            "VmBroker.Api",
            f"GET /api/v2/vms?tenant={tenant} 200 {rng.randint(6, 40)}ms",
        )
    for ts in ticks(start, end, 15.0):
        b(ts, 9, "INFO", "VmBroker.Health", f"heartbeat hv-07 ok latency={rng.randint(1, 5)}ms")
        hv(ts + 0.003, "heartbeat from broker-01 answered")
    for ts in ticks(start, end, 30.0):
        hv(
            ts,
            f"host stats cpu={rng.randint(18, 35)}% memory={rng.randint(58, 66)}% "
            f"running_vms={400 + len(managed) + len(orphans)}",
        )
    for ts in ticks(start, end, 20.0):
        inv(
            ts,
            "info",
            event="inventory.sync",
            host="hv-07",
            vms=400 + len(managed) + len(orphans),
            ms=rng.randint(80, 300),
        )
    for ts in ticks(start, end, 2.5):
        roll = rng.random()
        if roll < 0.7:
            text = (
                f"{iso(ts)} WARN metrics-agent[812]: scrape of http://10.20.0.7:9182/metrics "
                f"took {rng.uniform(2.0, 2.8):.2f}s (budget 2s), sample dropped"
            )
        else:
            text = (
                f"{iso(ts)} WARN metrics-agent[812]: counter wmi_hyperv_vm_cpu_total_run_time "
                f"went backwards on hv-07 (reset), {rng.randint(10, 90)} series affected"
            )
        add("metrics-agent", ts, text, "herring")


def singles(start: float, end: float) -> None:
    """Small creates from the portal all along: one or two at a time, always fine."""
    for ts in ticks(start, end, 140.0):
        tenant = rng.choice(("fabrikam", "tailspin", "adatum"))
        session = session_id()
        b(
            ts - 0.1,
            14,
            "INFO",
            "VmBroker.Sessions",
            f"session={session} opened tenant={tenant} request=CreateVms count=1",
        )
        create(ts, session, next_vm(), rng.choice((1, 1, 2)), tenant)


# --------------------------------------------------------------------------- output


PATHS = {
    "broker": "logs/broker.log",
    "hypervisor": "logs/hypervisor.log",
    "inventory": "logs/inventory.log",
    "metrics-agent": "logs/metrics-agent.log",
}


def write_logs() -> dict[str, list[str]]:
    tagged: dict[str, list[str]] = {"proof": [], "relevant": [], "herring": []}
    for log, entries in logs.items():
        target = HERE / PATHS[log]
        target.parent.mkdir(parents=True, exist_ok=True)
        line = 1
        with target.open("w", encoding="utf-8", newline="\n") as handle:
            for _ts, _seq_no, text, tag in sorted(entries, key=lambda e: (e[0], e[1])):
                handle.write(text + "\n")
                if tag:
                    tagged[tag].append(f"{PATHS[log]}:{line}")
                line += text.count("\n") + 1
    return tagged


def write_truth(tagged: dict[str, list[str]]) -> None:
    truth = {
        "scenario": "example-vm-timeout",
        "type": "timeout-ack-race",
        "root_cause": (
            "Under concurrent load the hypervisor's CreateVm takes longer than the broker's 30 s "
            "WCF timeout, so the broker aborts the call while the hypervisor still creates the "
            "VM and replies late; the VMs exist but the broker never registered them."
        ),
        "proof": tagged["proof"],
        "proof_sources": ["broker", "hypervisor"],
        "relevant": tagged["proof"] + tagged["relevant"],
        "red_herrings": tagged["herring"],
    }
    (HERE / "truth.json").write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    begin, finish = (START - BASELINE).timestamp() - 600, END.timestamp()
    # Seed the inventory with VMs that exist since before the baseline.
    tenants = ("contoso", "fabrikam", "adatum")
    managed.extend((f"vm-{n}", rng.choice(tenants), 0.0) for n in range(1, 100))
    background(begin, finish)
    singles(begin, finish)
    batch(-18.0, "fabrikam", 12)  # baseline: a batch of 12 is fine
    batch(17.05, "contoso", 40)  # 14:47 — the 21st VM and later time out
    batch(39.4, "northwind", 28)
    batch(51.2, "contoso", 20)  # the customer retries in batches of 20: fine
    management_traffic(begin, finish)
    write_truth(write_logs())


if __name__ == "__main__":
    main()
