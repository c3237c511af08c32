"""The corpus itself: valid manifests, deterministic bytes, truthful answer keys."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from bot.evals.runner import EXAMPLE, EXAMPLE_DIR, prepare
from bot.evals.scenarios import SCENARIOS
from bot.evals.scoring import Key, file_owners, load_truth
from bot.manifest import load_manifest

# A timestamp in one of the native formats the corpus uses, near the start of a line.
STAMP = re.compile(
    r"\d{4}[-/]\d{2}[-/]\d{2}[ T]\d{2}:\d{2}:\d{2}"  # ISO, log4j, postgres, nginx error
    r"|\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2}"  # nginx/haproxy access
    r"|[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}"  # syslog
    r"|\d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}"  # redis
    r"|\"time\":\d{13}"  # JSON with epoch millis
)
# Words that would state a root cause outright in a log line.
EXPLANATIONS = ("root cause", "because of", "due to the", "late ack", "after the timeout")
ALL = [*SCENARIOS, EXAMPLE]


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("corpus")
    return {name: prepare(name, root / name) for name in ALL}


def test_corpus_has_enough_distinct_incident_types(cases: dict[str, Path]) -> None:
    types = {load_truth(cases[name].parent / "truth.json").type for name in SCENARIOS}
    assert len(SCENARIOS) >= 12
    assert len(types) == len(SCENARIOS)


@pytest.mark.parametrize("name", ALL)
def test_manifest_loads_and_window_has_a_baseline(name: str, cases: dict[str, Path]) -> None:
    manifest = load_manifest(cases[name])
    assert manifest.window.baseline is not None
    truth = load_truth(cases[name].parent / "truth.json")
    assert set(truth.proof_sources) <= {s.name for s in manifest.sources}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_generation_is_deterministic(name: str, tmp_path: Path) -> None:
    first = _digest(SCENARIOS[name](tmp_path / "a", 0).parent)
    second = _digest(SCENARIOS[name](tmp_path / "b", 0).parent)
    assert first == second


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_seed_changes_the_data(name: str, tmp_path: Path) -> None:
    assert _digest(SCENARIOS[name](tmp_path / "a", 0).parent) != _digest(
        SCENARIOS[name](tmp_path / "b", 1).parent
    )


@pytest.mark.parametrize("name", ALL)
def test_truth_locators_start_timestamped_records(name: str, cases: dict[str, Path]) -> None:
    folder = cases[name].parent
    truth = load_truth(folder / "truth.json")
    assert set(truth.proof) <= set(truth.relevant)
    assert not set(truth.relevant) & set(truth.red_herrings)
    files: dict[str, list[str]] = {}
    for locator in truth.relevant + truth.red_herrings:
        path, _, line = locator.rpartition(":")
        if path not in files:
            files[path] = _lines(folder / path)
        lines = files[path]
        assert 1 <= int(line) <= len(lines), locator
        text = lines[int(line) - 1]
        assert text and not text[0].isspace(), locator
        assert STAMP.search(text[:120]), f"{locator}: no timestamp in {text[:80]!r}"


@pytest.mark.parametrize("name", ALL)
def test_proof_spans_every_proof_source(name: str, cases: dict[str, Path]) -> None:
    manifest = load_manifest(cases[name])
    truth = load_truth(cases[name].parent / "truth.json")
    key = Key.build(truth, manifest)
    assert "?" not in key.proof_by_source, "a proof line lies outside every source"
    for source in truth.proof_sources:
        assert key.proof_by_source.get(source), f"no proof line from {source}"


@pytest.mark.parametrize("name", ALL)
def test_no_log_line_states_the_root_cause(name: str, cases: dict[str, Path]) -> None:
    manifest = load_manifest(cases[name])
    for path in file_owners(manifest):
        if (cases[name].parent / path).suffix == ".md":
            continue
        for number, line in enumerate(_lines(cases[name].parent / path), 1):
            lowered = line.lower()
            found = [word for word in EXPLANATIONS if word in lowered]
            assert not found, f"{path}:{number} explains the incident: {found}"


@pytest.mark.parametrize("name", ALL)
def test_sources_are_realistically_sized(name: str, cases: dict[str, Path]) -> None:
    manifest = load_manifest(cases[name])
    sizes = {
        path: len(_lines(cases[name].parent / path))
        for path in file_owners(manifest)
        if path.startswith("logs/")
    }
    assert max(sizes.values()) >= 1000, sizes
    assert sum(sizes.values()) <= 40_000, sizes


def test_example_is_committed_and_up_to_date(tmp_path: Path) -> None:
    """The committed example equals what its generator writes (so nobody edits it by hand)."""
    import runpy
    import shutil

    copy = tmp_path / "vm-timeout"
    shutil.copytree(EXAMPLE_DIR, copy, ignore=shutil.ignore_patterns("logs", "truth.json"))
    runpy.run_path(str(copy / "generate.py"), run_name="__main__")
    for relative in (
        "logs/broker.log",
        "logs/hypervisor.log",
        "logs/inventory.log",
        "logs/metrics-agent.log",
        "truth.json",
    ):
        assert (copy / relative).read_bytes() == (EXAMPLE_DIR / relative).read_bytes(), relative


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")
