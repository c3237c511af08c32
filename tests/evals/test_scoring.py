"""Scoring on hand-made reports over a hand-written case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.evals.runner import EvalResult, ScenarioScore, main, print_table, score_report
from bot.evals.scoring import Key, Truth, correct_rank, invalid_citations, precision
from bot.manifest import Manifest, load_manifest
from bot.report import Evidence, Hypothesis, Report, WindowOut

API = [
    "2026-03-02 10:00:01,000 INFO request ok id=1",
    "2026-03-02 10:00:02,000 ERROR pool timeout id=2",
    "java.sql.SQLTransientConnectionException: timed out",
    "\tat com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:181)",
    "2026-03-02 10:00:03,000 INFO request ok id=3",
]
DB = [
    "2026-03-02 10:00:00.500 UTC [7] FATAL:  sorry, too many clients already",
    "2026-03-02 10:00:01.500 UTC [8] LOG:  checkpoint starting: time",
]
NOISE = ["2026-03-02T10:00:00.000Z WARN agent: scrape slow"]
RUNBOOK = "# Runbook\n\n## Pool\n\nCheck max_connections first.\n"


@pytest.fixture
def manifest(tmp_path: Path) -> Manifest:
    (tmp_path / "logs").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "logs/api.log").write_text("\n".join(API) + "\n")
    (tmp_path / "logs/db.log").write_text("\n".join(DB) + "\n")
    (tmp_path / "logs/agent.log").write_text("\n".join(NOISE) + "\n")
    (tmp_path / "docs/runbook.md").write_text(RUNBOOK)
    (tmp_path / "case.yaml").write_text(
        "case: T\nwindow: {start: 2026-03-02T10:00:00Z, end: 2026-03-02T11:00:00Z}\n"
        "sources:\n"
        "  - {name: api, kind: file, paths: [logs/api.log]}\n"
        "  - {name: db, kind: file, paths: [logs/db.log]}\n"
        "  - {name: agent, kind: file, paths: [logs/agent.log]}\n"
        "  - {name: runbooks, kind: docs, paths: [docs/*.md]}\n"
    )
    return load_manifest(tmp_path / "case.yaml")


@pytest.fixture
def truth() -> Truth:
    return Truth(
        scenario="t",
        type="connection-exhaustion",
        root_cause="x",
        proof=["logs/api.log:2", "logs/db.log:1"],
        proof_sources=["db", "api"],
        relevant=["logs/api.log:2", "logs/db.log:1", "logs/db.log:2"],
        red_herrings=["logs/agent.log:1"],
    )


def line(source: str, path: str, number: int, text: str) -> Evidence:
    return Evidence(source=source, locator=f"{path}:{number}", line=number, text=text)


def hyp(rank: int, *evidence: Evidence) -> Hypothesis:
    return Hypothesis(
        id=f"H{rank}",
        rank=rank,
        title="t",
        summary="s",
        confidence=0.5,
        evidence=list(evidence),
        sources_correlated=[],
        next_steps=[],
    )


def report(*hypotheses: Hypothesis) -> Report:
    return Report(
        case="T", window=WindowOut(start="a", end="b"), sources=[], hypotheses=list(hypotheses)
    )


API_ERROR = line("api", "logs/api.log", 2, "\n".join(API[1:4]))
DB_FATAL = line("db", "logs/db.log", 1, DB[0])
DB_CHECKPOINT = line("db", "logs/db.log", 2, DB[1])
API_OK = line("api", "logs/api.log", 1, API[0])
HERRING = line("agent", "logs/agent.log", 1, NOISE[0])
PASSAGE = Evidence(
    source="runbooks", locator="docs/runbook.md#pool", text="Check max_connections first."
)


def test_rank_is_the_first_hypothesis_citing_proof_from_every_proof_source(
    manifest: Manifest, truth: Truth
) -> None:
    key = Key.build(truth, manifest)
    r = report(hyp(1, HERRING), hyp(2, DB_FATAL), hyp(3, DB_FATAL, API_ERROR), hyp(4, API_ERROR))
    assert correct_rank(r, truth, key) == 3


def test_rank_follows_rank_field_not_list_order(manifest: Manifest, truth: Truth) -> None:
    key = Key.build(truth, manifest)
    r = report(hyp(2, DB_FATAL, API_ERROR), hyp(1, HERRING))
    assert correct_rank(r, truth, key) == 2


def test_a_hypothesis_missing_one_proof_source_is_a_miss(manifest: Manifest, truth: Truth) -> None:
    key = Key.build(truth, manifest)
    r = report(hyp(1, DB_FATAL, DB_CHECKPOINT), hyp(2, API_ERROR, API_OK))
    assert correct_rank(r, truth, key) is None
    assert correct_rank(report(), truth, key) is None


def test_precision_counts_log_lines_only(manifest: Manifest, truth: Truth) -> None:
    key = Key.build(truth, manifest)
    kinds = {s.name: s.kind for s in manifest.sources}
    h = hyp(1, DB_FATAL, API_ERROR, API_OK, HERRING, PASSAGE)
    assert precision(h, key, kinds) == pytest.approx(2 / 4)
    assert precision(hyp(1, PASSAGE), key, kinds) is None
    assert precision(hyp(1, DB_FATAL, DB_CHECKPOINT), key, kinds) == 1.0


def test_valid_citations_multi_line_and_passages_pass(manifest: Manifest) -> None:
    r = report(hyp(1, API_ERROR, DB_FATAL, PASSAGE), hyp(2, HERRING))
    assert invalid_citations(r, manifest) == []


@pytest.mark.parametrize(
    "bad",
    [
        line("db", "logs/db.log", 1, DB[0] + " "),  # not verbatim
        line("db", "logs/db.log", 2, DB[0]),  # right text, wrong line
        line("db", "logs/db.log", 9, DB[0]),  # out of range
        line("api", "logs/api.log", 2, "\n".join([*API[1:3], API[4]])),  # a line left out
        line("api", "logs/missing.log", 1, API[0]),  # no such file
        Evidence(source="runbooks", locator="docs/runbook.md#pool", text="Restart it."),
        Evidence(source="nope", locator="logs/db.log:1", line=1, text=DB[0]),  # unknown source
    ],
)
def test_invalid_citations_are_reported(manifest: Manifest, bad: Evidence) -> None:
    r = report(hyp(1, DB_FATAL), hyp(2, bad))
    assert invalid_citations(r, manifest) == [f"H2 {bad.locator}"]


def test_redacted_citation_of_a_secret_line_is_valid(tmp_path: Path, manifest: Manifest) -> None:
    from bot.redact import redact

    raw = "2026-03-02 10:00:04,000 INFO login password=hunter22 ok"
    with (manifest.base_dir / "logs/api.log").open("a") as handle:
        handle.write(raw + "\n")
    cited = line("api", "logs/api.log", len(API) + 1, redact(raw))
    assert cited.text != raw
    assert invalid_citations(report(hyp(1, cited)), manifest) == []


def test_score_report_and_totals(manifest: Manifest, truth: Truth) -> None:
    hit = score_report("a", report(hyp(1, DB_FATAL, API_ERROR, HERRING)), truth, manifest, 0.1)
    second = score_report(
        "b", report(hyp(1, HERRING), hyp(2, DB_FATAL, API_ERROR)), truth, manifest
    )
    miss = score_report(
        "c", report(hyp(1, DB_FATAL, line("db", "logs/db.log", 2, "x"))), truth, manifest
    )
    assert (hit.rank, hit.precision, hit.valid) == (1, pytest.approx(2 / 3), True)
    assert (second.rank, second.precision, second.hypotheses) == (2, 1.0, 2)
    assert (miss.rank, miss.precision, miss.valid, miss.invalid) == (
        None,
        None,
        False,
        ("H1 logs/db.log:2",),
    )
    result = EvalResult((hit, second, miss))
    assert result.top1 == pytest.approx(1 / 3)
    assert result.top3 == pytest.approx(2 / 3)
    assert result.mean_precision == pytest.approx((2 / 3 + 1.0) / 3)
    assert result.validity == pytest.approx(7 / 8)  # 8 cited items, one not verbatim
    totals = json.loads(json.dumps(result.to_dict()))["totals"]
    assert totals["scenarios"] == 3 and totals["errors"] == 0


def test_print_table_shows_rows_and_totals(manifest: Manifest, truth: Truth) -> None:
    from rich.console import Console

    console = Console(record=True, width=140)
    errored = ScenarioScore("boom", "t", None, None, 0, (), 0, 0.0, "ImportError: x")
    hit = score_report("a", report(hyp(1, DB_FATAL, API_ERROR)), truth, manifest)
    print_table(EvalResult((hit, errored)), console)
    text = console.export_text()
    assert "connection-exhaustion" in text and "miss" in text and "ImportError: x" in text
    assert "top-1 0.50" in text and "top-3 0.50" in text


def test_cli_rejects_unknown_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--scenario", "no-such-thing"]) == 2
    assert "unknown scenario" in capsys.readouterr().err


def test_cli_lists_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list"]) == 0
    assert "db-pool-exhaustion\tconnection-exhaustion" in capsys.readouterr().out
