"""Grouping Accuracy of LogIQ's template miner vs Drain3 on the loghub 2k samples.

Usage: python bench/template_accuracy.py [--data PATH]

Both miners see the ``Content`` column after the same masking (``bot.engine.masking``),
so the comparison measures grouping, not preprocessing. GA (Zhu et al., 2019): a
message counts as correct iff the set of messages in its predicted group equals the
set in its ground-truth group. Skips cleanly when the data folder is absent.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.engine.masking import mask  # noqa: E402
from bot.engine.templates import TemplateMiner, grouping_accuracy  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data" / "loghub-2k"

Grouper = Callable[[Sequence[str]], list[int]]


@dataclass(frozen=True, slots=True)
class Result:
    system: str
    lines: int
    ga_logiq: float
    ga_drain: float
    secs_logiq: float
    secs_drain: float


def load_system(folder: Path) -> tuple[list[str], list[str]]:
    """(contents, ground-truth event ids) of one system's structured CSV."""
    path = next(folder.glob("*_2k.log_structured.csv"))
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [r["Content"] for r in rows], [r["EventId"] for r in rows]


def logiq_groups(messages: Sequence[str]) -> list[int]:
    miner = TemplateMiner()
    ids = [miner.add(m) for m in messages]
    return [miner.resolve(i) for i in ids]


def drain_groups(messages: Sequence[str]) -> list[int]:
    from drain3 import TemplateMiner as DrainMiner
    from drain3.template_miner_config import TemplateMinerConfig

    miner = DrainMiner(config=TemplateMinerConfig())
    return [miner.add_log_message(mask(m))["cluster_id"] for m in messages]


def timed(group: Grouper, messages: Sequence[str]) -> tuple[list[int], float]:
    t0 = time.perf_counter()
    groups = group(messages)
    return groups, time.perf_counter() - t0


def evaluate(folder: Path) -> Result:
    messages, truth = load_system(folder)
    ours, secs_ours = timed(logiq_groups, messages)
    drain, secs_drain = timed(drain_groups, messages)
    return Result(
        system=folder.name,
        lines=len(messages),
        ga_logiq=grouping_accuracy(ours, truth),
        ga_drain=grouping_accuracy(drain, truth),
        secs_logiq=secs_ours,
        secs_drain=secs_drain,
    )


def systems(data: Path) -> list[Path]:
    return sorted(p for p in data.iterdir() if p.is_dir() and any(p.glob("*_structured.csv")))


def render(results: list[Result]) -> str:
    head = f"{'system':<12} {'lines':>6} {'GA LogIQ':>9} {'GA Drain3':>10} {'ms LogIQ':>9} {'ms Drain3':>10}"
    rows = [head, "-" * len(head)]
    for r in results:
        rows.append(
            f"{r.system:<12} {r.lines:>6} {r.ga_logiq:>9.3f} {r.ga_drain:>10.3f} "
            f"{r.secs_logiq * 1000:>9.1f} {r.secs_drain * 1000:>10.1f}"
        )
    n = len(results)
    avg_ours = sum(r.ga_logiq for r in results) / n
    avg_drain = sum(r.ga_drain for r in results) / n
    t_ours = sum(r.secs_logiq for r in results)
    t_drain = sum(r.secs_drain for r in results)
    rows.append("-" * len(head))
    rows.append(
        f"{'average':<12} {sum(r.lines for r in results):>6} {avg_ours:>9.3f} {avg_drain:>10.3f} "
        f"{t_ours * 1000:>9.1f} {t_drain * 1000:>10.1f}"
    )
    rows.append(
        f"GA LogIQ - Drain3: {avg_ours - avg_drain:+.3f}; "
        f"speed LogIQ/Drain3: {t_drain / t_ours:.2f}x (same masking, same run)"
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    if not args.data.is_dir() or not systems(args.data):
        print(f"template_accuracy: skipped, no loghub 2k samples under {args.data}")
        return 0
    results = [evaluate(folder) for folder in systems(args.data)]
    print(render(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
