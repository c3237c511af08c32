"""Run every benchmark in sequence: `make bench` (each skips cleanly without its inputs).

Usage: python bench/run.py [--lines 1000000] [--quick]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def run(script: str, *args: str) -> int:
    print(f"\n=== {script} {' '.join(args)}".rstrip(), flush=True)
    t0 = time.perf_counter()
    code = subprocess.call([sys.executable, str(BENCH / script), *args])
    print(f"=== {script}: exit {code} in {time.perf_counter() - t0:.0f}s", flush=True)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100k lines, no size sweep")
    args = parser.parse_args(argv)
    lines = 100_000 if args.quick else args.lines
    sizes = "" if args.quick else "250000,500000"
    codes = [
        run("template_accuracy.py"),
        run("throughput.py", "--lines", str(lines), "--sizes", sizes),
        run("llm_tokens.py", "--lines", str(lines)),
        run("slack_load.py"),
    ]
    return max(codes)


if __name__ == "__main__":
    raise SystemExit(main())
