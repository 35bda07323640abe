"""Fixtures shared by every test: an app on a clean database, clients, factories.

Tests run on SQLite by default. Set TEST_DATABASE_URL (as `.ci/run` does) to run
the same suite on PostgreSQL.

One application serves the whole run and its tables are created once. Each test
runs inside a transaction that is rolled back at its end: the app's own commits
and rollbacks only end SAVEPOINTs inside it (see `app`). A test that needs commits
that other connections or threads can see (the live server, threads of its own)
gets, as before, an application of its own that commits for real and whose rows
are deleted afterwards: mark it `@pytest.mark.real_commits` (tests that use
`live_server` get this by themselves).
"""

import contextvars
import itertools
import logging
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import Connection, Engine, create_engine, delete, event, select, text
from sqlalchemy.orm import Session
from werkzeug.serving import WSGIRequestHandler, make_server

from app import create_app
from app.accounts.models import User
from app.core.models import OutboxMessage
from app.extensions import db, limiter
from app.programmes.models import (
    Cohort,
    CohortSession,
    Organisation,
    Programme,
    ProgrammeKind,
    ProgrammeMember,
    ProgrammeStatus,
)
from config import TestingConfig

# Property tests judge results, not speed: CI runs two suites side by side on two
# cores, where one example can take longer than Hypothesis's default 200 ms deadline.
settings.register_profile("convene", deadline=None)
settings.load_profile("convene")

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
PASSWORD = "correct horse battery"
#: Where the shared app keeps the rate limiter's storage it made (see `state_restored`).
LIMITER_STORAGE = "tests.limiter_storage"
CSRF_INPUT = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class CSRFClient(FlaskClient):
    """A test client that sends a valid CSRF token with every form, as a browser would.

    `post(..., csrf=False)` sends none, to test the refusal.

    The token is read from a page once and reused while the session it belongs to
    keeps it, as a browser's open tab would. A session without that token (after a
    logout that clears it, or a cookie the app no longer accepts) gets a new one
    read from a page, just before the form that needs it.
    """

    #: (the token kept in the session, the signed token a form sends), once read.
    _csrf: tuple[str, str] | None = None

    def open(self, *args, **kwargs):
        # Read and close every response as a server does, so that work scheduled to
        # run once the response is sent (mail delivery) runs before the test goes on.
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        kept = self._session_csrf_token()
        if kept is None or self._csrf is None or self._csrf[0] != kept:
            # The home page has a form with a token when logged in (log out); the
            # log-in page has one for visitors.
            found = CSRF_INPUT.search(self.get("/").get_data(as_text=True))
            found = found or CSRF_INPUT.search(self.get("/account/login").get_data(as_text=True))
            signed = found.group(1)
            self._csrf = (self._session_csrf_token(), signed)
        return self._csrf[1]

    def _session_csrf_token(self) -> str | None:
        """The raw token Flask-WTF keeps in this client's session (None without one)."""
        field = self.application.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        with self.session_transaction() as session:
            return session.get(field)

    def post(self, *args, csrf: bool = True, **kwargs):
        if csrf:
            data = dict(kwargs.pop("data", None) or {})
            data.setdefault("csrf_token", self.csrf_token())
            kwargs["data"] = data
        return super().post(*args, **kwargs)


def pytest_report_header(config):
    return f"database: {TEST_DATABASE_URL or 'SQLite (a temporary file)'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if not TEST_DATABASE_URL:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'convene.db'}"
    # A server database outlives the run: start from an empty schema so that
    # tables left by an older version of the models cannot linger.
    engine = create_engine(TEST_DATABASE_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return TEST_DATABASE_URL


def run_each_request_in_a_fresh_context(app) -> None:
    """As on a real server, a request pushes its own app context: `g` (where
    Flask-Login caches the user) and the database session are then never shared
    with the test's own context or with another client's request."""
    wsgi_app = app.wsgi_app

    def isolated(environ, start_response):
        # Nor is the request's context handed back to the test afterwards.
        environ.pop("werkzeug.debug.preserve_context", None)
        return contextvars.Context().run(wsgi_app, environ, start_response)

    app.wsgi_app = isolated


def build_app(database_url: str) -> Flask:
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url)
    app.test_client_class = CSRFClient
    run_each_request_in_a_fresh_context(app)
    return app


def begin_sqlite_transactions_explicitly(engine: Engine) -> None:
    """SQLAlchemy's recipe for SAVEPOINT on pysqlite: the driver's own transaction
    handling is switched off and BEGIN is emitted when SQLAlchemy begins. Only the
    shared test application's engine gets this; the app's code is unchanged."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def no_driver_transactions(dbapi_connection, connection_record) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")


@pytest.fixture(scope="session")
def shared_app(database_url) -> Iterator[Flask]:
    """The application every test without `real_commits` uses; its tables are made once."""
    app = build_app(database_url)
    app.extensions[LIMITER_STORAGE] = limiter.storage
    with app.app_context():
        begin_sqlite_transactions_explicitly(db.engine)
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@contextmanager
def sessions_bound_to(app: Flask, connection: Connection) -> Iterator[None]:
    """Every database session of `app` (the test's, each request's, each job's) works
    on `connection`, each inside a SAVEPOINT of its own, so that the app's commits and
    rollbacks end only that SAVEPOINT.

    Flask-SQLAlchemy's `Session.get_bind()` asks `db.engines` (the app's
    {bind key: engine} mapping) for the engine, ignoring a session-level bind, so the
    connection takes the default engine's place there; `db.engine` then yields it
    too, which `Session(db.engine)` in app/outbox.py relies on.
    """
    with app.app_context():
        engines = db.engines
    engine = engines[None]
    options = db.session.session_factory.kw
    saved_options = dict(options)
    engines[None] = connection
    options["join_transaction_mode"] = "create_savepoint"
    try:
        yield
    finally:
        options.clear()
        options.update(saved_options)
        engines[None] = engine


@contextmanager
def state_restored(app: Flask) -> Iterator[None]:
    """Put back what a test may change on the shared app: its config, and the rate
    limiter (its counters, and its storage if another app re-initialised it)."""
    if limiter.storage is not app.extensions[LIMITER_STORAGE]:
        # A test's own create_app() took the global limiter over (real_commits tests,
        # tests of the app factory): give it back to the shared app.
        limiter.init_app(app)
        app.extensions[LIMITER_STORAGE] = limiter.storage
    limiter.reset()
    config = dict(app.config)
    try:
        yield
    finally:
        app.config.clear()
        app.config.update(config)


@dataclass
class OpenSavepoint:
    #: Writes made while it was the innermost SAVEPOINT (its own session's).
    wrote: bool = False
    #: Opened by `Session.begin_nested()` inside a session's own transaction (the app's
    #: guard around one insert): its release is part of that transaction, no commit.
    nested: bool = False
    #: Writes of SAVEPOINTs released inside it: other sessions' commits.
    holds_commits: bool = False


class SavepointGuard:
    """Watches the SAVEPOINTs on a test's connection for the one way they differ from
    real commits: a session rolling back its SAVEPOINT after another session (a
    request, a job) committed writes inside it. With real commits those writes would
    stay; here they are undone, and the test would check something the app does not
    do. The test then fails with this report: mark it `real_commits`.
    """

    WRITES = ("INSERT", "UPDATE", "DELETE")

    def __init__(self, connection: Connection):
        self.open: list[OpenSavepoint] = []  # innermost last (SAVEPOINTs nest)
        self.problems: list[str] = []
        self.watching = True
        self.next_is_nested = False
        event.listen(connection, "savepoint", self.begun)
        event.listen(connection, "release_savepoint", self.released)
        event.listen(connection, "rollback_savepoint", self.rolled_back)
        event.listen(connection, "before_cursor_execute", self.executing)

    def session_transaction(self, session, transaction) -> None:
        """Sessions announce each transaction before its SAVEPOINT is sent (a flush's
        own subtransaction, which sends none, may come in between)."""
        if transaction.nested:
            self.next_is_nested = True
        elif transaction.parent is None:
            self.next_is_nested = False

    def begun(self, connection, name) -> None:
        self.open.append(OpenSavepoint(nested=self.next_is_nested))
        self.next_is_nested = False

    def executing(self, connection, cursor, statement, parameters, context, executemany):
        if self.open and statement.lstrip()[:6].upper() in self.WRITES:
            self.open[-1].wrote = True

    def ended(self) -> OpenSavepoint:
        return self.open.pop() if self.open else OpenSavepoint()

    def released(self, connection, name, context) -> None:
        savepoint = self.ended()
        if not self.open:
            return
        parent = self.open[-1]
        if savepoint.nested:  # still the same session's transaction
            parent.wrote |= savepoint.wrote
            parent.holds_commits |= savepoint.holds_commits
        elif savepoint.wrote or savepoint.holds_commits:
            parent.holds_commits = True

    def rolled_back(self, connection, name, context) -> None:
        if self.ended().holds_commits and self.watching:
            self.problems.append(
                f"ROLLBACK TO SAVEPOINT {name} undid writes that another session (a request"
                " or a job) had committed inside it; with real commits they would stay."
                " Mark the test `@pytest.mark.real_commits`."
            )


def is_savepoint_statement(statement: str) -> bool:
    """SAVEPOINT, RELEASE or ROLLBACK TO: what the shared app's sessions send around
    their work (see `sessions_bound_to`), not queries of the code under test. Tests
    that count queries leave them out, as they left out BEGIN and COMMIT before."""
    return statement.startswith(("SAVEPOINT ", "RELEASE SAVEPOINT ", "ROLLBACK TO SAVEPOINT "))


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    """The statements the code under test sends while the block runs (SAVEPOINTs left
    out), for tests that a page's query count does not grow with its data."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if not is_savepoint_statement(statement):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def needs_real_commits(request: pytest.FixtureRequest) -> bool:
    return (
        request.node.get_closest_marker("real_commits") is not None
        or "live_server" in request.fixturenames
    )


@contextmanager
def rolled_back(app: Flask) -> Iterator[SavepointGuard]:
    """The shared application on one connection whose transaction is rolled back at
    the end, with its config and rate limiter put back; yields the `SavepointGuard`
    that watches it (see `app`)."""
    with app.app_context():
        engine = db.engine
    connection = engine.connect()
    transaction = connection.begin()
    # A SAVEPOINT under everything: a plain `Session(connection)` then joins with a
    # SAVEPOINT of its own too (its default "conditional_savepoint").
    connection.begin_nested()
    guard = SavepointGuard(connection)
    event.listen(Session, "after_transaction_create", guard.session_transaction)
    try:
        with (
            state_restored(app),
            sessions_bound_to(app, connection),
            app.app_context(),
        ):
            yield guard
            guard.watching = False  # the work is over: now everything goes
    finally:
        event.remove(Session, "after_transaction_create", guard.session_transaction)
        transaction.rollback()
        connection.close()


@pytest.fixture
def app(request, database_url):
    """The test's application, inside an application context.

    Usually the shared application, on one connection whose transaction is rolled
    back at the test's end, with its config and rate limiter put back; a
    `SavepointGuard` fails the test if the SAVEPOINTs made it check something real
    commits would not. With `real_commits` (or `live_server`), a new application
    that commits for real, as every test had before; its rows are deleted afterwards.
    """
    if needs_real_commits(request):
        yield from committed_app(database_url)
        return
    app = request.getfixturevalue("shared_app")
    with rolled_back(app) as guard:
        yield app
    if guard.problems:
        pytest.fail("\n".join(guard.problems), pytrace=False)


def committed_app(database_url) -> Iterator[Flask]:
    """An application of the test's own that commits for real; its rows are deleted at
    the end. Slower: only for tests whose writes other connections must see."""
    app = build_app(database_url)
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(delete(table))
        db.engine.dispose()


@pytest.fixture
def make_user(app):
    """Create an account: `make_user(email="x@y.org", is_admin=True)`."""
    counter = iter(range(1, 10_000))

    def make(**overrides) -> User:
        n = next(counter)
        password = overrides.pop("password", PASSWORD)
        user = User(
            name=overrides.pop("name", f"Person {n}"),
            email=overrides.pop("email", f"person{n}@example.org"),
            **overrides,
        )
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user

    return make


class AuthActions:
    def __init__(self, client: CSRFClient):
        self.client = client

    def login(self, email: str, password: str = PASSWORD, **extra):
        return self.client.post(
            "/account/login", data={"email": email, "password": password, **extra}
        )

    def login_as(self, user: User) -> User:
        """Sign in without the login form, for tests about other pages."""
        with self.client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return user

    def logout(self):
        return self.client.post("/account/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def outbox(app):
    """The messages queued so far, oldest first."""

    def messages(kind: str | None = None) -> list[OutboxMessage]:
        statement = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            statement = statement.where(OutboxMessage.kind == kind)
        db.session.expire_all()
        return list(db.session.scalars(statement))

    return messages


# ---------------------------------------------------------------------------
# Programme factories, shared by every area's tests (catalogue, organise,
# enrolment). Each commits and returns the new row; keyword arguments set any
# column. Defaults make a valid, published, in-person programme in London.
# ---------------------------------------------------------------------------


@pytest.fixture
def make_organisation(app):
    """A partner organisation: `make_organisation(name="UNAM", country="MX")`."""
    counter = itertools.count(1)

    def make(**overrides) -> Organisation:
        n = next(counter)
        organisation = Organisation(**{"name": f"Partner {n}", "country": "GB", **overrides})
        db.session.add(organisation)
        db.session.commit()
        return organisation

    return make


@pytest.fixture
def make_programme(app):
    """A programme, published unless `status=` says otherwise.

    `make_programme(title="Robot Lab", team=[(user, TeamRole.LEAD)], partners=[org])`
    """
    counter = itertools.count(1)

    def make(*, team=(), partners=(), **overrides) -> Programme:
        n = next(counter)
        values = {
            "slug": f"programme-{n}",
            "title": f"Programme {n}",
            "kind": ProgrammeKind.FAMILY_WORKSHOP,
            "summary": f"What programme {n} is about.",
            "language": "en",
            "city": "London",
            "country": "GB",
            "status": ProgrammeStatus.PUBLISHED,
            **overrides,
        }
        programme = Programme(**values, partners=list(partners))
        programme.members = [ProgrammeMember(user=user, role=role) for user, role in team]
        db.session.add(programme)
        db.session.commit()
        return programme

    return make


@pytest.fixture
def make_cohort(app):
    """A cohort of `programme` in Europe/London with 20 seats, open for booking."""
    counter = itertools.count(1)

    def make(programme: Programme, **overrides) -> Cohort:
        n = next(counter)
        values = {
            "name": f"Cohort {n}",
            "capacity": 20,
            "seats_taken": 0,
            "timezone": "Europe/London",
            **overrides,
        }
        cohort = Cohort(programme=programme, **values)
        db.session.add(cohort)
        db.session.commit()
        return cohort

    return make


@pytest.fixture
def make_session(app):
    """A session of `cohort`: `make_session(cohort, starts_at=..., hours=2, venue=...)`.

    It starts a week from now unless told, lasts `hours`, and happens in the
    cohort's time zone.
    """

    def make(cohort: Cohort, starts_at: datetime | None = None, *, hours: float = 2, **overrides):
        if starts_at is None:
            starts_at = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
            starts_at += timedelta(days=7)
        values = {
            "ends_at": starts_at + timedelta(hours=hours),
            "timezone": cohort.timezone,
            "venue": "Main hall",
            **overrides,
        }
        session = CohortSession(cohort=cohort, starts_at=starts_at, **values)
        db.session.add(session)
        db.session.commit()
        return session

    return make


@pytest.fixture
def page_cache(app):
    """The public page cache switched on for this test, with a version kept in this
    process (production keeps it in Redis), empty before and after."""
    cache = app.extensions["page_cache"]
    cache.mode = "local"
    cache.clear()
    yield cache
    cache.mode = "off"
    cache.clear()


@pytest.fixture
def upload_folder(app, tmp_path):
    """Uploaded files go to a temporary folder instead of instance/uploads."""
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


# ---------------------------------------------------------------------------
# A live server, for the browser tests and for races of real HTTP requests.
# ---------------------------------------------------------------------------


class LoggingRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler, writing to a logger of our own instead of adding a stderr handler:
    requests are logged at INFO, server errors (with tracebacks) at ERROR, and pytest shows
    them with a failing test."""

    log_to = logging.getLogger("tests.live_server")

    def log(self, type: str, message: str, *args) -> None:
        level = logging.ERROR if type == "error" else logging.INFO
        self.log_to.log(level, "%s " + message, self.address_string(), *args)


class LiveServerURL(str):
    """The live server's base URL. It also carries `.app`, which pytest-flask's autouse
    `_push_request_context` fixture reads from any fixture named `live_server`."""

    app: Flask

    def __new__(cls, url: str, app: Flask) -> "LiveServerURL":
        instance = super().__new__(cls, url)
        instance.app = app
        return instance


@pytest.fixture
def live_server(app) -> Iterator[LiveServerURL]:
    """The test `app` served on a free local port in a background thread; yields its base URL.

    A test using it gets an `app` that commits for real (see `needs_real_commits`):
    the server's threads have connections of their own, which see only commits.

    Requests run in the server's threads, each in its own app context and database
    session, so a test reads what the browser did only after `db.session.expire_all()`.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=LoggingRequestHandler)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},  # so that shutdown() returns at once
        name="live-server",
        daemon=True,
    )
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = url  # the links in its mail lead to this server
    try:
        yield LiveServerURL(url, app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
