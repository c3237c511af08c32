"""/logiq text parsing, window overrides and manifest lookup by name."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import write_case

from bot.errors import ManifestError
from bot.manifest import load_manifest
from bot.slack.catalog import Catalog
from bot.slack.command import Command, CommandError, apply_overrides, parse_command


@pytest.mark.parametrize("text", ["", "help", "--help"])
def test_help(text):
    assert parse_command(text).action == "help"


def test_investigate_with_since_and_symptom_words():
    assert parse_command("investigate vm-timeout --since 2h VMs can't be managed") == Command(
        "investigate", "vm-timeout", since="2h", symptom="VMs can't be managed"
    )


def test_investigate_with_from_to_equals_form():
    cmd = parse_command("investigate c --from=2026-03-01T10:00 --to 2026-03-01T10:30")
    assert (cmd.start, cmd.end, cmd.symptom) == ("2026-03-01T10:00", "2026-03-01T10:30", "")


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("investigate", "which case"),
        ("investigate c --since", "needs a value"),
        ("investigate c --since 2h --from 2026-03-01T10:00 --to 2026-03-01T11:00", "either"),
        ("investigate c --from 2026-03-01T10:00", "needs `--to`"),
        ("investigate c --verbose", "unknown option"),
        ("explode", "unknown subcommand"),
    ],
)
def test_bad_commands_say_how_to_fix(text, fragment):
    with pytest.raises(CommandError, match=fragment):
        parse_command(text)


def test_since_sets_window_ending_now(tmp_path: Path):
    manifest = load_manifest(write_case(tmp_path))
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC).timestamp()
    out = apply_overrides(manifest, parse_command("investigate c --since 90m slow pay"), now=now)
    assert out.window.end.timestamp() == now
    assert out.window.start.timestamp() == now - 5400
    assert out.window.baseline == manifest.window.baseline
    assert out.symptom == "slow pay"


def test_from_to_are_read_in_the_case_zone(tmp_path: Path):
    body = (tmp_path / "x").parent  # noqa: F841 - keep tmp_path alive
    manifest = load_manifest(write_case(tmp_path)).model_copy(update={"timezone": "Europe/Berlin"})
    out = apply_overrides(
        manifest, parse_command("investigate c --from 2026-03-01T11:00 --to 2026-03-01T12:00")
    )
    assert out.window.start == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    assert out.symptom == manifest.symptom


@pytest.mark.parametrize(
    "text",
    [
        "investigate c --from 2026-03-01T12:00Z --to 2026-03-01T11:00Z",
        "investigate c --from yesterday --to today",
        "investigate c --since soon",
        "investigate c --since 0m",
    ],
)
def test_bad_windows(tmp_path: Path, text):
    manifest = load_manifest(write_case(tmp_path))
    with pytest.raises(CommandError, match="bad window"):
        apply_overrides(manifest, parse_command(text))


def test_catalog_finds_three_layouts_and_refuses_paths(tmp_path: Path):
    write_case(tmp_path, "flat")
    (tmp_path / "short.yml").write_text("case: X\n")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "case.yaml").write_text("case: Y\n")
    catalog = Catalog(tmp_path)
    assert catalog.names() == ["flat", "folder", "short"]
    assert catalog.find("folder") == tmp_path / "folder" / "case.yaml"
    assert catalog.find("short") == tmp_path / "short.yml"
    for bad in ["../flat", "folder/case", "..", "/etc/passwd"]:
        with pytest.raises(ManifestError, match="not a manifest name"):
            catalog.find(bad)
    with pytest.raises(
        ManifestError, match=r"unknown manifest 'nope'\. Known: `flat`, `folder`, `short`"
    ):
        catalog.find("nope")
