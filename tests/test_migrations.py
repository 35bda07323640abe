"""Do the migrations build the schema the models describe, on this database?"""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app import create_app
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
