"""Helpers for the file-connector tests: write a log, read it through the connector."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.engine.records import Record
from bot.manifest import parse_manifest
from connectors.base import Context, Scope
from connectors.files import FileConnector

WINDOW = ("2026-02-10T14:30:00Z", "2026-02-10T15:30:00Z")


def epoch(text: str) -> float:
    """Epoch seconds of an ISO instant with an explicit zone (an independent reference)."""
    return datetime.fromisoformat(text).timestamp()


def connector(
    folder: Path,
    paths: list[str],
    *,
    timezone: str | None = None,
    max_records: int | None = None,
) -> FileConnector:
    tz = f", timezone: {timezone}" if timezone else ""
    cap = f", max_records: {max_records}" if max_records else ""
    manifest = parse_manifest(
        f"""
case: T-1
window: {{start: {WINDOW[0]}, end: {WINDOW[1]}}}
sources:
  - {{name: app, kind: file, paths: [{", ".join(repr(p) for p in paths)}]{tz}{cap}}}
""",
        base_dir=folder,
        check_files=False,
    )
    return FileConnector(manifest.sources[0], manifest, Context())


def scope(start: str = WINDOW[0], end: str = WINDOW[1], baseline: str | None = None) -> Scope:
    return Scope(
        start=epoch(start.replace("Z", "+00:00")),
        end=epoch(end.replace("Z", "+00:00")),
        baseline_start=epoch((baseline or start).replace("Z", "+00:00")),
    )


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / "logs" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    if name.endswith(".gz"):
        import gzip

        content = gzip.compress(content)
    path.write_bytes(content)
    return path


def read(
    folder: Path,
    name: str,
    content: str | bytes,
    *,
    timezone: str | None = None,
    window: Scope | None = None,
) -> tuple[list[Record], FileConnector]:
    """Write ``content`` as ``logs/<name>`` and read it; every record must cite back."""
    write(folder, name, content)
    conn = connector(folder, [f"logs/{name}"], timezone=timezone)
    records = list(conn.read(window or scope()))
    assert_citable(conn, records)
    return records, conn


def assert_citable(conn: FileConnector, records: list[Record]) -> None:
    """``cite`` returns exactly the text ``read`` produced, for every record."""
    for record in records:
        assert conn.cite(record.locator) == record.text, record.locator
