"""Throughput and peak memory: LogIQ's full investigation vs Drain3's template miner.

Usage: python bench/throughput.py [--lines 1000000] [--sizes 250000,500000] [--skip-drain]

Generates the synthetic case (cached in bench/out/), then runs each measurement in
its own subprocess so peak RSS belongs to that run alone:
  (a) logiq   bot.investigate.investigate(load_manifest(case.yaml)): read, parse,
              mine, correlate, verify; everything included
  (b) drain3  drain3.TemplateMiner.add_log_message over the message part of every
              line, configured with the masking of Drain3's own example configuration
              (examples/drain3.ini: ids, IPs, hex sequences, numbers), as Drain3 is run
              in practice (about 60-70k lines/s); reading and splitting excluded from
              the time (generous to the peer)
  (b') drain3-plain  the same without any masking (Drain3's bare defaults; it then
              masks nothing and only wildcards tokens holding digits)
  (c) miner   LogIQ's TemplateMiner.add over the same messages (where time goes)
  (a') logiq-python  (a) again with LOGIQ_PURE_PYTHON=1, when the C loops are built
RSS of (a) is also measured on smaller cases (default 250k and 500k lines).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))


def case_dir(lines: int) -> Path:
    return OUT / f"case-{lines}"


def ensure_case(lines: int) -> Path:
    """The manifest of the cached case with ``lines`` lines, generated when missing."""
    from gen_large_case import write_case

    folder = case_dir(lines)
    manifest = folder / "case.yaml"
    done = folder / ".complete"
    if not done.exists():
        t0 = time.perf_counter()
        write_case(folder, lines)
        done.touch()
        print(f"generated {manifest} in {time.perf_counter() - t0:.1f}s", flush=True)
    return manifest


# --------------------------------------------------------------------------- children


def messages(manifest: Path) -> list[str]:
    """The message part of every line of the case (what a template miner is fed)."""
    logs = manifest.parent / "logs"
    out: list[str] = []
    with (logs / "app.log").open(encoding="utf-8") as handle:
        out.extend(line.rstrip("\n").split(" - ", 1)[-1] for line in handle)
    with (logs / "access.log").open(encoding="utf-8") as handle:
        out.extend(line.rstrip("\n").split("] ", 1)[-1] for line in handle)
    with (logs / "events.jsonl").open(encoding="utf-8") as handle:
        out.extend(json.loads(line)["msg"] for line in handle)
    return out


def run_logiq(manifest: Path, lines: int) -> dict[str, object]:
    from bot.investigate import investigate
    from bot.manifest import load_manifest
    from connectors import Context

    t0 = time.perf_counter()
    result = investigate(load_manifest(manifest), context=Context(max_records=lines * 2))
    seconds = time.perf_counter() - t0
    records = sum(s.records for s in result.stats)
    return {
        "lines": lines,
        "records": records,
        "seconds": seconds,
        "hypotheses": len(result.report.hypotheses),
    }


# The masking list of Drain3's example configuration (examples/drain3.ini).
DRAIN3_EXAMPLE_MASKING = [
    (r"((?<=[^A-Za-z0-9])|^)(([0-9a-f]{2,}:){3,}([0-9a-f]{2,}))((?=[^A-Za-z0-9])|$)", "ID"),
    (r"((?<=[^A-Za-z0-9])|^)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})((?=[^A-Za-z0-9])|$)", "IP"),
    (r"((?<=[^A-Za-z0-9])|^)([0-9a-f]{6,} ?){3,}((?=[^A-Za-z0-9])|$)", "SEQ"),
    (r"((?<=[^A-Za-z0-9])|^)([0-9A-F]{4} ?){4,}((?=[^A-Za-z0-9])|$)", "SEQ"),
    (r"((?<=[^A-Za-z0-9])|^)(0x[a-f0-9A-F]+)((?=[^A-Za-z0-9])|$)", "HEX"),
    (r"((?<=[^A-Za-z0-9])|^)([\-\+]?\d+)((?=[^A-Za-z0-9])|$)", "NUM"),
    (r"(?<=executed cmd )(\".+?\")", "CMD"),
]


def run_drain3(manifest: Path, lines: int, *, masking: bool = True) -> dict[str, object]:
    from drain3 import TemplateMiner as DrainMiner
    from drain3.masking import MaskingInstruction
    from drain3.template_miner_config import TemplateMinerConfig

    batch = messages(manifest)
    config = TemplateMinerConfig()
    if masking:
        config.masking_instructions = [
            MaskingInstruction(pattern, name) for pattern, name in DRAIN3_EXAMPLE_MASKING
        ]
    miner = DrainMiner(config=config)
    add = miner.add_log_message
    t0 = time.perf_counter()
    for message in batch:
        add(message)
    seconds = time.perf_counter() - t0
    return {"lines": len(batch), "seconds": seconds, "templates": len(miner.drain.clusters)}


def run_drain3_plain(manifest: Path, lines: int) -> dict[str, object]:
    return run_drain3(manifest, lines, masking=False)


def run_miner(manifest: Path, lines: int) -> dict[str, object]:
    from bot.engine.templates import TemplateMiner

    batch = messages(manifest)
    miner = TemplateMiner()
    add = miner.add
    t0 = time.perf_counter()
    for message in batch:
        add(message)
    seconds = time.perf_counter() - t0
    return {"lines": len(batch), "seconds": seconds, "templates": len(miner)}


CHILDREN = {
    "logiq": run_logiq,
    "drain3": run_drain3,
    "drain3-plain": run_drain3_plain,
    "miner": run_miner,
}


def child_main(mode: str, manifest: Path, lines: int) -> int:
    try:
        result = CHILDREN[mode](manifest, lines)
    except Exception as exc:  # reported to the parent as a value, not a crash
        result = {"error": f"{type(exc).__name__}: {exc}"}
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Sources read in worker processes (large cases on several cores) peak separately;
    # their largest peak is reported too, so memory is not under-counted.
    result["reader_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(result))
    return 0


def measure(
    mode: str, manifest: Path, lines: int, env: dict[str, str] | None = None
) -> dict[str, object]:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        mode,
        "--manifest",
        str(manifest),
        "--lines",
        str(lines),
    ]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, check=False, env={**os.environ, **(env or {})}
    )
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"error": (proc.stderr.strip().splitlines() or ["no output"])[-1]}


# --------------------------------------------------------------------------- report


def _row(name: str, r: dict[str, object]) -> str:
    if "error" in r:
        return f"{name:<12} failed: {r['error']}"
    lines, secs = float(r["lines"]), float(r["seconds"])  # type: ignore[arg-type]
    return (
        f"{name:<12} {int(lines):>10,} {secs:>9.2f} {lines / secs:>12,.0f} "
        f"{float(r['peak_rss_mb']):>10.0f}"  # type: ignore[arg-type]
    )


def native_loops() -> bool:
    from bot.engine.speedups import native

    return native is not None


def _largest_rss(r: dict[str, object]) -> float:
    return max(float(r["peak_rss_mb"]), float(r.get("reader_rss_mb") or 0))  # type: ignore[arg-type]


def _speed(r: dict[str, object]) -> float | None:
    if "error" in r:
        return None
    return float(r["lines"]) / float(r["seconds"])  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--sizes", default="250000,500000", help="extra sizes for LogIQ's RSS")
    parser.add_argument("--skip-drain", action="store_true")
    parser.add_argument("--child", choices=sorted(CHILDREN))
    parser.add_argument("--manifest", type=Path)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args.child, args.manifest, args.lines)

    manifest = ensure_case(args.lines)
    results = {"logiq": measure("logiq", manifest, args.lines)}
    if native_loops():  # the same run without the C loops, to show what they bring
        pure = {"LOGIQ_PURE_PYTHON": "1"}
        results["logiq-python"] = measure("logiq", manifest, args.lines, env=pure)
    if not args.skip_drain:
        results["drain3"] = measure("drain3", manifest, args.lines)
        results["drain3-plain"] = measure("drain3-plain", manifest, args.lines)
    results["miner"] = measure("miner", manifest, args.lines)

    print(f"\n{'run':<12} {'lines':>10} {'seconds':>9} {'lines/s':>12} {'peak MB':>10}")
    for name, result in results.items():
        print(_row(name, result))
    print(f"engine loops: {'C (bot/engine/_speedups.c)' if native_loops() else 'pure Python'}")
    ours, miner = _speed(results["logiq"]), _speed(results["miner"])
    for peer_name, label in [
        ("drain3", "Drain3 miner alone, its example masking"),
        ("drain3-plain", "Drain3 miner alone, no masking"),
    ]:
        peer = _speed(results.get(peer_name, {"error": ""}))
        if ours and peer:
            goal = " (goal >= 3x)" if peer_name == "drain3" else ""
            print(f"LogIQ full pipeline / {label}: {ours / peer:.2f}x{goal}")
        if miner and peer:
            print(f"LogIQ miner alone   / {label}: {miner / peer:.2f}x")
    if "error" not in results["logiq"]:
        logiq = results["logiq"]
        print(
            f"LogIQ peak RSS {float(logiq['peak_rss_mb']):.0f} MB in the main process, "  # type: ignore[arg-type]
            f"{float(logiq.get('reader_rss_mb', 0)):.0f} MB in the largest reader process "  # type: ignore[arg-type]
            "(goal < 1024 MB)"
        )

    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()} - {args.lines})
    growth = []
    for size in sizes:
        growth.append((size, measure("logiq", ensure_case(size), size)))
    growth.append((args.lines, results["logiq"]))
    print("\nLogIQ peak RSS by case size (the larger of the main and any reader process):")
    for size, result in growth:
        shown = "failed" if "error" in result else f"{_largest_rss(result):.0f} MB"
        print(f"  {size:>10,} lines: {shown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
