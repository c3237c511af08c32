"""Shared fixtures: a real Redis with a per-test key prefix, temporary case folders."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def redis_url() -> str:
    return os.environ.get("LOGIQ_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_client(redis_url: str):
    """A real Redis connection; the test owns keys under ``redis_prefix`` only."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        client.ping()
    except redis.ConnectionError as exc:  # pragma: no cover - environment problem
        pytest.fail(f"Redis does not answer at {redis_url}: {exc}; run the tests via `make test`")
    yield client
    client.close()


@pytest.fixture
def redis_prefix(redis_client) -> Iterator[str]:
    """A unique key prefix; every key under it is deleted after the test (never FLUSHALL)."""
    prefix = f"logiq-test:{uuid.uuid4().hex[:12]}:"
    yield prefix
    for key in redis_client.scan_iter(match=prefix + "*", count=500):
        redis_client.delete(key)
