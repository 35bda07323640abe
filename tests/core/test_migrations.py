"""Do the migrations build the schema the models describe, on this database?"""

import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app import create_app
from app.enrolment import tickets
from app.extensions import db
from config import TestingConfig


@pytest.fixture
def empty_database(database_url):
    """The test database with nothing in it (the suite's own tables come back after)."""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        yield app
        db.session.remove()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.drop_all()
        db.create_all()
        db.engine.dispose()


def test_does_upgrade_on_an_empty_database_match_the_models(empty_database):
    upgrade()
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def test_does_downgrade_remove_everything_it_created(empty_database):
    upgrade()
    downgrade(revision="base")
    tables = set(inspect(db.engine).get_table_names())
    assert tables <= {"alembic_version"}


def test_do_migrations_keep_existing_rows(empty_database):
    """An installation with data upgrades: new columns need defaults for old rows."""
    upgrade(revision="c9267556f6c5")
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (email, name, password_hash, is_admin, may_create_programmes,"
                " created_at) VALUES ('a@example.org', 'A', 'x', false, true, '2026-01-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO outbox_messages (kind, recipient, subject, body_text, status,"
                " attempts, created_at, next_attempt_at) VALUES ('k', 'a@example.org', 's', 'b',"
                " 'sent', 1, '2026-01-01', '2026-01-01')"
            )
        )
    upgrade(revision="75ac225949a8")
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO programmes (slug, title, kind, summary, description, audience,"
                " teachers_only, home_countries, language, is_online, status, created_at,"
                " updated_at) VALUES ('p', 'P', 'taster', 's', '', '', false, '[]', 'en', false,"
                " 'published', '2026-01-01', '2026-01-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO cohorts (programme_id, name, capacity, seats_taken, enrolment_mode,"
                " timezone, completion_share, waitlist_enabled, created_at) VALUES"
                " (1, 'C', 10, 0, 'booking', 'Europe/London', 0.75, true, '2026-01-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO cohort_sessions (cohort_id, title, starts_at, ends_at, timezone)"
                " VALUES (1, '', '2026-02-01 10:00', '2026-02-01 12:00', 'Europe/London')"
            )
        )
    upgrade(revision="5a28014639c3")
    old_tokens = ["Jq3-kV9_xT2mWp8sLd4nRb7c", "aB0cD1eF2gH3iJ4kL5mN6oP7"]
    with db.engine.begin() as connection:
        for token in old_tokens:
            connection.execute(
                text(
                    "INSERT INTO enrolments (cohort_id, user_id, status, seats, ticket_token,"
                    " created_at, updated_at, answers, authorised_collectors, is_walk_in)"
                    " VALUES (1, 1, 'confirmed', 1, :token, '2026-01-01', '2026-01-01', '[]',"
                    " '[]', false)"
                ),
                {"token": token},
            )
    upgrade()
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM cohort_sessions")).scalar() == 1
        assert connection.execute(text("SELECT attachments FROM outbox_messages")).scalar() in (
            "[]",
            [],
        )
        places = connection.execute(
            text("SELECT ticket_token, ticket_code FROM enrolments ORDER BY id")
        ).all()
    # Places booked before ticket codes get one each, and keep their token.
    assert [token for token, _ in places] == old_tokens
    codes = [code for _, code in places]
    assert len(set(codes)) == 2
    assert [tickets.read_ticket(code) for code in codes] == [
        tickets.TicketText(code=code) for code in codes
    ]


def test_do_messages_queued_before_the_upgrade_keep_their_recipients_language(empty_database):
    upgrade(revision="5a28014639c3")
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (email, name, password_hash, is_admin, may_create_programmes,"
                " locale, created_at) VALUES"
                " ('ana@example.org', 'Ana', 'x', false, false, 'es', '2026-01-01'),"
                " ('lee@example.org', 'Lee', 'x', false, false, NULL, '2026-01-01')"
            )
        )
        for recipient in ("ana@example.org", "lee@example.org", "someone@example.org"):
            connection.execute(
                text(
                    "INSERT INTO outbox_messages (kind, recipient, subject, body_text, status,"
                    " attempts, attachments, created_at, next_attempt_at) VALUES ('k', :to,"
                    " 's', 'b', 'pending', 0, '[]', '2026-01-01', '2026-01-01')"
                ),
                {"to": recipient},
            )
    upgrade()
    with db.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT recipient, locale FROM outbox_messages ORDER BY id")
        ).all()
    assert [tuple(row) for row in rows] == [
        ("ana@example.org", "es"),
        ("lee@example.org", "en"),
        ("someone@example.org", "en"),
    ]


def test_do_certificates_issued_before_name_their_programmes_partners(empty_database):
    """Certificates from before organisations were printed name the partners, by name."""
    upgrade(revision="5a28014639c3")
    rows = [
        "INSERT INTO users (id, email, name, password_hash, is_admin, may_create_programmes,"
        " created_at) VALUES (1, 't@example.org', 'T', 'x', false, false, '2026-01-01')",
        "INSERT INTO organisations (id, name, country, created_at) VALUES"
        " (1, 'Zeta College', 'GB', '2026-01-01'), (2, 'Alpha Institute', 'HK', '2026-01-01')",
        "INSERT INTO programmes (id, slug, title, kind, summary, description, audience,"
        " teachers_only, home_countries, language, is_online, status, created_at, updated_at)"
        " VALUES (1, 'p', 'P', 'teacher_training', 's', '', '', true, '[]', 'en', true,"
        " 'published', '2026-01-01', '2026-01-01')",
        "INSERT INTO programme_partners (programme_id, organisation_id) VALUES (1, 1), (1, 2)",
        "INSERT INTO cohorts (id, programme_id, name, capacity, seats_taken, enrolment_mode,"
        " timezone, completion_share, waitlist_enabled, created_at) VALUES"
        " (1, 1, 'C', 10, 0, 'booking', 'Europe/London', 0.75, true, '2026-01-01')",
        "INSERT INTO enrolments (id, cohort_id, user_id, status, seats, ticket_token, created_at,"
        " updated_at, answers) VALUES (1, 1, 1, 'completed', 1, 'tok', '2026-01-01',"
        " '2026-01-01', '{}')",
        "INSERT INTO attendees (id, enrolment_id, cohort_id, user_id, name, is_child, active)"
        " VALUES (1, 1, 1, 1, 'T', false, true)",
        "INSERT INTO certificates (attendee_id, cohort_id, name, attendance_share, issued_at,"
        " code) VALUES (1, 1, 'T', 1, '2026-02-01', 'code')",
    ]
    with db.engine.begin() as connection:
        for row in rows:
            connection.execute(text(row))
    upgrade()
    with db.engine.connect() as connection:
        organisations, signatory = connection.execute(
            text("SELECT organisations, signatory_name FROM certificates")
        ).one()
    if isinstance(organisations, str):  # SQLite hands JSON back as text
        organisations = json.loads(organisations)
    assert (organisations, signatory) == (["Alpha Institute", "Zeta College"], None)
