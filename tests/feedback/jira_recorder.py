"""A local Jira REST v2 write endpoint that records every request (for action tests)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: dict


@dataclass
class JiraRecorder:
    url: str
    requests: list[Seen] = field(default_factory=list)
    status: int = 201  # what create/comment answer with


def _handler(recorder: JiraRecorder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            recorder.requests.append(Seen("POST", self.path, dict(self.headers), body))
            if recorder.status >= 400:
                answer = {"errorMessages": ["nope"], "errors": {}}
            elif self.path.endswith("/comment"):
                answer = {"id": "10001", "body": body.get("body")}
            else:
                answer = {
                    "id": "10042",
                    "key": "VMS-900",
                    "self": f"{recorder.url}/rest/api/2/issue/10042",
                }
            data = json.dumps(answer).encode()
            self.send_response(recorder.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:  # keep test output quiet
            pass

    return Handler


@contextmanager
def jira_recorder() -> Iterator[JiraRecorder]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(JiraRecorder("")))
    recorder = JiraRecorder(f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(recorder)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
