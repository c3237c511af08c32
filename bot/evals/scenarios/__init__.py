"""The scenario corpus: one generator module per incident type.

Each module has ``NAME``, ``TYPE`` and ``generate(out_dir: Path, seed: int = 0) -> Path``
(the manifest path). ``SCENARIOS`` maps names to generators in a stable order.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from pathlib import Path

Generator = Callable[[Path, int], Path]

_MODULES = (
    "vm_ack_race",
    "db_pool",
    "retry_storm",
    "cert_expiry",
    "dns_failure",
    "disk_full",
    "oom_kill",
    "bad_deploy",
    "clock_skew",
    "rate_limit",
    "lock_timeout",
    "cache_stampede",
    "gc_pause",
)


def _load() -> dict[str, Generator]:
    table: dict[str, Generator] = {}
    for module_name in _MODULES:
        module = import_module(f"{__name__}.{module_name}")
        table[module.NAME] = module.generate
    return table


SCENARIOS: dict[str, Generator] = _load()


def scenario_type(name: str) -> str:
    for module_name in _MODULES:
        module = import_module(f"{__name__}.{module_name}")
        if name == module.NAME:
            return str(module.TYPE)
    raise KeyError(name)
