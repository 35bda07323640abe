"""The environment a benchmark run serves Convene in, and gunicorn processes on free
ports started with the repository's gunicorn.conf.py."""

import http.client
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from app import create_app
from config import CONFIGS

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

CONVENE = "wsgi:app"
HELLO = "tests.benchmarks.hello:app"
#: gunicorn's own messages, out of the benchmark's table.
LOG = Path(tempfile.gettempdir()) / "convene-bench-gunicorn.log"


def production_env(database_url: str, redis_url: str | None) -> dict[str, str]:
    """Production settings over plain http, with the rate limits out of the way
    (hundreds of people log in from one address before the clock starts; four helpers
    scan as fast as the server answers)."""
    env = {
        **os.environ,
        "CONVENE_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "SESSION_COOKIE_SECURE": "0",
        "DATABASE_URL": database_url,
        "AUTH_RATE_LIMIT": "100000/minute",
        "PUBLIC_BASE_URL": "http://127.0.0.1",
        "DOOR_RATE_LIMIT": "100000/minute",
        "DOOR_DEVICE_RATE_LIMIT": "100000/minute",
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    """Until a worker answers "/" (the master listens before its workers have booted)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request("GET", "/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
        finally:
            connection.close()
    raise RuntimeError(f"gunicorn did not answer on {port} within {seconds} s")


@contextmanager
def gunicorn(target: str, env: dict[str, str], **overrides: str) -> Iterator[int]:
    """`gunicorn -c gunicorn.conf.py TARGET` on a free port; yields the port.
    `overrides` are extra environment variables (WEB_CONCURRENCY, GUNICORN_THREADS)."""
    port = free_port()
    log = LOG.open("a")
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), target],
        cwd=ROOT,
        env={**env, **overrides, "PORT": str(port)},
        stdout=log,
        stderr=log,
    )
    try:
        _wait_until_up(port, process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()


def in_process_app(database_url: str, redis_url: str | None, env: dict[str, str]) -> Flask:
    """The app the benchmark uses in its own process (data, query counts), with the
    servers' settings: config.py read the environment when it was imported, so they
    are given here."""
    return create_app(
        CONFIGS["production"],
        SECRET_KEY=env["SECRET_KEY"],
        SQLALCHEMY_DATABASE_URI=database_url,
        REDIS_URL=redis_url,
        AUTH_RATE_LIMIT=env["AUTH_RATE_LIMIT"],
        PUBLIC_BASE_URL=env["PUBLIC_BASE_URL"],
        DOOR_RATE_LIMIT=env["DOOR_RATE_LIMIT"],
        DOOR_DEVICE_RATE_LIMIT=env["DOOR_DEVICE_RATE_LIMIT"],
        SESSION_COOKIE_SECURE=False,
        REMEMBER_COOKIE_SECURE=False,
        # The test client takes its scheme from here; https would add a referrer check.
        PREFERRED_URL_SCHEME="http",
    )
