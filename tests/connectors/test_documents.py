"""The notes/docs connector: passages per paragraph, unique locators, verbatim cite."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConnectorError
from bot.manifest import parse_manifest
from connectors.base import Context, Scope
from connectors.documents import DocumentConnector, slugify
from connectors.registry import connector_class

SCOPE = Scope(start=1770733800.0, end=1770737400.0, baseline_start=1770733800.0)

RUNBOOK = """\
---
owner: platform
date: 2026-02-09
---
Intro paragraph before any heading.

Second intro line one
second intro line two.

# VM creation runbook

Check the broker first.

## Timeouts

The broker waits 30 s for the hypervisor.

Raise `ack_timeout` when acks are slow:

```yaml
broker:

  ack_timeout: 60s
```

## Timeouts

Duplicate heading: GitHub suffixes its anchor.

### What's *new* in [v2](https://example.com)?
Only one line here.
"""


def _connector(folder: Path, kind: str = "docs", paths: str = "docs/*") -> DocumentConnector:
    manifest = parse_manifest(
        f"""
case: T-1
window: {{start: 2026-02-10T14:30:00Z, end: 2026-02-10T15:30:00Z}}
sources:
  - {{name: runbooks, kind: {kind}, paths: ['{paths}']}}
""",
        base_dir=folder,
        check_files=False,
    )
    return DocumentConnector(manifest.sources[0], manifest, Context())  # type: ignore[arg-type]


def _write(folder: Path, name: str, data: str | bytes) -> None:
    path = folder / "docs" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def test_passages_locators_and_titles(tmp_path: Path) -> None:
    _write(tmp_path, "runbook.md", RUNBOOK)
    conn = _connector(tmp_path)
    passages = list(conn.read(SCOPE))
    assert [p.locator for p in passages] == [
        "docs/runbook.md",
        "docs/runbook.md#:2",
        "docs/runbook.md#vm-creation-runbook",
        "docs/runbook.md#timeouts",
        "docs/runbook.md#timeouts:2",
        "docs/runbook.md#timeouts:3",
        "docs/runbook.md#timeouts-1",
        "docs/runbook.md#whats-new-in-v2",
    ]
    assert {p.title for p in passages} == {"VM creation runbook"}
    assert passages[1].text == "Second intro line one\nsecond intro line two."
    assert passages[5].text == "```yaml\nbroker:\n\n  ack_timeout: 60s\n```"
    assert passages[3].meta == {"path": "docs/runbook.md", "heading": "Timeouts"}
    assert all(p.source == "runbooks" for p in passages)
    assert passages[0].ts == 1770595200.0  # front matter date, 2026-02-09T00:00:00Z
    assert conn.stats.records == 8
    assert [q.query for q in conn.stats.queries] == ["read docs/runbook.md"]


def test_cite_returns_each_paragraph_verbatim(tmp_path: Path) -> None:
    _write(tmp_path, "runbook.md", RUNBOOK)
    _write(tmp_path, "notes.txt", "plain note\n\nsecond note\r\nwith CRLF\r\n")
    conn = _connector(tmp_path)
    passages = list(conn.read(SCOPE))
    for passage in passages:
        assert conn.cite(passage.locator) == passage.text
    by_locator = {p.locator: p.text for p in passages}
    assert by_locator["docs/notes.txt#:2"] == "second note\nwith CRLF"
    assert conn.cite("docs/runbook.md#timeouts:1") == by_locator["docs/runbook.md#timeouts"]
    assert conn.cite("docs/runbook.md#timeouts:9") is None
    assert conn.cite("docs/runbook.md#nope") is None
    assert conn.cite("docs/missing.md#timeouts") is None


def test_cite_rereads_the_file(tmp_path: Path) -> None:
    _write(tmp_path, "a.md", "# A\n\nold text\n")
    conn = _connector(tmp_path)
    [passage] = list(conn.read(SCOPE))
    _write(tmp_path, "a.md", "# A\n\nnew text\n")
    assert conn.cite(passage.locator) == "new text"


def test_plain_text_without_headings_uses_file_name_as_title(tmp_path: Path) -> None:
    _write(tmp_path, "case-4821.txt", "Customer: VMs 21-25 unmanageable.\n\nSeen at 14:47 UTC.\n")
    passages = list(_connector(tmp_path, kind="notes").read(SCOPE))
    assert [(p.locator, p.title) for p in passages] == [
        ("docs/case-4821.txt", "case-4821.txt"),
        ("docs/case-4821.txt#:2", "case-4821.txt"),
    ]


def test_kind_follows_the_source(tmp_path: Path) -> None:
    _write(tmp_path, "a.md", "x\n")
    assert _connector(tmp_path, kind="notes").kind == "notes"
    assert _connector(tmp_path, kind="docs").stats.kind == "docs"
    assert connector_class("notes") is DocumentConnector is connector_class("docs")


def test_binary_file_is_skipped_with_a_note(tmp_path: Path) -> None:
    _write(tmp_path, "a.md", "# A\n\ntext\n")
    _write(tmp_path, "b.pdf", b"%PDF-1.7\x00\x01\x02binary")
    conn = _connector(tmp_path)
    passages = list(conn.read(SCOPE))
    assert [p.locator for p in passages] == ["docs/a.md#a"]
    assert conn.stats.notes == ["skipped docs/b.pdf: binary file, not text"]
    assert conn.cite("docs/b.pdf") is None


def test_all_files_unreadable_raises(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "x.md").symlink_to("/proc/self/mem")
    conn = _connector(tmp_path)
    with pytest.raises(ConnectorError, match=r"cannot read docs/x\.md: input/output error"):
        list(conn.read(SCOPE))


def test_no_file_raises(tmp_path: Path) -> None:
    with pytest.raises(ConnectorError, match="no file matches"):
        list(_connector(tmp_path).read(SCOPE))


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("Timeouts", "timeouts"),
        ("What's *new* in [v2](https://x.y)?", "whats-new-in-v2"),
        ("`ack_timeout` tuning", "ack_timeout-tuning"),
        ("Étape 2 — réessayer", "étape-2--réessayer"),
    ],
)
def test_slugify_matches_github(heading: str, slug: str) -> None:
    assert slugify(heading) == slug
