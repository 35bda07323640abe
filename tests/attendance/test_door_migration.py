"""Does the door's migration give the marks an installation already has a change time?"""

from flask_migrate import upgrade
from sqlalchemy import text

from app.extensions import db
from tests.core.test_migrations import empty_database  # noqa: F401 (a fixture)

BEFORE_THE_DOOR = "5a28014639c3"
ROWS = [
    "INSERT INTO users (id, email, name, password_hash, is_admin, may_create_programmes,"
    " created_at) VALUES (1, 'a@example.org', 'A', 'x', false, true, '2026-01-01')",
    "INSERT INTO programmes (id, slug, title, kind, summary, description, audience,"
    " teachers_only, home_countries, language, is_online, status, created_at, updated_at)"
    " VALUES (1, 'p', 'P', 'taster', 's', '', '', false, '[]', 'en', false, 'published',"
    " '2026-01-01', '2026-01-01')",
    "INSERT INTO cohorts (id, programme_id, name, capacity, seats_taken, enrolment_mode,"
    " timezone, completion_share, waitlist_enabled, created_at) VALUES (1, 1, 'C', 10, 2,"
    " 'booking', 'Europe/London', 0.75, true, '2026-01-01')",
    "INSERT INTO cohort_sessions (id, cohort_id, title, starts_at, ends_at, timezone)"
    " VALUES (1, 1, '', '2026-02-01 10:00', '2026-02-01 12:00', 'Europe/London')",
    "INSERT INTO enrolments (id, cohort_id, user_id, status, seats, ticket_token, created_at,"
    " updated_at, is_walk_in, authorised_collectors, answers) VALUES (1, 1, 1, 'confirmed', 2,"
    " 'tokentokentokentoken', '2026-01-01', '2026-01-01', false, '[]', '{}')",
    "INSERT INTO attendees (id, enrolment_id, cohort_id, name, is_child, active) VALUES"
    " (1, 1, 1, 'Amira', true, true), (2, 1, 1, 'Omar', true, true)",
    "INSERT INTO attendances (session_id, attendee_id, state, method, marked_at,"
    " checked_out_at, collected_by) VALUES"
    " (1, 1, 'present', 'qr', '2026-02-01 10:02', '2026-02-01 12:05', 'Nadia'),"
    " (1, 2, 'late', 'register', '2026-02-01 10:30', NULL, NULL)",
]


def test_do_the_marks_there_are_get_the_time_they_last_changed(empty_database):  # noqa: F811
    upgrade(revision=BEFORE_THE_DOOR)
    with db.engine.begin() as connection:
        for row in ROWS:
            connection.execute(text(row))
    upgrade()
    with db.engine.connect() as connection:
        stamps = connection.execute(
            text("SELECT attendee_id, updated_at, marked_on FROM attendances ORDER BY attendee_id")
        ).all()
    assert [(attendee, str(stamp)[:16], on) for attendee, stamp, on in stamps] == [
        (1, "2026-02-01 12:05", None),
        (2, "2026-02-01 10:30", None),
    ]
