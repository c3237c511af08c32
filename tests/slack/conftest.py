"""Slack test kit: a fake Slack Web API, the real app over HTTP, a real RQ worker.

Fixtures compose as: ``fake_slack`` + ``settings`` (unique Redis prefix and queue)
-> ``app_server`` (the real WSGI app in a loopback HTTP server) -> ``sender`` (signed
requests) ; ``run_jobs(investigate=...)`` drains the queue with an in-process RQ worker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from fake_slack import FakeSlack
from rq import Queue, SimpleWorker
from slack_signing import SECRET, SlackSender

from bot import jobs
from bot.serve import EVENTS_PATH, build_wsgi
from bot.settings import Settings
from bot.worker import NoCommandsMixin

CASE_YAML = """\
case: INC-7
title: Checkout stalls under load
symptom: Orders hang at payment.
window:
  start: 2026-03-01T10:00:00Z
  end: 2026-03-01T11:00:00Z
  baseline: 10m
timezone: UTC
sources:
  - name: api
    kind: file
    paths: [logs/api.log]
  - name: payments
    kind: file
    paths: [logs/payments.log]
correlate:
  ids: ['order-\\d+']
"""


def write_case(root: Path, name: str = "checkout", body: str = CASE_YAML) -> Path:
    """A small hand-written case: ``<root>/<name>.yaml`` plus its log files."""
    logs = root / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    (logs / "api.log").write_text(
        "2026-03-01T10:01:00Z INFO order-1 accepted\n"
        "2026-03-01T10:02:00Z ERROR order-2 payment timeout after 30s\n"
    )
    (logs / "payments.log").write_text("2026-03-01T10:02:01Z INFO order-2 charged\n")
    path = root / f"{name}.yaml"
    path.write_text(body)
    return path


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def case_root(tmp_path: Path) -> Path:
    root = tmp_path / "cases"
    write_case(root)
    return root


@pytest.fixture
def settings(
    fake_slack: FakeSlack, redis_url: str, redis_prefix: str, case_root: Path, redis_client
) -> Iterator[Settings]:
    made = Settings(
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake_slack.api_url,
        REDIS_URL=redis_url,
        LOGIQ_KEY_PREFIX=redis_prefix,
        LOGIQ_QUEUE=f"{redis_prefix}queue",
        LOGIQ_MANIFEST_DIR=case_root,
        LOGIQ_SLACK_PACE=0.02,
        LOGIQ_SESSION_TTL=600,
        LOGIQ_ALLOWED_ROOTS=[],
        LOGIQ_ALLOWED_HOSTS=[],
        LOGIQ_ALLOWED_CHANNELS=[],
        LOGIQ_ALLOWED_USERS=[],
    )
    yield made
    Queue(made.queue_name, connection=redis_client).delete(delete_jobs=True)
    for key in redis_client.scan_iter(match=f"rq:*{made.queue_name}*", count=500):
        redis_client.delete(key)


@pytest.fixture
def queue(settings: Settings, redis_client) -> Queue:
    return Queue(settings.queue_name, connection=redis_client)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *_: object) -> None:
        pass


def serve_in_thread(wsgi) -> tuple[str, Callable[[], None]]:
    server = make_server(
        "127.0.0.1", 0, wsgi, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return f"http://127.0.0.1:{server.server_port}", stop


@pytest.fixture
def app_server(settings: Settings) -> Iterator[str]:
    """The real WSGI app (Bolt + health check) on a loopback port; yields its base URL."""
    url, stop = serve_in_thread(build_wsgi(settings))
    yield url
    stop()


@pytest.fixture
def sender(app_server: str) -> SlackSender:
    return SlackSender(app_server + EVENTS_PATH)


class _TestWorker(NoCommandsMixin, SimpleWorker):
    """In-process (so the bound runtime applies), without the pub/sub command channel."""


@pytest.fixture
def run_jobs(settings: Settings, redis_client) -> Iterator[Callable[..., jobs.Runtime]]:
    """Drain the queue with a real RQ SimpleWorker in this process."""

    def run(investigate=None, answerer=None, progress_every: float = 0.0) -> jobs.Runtime:
        runtime = jobs.build_runtime(settings, redis=redis_client, answerer=answerer)
        if investigate is not None:
            runtime.investigate = investigate
        runtime.progress_every = progress_every
        jobs.bind(runtime)
        queue = Queue(settings.queue_name, connection=redis_client)
        _TestWorker([queue], connection=redis_client).work(burst=True, with_scheduler=False)
        return runtime

    yield run
    jobs.bind(None)
