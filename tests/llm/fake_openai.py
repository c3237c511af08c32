"""A local server speaking the OpenAI Chat Completions API, playing a scripted conversation.

``POST /v1/chat/completions`` answers with the next scripted reply and records every
request body. It checks requests the way the real API does where it matters to us:
a ``tool`` message must answer a ``tool_call_id`` of the preceding assistant message,
``response_format`` must be a json_schema with a schema, ``tool_choice`` needs ``tools``.
A reply is a dict (see the ``reply_*`` helpers) or a callable taking the request body.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]


def reply_text(content: str) -> dict[str, Any]:
    return {"content": content}


def reply_json(value: Any) -> dict[str, Any]:
    return {"content": json.dumps(value)}


def reply_tools(*calls: tuple[str, dict[str, Any] | str]) -> dict[str, Any]:
    return {
        "tool_calls": [
            {
                "id": f"call_{n}_{name}",
                "type": "function",
                "function": {"name": name, "arguments": a if isinstance(a, str) else json.dumps(a)},
            }
            for n, (name, a) in enumerate(calls)
        ]
    }


def reply_slow(seconds: float, then: dict[str, Any]) -> dict[str, Any]:
    return {**then, "delay": seconds}


def reply_status(code: int, retry_after: str | None = None) -> dict[str, Any]:
    reply: dict[str, Any] = {"status": code}
    if retry_after is not None:
        reply["headers"] = {"Retry-After": retry_after}
    return reply


def evidence_id(body: dict[str, Any], contains: str) -> str:
    """The pack id the request shows for the line containing ``contains``."""
    text = "\n".join(str(m.get("content") or "") for m in body["messages"])
    for line in text.split("\n"):
        if contains in line and (match := re.match(r"\s*\[(E\d+)\]", line)):
            return match.group(1)
    raise AssertionError(f"no evidence line with {contains!r} in the request")


def request_problem(body: dict[str, Any]) -> str | None:
    if not body.get("model") or not isinstance(body.get("messages"), list):
        return "model and messages are required"
    fmt = body.get("response_format")
    if fmt is not None and (
        fmt.get("type") != "json_schema" or "schema" not in fmt.get("json_schema", {})
    ):
        return "response_format must be a json_schema with a schema"
    if "tool_choice" in body and not body.get("tools"):
        return "tool_choice requires tools"
    pending: set[str] = set()
    for message in body["messages"]:
        if message.get("role") == "tool":
            if message.get("tool_call_id") not in pending:
                return f"tool message answers unknown tool_call_id {message.get('tool_call_id')}"
            pending.discard(message["tool_call_id"])
        elif message.get("role") == "assistant":
            pending = {c["id"] for c in message.get("tool_calls") or ()}
    return None


class FakeOpenAI:
    def __init__(self, script: list[Reply], model: str = "fake-model") -> None:
        self.script = list(script)
        self.model = model
        self.requests: list[dict[str, Any]] = []
        self.raw: list[str] = []
        self.errors: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    def next_reply(self, body: dict[str, Any]) -> dict[str, Any]:
        if not self.script:
            return reply_status(599)
        reply = self.script.pop(0)
        return reply(body) if callable(reply) else reply

    def completion(self, reply: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": reply.get("content")}
        if reply.get("tool_calls"):
            message["tool_calls"] = reply["tool_calls"]
        return {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model,
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": "tool_calls" if reply.get("tool_calls") else "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                if self.path != "/v1/chat/completions":
                    return self._send(404, {"error": {"message": "not found"}})
                body = json.loads(raw)
                fake.raw.append(raw)
                fake.requests.append(body)
                if problem := request_problem(body):
                    fake.errors.append(problem)
                    return self._send(400, {"error": {"message": problem}})
                reply = fake.next_reply(body)
                if reply.get("delay"):
                    time.sleep(reply["delay"])
                if "status" in reply:
                    error = {"error": {"message": "scripted"}}
                    return self._send(reply["status"], error, reply.get("headers"))
                self._send(200, fake.completion(reply))

            def _send(
                self, code: int, payload: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(code)
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

        return Handler
