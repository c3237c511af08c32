"""Write a large, deterministic 3-source case for the throughput benchmark.

Usage: python bench/gen_large_case.py OUT_DIR [--lines 1000000] [--seed 7]

Sources (about 150 bytes a line, ~150 MB per million lines):
  logs/app.log        log4j-style broker log (50% of lines), multi-hundred templates
  logs/access.log     nginx combined access log (30%)
  logs/events.jsonl   JSON-lines hypervisor events (20%)
The first 30 minutes are a quiet baseline; the incident hour adds timeouts, errors
and late acknowledgements. Everything comes from a seeded RNG: same args, same bytes.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

START = datetime(2026, 2, 10, 14, 0, tzinfo=UTC).timestamp()
BASELINE_S = 30 * 60
INCIDENT_S = 60 * 60
SPAN_S = BASELINE_S + INCIDENT_S

_VERBS = [
    "created",
    "started",
    "stopped",
    "resized",
    "migrated",
    "attached",
    "detached",
    "scheduled",
    "queued",
    "retried",
]
_NOUNS = [
    "vm",
    "volume",
    "snapshot",
    "image",
    "network",
    "port",
    "session",
    "lease",
    "quota",
    "task",
]
_STAGES = [
    "validate",
    "allocate",
    "reserve",
    "commit",
    "notify",
    "poll",
    "sync",
    "release",
    "verify",
    "audit",
]
_COMPONENTS = [
    "Broker",
    "Scheduler",
    "Allocator",
    "Notifier",
    "Poller",
    "Reaper",
    "Api",
    "Cache",
    "Quota",
    "Auth",
]
_LEVELS_OK = ["INFO"] * 8 + ["DEBUG"] * 3 + ["WARN"]
_PATHS = ["/api/v1/vms", "/api/v1/volumes", "/api/v1/tasks", "/healthz", "/api/v1/images"]
_AGENTS = ["curl/8.5.0", "python-httpx/0.27", "Mozilla/5.0 (X11; Linux x86_64)", "kube-probe/1.29"]

Make = Callable[[random.Random], str]


def app_templates() -> list[Make]:
    """~300 message shapes: every noun x verb x stage family, with ids and numbers."""
    shapes: list[Make] = []
    for noun in _NOUNS:
        for verb in _VERBS:
            shapes.append(
                lambda r, n=noun, v=verb: (
                    f"{n} {n}-{r.randint(1, 5000)} {v} in {r.randint(1, 900)} ms"
                )
            )
            shapes.append(
                lambda r, n=noun, v=verb: (
                    f"request {r.getrandbits(64):016x} {v} {n} for tenant t{r.randint(1, 80)}"
                )
            )
        for stage in _STAGES:
            shapes.append(
                lambda r, n=noun, s=stage: (
                    f"stage {s} of {n} job {r.randint(1000, 99999)} finished, "
                    f"{r.randint(0, 40)} items left, queue depth {r.randint(0, 300)}"
                )
            )
    return shapes


def incident_messages(r: random.Random) -> str:
    vm = f"vm-{r.randint(1, 60)}"
    return r.choice(
        [
            f"timed out waiting for hypervisor ack of {vm} after 30000 ms",
            f"create {vm} failed: socket closed by peer (session={r.getrandbits(32):08x})",
            f"retrying create of {vm}, attempt {r.randint(2, 5)} of 5",
            f"connection pool exhausted: {r.randint(20, 24)} of 20 in use",
        ]
    )


def app_lines(r: random.Random, count: int) -> Iterator[str]:
    shapes = app_templates()
    for ts in _stamps(r, count):
        incident = ts >= START + BASELINE_S and r.random() < 0.04
        level = "ERROR" if incident else r.choice(_LEVELS_OK)
        message = incident_messages(r) if incident else r.choice(shapes)(r)
        stamp = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S,%f")[:-3]
        worker = f"worker-{r.randint(1, 16)}"
        yield f"{stamp} {level:<5} [{worker}] com.example.vm.{r.choice(_COMPONENTS)} - {message}"


def access_lines(r: random.Random, count: int) -> Iterator[str]:
    for ts in _stamps(r, count):
        incident = ts >= START + BASELINE_S and r.random() < 0.05
        status = r.choice([500, 502, 504]) if incident else r.choice([200] * 12 + [201, 204, 404])
        method = r.choice(["GET"] * 5 + ["POST", "DELETE"])
        path = f"{r.choice(_PATHS)}/{r.randint(1, 9999)}"
        stamp = datetime.fromtimestamp(ts, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")
        ip = f"10.{r.randint(0, 3)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
        yield (
            f'{ip} - - [{stamp}] "{method} {path} HTTP/1.1" {status} {r.randint(80, 40000)} '
            f'"-" "{r.choice(_AGENTS)}" {r.randint(1, 30000) / 1000:.3f}'
        )


def event_lines(r: random.Random, count: int) -> Iterator[str]:
    for ts in _stamps(r, count):
        incident = ts >= START + BASELINE_S and r.random() < 0.04
        vm = f"vm-{r.randint(1, 60)}"
        if incident:
            level, msg = "warning", f"ack for {vm} sent after {r.randint(30100, 45000)} ms"
        else:
            level = r.choice(["info"] * 9 + ["debug"])
            msg = f"{r.choice(_NOUNS)} {vm} {r.choice(_VERBS)} on host hv{r.randint(1, 40)}"
        stamp = datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")
        record = {"ts": stamp.replace("+00:00", "Z"), "level": level, "service": "hypervisor"}
        record["msg"] = msg
        yield json.dumps(record)


def _stamps(r: random.Random, count: int) -> Iterator[float]:
    step = SPAN_S / max(count, 1)
    for i in range(count):
        yield START + i * step + r.random() * step


MANIFEST = """\
case: BENCH-{lines}
title: Synthetic VM creation timeouts ({lines} lines)
symptom: VM creation fails under load; creations time out while the hypervisor acks late.
window:
  start: {start}
  end: {end}
  baseline: 30m
timezone: UTC
sources:
  - name: broker
    kind: file
    paths: [logs/app.log]
  - name: edge
    kind: file
    paths: [logs/access.log]
  - name: hypervisor
    kind: file
    paths: [logs/events.jsonl]
correlate:
  ids: ['vm-\\d+']
  keywords: [timeout, ack]
"""


def write_case(out: Path, lines: int, seed: int = 7) -> Path:
    """Write the case under ``out`` and return its manifest path."""
    r = random.Random(seed)
    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    shares = {"app.log": (app_lines, 0.5), "access.log": (access_lines, 0.3)}
    shares["events.jsonl"] = (event_lines, 0.2)
    written = 0
    for index, (name, (make, share)) in enumerate(shares.items()):
        count = lines - written if index == len(shares) - 1 else int(lines * share)
        written += count
        with (logs / name).open("w", encoding="utf-8") as handle:
            handle.writelines(f"{line}\n" for line in make(r, count))
    iso = lambda ts: datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")  # noqa: E731
    manifest = out / "case.yaml"
    manifest.write_text(
        MANIFEST.format(lines=lines, start=iso(START + BASELINE_S), end=iso(START + SPAN_S)),
        encoding="utf-8",
    )
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    manifest = write_case(args.out, args.lines, args.seed)
    size = sum(p.stat().st_size for p in (args.out / "logs").iterdir())
    print(
        f"wrote {manifest} ({args.lines:,} lines, {size / 1e6:.0f} MB) "
        f"in {time.perf_counter() - t0:.1f}s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
