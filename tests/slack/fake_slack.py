"""A recording fake of the Slack Web API, served over real HTTP on loopback.

Point ``slack_sdk.WebClient(base_url=fake.api_url)`` (or ``SLACK_API_URL``) at it. It
answers the Web API methods LogIQ uses the way Slack documents them, and records
every request so tests can assert what was posted, where, and in what order::

    with FakeSlack() as fake:
        client = WebClient(token="xoxb-test", base_url=fake.api_url)
        client.chat_postMessage(channel="C1", text="hi")
        [call] = fake.calls("chat.postMessage")
        assert call.params["text"] == "hi"

Behaviour:
- Every method needs ``Authorization: Bearer xox...`` (else ``invalid_auth``).
- ``chat.postMessage`` returns a fresh, increasing ``ts``; messages are kept and
  ``chat.update`` edits them, so :meth:`FakeSlack.transcript` shows the final thread.
- ``fail_next(method, status=429, retry_after=1)`` makes the next call of ``method``
  answer HTTP 429 with ``Retry-After`` (once per call to ``fail_next``);
  ``fail_next(method, error="channel_not_found")`` answers ``ok: false`` instead.
- ``response_url`` for slash commands: use :attr:`FakeSlack.response_url`; POSTs to it
  are recorded as method ``response_url``.
- The file upload flow: ``files.getUploadURLExternal`` returns an upload URL on this
  server; POSTing bytes there is recorded as ``upload``; then
  ``files.completeUploadExternal``.
Unknown methods answer ``{"ok": false, "error": "unknown_method"}`` and are recorded.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

BOT_USER_ID = "UBOT0001"
BOT_ID = "BBOT0001"
TEAM_ID = "T00000001"


@dataclass
class Call:
    """One recorded request: the method, its decoded parameters and when it arrived."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float
    status: int = 200  # the HTTP status the fake answered with
    raw: bytes = b""


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    edits: int = 0


@dataclass
class _Failure:
    status: int = 200
    retry_after: int | None = None
    error: str | None = None


class FakeSlack:
    """The fake server; use as a context manager or call :meth:`start` / :meth:`stop`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._lock = threading.Condition()
        self._calls: list[Call] = []
        self._messages: dict[tuple[str, str], Message] = {}
        self._failures: dict[str, list[_Failure]] = {}
        self._clock = itertools.count(1)
        self._epoch = int(time.time())
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        """The Web API base URL, with the trailing slash ``WebClient`` expects."""
        return f"{self.base_url}/api/"

    @property
    def response_url(self) -> str:
        return f"{self.base_url}/response/{next(self._clock)}"

    # ------------------------------------------------------------------ scripting
    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = 1,
        error: str | None = None,
    ) -> None:
        """Make the next call of ``method`` fail once (HTTP 429 by default)."""
        failure = _Failure(status=200, error=error) if error else _Failure(status, retry_after)
        with self._lock:
            self._failures.setdefault(method, []).append(failure)

    # ------------------------------------------------------------------ inspection
    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def posted(self, channel: str | None = None, thread_ts: str | None = None) -> list[Message]:
        """Messages posted (as they stand now, after edits), oldest first."""
        with self._lock:
            found = sorted(self._messages.values(), key=lambda m: float(m.ts))
        return [
            m
            for m in found
            if (channel is None or m.channel == channel)
            and (thread_ts is None or m.thread_ts == thread_ts or m.ts == thread_ts)
        ]

    def message(self, channel: str, ts: str) -> Message | None:
        with self._lock:
            return self._messages.get((channel, ts))

    def wait_for(self, predicate: Callable[[FakeSlack], Any], timeout: float = 5.0) -> Any:
        """Block until ``predicate(self)`` is truthy (re-checked on every request)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                self._lock.release()
                try:
                    result = predicate(self)
                finally:
                    self._lock.acquire()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"condition not met in {timeout}s; calls: {self.summary()}")
                self._lock.wait(min(remaining, 0.05))

    def summary(self) -> list[str]:
        return [f"{c.status} {c.method}" for c in self._calls]

    def transcript(self, channel: str, thread_ts: str, *, blocks: bool = False) -> str:
        """The thread as text: root first, then replies, each with its ts.

        ``blocks=True`` shows the Block Kit text (headers, sections, contexts, buttons)
        instead of the fallback ``text``.
        """
        lines = []
        for m in self.posted(channel, thread_ts):
            marker = "ROOT" if m.ts == thread_ts else "  ↳"
            edited = f" (edited {m.edits}x)" if m.edits else ""
            body = _blocks_text(m.blocks) if blocks and m.blocks else m.text
            lines.append(f"{marker} [{m.ts}]{edited}\n{_indent(body)}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ internals
    def _record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)
            self._lock.notify_all()

    def _take_failure(self, method: str) -> _Failure | None:
        with self._lock:
            queue = self._failures.get(method)
            return queue.pop(0) if queue else None

    def _next_ts(self) -> str:
        return f"{self._epoch}.{next(self._clock):06d}"

    def handle(self, method: str, params: dict[str, Any], authorized: bool) -> dict[str, Any]:
        if not authorized:
            return {"ok": False, "error": "invalid_auth"}
        action = _METHODS.get(method)
        if action is None:
            return {"ok": False, "error": "unknown_method"}
        return action(self, params)

    def _post(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not params.get("text") and not params.get("blocks"):
            return {"ok": False, "error": "no_text"}
        ts = self._next_ts()
        message = Message(
            channel=channel,
            ts=ts,
            text=params.get("text", ""),
            blocks=_blocks(params.get("blocks")),
            thread_ts=params.get("thread_ts"),
        )
        with self._lock:
            self._messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": _as_dict(message)}

    def _update(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (params.get("channel", ""), params.get("ts", ""))
        with self._lock:
            message = self._messages.get(key)
            if message is None:
                return {"ok": False, "error": "message_not_found"}
            message.text = params.get("text", message.text)
            if "blocks" in params:
                message.blocks = _blocks(params["blocks"])
            message.edits += 1
        return {"ok": True, "channel": key[0], "ts": key[1], "text": message.text}

    def _upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._clock):08d}"
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}


def _indent(text: str) -> str:
    return "\n".join("      " + line for line in text.splitlines())


def _blocks_text(blocks: list[dict[str, Any]]) -> str:
    out = []
    for block in blocks:
        if isinstance(block.get("text"), dict):
            out.append(block["text"]["text"])
        for element in block.get("elements", []):
            text = element.get("text")
            out.append(f"[{text['text']}]" if isinstance(text, dict) else str(text))
    return "\n".join(out)


def _blocks(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        return json.loads(value) if value else []
    return list(value or [])


def _as_dict(message: Message) -> dict[str, Any]:
    return {
        "type": "message",
        "text": message.text,
        "ts": message.ts,
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "blocks": message.blocks,
        "thread_ts": message.thread_ts,
    }


_METHODS: dict[str, Callable[[FakeSlack, dict[str, Any]], dict[str, Any]]] = {
    "api.test": lambda fake, p: {"ok": True, "args": p},
    "auth.test": lambda fake, p: {
        "ok": True,
        "url": "https://fake.slack.com/",
        "team": "Fake",
        "user": "logiq",
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    },
    "chat.postMessage": FakeSlack._post,
    "chat.update": FakeSlack._update,
    "chat.postEphemeral": lambda fake, p: {"ok": True, "message_ts": fake._next_ts()},
    "reactions.add": lambda fake, p: {"ok": True},
    "conversations.info": lambda fake, p: {
        "ok": True,
        "channel": {"id": p.get("channel"), "name": "incident", "is_member": True},
    },
    "files.getUploadURLExternal": FakeSlack._upload_url,
    "files.completeUploadExternal": lambda fake, p: {
        "ok": True,
        "files": [{"id": f["id"], "title": f.get("title", "")} for f in _blocks(p.get("files"))],
    },
}


def _handler_for(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_: Any) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = urlparse(self.path).path
            headers = {k.lower(): v for k, v in self.headers.items()}
            if path.startswith("/api/"):
                self._api(path.removeprefix("/api/"), raw, headers)
            elif path.startswith(("/response/", "/upload/")):
                kind = "response_url" if path.startswith("/response/") else "upload"
                params = _decode(raw, headers) if kind == "response_url" else {"path": path}
                fake._record(Call(kind, params, headers, time.time(), 200, raw))
                self._send(200, b"ok" if kind == "response_url" else b"OK", "text/plain")
            else:
                self._send(404, b"not found", "text/plain")

        def _api(self, method: str, raw: bytes, headers: dict[str, str]) -> None:
            params = _decode(raw, headers)
            failure = fake._take_failure(method)
            if failure and failure.status != 200:
                fake._record(Call(method, params, headers, time.time(), failure.status, raw))
                extra = (
                    {"Retry-After": str(failure.retry_after)}
                    if failure.retry_after is not None
                    else {}
                )
                body = json.dumps({"ok": False, "error": "ratelimited"}).encode()
                self._send(failure.status, body, "application/json", extra)
                return
            if failure and failure.error:
                answer: dict[str, Any] = {"ok": False, "error": failure.error}
            else:
                authorized = headers.get("authorization", "").startswith("Bearer xox")
                answer = fake.handle(method, params, authorized)
            fake._record(Call(method, params, headers, time.time(), 200, raw))
            self._send(200, json.dumps(answer).encode(), "application/json")

        def _send(
            self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _decode(raw: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """Web API bodies are JSON or form-encoded; JSON-looking form values are decoded."""
    if not raw:
        return {}
    if "json" in headers.get("content-type", ""):
        return json.loads(raw)
    params: dict[str, Any] = dict(parse_qsl(raw.decode(), keep_blank_values=True))
    return params
