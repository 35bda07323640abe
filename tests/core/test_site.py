"""Does the site answer well: home page, health check, error pages, CLI?"""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from app.accounts.models import User
from app.core.db import utcnow
from app.demo import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    demo_programmes,
    load_demo_accounts,
    load_demo_catalogue,
)
from app.extensions import db
from app.programmes.models import Programme, ProgrammeStatus
from app.programmes.rules import upcoming_cohorts


def test_does_the_home_page_invite_visitors_to_sign_up(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/account/signup"' in html
    assert '<a class="skip-link" href="#main">' in html


def test_does_the_home_page_greet_signed_in_people_without_sign_up(client, auth, make_user):
    auth.login_as(make_user())
    html = client.get("/").get_data(as_text=True)
    assert 'href="/account/signup"' not in html
    assert "My account" in html


def test_does_healthz_report_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_does_healthz_answer_503_when_the_database_is_down(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "unreachable"}


def test_is_an_unknown_page_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page not found" in html
    assert 'class="site-header"' in html


def test_is_a_wrong_method_a_friendly_405(client):
    response = client.get("/account/logout")
    assert response.status_code == 405


@pytest.mark.real_commits  # adds a route: needs an app of its own that has served no request
def test_is_a_crash_a_friendly_500(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    response = client.get("/boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong on our side" in html
    assert "kaboom" not in html


def test_are_error_pages_translated(client):
    html = client.get("/missing?lang=es").get_data(as_text=True)
    assert "Página no encontrada" in html


def test_does_loading_demo_data_twice_create_each_account_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    second = runner.invoke(args=["demo", "load"])
    assert first.exit_code == second.exit_code == 0
    for account in DEMO_ACCOUNTS:
        assert account.email in second.output
    emails = db.session.scalars(select(User.email)).all()
    assert {a.email for a in DEMO_ACCOUNTS} <= set(emails)
    assert len(emails) == len(set(emails))
    assert "Demo enrolments" not in second.output  # bookings are made once
    admin = db.session.scalar(select(User).where(User.email == "admin@convene.example.org"))
    assert admin.is_admin
    assert admin.check_password(DEMO_PASSWORD)

    assert "Demo catalogue: 0 programmes added." in second.output


def test_does_the_demo_catalogue_show_a_living_catalogue(app):
    load_demo_accounts()
    assert load_demo_catalogue() == len(demo_programmes(utcnow().date()))
    programmes = db.session.scalars(select(Programme)).all()
    published = [p for p in programmes if p.status == ProgrammeStatus.PUBLISHED]
    assert len(published) >= 7
    for programme in published:
        assert upcoming_cohorts(programme, utcnow()), programme.slug
        assert programme.partners
        assert programme.members[0].user.email == "organiser@convene.example.org"
    assert len({p.kind for p in published}) >= 5


def test_can_an_operator_create_an_admin_from_the_command_line(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create-admin", "ops@example.org", "--name", "Ops"],
        input="a long operator passphrase\na long operator passphrase\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "ops@example.org"))
    assert user.is_admin
    assert user.check_password("a long operator passphrase")


@pytest.mark.parametrize("path", ["/static/css/convene.css", "/static/img/logo.svg"])
def test_are_assets_served_locally(client, path):
    with client.get(path) as response:
        assert response.status_code == 200


def test_can_every_demo_account_log_in_through_the_form(app, client, auth):
    load_demo_accounts()
    for account in DEMO_ACCOUNTS:
        response = auth.login(account.email, DEMO_PASSWORD)
        assert response.status_code == 302, account.email
        auth.logout()
