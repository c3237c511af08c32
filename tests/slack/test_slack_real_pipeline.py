"""The worker with the real investigation pipeline (connectors + engine), no scripting."""

from __future__ import annotations

import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import CASE_YAML

from bot.session import SessionStore

CHANNEL = "C0INCIDENT"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "vm-timeout"


class _Broken(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # every Jira call fails
        self.send_response(500)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"no")

    do_POST = do_GET

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def broken_jira():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Broken)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _start(sender, fake_slack, queue, name):
    assert sender.command(f"investigate {name}").text == ""
    root = fake_slack.wait_for(lambda f: f.posted(channel=CHANNEL))[0]
    fake_slack.wait_for(lambda f: queue.count == 1)
    return root.ts


def test_a_failing_source_is_reported_in_the_thread_and_the_others_analysed(
    case_root, broken_jira, sender, fake_slack, queue, run_jobs, settings, redis_client
):
    settings.allowed_hosts.append("127.0.0.1")  # an empty allow-list refuses network sources
    jira = f"  - name: tickets\n    kind: jira\n    url: {broken_jira}\n    jql: project = PAY\n"
    (case_root / "withjira.yaml").write_text(CASE_YAML.replace("correlate:", jira + "correlate:"))
    root_ts = _start(sender, fake_slack, queue, "withjira")
    run_jobs()
    session = SessionStore(redis_client, prefix=settings.key_prefix, ttl=60).get(CHANNEL, root_ts)
    assert session.state == "done", session.progress
    replies = [m.text for m in fake_slack.posted(CHANNEL, root_ts) if m.ts != root_ts]
    assert "source 'tickets' failed" in replies[0]
    assert "from 3 records in 3 sources" in session.progress  # api + payments were read
    errors = [a for a in session.audit if a.kind == "error"]
    assert [e.detail["source"] for e in errors] == ["tickets"]
    queries = {a.detail["source"] for a in session.audit if a.kind == "query"}
    assert "tickets" in queries


def test_the_example_case_posts_its_hypotheses_in_the_thread(
    case_root, sender, fake_slack, queue, run_jobs, settings, redis_client
):
    shutil.copytree(EXAMPLE, case_root / "vm-timeout", ignore=shutil.ignore_patterns("*.py"))
    root_ts = _start(sender, fake_slack, queue, "vm-timeout")
    run_jobs()
    session = SessionStore(redis_client, prefix=settings.key_prefix, ttl=60).get(CHANNEL, root_ts)
    assert session.state == "done" and session.hypotheses, session.progress
    posted = {m.ts: m for m in fake_slack.posted(CHANNEL, root_ts)}
    for tracked in session.hypotheses:
        message = posted[tracked.ts]
        assert message.thread_ts == root_ts and message.text.startswith(tracked.id)
        first = tracked.hypothesis.evidence[0]
        assert first.locator in str(message.blocks)
    print("\n" + fake_slack.transcript(CHANNEL, root_ts, blocks=True))
