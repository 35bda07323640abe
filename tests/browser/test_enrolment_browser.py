"""Can a guardian book a family workshop in a real browser, and are those pages accessible?

Headless Chromium on a live server: the live seat count (static/js/booking.js)
and axe-core audits of every participant page, on desktop and on a phone.
"""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.core.db import utcnow
from app.core.transaction import transaction
from app.enrolment import lifecycle
from app.enrolment.models import HouseholdMember, PersonKind
from app.enrolment.rules import Party
from app.extensions import db
from tests.browser.audit import Audit

pytestmark = pytest.mark.browser


@pytest.fixture
def family(make_user, make_programme, make_cohort, make_session):
    """A guardian with two children and another adult, and a workshop with 3 seats left."""
    guardian = make_user(name="Ada Parent", email="ada@example.org")
    today = utcnow().date()
    members = [
        HouseholdMember(
            owner=guardian,
            kind=PersonKind.CHILD,
            name=name,
            date_of_birth=today.replace(year=today.year - age, day=1),
            dietary_needs="No nuts" if age == 8 else None,
        )
        for name, age in (("Sam", 8), ("Tiny Tim", 3))
    ] + [HouseholdMember(owner=guardian, kind=PersonKind.ADULT, name="Grandpa Joe")]
    db.session.add_all(members)
    db.session.commit()
    programme = make_programme(slug="robot-lab", title="Robot Lab", min_age=6, max_age=11)
    cohort = make_cohort(programme, name="Saturday", capacity=3)
    make_session(cohort, utcnow() + timedelta(days=30), venue="Great Hall")
    return guardian, cohort


def test_does_the_booking_form_count_seats_as_people_are_chosen(page, family, log_in):
    _, cohort = family
    log_in(page, "ada@example.org")
    page.goto(f"/programmes/robot-lab/cohorts/{cohort.id}/enrol")
    count = page.locator("output[data-seat-count]")
    expect(count).to_have_text("1 seat")  # the guardian is ticked to start with
    page.get_by_label("Sam").check()
    page.get_by_label("Grandpa Joe").check()
    expect(count).to_have_text("3 seats")
    warning = page.locator("[data-over-capacity]")
    expect(warning).to_be_hidden()
    page.get_by_label("Tiny Tim").check()
    expect(count).to_have_text("4 seats")
    expect(warning).to_be_visible()
    page.get_by_label("Tiny Tim").uncheck()
    expect(warning).to_be_hidden()

    page.get_by_label("Emergency contact", exact=True).fill("Grace Hopper")
    page.get_by_label("Emergency contact's phone").fill("+44 20 7946 0000")
    page.get_by_role("button", name="Book").click()
    expect(page.get_by_role("status")).to_contain_text("Confirmed")
    page.get_by_role("link", name="Show your ticket").click()
    expect(page.locator("svg.ticket__qr-code")).to_be_visible()


def test_are_the_participant_pages_accessible(device, family, log_in):
    guardian, cohort = family
    sam = db.session.scalar(select(HouseholdMember).where(HouseholdMember.name == "Sam"))
    with transaction():
        enrolment = lifecycle.book(
            guardian,
            cohort,
            Party(members=(sam,), account_holder=True),
            emergency_contact_name="Grace Hopper",
            emergency_contact_phone="+44 20 7946 0000",
        )
    log_in(device, "ada@example.org")
    audit = Audit(device)

    audit.visit("/me/")
    audit.visit(f"/programmes/robot-lab/cohorts/{cohort.id}/enrol")
    audit.visit("/programmes/robot-lab/")
    audit.visit(f"/me/enrolments/{enrolment.id}")
    audit.visit(f"/me/enrolments/{enrolment.id}/ticket")
    audit.visit(f"/me/enrolments/{enrolment.id}/cancel")
    audit.visit(f"/me/household/{sam.id}/edit")
    audit.visit(f"/me/household/{sam.id}/remove")
    audit.visit("/me/household/new?kind=child")
    audit.visit("/me/teacher")

    # A refused booking: Tiny Tim is too young, and the reason sits by his name.
    device.goto(f"/programmes/robot-lab/cohorts/{cohort.id}/enrol")
    device.get_by_label("Tiny Tim").check()
    device.get_by_label("Emergency contact", exact=True).fill("Grace Hopper")
    device.get_by_label("Emergency contact's phone").fill("+44 20 7946 0000")
    device.get_by_role("button", name="Book").click()
    refused = device.locator(".person--refused")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text(re.compile("Tiny Tim will be [0-9]+ on the first day"))
    audit.check("booking refused")

    audit.assert_clean()
