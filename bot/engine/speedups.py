"""The C versions of the engine's hot loops, when they were built; else ``None``.

``setup.py`` builds ``bot/engine/_speedups.c`` where a compiler is found. Each C function
does what a Python function next to its caller does (``masking._mask_words``,
``masking._has_span``, ``identifiers.IdentifierExtractor._scan_words`` and
``no_identifier``, ``IdIndex.note`` for tracked identifiers and first sightings,
``measures._duration_of``, ``templates._best_match``, ``Engine._count``, and the record
loop ``Engine.add_all`` as ``Engine.add_record`` does it), and the tests compare the two.
``LOGIQ_PURE_PYTHON=1`` runs the Python versions.
"""

from __future__ import annotations

import os
from types import ModuleType


def _load() -> ModuleType | None:
    if os.environ.get("LOGIQ_PURE_PYTHON"):
        return None
    try:
        from bot.engine import _speedups
    except ImportError:
        return None
    return _speedups


native = _load()
