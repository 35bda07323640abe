"""Booking benchmark: many people booking one hot cohort at once, over real HTTP.

    make bench                                   # SQLite (a temporary file)
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test make bench

Reports bookings per second, latency percentiles and SQL statements per booking POST
(log-in and page loads are done before the clock starts; statements sent after the
response, such as the mail delivery run inline without Redis, are not counted), then
checks the seat invariant.
Options: BENCH_PEOPLE (400), BENCH_SEATS (200), BENCH_THREADS (16).
"""

import os
import statistics
import tempfile
import threading
import time
import urllib.parse
from datetime import timedelta

from flask import has_request_context
from sqlalchemy import create_engine, event, func, select, text
from werkzeug.serving import make_server

from app import create_app
from app.accounts.models import User
from app.core.db import utcnow
from app.enrolment.models import Enrolment, EnrolmentStatus
from app.extensions import db
from app.programmes.models import Cohort, CohortSession, Programme, ProgrammeKind, ProgrammeStatus
from config import TestingConfig
from tests.conftest import CSRF_INPUT, PASSWORD
from tests.enrolment.test_races import Browser

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "400"))
SEATS = int(os.environ.get("BENCH_SEATS", "200"))
THREADS = int(os.environ.get("BENCH_THREADS", "16"))


def database_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        return f"sqlite:///{tempfile.mkdtemp(prefix='convene-bench-')}/bench.db"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def seed() -> tuple[Cohort, list[str]]:
    db.create_all()
    programme = Programme(
        slug="hot",
        title="Hot workshop",
        kind=ProgrammeKind.COMMUNITY,
        summary="Everyone wants a place.",
        language="en",
        status=ProgrammeStatus.PUBLISHED,
        home_countries=[],
    )
    start = utcnow() + timedelta(days=7)
    cohort = Cohort(
        programme=programme,
        name="Saturday",
        capacity=SEATS,
        timezone="Europe/London",
        sessions=[
            CohortSession(
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                timezone="Europe/London",
                venue="Hall",
            )
        ],
    )
    users = [User(name=f"Person {n}", email=f"p{n}@bench.example.org") for n in range(PEOPLE)]
    for user in users:
        user.set_password(PASSWORD)
    db.session.add_all([programme, *users])
    db.session.commit()
    return cohort, [user.email for user in users]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    url = database_url()
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, AUTH_RATE_LIMIT="100000/minute")
    with app.app_context():
        cohort, emails = seed()
        path = f"/programmes/hot/cohorts/{cohort.id}/enrol"
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"

    # Everyone logs in and opens the booking page before the clock starts.
    prepared = []
    for email in emails:
        browser = Browser(base)
        browser.log_in(email)
        token = CSRF_INPUT.search(browser.get(path)).group(1)
        prepared.append((browser, urllib.parse.urlencode({"people": "me", "csrf_token": token})))

    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    queue = list(prepared)

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                browser, body = queue.pop()
            started = time.perf_counter()
            status = browser.send(path, body.encode())
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                statuses.append(status)

    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if has_request_context():  # the request's own, not the work after the response
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    clock = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - clock
    server.shutdown()
    event.remove(engine, "before_cursor_execute", count)

    with app.app_context():
        confirmed, waitlisted = (
            db.session.scalar(select(func.count(Enrolment.id)).where(Enrolment.status == status))
            for status in (EnrolmentStatus.CONFIRMED, EnrolmentStatus.WAITLISTED)
        )
        taken = db.session.get(Cohort, cohort.id).seats_taken
        db.engine.dispose()

    engine = url.split(":", 1)[0]
    print(f"database            {engine}")
    print(f"bookings            {len(latencies)} by {THREADS} concurrent clients")
    print(f"throughput          {len(latencies) / wall:.1f} bookings/s ({wall:.2f} s)")
    print(f"latency p50         {statistics.median(latencies) * 1000:.1f} ms")
    print(f"latency p95         {percentile(latencies, 0.95) * 1000:.1f} ms")
    print(f"latency p99         {percentile(latencies, 0.99) * 1000:.1f} ms")
    print(f"statements/booking  {len(statements) / len(latencies):.1f} (SAVEPOINTs included)")
    print(f"confirmed/waitlist  {confirmed}/{waitlisted} (capacity {SEATS}, seats taken {taken})")
    ok = statuses.count(302) == PEOPLE and confirmed == taken == min(SEATS, PEOPLE)
    print("invariant           " + ("ok" if ok else "BROKEN"))
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
