"""Local fake API servers speaking the documented request/response shapes.

Used by the connector tests and by ``scripts/demo_services.py``. Each module holds one
API; :mod:`servers.base` is the shared threaded HTTP harness that records requests and
injects faults (429/500/slow/malformed answers).
"""
