"""Do background jobs reach Redis without a new connection each time?"""

from app.core import jobs


def job(n: int) -> None:
    """A job to enqueue; the fake queue never runs it."""


def test_do_enqueued_jobs_share_one_redis_connection_pool(app, monkeypatch):
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    connections = []

    class RecordingQueue:
        def __init__(self, name, connection):
            connections.append(connection)

        def enqueue(self, entry, path, *args):
            assert path == "tests.core.test_jobs:job"

    monkeypatch.setattr(jobs, "Queue", RecordingQueue)
    jobs.run_or_enqueue(job, 1)
    jobs.run_or_enqueue(job, 2)
    first, second = connections
    assert first is second
    assert first is app.extensions["redis"][app.config["REDIS_URL"]]

    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/14"
    assert jobs.redis() is not first  # another server, another client
