"""Case manifests: the contract's fields, and one clear message per mistake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.durations import parse_duration
from bot.errors import ManifestError, ScopeError
from bot.manifest import FileSource, JiraSource, load_manifest
from bot.scope import check_scope

GOOD = """\
case: INC-1
title: Checkout fails
symptom: customers see 502s
window:
  start: 2026-02-10T14:30:00Z
  end: 2026-02-10T15:30:00Z
  baseline: 30m
timezone: UTC
sources:
  - name: app
    kind: file
    paths: [logs/app-*.log, logs/app.log.gz]
    timezone: America/Los_Angeles
  - name: tickets
    kind: jira
    url: https://jira.example.com
    jql: project = SHOP
    auth: {email_env: JIRA_EMAIL, token_env: JIRA_TOKEN}
  - name: runbooks
    kind: docs
    paths: [docs/*.md]
correlate:
  ids: ['order-\\d+', 'session=(?P<id>[0-9a-f]+)']
  keywords: [timeout]
"""


@pytest.fixture
def case(tmp_path: Path) -> Path:
    (tmp_path / "logs").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "logs" / "app-1.log").write_text("2026-02-10 14:31:00 INFO hi\n")
    (tmp_path / "logs" / "app.log.gz").write_bytes(b"")
    (tmp_path / "docs" / "runbook.md").write_text("# Runbook\n")
    return tmp_path


def write(folder: Path, text: str) -> Path:
    path = folder / "case.yaml"
    path.write_text(text)
    return path


def test_contract_manifest_loads(case: Path) -> None:
    manifest = load_manifest(write(case, GOOD))
    assert manifest.case == "INC-1"
    assert manifest.window.start == datetime(2026, 2, 10, 14, 30, tzinfo=UTC)
    assert manifest.window.baseline == timedelta(minutes=30)
    assert manifest.window.baseline_start == datetime(2026, 2, 10, 14, 0, tzinfo=UTC)
    app = manifest.sources[0]
    assert isinstance(app, FileSource) and app.timezone == "America/Los_Angeles"
    assert [manifest.relative(p) for p in manifest.resolve(app.paths[0])] == ["logs/app-1.log"]
    assert isinstance(manifest.sources[1], JiraSource)
    assert manifest.sources[1].auth.token_env == "JIRA_TOKEN"
    assert manifest.correlate.ids[0] == r"order-\d+"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "paths: [logs/app-*.log, logs/app.log.gz]",
            "paths: [logs/brokr-*.log]",
            "sources[0].paths: no file matches 'logs/brokr-*.log' (relative to",
        ),
        (
            "    paths: [docs/*.md]",
            "    pahts: [docs/*.md]",
            "sources[2].pahts: unknown key; did you mean 'paths'?",
        ),
        ("kind: jira", "kind: jiira", "sources[1]: unknown kind 'jiira'; use one of file, loki"),
        (
            "baseline: 30m",
            "baseline: half an hour",
            "window.baseline: 'half an hour' is not a duration",
        ),
        (
            "end: 2026-02-10T15:30:00Z",
            "end: 2026-02-10T13:30:00Z",
            "window: end 2026-02-10T13:30:00+00:00 is not after start",
        ),
        ("timezone: UTC", "timezone: Mars/Olympus", "timezone: unknown time zone 'Mars/Olympus'"),
        ("case: INC-1\n", "", "case: required but missing; add it"),
        (
            "ids: ['order-",
            "ids: ['order-(",
            "correlate.ids: 'order-(\\\\d+' is not a valid regular expression",
        ),
        (
            "title: Checkout fails",
            "titel: Checkout fails",
            "titel: unknown key; did you mean 'title'?",
        ),
        ("  - name: runbooks", "  - name: app", "source name 'app' is used twice"),
    ],
)
def test_validation_errors_name_field_and_fix(case: Path, old: str, new: str, message: str) -> None:
    assert old in GOOD, old
    with pytest.raises(ManifestError) as err:
        load_manifest(write(case, GOOD.replace(old, new)))
    assert message in str(err.value)


def test_invalid_yaml_reports_line(case: Path) -> None:
    with pytest.raises(ManifestError, match=r"line \d+, column \d+: invalid YAML"):
        load_manifest(write(case, "case: [unclosed\nwindow: {"))


def test_missing_and_non_mapping_manifests(case: Path) -> None:
    with pytest.raises(ManifestError, match="manifest not found"):
        load_manifest(case / "nope.yaml")
    with pytest.raises(ManifestError, match="YAML mapping"):
        load_manifest(write(case, "- just\n- a list\n"))


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30m", 1800), ("2h", 7200), ("PT1H30M", 5400), ("90s", 90), ("1d", 86400)],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text).total_seconds() == seconds


def test_scope_guard_refuses_paths_outside_roots_and_unknown_hosts(
    case: Path, tmp_path_factory
) -> None:
    manifest = load_manifest(write(case, GOOD))
    check_scope(manifest, roots=[case], hosts=["jira.example.com"])
    elsewhere = tmp_path_factory.mktemp("other")
    with pytest.raises(ScopeError, match=r"sources\[0\]\.paths: .* leaves the allowed roots"):
        check_scope(manifest, roots=[elsewhere])
    with pytest.raises(
        ScopeError, match=r"host 'jira\.example\.com' is not in LOGIQ_ALLOWED_HOSTS"
    ):
        check_scope(manifest, hosts=["jira.internal"])
    with pytest.raises(ScopeError, match=r"sources\[1\] \(tickets\): network sources are off"):
        check_scope(manifest, hosts=[])  # an empty allow-list refuses, it does not open


def test_scope_guard_catches_parent_escape_and_symlinks(case: Path, tmp_path_factory) -> None:
    outside = tmp_path_factory.mktemp("secrets")
    (outside / "shadow.log").write_text("x\n")
    (case / "logs" / "link.log").symlink_to(outside / "shadow.log")
    escaping = GOOD.replace(
        "paths: [logs/app-*.log, logs/app.log.gz]", f"paths: ['../{outside.name}/*.log']"
    )
    manifest = load_manifest(write(case, escaping), check_files=False)
    with pytest.raises(ScopeError):
        check_scope(manifest, roots=[case])
    linked = GOOD.replace("paths: [logs/app-*.log, logs/app.log.gz]", "paths: [logs/link.log]")
    with pytest.raises(ScopeError):
        check_scope(load_manifest(write(case, linked)), roots=[case])
