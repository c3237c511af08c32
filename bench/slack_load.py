"""Slack front-end load: N concurrent signed `/logiq investigate` against `logiq serve`.

Everything runs on loopback: the real `logiq serve` (gunicorn) process, the recording
fake Slack Web API from tests/slack, the local Redis, and a real `logiq worker`.

Prints p50/p99 acknowledgement latency at N concurrent commands (goal: p99 < 300 ms at
50) and the time from one command to its first hypothesis posted in the thread on the
example case (goal: < 5 s), then the thread as the fake Slack recorded it.

    .venv/bin/python bench/slack_load.py [-n 50] [--manifest vm-timeout]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import redis
from rq import Queue, Worker

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "slack"))

from fake_slack import FakeSlack  # noqa: E402
from slack_signing import SECRET, SlackSender  # noqa: E402

BIN = Path(sys.executable).parent
CHANNEL = "C0BENCH"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(
    fake: FakeSlack, prefix: str, redis_url: str, port: int, args: argparse.Namespace
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LOGIQ_"))}
    return env | {
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
        "REDIS_URL": redis_url,
        "PORT": str(port),
        "LOGIQ_KEY_PREFIX": prefix,
        "LOGIQ_QUEUE": f"{prefix}queue",
        "LOGIQ_MANIFEST_DIR": str(args.manifest_dir),
        "LOGIQ_SLACK_PACE": "1.0",
        "WEB_CONCURRENCY": str(args.web_workers),
        "LOGIQ_WEB_THREADS": str(args.web_threads),
    }


def _wait_healthy(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("logiq serve exited early")
        try:
            if httpx.get(base + "/healthz", timeout=0.5).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("logiq serve did not become healthy")


def _wait_worker(conn: redis.Redis, prefix: str) -> None:
    queue = Queue(f"{prefix}queue", connection=conn)
    deadline = time.monotonic() + 60
    while not Worker.all(queue=queue) and time.monotonic() < deadline:
        time.sleep(0.1)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def load(sender: SlackSender, n: int, manifest: str) -> list[float]:
    """Ack latency (ms) of ``n`` commands released at once; clients are built beforehand so
    only the request is timed, not the client's own set-up."""
    clients = [httpx.Client(timeout=10) for _ in range(n)]
    start = threading.Barrier(n)

    def one(i: int) -> float:
        start.wait()
        t0 = time.perf_counter()
        response = sender.command(
            f"investigate {manifest}", channel=f"{CHANNEL}{i}", client=clients[i]
        )
        elapsed = time.perf_counter() - t0
        if response.status_code != 200 or response.text:
            raise SystemExit(f"command {i} failed: {response.status_code} {response.text[:200]}")
        return elapsed * 1000

    try:
        with ThreadPoolExecutor(max_workers=n) as pool:
            return list(pool.map(one, range(n)))
    finally:
        for client in clients:
            client.close()


def first_hypothesis(sender: SlackSender, fake: FakeSlack, manifest: str) -> tuple[float, str]:
    t0 = time.perf_counter()
    sender.command(f"investigate {manifest}", channel=CHANNEL)
    root = fake.wait_for(lambda f: f.posted(channel=CHANNEL), timeout=10)[0]

    def hypothesis_posted(f: FakeSlack) -> bool:
        return any(
            c.params.get("thread_ts") == root.ts and c.params.get("blocks")
            for c in f.calls("chat.postMessage")
        )

    fake.wait_for(hypothesis_posted, timeout=60)
    return time.perf_counter() - t0, root.ts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=50, help="concurrent slash commands")
    parser.add_argument("--manifest", default="vm-timeout")
    parser.add_argument("--manifest-dir", type=Path, default=ROOT / "examples")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=8)
    args = parser.parse_args()

    prefix = f"logiq-bench:{uuid.uuid4().hex[:8]}:"
    conn = redis.Redis.from_url(args.redis_url)
    port = _free_port()
    with FakeSlack() as fake:
        env = _env(fake, prefix, args.redis_url, port, args)
        serve = subprocess.Popen(
            [str(BIN / "logiq"), "serve"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        worker: subprocess.Popen[bytes] | None = None
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_healthy(base, serve)
            sender = SlackSender(base + "/slack/events")
            load(sender, args.n, args.manifest)  # warm-up: every server thread's connections
            acks = load(sender, args.n, args.manifest)
            _clear(conn, prefix)
            worker = subprocess.Popen(
                [str(BIN / "logiq"), "worker"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            _wait_worker(conn, prefix)  # measure the job, not the worker's boot
            took, root_ts = first_hypothesis(sender, fake, args.manifest)
            fake.wait_for(lambda f: "done" in (f.message(CHANNEL, root_ts) or f).text, timeout=60)
            print(
                f"ack latency at {args.n} concurrent: p50 {statistics.median(acks):.0f} ms, "
                f"p99 {_percentile(acks, 0.99):.0f} ms, max {max(acks):.0f} ms (goal p99 < 300)"
            )
            print(f"command -> first hypothesis posted: {took:.2f} s (goal < 5)")
            print("\nthread as recorded by the fake Slack:\n" + fake.transcript(CHANNEL, root_ts))
        finally:
            for proc in (worker, serve):
                if proc is not None:
                    _stop(proc)
            _clear(conn, prefix)
    return 0


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM (an RQ worker finishes its job first), then SIGKILL after 20 s."""
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _clear(conn: redis.Redis, prefix: str) -> None:
    Queue(f"{prefix}queue", connection=conn).delete(delete_jobs=True)
    for key in conn.scan_iter(match=f"{prefix}*", count=1000):
        conn.delete(key)
    for key in conn.scan_iter(match=f"rq:*{prefix}*", count=1000):
        conn.delete(key)


if __name__ == "__main__":
    raise SystemExit(main())
