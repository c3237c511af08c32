"""Manifests by name from the configured folder: ``<dir>/<name>.yaml|.yml`` or
``<dir>/<name>/case.yaml``. Names never contain path separators or ``..``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.errors import ManifestError
from bot.manifest import Manifest, load_manifest

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class Catalog:
    root: Path

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        found = {p.stem for p in self.root.iterdir() if p.is_file() and p.suffix in _SUFFIXES}
        found |= {p.name for p in self.root.iterdir() if (p / "case.yaml").is_file()}
        return sorted(n for n in found if _NAME.match(n))

    def find(self, name: str) -> Path:
        """The manifest file for ``name``; ManifestError naming the known ones otherwise."""
        if not _NAME.match(name) or ".." in name:
            raise ManifestError(
                f"{name!r} is not a manifest name (letters, digits, . _ - only, no paths). "
                + self._known()
            )
        for candidate in (
            self.root / f"{name}.yaml",
            self.root / f"{name}.yml",
            self.root / name / "case.yaml",
        ):
            if candidate.is_file():
                return candidate
        raise ManifestError(f"unknown manifest {name!r}. {self._known()}")

    def _known(self) -> str:
        names = self.names()
        return (
            ("Known: " + ", ".join(f"`{n}`" for n in names))
            if names
            else (f"No manifests in {self.root}; add one (see `/logiq help`).")
        )


def load_cached(path: Path) -> Manifest:
    """``load_manifest`` memoised on (path, mtime, size): an edited manifest is re-read.

    Validating YAML with pydantic and globbing the paths is the bulk of a command's
    pre-ack work; repeated commands on the same case skip it.
    """
    stat = path.stat()
    return _load(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _load(path: str, mtime_ns: int, size: int) -> Manifest:
    return load_manifest(path)
