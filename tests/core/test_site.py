"""Does the site answer well: home page, health check, error pages, CLI?"""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.accounts.models import User, user_by_email
from app.attendance.models import Attendance, Certificate
from app.core.db import utcnow
from app.demo import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    DOOR_COHORT,
    FINISHED_COHORT,
    demo_programmes,
    door_schedule,
    load_demo_accounts,
    load_demo_catalogue,
)
from app.enrolment.models import Attendee, Enrolment, EnrolmentStatus
from app.extensions import db
from app.programmes.models import (
    Cohort,
    CohortQuestion,
    CohortSession,
    Programme,
    ProgrammeMember,
    ProgrammeStatus,
    TeamRole,
)
from app.programmes.rules import upcoming_cohorts, utc_to_local
from tests.site_map import load_demo_site


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


def demo_counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (
            User,
            Programme,
            Cohort,
            CohortSession,
            CohortQuestion,
            Enrolment,
            Attendance,
            Certificate,
        )
    }


def test_does_loading_demo_data_twice_create_each_account_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    counts = demo_counts()
    second = runner.invoke(args=["demo", "load"])
    assert demo_counts() == counts
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
    assert load_demo_catalogue() == len(demo_programmes(utcnow()))
    programmes = db.session.scalars(select(Programme)).all()
    published = [p for p in programmes if p.status == ProgrammeStatus.PUBLISHED]
    assert len(published) >= 7
    for programme in published:
        assert upcoming_cohorts(programme, utcnow()), programme.slug
        assert programme.partners
        assert programme.members[0].user.email == "organiser@convene.example.org"
    assert len({p.kind for p in published}) >= 5


def cohort_named(name: str) -> Cohort:
    return db.session.scalar(select(Cohort).where(Cohort.name == name))


def test_can_the_demo_helper_take_a_register_today_and_tomorrow(app, client, auth):
    load_demo_site()
    cohort = cohort_named(DOOR_COHORT)
    today = utc_to_local(utcnow(), cohort.timezone).date()
    days = [utc_to_local(s.starts_at, s.timezone).date() for s in cohort.sessions]
    assert days == [today, today + timedelta(days=1)]
    helper = user_by_email("helper@convene.example.org")
    role = db.session.scalar(
        select(ProgrammeMember.role).where(
            ProgrammeMember.programme_id == cohort.programme_id,
            ProgrammeMember.user_id == helper.id,
        )
    )
    assert role == TeamRole.HELPER
    auth.login_as(helper)
    session = cohort.sessions[0]
    url = f"/organise/programmes/{cohort.programme_id}/cohorts/{cohort.id}/sessions/{session.id}"
    response = client.get(f"{url}/register")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Maya Lewis" in html
    assert "aria-pressed=false>Present</button>" in html  # open: people can be checked in


@pytest.mark.parametrize(
    ("now", "day", "start", "end"),
    [
        # An afternoon: from the next full hour, still today.
        (datetime(2026, 12, 3, 14, 20, tzinfo=UTC), date(2026, 12, 3), time(15), time(17)),
        # Just after midnight in London (23:30 UTC in summer): today is London's, at 10:00.
        (datetime(2026, 7, 1, 23, 30, tzinfo=UTC), date(2026, 7, 2), time(10), time(12)),
        # Late in the evening: no two hours are left, so it was this morning.
        (datetime(2026, 12, 3, 22, 30, tzinfo=UTC), date(2026, 12, 3), time(10), time(12)),
    ],
)
def test_is_the_demos_session_today_later_today_when_it_can_be(now, day, start, end):
    assert door_schedule(now, "Europe/London") == (day, start, end, 2, 1)


def test_does_the_demo_teacher_have_a_certificate(app, client, auth):
    load_demo_site()
    teacher = user_by_email("teacher@convene.example.org")
    cohort = cohort_named(FINISHED_COHORT)
    assert all(s.ends_at < utcnow() for s in cohort.sessions)
    certificate = db.session.scalar(
        select(Certificate)
        .join(Certificate.attendee)
        .where(Attendee.user_id == teacher.id, Certificate.cohort_id == cohort.id)
    )
    assert certificate.name == "Wong Ka-yan"
    assert certificate.organisations == [
        "Hong Kong Digital Education Centre",
        "London Science University",
    ]
    assert certificate.signatory_name == "Dr Helen Chan"
    statuses = db.session.scalars(
        select(Enrolment.status).where(Enrolment.cohort_id == cohort.id).order_by(Enrolment.id)
    ).all()
    assert statuses == [EnrolmentStatus.COMPLETED] * 2 + [EnrolmentStatus.CONFIRMED]
    auth.login_as(teacher)
    assert client.get(f"/me/certificates/{certificate.id}").status_code == 200


def test_does_the_demo_application_cohort_ask_its_own_questions(app):
    load_demo_site()
    summer = cohort_named("Summer 2027")
    questions = db.session.scalars(
        select(CohortQuestion).where(CohortQuestion.cohort_id == summer.id)
    ).all()
    assert len(questions) == 2
    applications = db.session.scalars(select(Enrolment).where(Enrolment.cohort_id == summer.id))
    for application in applications:
        assert str(questions[0].id) in application.answers


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
