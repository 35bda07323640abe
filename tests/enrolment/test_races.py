"""Can many people booking at the same moment ever take more seats than there are?

Real HTTP requests, each from its own logged-in browser session, race through a
threaded server (the `live_server` fixture) on this run's database: SQLite by
default, PostgreSQL when TEST_DATABASE_URL points at one (as in CI).
"""

import re
import threading
import urllib.parse
import urllib.request
from datetime import timedelta
from http.cookiejar import CookieJar

import pytest
from sqlalchemy import select

from app.core.db import utcnow
from app.enrolment.models import Enrolment, EnrolmentStatus
from app.enrolment.queries import waitlist
from app.extensions import db
from app.programmes.models import Cohort, ProgrammeKind
from tests.conftest import CSRF_INPUT, PASSWORD

S = EnrolmentStatus
PEOPLE = 50
SEATS = 5
ROUNDS = 3


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # answer with the 302 itself


class Browser:
    """One person's cookie jar against the live server; redirects are not followed."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirects()
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base_url + path, timeout=60) as response:
            return response.read().decode()

    def post(self, path: str, data: dict, token_from: str) -> int:
        token = CSRF_INPUT.search(self.get(token_from)).group(1)
        body = urllib.parse.urlencode({**data, "csrf_token": token}, doseq=True).encode()
        return self.send(path, body)

    def send(self, path: str, body: bytes) -> int:
        try:
            with self.opener.open(self.base_url + path, data=body, timeout=120) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def log_in(self, email: str) -> None:
        self.post("/account/login", {"email": email, "password": PASSWORD}, "/account/login")


@pytest.fixture
def hot_cohort(app, make_programme, make_cohort, make_session):
    """A community programme's cohort with SEATS seats, booked by the account holder."""

    def make(**overrides) -> Cohort:
        programme = make_programme(kind=ProgrammeKind.COMMUNITY, min_age=None, max_age=None)
        cohort = make_cohort(programme, capacity=SEATS, **overrides)
        make_session(cohort, utcnow() + timedelta(days=14))
        return cohort

    app.config["AUTH_RATE_LIMIT"] = "10000 per minute"
    return make


def ready_browsers(live_server, make_user, count: int) -> list[Browser]:
    browsers = []
    for _ in range(count):
        browser = Browser(live_server)
        browser.log_in(make_user().email)
        browsers.append(browser)
    return browsers


def race(calls) -> list:
    """Start every call at the same instant; return their results in call order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def enrol_call(browser: Browser, cohort: Cohort):
    path = f"/programmes/{cohort.programme.slug}/cohorts/{cohort.id}/enrol"
    token = CSRF_INPUT.search(browser.get(path)).group(1)
    body = urllib.parse.urlencode({"people": "me", "csrf_token": token}).encode()
    return lambda: browser.send(path, body)


def enrolments(cohort: Cohort) -> list[Enrolment]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Enrolment).where(Enrolment.cohort_id == cohort.id).order_by(Enrolment.id)
        )
    )


def assert_seats_invariant(cohort: Cohort) -> None:
    db.session.expire_all()
    cohort = db.session.get(Cohort, cohort.id)
    held = sum(e.seats for e in enrolments(cohort) if e.status in (S.CONFIRMED, S.OFFERED))
    assert cohort.seats_taken == held <= cohort.capacity
    free = cohort.capacity - cohort.seats_taken
    assert all(e.seats > free for e in enrolments(cohort) if e.status == S.WAITLISTED)


@pytest.mark.slow
@pytest.mark.parametrize("round_", range(ROUNDS))
def test_do_fifty_people_racing_for_five_seats_get_exactly_five(
    live_server, hot_cohort, make_user, round_
):
    cohort = hot_cohort()
    browsers = ready_browsers(live_server, make_user, PEOPLE)
    statuses = race([enrol_call(browser, cohort) for browser in browsers])

    assert statuses == [302] * PEOPLE  # everyone lands on their enrolment page
    result = enrolments(cohort)
    assert len(result) == PEOPLE
    assert sum(e.status == S.CONFIRMED for e in result) == SEATS
    assert sum(e.status == S.WAITLISTED for e in result) == PEOPLE - SEATS
    assert_seats_invariant(cohort)
    # The line is the order in which the requests reached the cohort lock: each
    # later arrival was inserted later and stamped later.
    line = waitlist(cohort)
    assert [e.id for e in line] == sorted(e.id for e in line)
    stamps = [e.waitlisted_at for e in line]
    assert stamps == sorted(stamps)


def test_is_the_waitlist_served_in_order_of_arrival(live_server, hot_cohort, make_user):
    cohort = hot_cohort()
    browsers = ready_browsers(live_server, make_user, SEATS + 4)
    for browser in browsers:  # one after another: a known order of arrival
        assert enrol_call(browser, cohort)() == 302
    line = waitlist(cohort)
    expected = [e.id for e in enrolments(cohort)][SEATS:]
    assert [e.id for e in line] == expected

    first_confirmed = enrolments(cohort)[0]
    cancel = f"/me/enrolments/{first_confirmed.id}/cancel"
    assert browsers[0].post(cancel, {}, cancel) == 302
    db.session.expire_all()
    promoted = db.session.get(Enrolment, expected[0])
    assert promoted.status == S.CONFIRMED
    assert [e.id for e in waitlist(cohort)] == expected[1:]


@pytest.mark.slow
def test_do_cancellations_racing_with_bookings_keep_the_invariant(
    live_server, hot_cohort, make_user
):
    cohort = hot_cohort()
    holders = ready_browsers(live_server, make_user, SEATS)
    for browser in holders:
        assert enrol_call(browser, cohort)() == 302
    newcomers = ready_browsers(live_server, make_user, 20)

    cancels = []
    for browser, enrolment in zip(holders, enrolments(cohort), strict=True):
        path = f"/me/enrolments/{enrolment.id}/cancel"
        token = CSRF_INPUT.search(browser.get(path)).group(1)
        body = urllib.parse.urlencode({"csrf_token": token}).encode()
        cancels.append(lambda b=browser, p=path, body=body: b.send(p, body))
    statuses = race(cancels + [enrol_call(browser, cohort) for browser in newcomers])

    assert statuses == [302] * len(statuses)
    result = enrolments(cohort)
    assert sum(e.status == S.CANCELLED for e in result) == SEATS
    assert sum(e.status == S.CONFIRMED for e in result) == SEATS  # all seats found takers
    assert_seats_invariant(cohort)


def test_can_seats_be_overbooked_by_writing_the_counter_directly(app, hot_cohort):
    """The database itself refuses more seats than capacity (the last line of defence)."""
    from sqlalchemy.exc import IntegrityError

    cohort = hot_cohort()
    cohort.seats_taken = SEATS + 1
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_is_the_booking_page_token_in_the_form(live_server, hot_cohort, make_user):
    """The race helpers rely on the booking form's CSRF field; keep them honest."""
    cohort = hot_cohort()
    [browser] = ready_browsers(live_server, make_user, 1)
    html = browser.get(f"/programmes/{cohort.programme.slug}/cohorts/{cohort.id}/enrol")
    assert CSRF_INPUT.search(html)
    assert re.search(r'name="people"[^>]*value="me"', html)


def test_does_a_booking_sent_eight_times_at_once_make_one_place_and_no_error(
    live_server, hot_cohort, make_user
):
    """A double tap on a slow phone, eight times over: one place, and every other request
    is told the person is already booked (a page, never a server error)."""
    cohort = hot_cohort()
    [browser] = ready_browsers(live_server, make_user, 1)
    taps = [enrol_call(browser, cohort) for _ in range(8)]
    statuses = race(taps)

    assert all(status < 500 for status in statuses), statuses
    assert statuses.count(302) >= 1
    assert [e.status for e in enrolments(cohort)] == [S.CONFIRMED]
    assert_seats_invariant(cohort)
