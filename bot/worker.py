"""``logiq worker``: an RQ worker on the LogIQ queue with the job runtime bound."""

from __future__ import annotations

import logging
import os
import sys

import redis as redis_lib
from rq import Queue, Worker

from bot import jobs
from bot.settings import Settings

logger = logging.getLogger(__name__)


class NoCommandsMixin:
    """Skip RQ's pub/sub command channel (used to kill a running job remotely).

    A burst worker exits when the queue is empty; closing that channel can block for up
    to a minute in redis-py, so a short-lived worker does without it.
    """

    def subscribe(self) -> None:
        self.pubsub_thread = None

    def unsubscribe(self) -> None:
        pass


class BurstWorker(NoCommandsMixin, Worker):
    pass


def run_worker(settings: Settings, burst: bool = False) -> int:
    """Serve jobs until stopped (or until the queue is empty with ``burst``); exit code."""
    missing = [name for name in settings.missing_for_slack() if name == "SLACK_BOT_TOKEN"]
    if missing:
        print(f"logiq worker: missing required settings: {', '.join(missing)}", file=sys.stderr)
        return 2
    connection = redis_lib.Redis.from_url(settings.redis_url)
    try:
        connection.ping()
    except redis_lib.RedisError as exc:
        print(
            f"logiq worker: Redis does not answer at {settings.redis_url}: {exc}", file=sys.stderr
        )
        return 2
    # The process edge: credentials named in manifests (JIRA_TOKEN...) come from here.
    jobs.bind(jobs.build_runtime(settings, redis=connection, env=os.environ))
    worker_class = BurstWorker if burst else Worker
    worker = worker_class(
        [Queue(settings.queue_name, connection=connection)], connection=connection
    )
    worker.work(burst=burst, with_scheduler=False)
    return 0
