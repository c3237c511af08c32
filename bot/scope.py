"""The scope guard: a manifest may not reach outside the deployment's roots and hosts.

Checked before any connector is built, so nothing is read or requested out of scope.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlparse

from bot.errors import ScopeError
from bot.manifest import Manifest


def check_scope(
    manifest: Manifest,
    *,
    roots: Sequence[str | Path] | None = None,
    hosts: Sequence[str] | None = None,
) -> None:
    """Raise ScopeError naming the source when it leaves ``roots``/``hosts``.

    ``None`` means "no restriction" (the CLI on a laptop, unless configured); a list is
    the allow-list, and an empty list of hosts refuses every network source (the Slack
    deployment without ``LOGIQ_ALLOWED_HOSTS``).
    """
    for index, source in enumerate(manifest.sources):
        if roots is not None:
            for pattern in getattr(source, "paths", ()):
                _check_path(manifest, index, pattern, roots)
        url = getattr(source, "url", None)
        if url and hosts is not None:
            _check_host(index, source.name, url, hosts)


def _check_path(manifest: Manifest, index: int, pattern: str, roots: Sequence[str | Path]) -> None:
    resolved_roots = [Path(root).resolve() for root in roots]
    fixed = pattern.split("*", 1)[0].split("?", 1)[0].split("[", 1)[0]
    base = Path(fixed) if os.path.isabs(fixed) else manifest.base_dir / fixed
    candidates = [Path(os.path.realpath(base))] + [
        Path(os.path.realpath(p)) for p in manifest.resolve(pattern)
    ]
    for candidate in candidates:
        if not any(candidate.is_relative_to(root) for root in resolved_roots):
            raise ScopeError(
                f"sources[{index}].paths: {pattern!r} leaves the allowed roots "
                f"({', '.join(str(r) for r in resolved_roots)}); move the files under one of them"
            )


def _check_host(index: int, name: str, url: str, hosts: Sequence[str]) -> None:
    parsed = urlparse(url)
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise ScopeError(f"sources[{index}].url: {url!r} is not an http(s) URL")
    host = parsed.hostname.lower()
    netloc = f"{host}:{parsed.port}" if parsed.port else host
    allowed = {h.lower() for h in hosts}
    if not allowed:
        raise ScopeError(
            f"sources[{index}] ({name}): network sources are off here (LOGIQ_ALLOWED_HOSTS "
            f"is empty); ask an admin to allow {netloc!r}"
        )
    if host not in allowed and netloc not in allowed:
        raise ScopeError(
            f"sources[{index}] ({name}): host {netloc!r} is not in LOGIQ_ALLOWED_HOSTS; "
            "ask an admin to allow it or use an allowed host"
        )
