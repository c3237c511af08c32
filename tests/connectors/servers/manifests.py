"""Manifests for connector tests, built from plain dicts (validated like a YAML file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.manifest import Manifest

WINDOW = {"start": "2026-02-10T14:30:00Z", "end": "2026-02-10T15:30:00Z", "baseline": "30m"}


def manifest(*sources: dict[str, Any], base_dir: Path = Path("."), **extra: Any) -> Manifest:
    data = {"case": "TEST-1", "window": WINDOW, "sources": list(sources), **extra}
    return Manifest.model_validate({**data, "base_dir": base_dir})
