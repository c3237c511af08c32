"""``logiq serve``: the Slack app over HTTP (gunicorn) or Socket Mode.

HTTP: ``POST /slack/events`` goes to Bolt through its WSGI adapter; ``GET /healthz``
answers ``ok`` when Redis does. The app is built in each gunicorn worker process
(after the fork), so every process has its own Redis and HTTP connections.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable
from typing import Any

import redis as redis_lib
from gunicorn.app.base import BaseApplication
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.app import create_app
from bot.settings import Settings

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def serve(settings: Settings, socket_mode: bool = False) -> int:
    missing = settings.missing_for_slack(socket_mode)
    if missing:
        print(f"logiq serve: missing required settings: {', '.join(missing)}", file=sys.stderr)
        return 2
    if socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        SocketModeHandler(create_app(settings), settings.slack_app_token).start()
        return 0
    _Gunicorn(settings).run()
    return 0


def build_wsgi(settings: Settings, **app_kwargs: Any) -> Wsgi:
    """The WSGI application: Slack events plus a health check."""
    redis = app_kwargs.pop("redis", None) or redis_lib.Redis.from_url(settings.redis_url)
    slack = SlackRequestHandler(create_app(settings, redis=redis, **app_kwargs), path=EVENTS_PATH)

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") == "GET":
            healthy = _ping(redis)
            start_response(
                "200 OK" if healthy else "503 Service Unavailable", [("Content-Type", "text/plain")]
            )
            return [b"ok" if healthy else b"redis unavailable"]
        return slack(environ, start_response)

    return wsgi


def _ping(redis: redis_lib.Redis) -> bool:
    try:
        return bool(redis.ping())
    except redis_lib.RedisError:
        return False


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        super().__init__()

    def load_config(self) -> None:
        s = self._settings
        for key, value in {
            "bind": f"0.0.0.0:{s.port}",
            "workers": s.web_workers,
            "threads": s.web_threads,
            "worker_class": "gthread",
            "timeout": 30,
            "accesslog": None,
            "loglevel": "info",
        }.items():
            self.cfg.set(key, value)

    def load(self) -> Wsgi:
        return build_wsgi(self._settings)
