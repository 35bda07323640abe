"""Do long addresses, long Spanish words and wide tables fit their pages, and can the
keyboard reach a table that scrolls?

What the crawl (tests/browser/test_crawl.py) found, each with the data that shows
it: the demo data has no address this long, no certificate, and no cohort with
this many sessions.
"""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.core.db import utcnow
from app.programmes.models import TeamRole
from tests.attendance import test_certificates
from tests.attendance.after_sessions import book, make_course
from tests.browser.audit import axe_problems, fit_problems

pytestmark = pytest.mark.browser

#: The certificate of a course run to its end (tests/attendance/test_certificates.py).
issue = test_certificates.issue
#: An email address with nowhere to break a line.
LONG_EMAIL = "mariafernandagonzalezvillanuevadelatorre@departamentodefisicaaplicada.example.org"


def test_does_a_long_email_address_fit_the_settings_page_on_a_phone(phone, make_user, log_in):
    make_user(email=LONG_EMAIL)
    log_in(phone, LONG_EMAIL)

    phone.goto("/account/settings")

    expect(phone.get_by_text(LONG_EMAIL)).to_be_visible()
    assert fit_problems(phone, "/account/settings") == []


def test_does_the_cohort_page_fit_a_phone_in_spanish(
    phone, make_user, make_programme, make_cohort, make_session, log_in
):
    """Long Spanish terms ("Apertura de inscripción") must not squeeze their values
    into a sliver that breaks every word."""
    lead = make_user(email="lead@example.org")
    programme = make_programme(team=[(lead, TeamRole.LEAD)])
    now = utcnow()
    cohort = make_cohort(
        programme, enrol_opens_at=now - timedelta(days=1), enrol_closes_at=now + timedelta(days=5)
    )
    make_session(cohort)
    log_in(phone, "lead@example.org")

    phone.goto(f"/organise/programmes/{programme.id}/cohorts/{cohort.id}/?lang=es")

    expect(phone.get_by_text("Apertura de inscripción")).to_be_visible()
    assert fit_problems(phone, "the cohort's page in Spanish") == []


def test_does_the_certificate_check_fit_a_phone_in_spanish(phone, issue):
    certificate = issue()

    response = phone.goto(f"/certificates/verify/{certificate.code}?lang=es")

    assert response.status == 200
    assert fit_problems(phone, "the certificate check in Spanish") == []


def test_can_the_keyboard_reach_and_scroll_a_wide_attendance_table(
    page, make_user, make_programme, make_cohort, make_session, log_in
):
    lead = make_user(email="lead@example.org")
    cohort = make_course(
        make_programme, make_cohort, make_session, hours=(2,) * 16, team=[(lead, TeamRole.LEAD)]
    )
    book(cohort, make_user(name="Ana Núñez"))
    log_in(page, "lead@example.org")
    page.goto(f"/organise/programmes/{cohort.programme_id}/cohorts/{cohort.id}/attendance")
    table = page.get_by_role("region", name="Attendees and their attendance at each session")

    for _ in range(100):
        page.keyboard.press("Tab")
        if table.evaluate("(box) => box === document.activeElement"):
            break
    else:
        pytest.fail("the Tab key never reaches the table")
    page.keyboard.press("ArrowRight")

    assert table.evaluate("(box) => box.scrollWidth > box.clientWidth")
    page.wait_for_function("(box) => box.scrollLeft > 0", arg=table.element_handle())
    assert axe_problems(page, "the attendance page", ("scrollable-region-focusable",)) == []
