"""Tokens sent to the model per investigation: evidence pack vs chunking every log line.

    .venv/bin/python bench/llm_tokens.py [--lines 1000000] [--budget 12000]

Generates a VM-timeout-style case in memory (two sources, the incident hidden in
background noise; ``bench/gen_large_case.py`` was not available when this was written),
runs the real engine over it, builds the real evidence pack and request, and counts
tokens with the same ``count_tokens`` the reasoner uses. The naive peer sends every log
line to the model in budget-sized chunks (each chunk also repeats the system prompt).
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.engine import Engine, EngineConfig  # noqa: E402
from bot.engine.records import Record  # noqa: E402
from bot.investigate import Investigation, build_report  # noqa: E402
from bot.llm.pack import build_pack  # noqa: E402
from bot.llm.prompts import REASONER_SYSTEM, reasoner_messages  # noqa: E402
from bot.llm.refine import pack_budget  # noqa: E402
from bot.llm.tokens import count_messages, count_tokens, encoding_name  # noqa: E402
from bot.manifest import parse_manifest  # noqa: E402
from connectors import SourceStats  # noqa: E402

START = datetime(2026, 2, 10, 14, 30, tzinfo=UTC).timestamp()
BASELINE = 1800.0
END = START + 3600

MANIFEST = """\
case: BENCH-1
title: VM creation fails after the 20th machine
symptom: VMs appear in inventory but cannot be managed
window: {start: 2026-02-10T14:30:00Z, end: 2026-02-10T15:30:00Z, baseline: 30m}
sources:
  - {name: broker, kind: file, paths: [logs/broker.log]}
  - {name: hypervisor, kind: file, paths: [logs/hypervisor.log]}
correlate: {ids: ['vm-\\d+'], keywords: [timeout, ack]}
"""

NOISE = (
    "INFO GET /api/v1/vms/vm-{v} 200 {ms}ms",
    "INFO scheduler tick queue_depth={q}",
    "DEBUG cache hit key=flavor-{q}",
    "INFO heartbeat from agent-{a} ok",
    "WARN slow query {ms}ms on inventory table",
)


def stamp(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


def generate(lines: int, seed: int = 1) -> Iterator[tuple[str, float, str, str]]:
    """(source, ts, level, text) in time order, ~2/3 broker, 1/3 hypervisor."""
    rng = random.Random(seed)
    step = (BASELINE + 3600) / lines
    vm = 0
    for n in range(lines):
        ts = START - BASELINE + n * step
        source = "broker" if n % 3 else "hypervisor"
        if n % 5000 == 0:
            vm += 1
            late = ts >= START and vm % 40 >= 20  # after the 20th machine of each batch
            yield "broker", ts, "INFO", f"{stamp(ts)} INFO create vm-{vm} requested timeout=30s"
            ack = ts + (41.0 if late else 2.0)
            yield "hypervisor", ack, "INFO", f"{stamp(ack)} INFO vm-{vm} created ack sent"
            if late:
                end = ts + 30
                yield (
                    "broker",
                    end,
                    "ERROR",
                    f"{stamp(end)} ERROR create vm-{vm} timed out after 30s",
                )
            continue
        template = NOISE[rng.randrange(len(NOISE))]
        message = template.format(
            v=rng.randrange(900), ms=rng.randrange(1, 900), q=rng.randrange(64), a=rng.randrange(12)
        )
        yield source, ts, message.split(" ", 1)[0], f"{stamp(ts)} {message}"


class MemoryConnector:
    """Cites lines from memory (the bench never writes the 1M lines to disk)."""

    kind = "file"

    def __init__(self, name: str) -> None:
        self.name, self.lines = name, [""]
        self.stats = SourceStats(name=name, kind="file")

    def read(self, scope):  # pragma: no cover
        return iter(())

    def cite(self, locator: str) -> str | None:
        return self.lines[int(locator.rpartition(":")[2])]


def run(lines: int, budget: int) -> dict[str, float]:
    manifest = parse_manifest(MANIFEST, base_dir=Path("."), check_files=False)
    engine = Engine(
        EngineConfig(
            start=START,
            end=END,
            baseline_start=START - BASELINE,
            id_patterns=(r"vm-\d+",),
            keywords=("timeout", "ack"),
            symptom=manifest.symptom,
        )
    )
    connectors = {name: MemoryConnector(name) for name in ("broker", "hypervisor")}
    naive_tokens = 0
    started = time.perf_counter()
    batch: list[str] = []
    for source, ts, level, text in generate(lines):
        conn = connectors[source]
        conn.lines.append(text)
        conn.stats.records += 1
        path = f"logs/{source}.log"
        engine.add(
            Record(source, path, len(conn.lines) - 1, ts, level, text.split(" ", 2)[2], text)
        )
        batch.append(text)
        if len(batch) == 20_000:
            naive_tokens += count_tokens("\n".join(batch))
            batch.clear()
    naive_tokens += count_tokens("\n".join(batch))
    analysis = engine.finish()
    engine_s = time.perf_counter() - started
    report = build_report(manifest, analysis, connectors)  # type: ignore[arg-type]
    investigation = Investigation(manifest, report, analysis, connectors)  # type: ignore[arg-type]
    pack = build_pack(investigation.analysis, report, budget=pack_budget(budget, tools=False))
    messages = reasoner_messages(pack, case=manifest.case, symptom=manifest.symptom)
    sent = count_messages(messages)
    per_chunk = budget - count_tokens(REASONER_SYSTEM) - 50
    chunks = math.ceil(naive_tokens / per_chunk)
    naive_sent = naive_tokens + chunks * (count_tokens(REASONER_SYSTEM) + 50)
    return {
        "lines": lines,
        "sent": sent,
        "pack": count_tokens(pack.text),
        "items": len(pack.entries),
        "hypotheses": len(report.hypotheses),
        "naive": naive_sent,
        "chunks": chunks,
        "engine_s": engine_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--budget", type=int, default=12_000)
    args = parser.parse_args()
    r = run(args.lines, args.budget)
    ratio = r["sent"] / r["naive"]
    print(f"encoding: {encoding_name()}   budget: {args.budget} tokens")
    print(
        f"log lines: {r['lines']:,}   engine+counting: {r['engine_s']:.1f}s   "
        f"engine hypotheses: {r['hypotheses']}"
    )
    print(
        f"LogIQ request (one-shot): {r['sent']:,} tokens "
        f"(pack {r['pack']:,} tokens, {r['items']} evidence items)"
    )
    print(f"LogIQ worst case with tools (8 steps, each <= budget): {8 * args.budget:,} tokens")
    print(f"naive chunking of all logs: {r['naive']:,} tokens in {r['chunks']:,} requests")
    print(
        f"ratio LogIQ/naive: {ratio:.6f} (1/{1 / ratio:,.0f}); goal < 1/100: "
        f"{'met' if ratio < 0.01 else 'NOT met'}; within budget: "
        f"{'yes' if r['sent'] <= args.budget else 'NO'}"
    )


if __name__ == "__main__":
    main()
