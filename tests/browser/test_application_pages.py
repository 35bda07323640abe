"""Do the application pages work in a real browser: the live count of the statement, the
review queue on a phone, and an axe audit of every new page, on desktop and phone?"""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.core.db import utcnow
from app.core.transaction import transaction
from app.enrolment import lifecycle
from app.enrolment.lifecycle import ApplicationDetails
from app.enrolment.models import Enrolment, EnrolmentStatus, HouseholdMember, PersonKind
from app.enrolment.rules import Party
from app.extensions import db
from app.programmes.models import (
    CohortQuestion,
    EnrolmentMode,
    ProgrammeKind,
    QuestionKind,
    TeamRole,
)
from tests.browser.audit import Audit

pytestmark = pytest.mark.browser

STATEMENT = "I want to learn how research is done, and bring it home to my town. " * 4


@pytest.fixture
def school(make_user, make_programme, make_cohort, make_session):
    """A summer school with questions, three applications (one offered, one scored with a
    comment) and a booking cohort with a waitlist and a cancellation."""
    lead = make_user(name="Lena Lead", email="lead@example.org")
    make_user(name="Sofía Student", email="sofia@example.org")
    programme = make_programme(
        title="Research School",
        slug="research-school",
        kind=ProgrammeKind.SUMMER_SCHOOL,
        home_countries=["MX", "CO", "CL"],
        team=[(lead, TeamRole.LEAD)],
    )
    cohort = make_cohort(
        programme,
        name="2035 intake",
        capacity=2,
        enrolment_mode=EnrolmentMode.APPLICATION,
        timezone="America/Mexico_City",
    )
    make_session(cohort, utcnow() + timedelta(days=90))
    db.session.add_all(
        [
            CohortQuestion(
                cohort_id=cohort.id, position=0, prompt="Why us?", kind=QuestionKind.TEXT
            ),
            CohortQuestion(
                cohort_id=cohort.id,
                position=1,
                prompt="Which track?",
                kind=QuestionKind.CHOICE,
                choices=["Chemistry", "Robotics"],
            ),
            CohortQuestion(
                cohort_id=cohort.id,
                position=2,
                prompt="Do you hold a passport?",
                kind=QuestionKind.YES_NO,
                required=False,
            ),
        ]
    )
    db.session.commit()
    applications = []
    for name, country in [("Ana Ruiz", "CO"), ("Bruno Díaz", "MX"), ("Carla Soto", "CL")]:
        details = ApplicationDetails("Universidad Nacional", country, "masters", STATEMENT, {})
        with transaction():
            applications.append(
                lifecycle.save_application(make_user(name=name), cohort, details, submit=True)
            )
    with transaction():
        lifecycle.make_offers([applications[0]], deadline=utcnow() + timedelta(days=7))
        applications[1].score = 4

    booking = make_cohort(programme, name="Taster day", capacity=2)
    make_session(booking, utcnow() + timedelta(days=30))
    for n in range(3):
        guardian = make_user(name=f"Guardian {n}", email=f"guardian{n}@example.org")
        adult = HouseholdMember(owner=guardian, kind=PersonKind.ADULT, name=f"Adult {n}")
        db.session.add(adult)
        db.session.commit()
        with transaction():
            place = lifecycle.book(guardian, booking, Party(members=(adult,)))
    with transaction():
        lifecycle.cancel(place, by=lead, reason="The bus is full.")
    return programme, cohort, booking, applications


def test_does_the_statement_count_follow_typing(page, school, log_in):
    cohort = school[1]
    log_in(page, "sofia@example.org")
    page.goto(f"/programmes/research-school/cohorts/{cohort.id}/apply")
    counter = page.locator("[data-count-for=statement]")
    expect(counter).to_have_text("0 characters. At least 200 are needed to submit.")
    page.get_by_label("Personal statement").fill("x" * 250)
    expect(counter).to_have_text("250 of 4000 characters.")
    page.get_by_label("Personal statement").fill("é" * 4005)
    expect(counter).to_have_text("4005 characters: 5 over the limit of 4000.")
    expect(counter).to_have_class("char-count char-count--over")


def test_are_the_application_pages_accessible(device, school, log_in):
    programme, cohort, booking, applications = school
    base = f"/organise/programmes/{programme.id}/cohorts"
    log_in(device, "sofia@example.org")
    audit = Audit(device)
    audit.visit(f"/programmes/research-school/cohorts/{cohort.id}/apply")
    device.get_by_role("button", name="Submit application").click()
    expect(device.get_by_role("alert")).to_be_visible()
    audit.check("apply, with errors")

    device.get_by_role("button", name="Log out").click()
    log_in(device, "lead@example.org")
    audit.visit(f"{base}/{cohort.id}/")
    audit.visit(f"{base}/{cohort.id}/questions/new")
    question_id = db.session.scalar(
        select(CohortQuestion.id).where(CohortQuestion.cohort_id == cohort.id).limit(1)
    )  # ids are not reused on PostgreSQL: never assume 1
    audit.visit(f"{base}/{cohort.id}/questions/{question_id}/remove")
    audit.visit(f"{base}/{cohort.id}/applications")
    audit.visit(f"{base}/{cohort.id}/applications?status=bogus", status=400)
    device.goto(f"{base}/{cohort.id}/applications?status=submitted")
    for checkbox in device.locator(".row-check").all():
        checkbox.check()
    device.get_by_role("button", name="Offer a place").click()
    expect(device.get_by_role("alert")).to_contain_text("No offer was made.")
    audit.check("applications, bulk offer refused")
    audit.visit(f"{base}/{cohort.id}/applications/{applications[1].id}")
    audit.visit(f"{base}/{cohort.id}/enrolments")
    audit.visit(f"{base}/{booking.id}/enrolments")
    place = db.session.scalar(
        select(Enrolment.id).where(
            Enrolment.cohort_id == booking.id, Enrolment.status == EnrolmentStatus.CONFIRMED
        )
    )
    audit.visit(f"{base}/{booking.id}/enrolments/{place}/cancel")
    audit.visit(f"{base}/{booking.id}/enrolments/{place}/move")
    audit.assert_clean()
