"""Export benchmark: the attendance matrix of a large cohort as CSV and XLSX.

    .venv/bin/python -m tests.benchmarks.exports              # SQLite (a temporary file)
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/DBNAME \\
        .venv/bin/python -m tests.benchmarks.exports
    BENCH_MARKS=200000 .venv/bin/python -m tests.benchmarks.exports

`measure()` generates a cohort with about `marks` attendance marks (50 sessions,
`marks / 50` attendees, inserted in bulk), then exports its matrix, each format
twice: once timed (start of the export to the last byte read), once under
tracemalloc for the peak of Python memory (tracemalloc slows the run down, so it
is kept out of the timing).
"""

import os
import time
import tracemalloc
import uuid
from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select

from app import create_app
from app.accounts.models import User
from app.attendance import exports
from app.attendance.models import (
    Attendance,
    AttendanceState,
    AttendanceWarning,
    Certificate,
    MarkMethod,
)
from app.core.db import utcnow
from app.core.transaction import transaction
from app.enrolment.models import Attendee, Enrolment, EnrolmentStatus, HouseholdMember, PersonKind
from app.extensions import db
from app.programmes.models import Cohort, CohortSession, Programme, ProgrammeKind, ProgrammeStatus
from config import TestingConfig
from tests.benchmarks.data import database_url

SESSIONS = 50
#: Rows per INSERT statement.
CHUNK = 20_000


def _insert(model, rows: Iterable[dict]) -> None:
    """Core executemany on the session's connection (the ORM's bulk path is several
    times slower on PostgreSQL)."""
    connection = db.session.connection()
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            connection.execute(insert(model), batch)
            batch = []
    if batch:
        connection.execute(insert(model), batch)


def _ids(model, rows: list[dict]) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        statement = insert(model).returning(model.id, sort_by_parameter_order=True)
        ids += db.session.scalars(statement, rows[start : start + CHUNK]).all()
    return ids


def generate(marks: int) -> tuple[Cohort, User]:
    """A cohort whose sessions are over, with `marks / SESSIONS` attendees marked at
    every session: one in five a child with needs, one in ten certified, one in
    twenty warned, one in fifty with a name a spreadsheet would take for a formula."""
    db.create_all()
    token = uuid.uuid4().hex[:8]
    people = max(1, marks // SESSIONS)
    organiser = User(
        name="Bench Organiser", email=f"organiser-{token}@bench.example.org", password_hash="x"
    )
    programme = Programme(
        slug=f"bench-exports-{token}",
        title="Export benchmark",
        kind=ProgrammeKind.COMMUNITY,
        summary="A large cohort.",
        language="en",
        status=ProgrammeStatus.PUBLISHED,
        home_countries=[],
    )
    first = utcnow().replace(microsecond=0) - timedelta(weeks=SESSIONS)
    cohort = Cohort(
        programme=programme,
        name="Everyone",
        capacity=people,
        seats_taken=people,
        timezone="Europe/London",
        sessions=[
            CohortSession(
                starts_at=first + timedelta(weeks=n),
                ends_at=first + timedelta(weeks=n, hours=2),
                timezone="Europe/London",
                title=f"Session {n + 1}",
            )
            for n in range(SESSIONS)
        ],
    )
    db.session.add_all([organiser, programme])
    db.session.flush()

    users = _ids(
        User,
        [
            {
                "email": f"p{n}-{token}@bench.example.org",
                "name": f"Person {n}",
                "password_hash": "x",
            }
            for n in range(people)
        ],
    )
    children = range(0, people, 5)
    members = dict(
        zip(
            children,
            _ids(
                HouseholdMember,
                [
                    {
                        "owner_id": users[n],
                        "kind": PersonKind.CHILD,
                        "name": f"Child {n}",
                        "medical_needs": "Inhaler",
                        "dietary_needs": "No nuts",
                    }
                    for n in children
                ],
            ),
            strict=True,
        )
    )
    enrolments = _ids(
        Enrolment,
        [
            {"cohort_id": cohort.id, "user_id": user_id, "status": EnrolmentStatus.CONFIRMED}
            for user_id in users
        ],
    )
    attendees = _ids(
        Attendee,
        [
            {
                "enrolment_id": enrolment_id,
                "cohort_id": cohort.id,
                "household_member_id": members.get(n),
                "user_id": None if n in members else users[n],
                "name": f"-{n:06d}" if n % 50 == 0 else f"Attendee {n:06d}",
                "is_child": n in members,
            }
            for n, enrolment_id in enumerate(enrolments)
        ],
    )
    share = Decimal("0.5")
    _insert(
        Certificate,
        (
            {
                "attendee_id": attendee_id,
                "cohort_id": cohort.id,
                "name": "Certified",
                "cpd_hours": Decimal("10.0"),
                "attendance_share": share,
                "code": f"{token}{n}",
            }
            for n, attendee_id in enumerate(attendees)
            if n % 10 == 0
        ),
    )
    _insert(
        AttendanceWarning,
        (
            {"attendee_id": attendee_id, "cohort_id": cohort.id, "attendance_share": share}
            for n, attendee_id in enumerate(attendees)
            if n % 20 == 0
        ),
    )
    states = list(AttendanceState)
    session_ids = [session.id for session in cohort.sessions]
    _insert(
        Attendance,
        (
            {
                "session_id": session_id,
                "attendee_id": attendee_id,
                "state": states[(n + s) % len(states)],
                "method": MarkMethod.REGISTER,
            }
            for n, attendee_id in enumerate(attendees)
            for s, session_id in enumerate(session_ids)
            if (n + s) % 97  # a few sessions left unmarked
        ),
    )
    db.session.commit()
    return cohort, organiser


def _export(cohort: Cohort, organiser: User, file_format: exports.FileFormat) -> int:
    """Start the export as the view does, read its body to the end; its size in bytes."""
    with transaction():
        export = exports.start_export(
            organiser,
            cohort,
            kind=exports.ExportKind.MATRIX,
            file_format=file_format,
            sensitive=True,
        )
    size = 0
    for chunk in exports.body(export):
        size += len(chunk)
    return size


def _timed(cohort: Cohort, organiser: User, file_format: exports.FileFormat) -> float:
    started = time.perf_counter()
    _export(cohort, organiser, file_format)
    return time.perf_counter() - started


def _peak_mb(cohort: Cohort, organiser: User, file_format: exports.FileFormat) -> float:
    tracemalloc.start()
    try:
        _export(cohort, organiser, file_format)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1e6


def measure(marks: int = 1_000_000) -> dict:
    """Marks exported per second and peak Python memory (MB) of the CSV and XLSX
    matrix exports; call inside an app context."""
    cohort, organiser = generate(marks)
    marked = db.session.scalar(
        select(func.count(Attendance.id)).join(Attendee).where(Attendee.cohort_id == cohort.id)
    )
    figures = {"marks": marked}
    for file_format in (exports.FileFormat.CSV, exports.FileFormat.XLSX):
        key = file_format.value
        figures[f"{key}_marks_per_s"] = marked / _timed(cohort, organiser, file_format)
        figures[f"{key}_peak_mb"] = _peak_mb(cohort, organiser, file_format)
    return figures


def main() -> None:
    url = database_url()
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        started = time.perf_counter()
        figures = measure(int(os.environ.get("BENCH_MARKS", "1000000")))
        db.engine.dispose()
    print(f"database          {url.split(':', 1)[0]}")
    print(f"marks             {figures['marks']:,} ({time.perf_counter() - started:.0f} s in all)")
    for key in ("csv", "xlsx"):
        print(
            f"{key:<4} matrix       {figures[f'{key}_marks_per_s']:,.0f} marks/s, "
            f"peak {figures[f'{key}_peak_mb']:.1f} MB"
        )


if __name__ == "__main__":
    main()
