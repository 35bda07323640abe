"""Do the migrations build the schema the models describe, on this database?"""

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
