"""The benchmark's database: a fresh schema through the migrations, the demo data,
a growing catalogue, and the people, cohorts and registers the runs use. Rows are
made in bulk, with what the models keep at flush time (the catalogue's stored dates)
brought up to date as a flush would."""

import os
import subprocess
import tempfile
import time
from datetime import timedelta

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import create_engine, insert, text
from werkzeug.security import generate_password_hash

from app import demo
from app.accounts.models import User
from app.core.db import utcnow
from app.enrolment.models import (
    Attendee,
    Enrolment,
    EnrolmentStatus,
    HouseholdMember,
    PersonKind,
)
from app.extensions import db
from app.programmes import listing
from app.programmes.models import (
    Cohort,
    CohortSession,
    Programme,
    ProgrammeKind,
    ProgrammeMember,
    ProgrammeStatus,
    TeamRole,
)
from tests.benchmarks.servers import BIN, ROOT

PASSWORD = "bench-password"
#: The server checks whatever method a stored hash names: a cheap one keeps the
#: hundreds of log-ins before the clock starts quick.
PASSWORD_HASH = generate_password_hash(PASSWORD, "scrypt:1024:8:1")
CHUNK = 1_000

KINDS = list(ProgrammeKind)
LANGUAGES = ["en", "es", "zh", "fr", "de"]
COUNTRIES = [("GB", "London"), ("HK", "Hong Kong"), ("MX", "Mexico City"), ("DE", "Munich")]
ZONES = ["Europe/London", "Asia/Hong_Kong", "America/Mexico_City", "Europe/Berlin"]


def database_url() -> str:
    """BENCH_DATABASE_URL with its public schema dropped and made again, else a
    temporary SQLite file."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        return f"sqlite:///{tempfile.mkdtemp(prefix='convene-bench-')}/bench.db"
    engine = create_engine(url)
    with engine.begin() as connection:
        # A page that took minutes in an earlier run may still hold its query there.
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def redis_url() -> str | None:
    """Redis database 15, emptied, when a Redis answers on the usual port."""
    url = "redis://127.0.0.1:6379/15"
    try:
        Redis.from_url(url, socket_connect_timeout=1).flushdb()
    except RedisError:
        return None
    return url


def migrate(env: dict[str, str]) -> None:
    """The real schema, indexes included: `flask db upgrade`."""
    subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def load_demo() -> None:
    """As `flask demo load` does."""
    demo.load_demo_accounts()
    demo.load_demo_catalogue()
    demo.load_demo_enrolments()


def _cohorts(n: int) -> list[tuple[str, int, int]]:
    """(name, days ahead, sessions): one or two cohorts ahead, and a past one for every
    fourth programme."""
    cohorts = [("Spring", 3 + n % 150, 1 + n % 3)]
    if n % 2:
        cohorts.append(("Autumn", 160 + n % 60, 2))
    if n % 4 == 0:
        cohorts.append(("Last year", -300 - n % 30, 1))
    return cohorts


def _programme(n: int) -> dict:
    """Mixed kinds, languages, countries, online or not."""
    country, city = COUNTRIES[n % len(COUNTRIES)]
    online = n % 5 == 0
    family = n % 3 == 0
    return {
        "slug": f"bench-{n}",
        "title": f"Bench programme {n}",
        "kind": KINDS[n % len(KINDS)],
        "summary": f"Programme number {n}, made up for the benchmark.",
        "description": "Made up for the benchmark.",
        "audience": "Anyone curious",
        "min_age": 7 if family else None,
        "max_age": 11 if family else None,
        "teachers_only": False,
        "home_countries": ["GB"] if n % 10 == 7 else [],
        "language": LANGUAGES[n % len(LANGUAGES)],
        "is_online": online,
        "country": None if online else country,
        "city": None if online else city,
        "status": ProgrammeStatus.PUBLISHED,
    }


def _inserted(model, rows: list[dict]) -> list[int]:
    statement = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(db.session.scalars(statement, rows))


def _add_chunk(start: int, stop: int) -> None:
    """Programmes start .. stop - 1 in three bulk INSERTs, then their stored catalogue
    dates brought up to date as a flush would (`listing.refresh_cohorts`)."""
    today = utcnow().replace(minute=0, second=0, microsecond=0)
    numbers = range(start, stop)
    programme_ids = _inserted(Programme, [_programme(n) for n in numbers])
    planned = [
        (n, programme_id, name, days, sessions)
        for n, programme_id in zip(numbers, programme_ids, strict=True)
        for name, days, sessions in _cohorts(n)
    ]
    cohort_ids = _inserted(
        Cohort,
        [
            {
                "programme_id": programme_id,
                "name": name,
                "capacity": 10 + n % 40,
                "timezone": ZONES[n % len(ZONES)],
            }
            for n, programme_id, name, _, _ in planned
        ],
    )
    sessions = []
    for (n, _, _, days, count), cohort_id in zip(planned, cohort_ids, strict=True):
        first = today + timedelta(days=days)
        sessions += [
            {
                "cohort_id": cohort_id,
                "starts_at": first + timedelta(days=7 * s),
                "ends_at": first + timedelta(days=7 * s, hours=2),
                "timezone": ZONES[n % len(ZONES)],
                "venue": None if n % 5 == 0 else "Main hall",
                "online_url": "https://meet.example.org/bench" if n % 5 == 0 else None,
            }
            for s in range(count)
        ]
    db.session.execute(insert(CohortSession), sessions)
    listing.refresh_cohorts(db.session(), cohort_ids)
    db.session.commit()


def add_programmes(first: int, count: int) -> float:
    """Programmes `first` .. `first + count - 1`, a commit per thousand; the seconds taken.
    Bulk INSERTs, not ORM objects: making 45,000 programmes' objects would take minutes."""
    clock = time.perf_counter()
    for start in range(first, first + count, CHUNK):
        _add_chunk(start, min(start + CHUNK, first + count))
    analyze()
    return time.perf_counter() - clock


def analyze() -> None:
    """After a bulk load, what PostgreSQL's autovacuum would do within a minute or so
    (and an operator does after an import): statistics for the planner, which would
    otherwise still plan for empty tables, and the vacuum that would otherwise run
    in the background of the next measurement."""
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def users(prefix: str, count: int) -> list[User]:
    people = [
        User(name=f"{prefix.title()} {n}", email=f"{prefix}{n}@bench.example.org")
        for n in range(count)
    ]
    for person in people:
        person.password_hash = PASSWORD_HASH
    db.session.add_all(people)
    db.session.commit()
    return people


def _cohort(name: str, capacity: int, days_ahead: int) -> Cohort:
    start = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(days=days_ahead)
    zone = "Europe/London"
    return Cohort(
        name=name,
        capacity=capacity,
        timezone=zone,
        sessions=[
            CohortSession(starts_at=start, ends_at=start + timedelta(hours=2), timezone=zone)
        ],
    )


def hot_programme(slug: str, seats: int) -> tuple[Programme, Cohort, Cohort]:
    """A community programme with a hot cohort of `seats` seats, and a roomy one for
    the one booking whose queries are counted."""
    programme = Programme(
        slug=slug,
        title="Hot workshop",
        kind=ProgrammeKind.COMMUNITY,
        summary="Everyone wants a place.",
        language="en",
        status=ProgrammeStatus.PUBLISHED,
        home_countries=[],
        cohorts=[_cohort("Hot", seats, days_ahead=7), _cohort("Roomy", 1_000, days_ahead=14)],
    )
    hot, roomy = programme.cohorts
    db.session.add(programme)
    db.session.commit()
    return programme, hot, roomy


def door_programme(helpers: list[User], sizes: list[int]) -> tuple[Programme, list[Cohort]]:
    """A programme with the helpers on its team and, for each size, a cohort whose one
    session is on today with that many attendees: households of two children, each
    household's booking one ticket."""
    start = utcnow().replace(microsecond=0) - timedelta(minutes=30)
    programme = Programme(
        slug="door",
        title="Door night",
        kind=ProgrammeKind.FAMILY_WORKSHOP,
        summary="A register to scan.",
        language="en",
        status=ProgrammeStatus.PUBLISHED,
        home_countries=[],
        members=[ProgrammeMember(user=helper, role=TeamRole.HELPER) for helper in helpers],
        cohorts=[
            Cohort(
                name=f"Register of {size}",
                capacity=size,
                timezone="Europe/London",
                sessions=[
                    CohortSession(
                        starts_at=start,
                        ends_at=start + timedelta(hours=3),
                        timezone="Europe/London",
                        venue="Hall",
                    )
                ],
            )
            for size in sizes
        ],
    )
    db.session.add(programme)
    db.session.flush()
    for cohort, size in zip(programme.cohorts, sizes, strict=True):
        for guardian in users(f"guardian{cohort.id}-", size // 2):
            children = [
                HouseholdMember(owner=guardian, kind=PersonKind.CHILD, name=f"{guardian.name} {c}")
                for c in "AB"
            ]
            db.session.add(
                Enrolment(
                    cohort=cohort,
                    user=guardian,
                    status=EnrolmentStatus.CONFIRMED,
                    seats=2,
                    attendees=[
                        Attendee(
                            cohort_id=cohort.id,
                            household_member=child,
                            name=child.name,
                            is_child=True,
                        )
                        for child in children
                    ],
                )
            )
            cohort.seats_taken += 2
        db.session.commit()
    return programme, list(programme.cohorts)
