"""People at the live server (a cookie jar over http.client) and in-process (the Flask
test client, with its queries counted)."""

import http.client
import re
import statistics
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event

from app.extensions import db
from tests.benchmarks.data import PASSWORD

SAVEPOINT_STATEMENTS = ("SAVEPOINT ", "RELEASE SAVEPOINT ", "ROLLBACK TO SAVEPOINT ")
CSRF_INPUT = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class Visitor:
    """One person's cookies against the live server; redirects are not followed."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies: dict[str, str] = {}

    @property
    def cookie(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    def send(self, method: str, path: str, data: dict | None = None, headers=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        all_headers = {**self.cookie, **(FORM if body else {}), **(headers or {})}
        try:
            self.connection.request(method, path, body=body, headers=all_headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError):
            # The server closed the idle keep-alive connection: once more on a new one.
            self.connection.close()
            self.connection.request(method, path, body=body, headers=all_headers)
            response = self.connection.getresponse()
        text = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        return response.status, text

    def token(self, path: str) -> str:
        return CSRF_INPUT.search(self.send("GET", path)[1].decode()).group(1)

    def log_in(self, email: str) -> "Visitor":
        data = {"email": email, "password": PASSWORD, "csrf_token": self.token("/account/login")}
        status, _ = self.send("POST", "/account/login", data)
        if status != 302:
            raise RuntimeError(f"log-in of {email} answered {status}")
        return self


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    """The statements sent while the block runs, as tests/conftest.py counts them:
    SAVEPOINT, RELEASE and ROLLBACK TO left out (a booking's insert sends a pair, so
    that a double tap is told it has a place)."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith(SAVEPOINT_STATEMENTS):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


class InProcess:
    """The test client, each request in an application context of its own: the
    benchmark's long-lived context would otherwise lend every request the same `g`,
    and with it the last request's logged-in user."""

    def __init__(self, app: Flask, email: str | None = None):
        self.app, self.client = app, app.test_client()
        if email:
            token = self.token("/account/login")
            data = {"email": email, "password": PASSWORD, "csrf_token": token}
            if self.send("post", "/account/login", data=data).status_code != 302:
                raise RuntimeError(f"in-process log-in of {email} failed")

    def send(self, method: str, path: str, **options):
        with self.app.app_context():
            return getattr(self.client, method)(path, **options)

    def token(self, path: str) -> str:
        return CSRF_INPUT.search(self.send("get", path).get_data(as_text=True))[1]


@contextmanager
def pages_rendered(app: Flask) -> Iterator[None]:
    """The public page cache off in this process: every page is rendered again."""
    cache = app.extensions["page_cache"]
    mode, cache.mode = cache.mode, "off"
    try:
        yield
    finally:
        cache.mode = mode


def queries_of_get(app: Flask, path: str, email: str | None = None) -> int:
    """The statements of one GET when the page is rendered (not served from the cache)."""
    client = InProcess(app, email)
    with pages_rendered(app):
        client.send("get", path)  # the first request fills caches; count a later one
        with counting_queries() as statements:
            status = client.send("get", path).status_code
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}")
    return len(statements)


def rendered_p50(app: Flask, path: str, requests: int = 25) -> float:
    """The median seconds of a visitor's GET rendered in this process, cache off."""
    client = InProcess(app)
    times = []
    with pages_rendered(app):
        client.send("get", path)
        for _ in range(requests):
            started = time.perf_counter()
            client.send("get", path)
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def queries_of_post(
    app: Flask, email: str, path: str, data: dict, token_from: str, headers=None
) -> int:
    client = InProcess(app, email)
    data = {**data, "csrf_token": client.token(token_from)}
    with counting_queries() as statements:
        status = client.send("post", path, data=data, headers=headers or {}).status_code
    if status >= 400:
        raise RuntimeError(f"POST {path} answered {status}")
    return len(statements)
