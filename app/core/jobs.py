"""Background work: inline on one laptop, RQ on Redis when REDIS_URL is set.

A job is a plain module-level function taking simple arguments. Callers say
`run_or_enqueue(func, *args)` and need not know where it runs.
"""

import logging
from collections.abc import Callable

from flask import (
    Flask,
    after_this_request,
    current_app,
    g,
    has_request_context,
)
from redis import Redis
from rq import Queue

log = logging.getLogger("convene.jobs")

QUEUE_NAME = "convene"
#: What an RQ worker runs for every job: `app.worker.run_in_app`, named rather than
#: imported, since building an app is the wiring's business, not core's.
WORKER_ENTRY = "app.worker.run_in_app"


def redis() -> Redis:
    """The app's Redis client for REDIS_URL, made once: its connection pool then serves
    every enqueue of the process, instead of a new connection per job.

    Kept by URL in `app.extensions["redis"]`, so that a changed REDIS_URL (tests
    point it at a database of their own) gets a client of its own."""
    clients = current_app.extensions.setdefault("redis", {})
    url = current_app.config["REDIS_URL"]
    if url not in clients:
        clients.setdefault(url, Redis.from_url(url))  # two threads here keep one client
    return clients[url]


def queue() -> Queue:
    return Queue(QUEUE_NAME, connection=redis())


def run_or_enqueue(func: Callable, *args) -> None:
    """Run `func(*args)`, or enqueue it for an RQ worker when Redis is configured.

    Inline, during a request, it runs once the response has been sent: the person
    does not wait for it, and the request has given its database connection back
    (a job started from inside a commit would hold a second one, and a burst of
    requests could then exhaust the pool). Outside a request it runs at once.
    """
    if current_app.config["REDIS_URL"]:
        queue().enqueue(WORKER_ENTRY, f"{func.__module__}:{func.__qualname__}", *args)
        return
    if not (has_request_context() and g.get("dispatching_request")):
        _run_inline(func, *args)
        return
    pending = g.setdefault("jobs_after_response", [])
    if (func, args) in pending:
        return  # a second commit in the same request: once is enough
    if not pending:
        app = current_app._get_current_object()

        @after_this_request
        def run_after_response(response):
            response.call_on_close(lambda: _run_all(app, pending))
            return response

    pending.append((func, args))


def _mark_dispatching() -> None:
    g.dispatching_request = True


def init_app(app: Flask) -> None:
    # Only a request being served ends in a response that can run jobs after it.
    app.before_request(_mark_dispatching)


def _run_all(app, pending: list) -> None:
    with app.app_context():
        for func, args in pending:
            _run_inline(func, *args)


def _run_inline(func: Callable, *args) -> None:
    try:
        func(*args)
    except Exception:
        # The change that scheduled the job is committed; a failed job must not
        # turn the user's successful request into an error page.
        log.exception("inline job %s failed", func.__qualname__)
