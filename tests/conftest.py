"""Fixtures shared by every test: an app on a clean database, clients, factories.

Tests run on SQLite by default. Set TEST_DATABASE_URL (as `.ci/run` does) to run
the same suite on PostgreSQL.
"""

import contextvars
import itertools
import logging
import os
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, delete, select, text
from werkzeug.serving import WSGIRequestHandler, make_server

from app import create_app
from app.accounts.models import User
from app.core.models import OutboxMessage
from app.extensions import db
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

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
PASSWORD = "correct horse battery"
CSRF_INPUT = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class CSRFClient(FlaskClient):
    """A test client that sends a valid CSRF token with every form, as a browser would.

    `post(..., csrf=False)` sends none, to test the refusal.
    """

    def open(self, *args, **kwargs):
        # Read and close every response as a server does, so that work scheduled to
        # run once the response is sent (mail delivery) runs before the test goes on.
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        html = self.get("/").get_data(as_text=True)
        return CSRF_INPUT.search(html).group(1)

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


@pytest.fixture
def app(database_url):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url)
    app.test_client_class = CSRFClient
    run_each_request_in_a_fresh_context(app)
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
    try:
        yield LiveServerURL(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
