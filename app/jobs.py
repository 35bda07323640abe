"""Background work: inline on one laptop, RQ on Redis when REDIS_URL is set.

A job is a plain module-level function taking simple arguments. Callers say
`run_or_enqueue(func, *args)` and need not know where it runs.
"""

import logging
from collections.abc import Callable

from flask import current_app, has_app_context
from redis import Redis
from rq import Queue
from werkzeug.utils import import_string

log = logging.getLogger("convene.jobs")

QUEUE_NAME = "convene"


def queue() -> Queue:
    return Queue(QUEUE_NAME, connection=Redis.from_url(current_app.config["REDIS_URL"]))


def run_or_enqueue(func: Callable, *args) -> None:
    """Run `func(*args)` now, or enqueue it for an RQ worker when Redis is configured."""
    if current_app.config["REDIS_URL"]:
        queue().enqueue(run_in_app, f"{func.__module__}:{func.__qualname__}", *args)
        return
    try:
        func(*args)
    except Exception:
        # The change that scheduled the job is committed; a failed job must not
        # turn the user's successful request into an error page.
        log.exception("inline job %s failed", func.__qualname__)


def run_in_app(path: str, *args):
    """The RQ entry point: import the job and run it inside an application context."""
    func = import_string(path)
    if has_app_context():
        return func(*args)
    from app import create_app

    with create_app().app_context():
        return func(*args)
