"""``logiq eval``: generate the scenario corpus, investigate each case, score the reports.

Per scenario: the rank of the first hypothesis that proves the root cause, the
citation precision of that hypothesis, citation validity of every hypothesis, the
number of hypotheses and the seconds the investigation took. The committed example
(``examples/vm-timeout``) is scored as one more row when it is present.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.evals import scoring
from bot.evals.scenarios import SCENARIOS, scenario_type
from bot.manifest import Manifest, load_manifest
from bot.report import Report

logger = logging.getLogger(__name__)

EXAMPLE = "example-vm-timeout"
EXAMPLE_DIR = Path(__file__).resolve().parents[2] / "examples" / "vm-timeout"


@dataclass(frozen=True, slots=True)
class ScenarioScore:
    name: str
    type: str
    rank: int | None  # None: no hypothesis proves the root cause
    precision: float | None  # of the proving hypothesis; None on a miss
    cited: int  # cited lines/passages over all hypotheses
    invalid: tuple[str, ...]  # "H2 logs/x.log:12" for each citation not verbatim
    hypotheses: int
    seconds: float
    error: str | None = None

    @property
    def valid(self) -> bool:
        return not self.invalid and self.error is None


@dataclass(frozen=True, slots=True)
class EvalResult:
    scores: tuple[ScenarioScore, ...]

    def _share(self, hit: int) -> float:
        return hit / len(self.scores) if self.scores else 0.0

    @property
    def top1(self) -> float:
        return self._share(sum(s.rank == 1 for s in self.scores))

    @property
    def top3(self) -> float:
        return self._share(sum(s.rank is not None and s.rank <= 3 for s in self.scores))

    @property
    def mean_precision(self) -> float:
        """Mean over all scenarios; a miss counts as 0."""
        return (
            sum(s.precision or 0.0 for s in self.scores) / len(self.scores) if self.scores else 0.0
        )

    @property
    def validity(self) -> float:
        """Share of cited items that are verbatim at their locator (1.0 when none cited)."""
        cited = sum(s.cited for s in self.scores)
        bad = sum(len(s.invalid) for s in self.scores)
        return 1.0 if cited == 0 else (cited - bad) / cited

    @property
    def errors(self) -> int:
        return sum(s.error is not None for s in self.scores)

    def to_dict(self) -> dict[str, object]:
        return {
            "scenarios": [asdict(s) for s in self.scores],
            "totals": {
                "scenarios": len(self.scores),
                "top1": self.top1,
                "top3": self.top3,
                "mean_precision": self.mean_precision,
                "validity": self.validity,
                "errors": self.errors,
            },
        }


# --------------------------------------------------------------------------- running


def available() -> list[str]:
    names = list(SCENARIOS)
    if (EXAMPLE_DIR / "truth.json").is_file():
        names.append(EXAMPLE)
    return names


def run_eval(names: Sequence[str] | None = None, keep: Path | None = None) -> EvalResult:
    """Generate and score the named scenarios (all by default, example included)."""
    chosen = list(names) if names else available()
    unknown = [n for n in chosen if n not in SCENARIOS and n != EXAMPLE]
    if unknown:
        raise KeyError(
            f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(available())}"
        )
    if keep is not None:
        return EvalResult(tuple(_run_one(name, keep / name) for name in chosen))
    with tempfile.TemporaryDirectory(prefix="logiq-eval-") as tmp:
        return EvalResult(tuple(_run_one(name, Path(tmp) / name) for name in chosen))


def prepare(name: str, folder: Path) -> Path:
    """The manifest of scenario ``name``: generated into ``folder`` (the example is used as is)."""
    if name == EXAMPLE:
        return EXAMPLE_DIR / "case.yaml"
    return SCENARIOS[name](folder, 0)


def _run_one(name: str, folder: Path) -> ScenarioScore:
    manifest_path = prepare(name, folder)
    truth = scoring.load_truth(manifest_path.parent / "truth.json")
    manifest = load_manifest(manifest_path)
    started = time.perf_counter()
    try:
        report = _investigate(manifest)
    except Exception as exc:  # an engine bug fails its row, never the whole corpus
        logger.warning("scenario %s: investigation failed", name, exc_info=True)
        return ScenarioScore(
            name,
            truth.type,
            None,
            None,
            0,
            (),
            0,
            time.perf_counter() - started,
            f"{type(exc).__name__}: {exc}",
        )
    seconds = time.perf_counter() - started
    return score_report(name, report, truth, manifest, seconds)


def _investigate(manifest: Manifest) -> Report:
    from bot.investigate import investigate  # imported late: the engine may be in progress

    return investigate(manifest).report


def score_report(
    name: str, report: Report, truth: scoring.Truth, manifest: Manifest, seconds: float = 0.0
) -> ScenarioScore:
    scoring.clear_cache()
    key = scoring.Key.build(truth, manifest)
    kinds = {s.name: s.kind for s in manifest.sources}
    rank = scoring.correct_rank(report, truth, key)
    ordered = sorted(report.hypotheses, key=lambda h: h.rank)
    prec = scoring.precision(ordered[rank - 1], key, kinds) if rank else None
    return ScenarioScore(
        name=name,
        type=truth.type,
        rank=rank,
        precision=prec,
        cited=sum(len(h.evidence) for h in report.hypotheses),
        invalid=tuple(scoring.invalid_citations(report, manifest)),
        hypotheses=len(report.hypotheses),
        seconds=round(seconds, 3),
    )


# --------------------------------------------------------------------------- output


def print_table(result: EvalResult, console: object | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    out = console if isinstance(console, Console) else Console(width=max(Console().width, 110))
    table = Table(title="LogIQ eval", show_lines=False)
    for column in ("scenario", "type", "rank", "precision", "valid", "hyps", "seconds"):
        left = column in ("scenario", "type")
        table.add_column(column, justify="left" if left else "right", no_wrap=left)
    for s in result.scores:
        table.add_row(
            s.name,
            s.type,
            "miss" if s.rank is None else str(s.rank),
            "-" if s.precision is None else f"{s.precision:.2f}",
            "error" if s.error else ("yes" if s.valid else f"{len(s.invalid)} bad"),
            str(s.hypotheses),
            f"{s.seconds:.2f}",
        )
    out.print(table)
    out.print(
        f"top-1 {result.top1:.2f}  top-3 {result.top3:.2f}  "
        f"mean precision {result.mean_precision:.2f}  validity {result.validity:.1%}  "
        f"({len(result.scores)} scenarios, {result.errors} errors)"
    )
    for s in result.scores:
        if s.error:
            out.print(f"[red]{s.name}[/red]: {s.error}", markup=True, highlight=False)
        for bad in s.invalid[:5]:
            out.print(f"[red]{s.name}[/red]: not verbatim: {bad}", highlight=False)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="logiq eval", description="Score the engine on the generated incident corpus."
    )
    parser.add_argument(
        "--scenario",
        action="append",
        metavar="NAME",
        help=f"run only this scenario (repeatable); known: {', '.join(available())}",
    )
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="generate the cases into DIR and keep them"
    )
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Exit 0 when every investigation ran and every citation was verbatim, else 1."""
    args = build_parser().parse_args(argv)
    if args.list:
        for name in available():
            print(f"{name}\t{_type_of(name)}")
        return 0
    try:
        result = run_eval(args.scenario, args.keep)
    except KeyError as exc:
        print(f"logiq eval: {exc.args[0]}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print_table(result)
    return 0 if result.errors == 0 and result.validity == 1.0 else 1


def _type_of(name: str) -> str:
    if name == EXAMPLE:
        return scoring.load_truth(EXAMPLE_DIR / "truth.json").type
    return scenario_type(name)
