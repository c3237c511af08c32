"""Through the real `logiq serve` process (gunicorn) and a real `logiq worker --burst`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from rq import Queue
from slack_signing import SECRET, SlackSender

from bot.session import SessionStore

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LOGIQ_"))}
    return env | {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": settings.slack_api_url,
        "REDIS_URL": settings.redis_url,
        "LOGIQ_KEY_PREFIX": settings.key_prefix,
        "LOGIQ_QUEUE": settings.queue_name,
        "LOGIQ_MANIFEST_DIR": str(settings.manifest_dir),
        "LOGIQ_SLACK_PACE": "0.02",
        "WEB_CONCURRENCY": "1",
        "LOGIQ_WEB_THREADS": "4",
        **extra,
    }


@pytest.fixture
def served(settings):
    port = _free_port()
    proc = subprocess.Popen(
        [str(BIN / "logiq"), "serve"],
        env=_env(settings, PORT=str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=0.5).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
        if proc.poll() is not None:
            pytest.fail(f"logiq serve exited: {proc.stdout.read().decode()}")
    else:
        proc.kill()
        pytest.fail("logiq serve did not become healthy")
    yield base
    proc.terminate()
    proc.wait(10)


def test_logiq_serve_and_worker_end_to_end(served, settings, fake_slack, redis_client):
    sender = SlackSender(served + "/slack/events")
    assert sender.command("help", signature="v0=bad").status_code == 401
    assert sender.command("investigate checkout").status_code == 200
    root = fake_slack.wait_for(lambda f: f.posted(channel="C0INCIDENT"), timeout=10)[0]
    queue = Queue(settings.queue_name, connection=redis_client)
    fake_slack.wait_for(lambda f: queue.count == 1)  # enqueued after the session is saved
    store = SessionStore(redis_client, prefix=settings.key_prefix, ttl=60)
    assert store.get("C0INCIDENT", root.ts).case == "INC-7"
    done = subprocess.run(
        [str(BIN / "logiq"), "worker", "--burst"],
        env=_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    session = store.get("C0INCIDENT", root.ts)
    assert session.state == "done", session.progress
    # The real engine ran on the hand-written case: whatever it concluded is in the thread.
    posted = fake_slack.posted("C0INCIDENT", root.ts)
    assert len(posted) >= 2 and fake_slack.message("C0INCIDENT", root.ts).edits >= 2


def test_missing_settings_is_one_clear_line_and_exit_2(settings):
    env = _env(settings)
    env.pop("SLACK_SIGNING_SECRET")
    done = subprocess.run(
        [str(BIN / "logiq"), "serve"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "missing required settings: SLACK_SIGNING_SECRET" in done.stderr
