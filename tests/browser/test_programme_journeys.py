"""Can an organiser put a programme in the catalogue, and can a visitor then find it?

One journey through the organise pages in headless Chromium on a live server: a new
programme, a cohort, four weekly sessions, publishing; then an anonymous visitor in a
browser context of their own filters the catalogue and opens the programme.
"""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from app.core.db import utcnow
from app.programmes.models import ProgrammeKind
from tests.browser.conftest import open_page

pytestmark = pytest.mark.browser

TITLE = "Young Engineers Leeds"
SLUG = "young-engineers-leeds"
SATURDAY = 5  # date.weekday()


@pytest.fixture
def visitor(browser, live_server):
    """A second, anonymous browser: no cookies shared with `page`."""
    context, page = open_page(browser, live_server, viewport={"width": 1280, "height": 800})
    yield page
    context.close()


@pytest.fixture
def other_programmes(make_programme, make_cohort, make_session):
    """Two published programmes with dates coming up that the filters must leave out:
    a family workshop for teenagers, and a summer school."""
    soon = utcnow() + timedelta(days=20)
    for values in (
        {"title": "Teen Rocketry", "min_age": 13, "max_age": 16},
        {"title": "Physics Summer School", "kind": ProgrammeKind.SUMMER_SCHOOL},
    ):
        make_session(make_cohort(make_programme(**values)), soon)


def first_saturday_after(days: int):
    day = utcnow().date() + timedelta(days=days)
    return day + timedelta(days=(SATURDAY - day.weekday()) % 7)


def test_can_an_organiser_publish_a_programme_that_a_visitor_then_finds(
    page: Page, visitor: Page, make_user, other_programmes, log_in
):
    make_user(name="Olu Organiser", email="olu@example.org", may_create_programmes=True)
    log_in(page, "olu@example.org")

    # A new programme, as a draft.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organise").click()
    page.get_by_role("link", name="New programme").click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Web address name").fill(SLUG)
    page.get_by_label("Kind of programme").select_option(label="Family workshop")
    page.get_by_label("Summary").fill("Build a bridge, launch a rocket, wire a robot.")
    page.get_by_label("Youngest age").fill("7")
    page.get_by_label("Oldest age").fill("11")
    page.get_by_label("Language of delivery").select_option(label="English")
    page.get_by_label("Where it happens").select_option(label="In person")
    page.get_by_label("Country", exact=True).select_option(label="United Kingdom")
    page.get_by_label("City").fill("Leeds")
    page.get_by_role("button", name="Create programme").click()
    expect(page.get_by_role("status")).to_contain_text("The programme is created as a draft.")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("heading", name=re.compile("^Status"))).to_contain_text("Draft")

    # A cohort.
    page.get_by_role("link", name="New cohort").click()
    page.get_by_label("Name").fill("Spring Saturdays")
    page.get_by_label("Seats").fill("12")
    page.get_by_label("Enrolment", exact=True).select_option(
        label="Booking (first come, first served)"
    )
    page.get_by_label("Time zone").select_option("Europe/London")
    page.get_by_role("button", name="Create cohort").click()
    expect(page.get_by_role("status")).to_contain_text("The cohort is created.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Spring Saturdays")

    # Four Saturdays, 10:00 to 12:00, starting a few weeks from now.
    first = first_saturday_after(21)
    page.get_by_role("link", name="Repeat weekly").click()
    page.get_by_label("Date of the first session").fill(first.isoformat())
    page.get_by_label("Starts at").fill("10:00")
    page.get_by_label("Ends at").fill("12:00")
    page.get_by_label("Number of sessions").fill("4")
    page.get_by_label("Every how many weeks").fill("1")
    page.get_by_label("Venue").fill("Leeds Central Library")
    page.get_by_role("button", name="Add the sessions").click()
    expect(page.get_by_role("status")).to_contain_text("4 sessions are added.")
    sessions = page.get_by_role("table", name="Sessions of this cohort, earliest first")
    expect(sessions.get_by_role("row")).to_have_count(5)  # a header row and four sessions
    expect(sessions).to_contain_text("Leeds Central Library")

    # Not published yet: for anyone outside the team, the programme does not exist.
    response = visitor.goto(f"/programmes/{SLUG}/")
    assert response is not None
    assert response.status == 404
    expect(visitor.get_by_role("heading", level=1)).not_to_have_text(TITLE)

    page.get_by_role("navigation", name="You are here").get_by_role("link", name=TITLE).click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("The programme is now: Published.")

    # The visitor finds it among the others by kind and by a child's age...
    visitor.goto("/programmes/")
    count = visitor.get_by_role("status")
    expect(count).to_contain_text(re.compile(r"^\s*3 programmes"))
    visitor.get_by_text("Filters", exact=True).click()
    visitor.get_by_label("Kind of programme").select_option(label="Family workshop")
    visitor.get_by_label("Age of the participant").fill("9")
    visitor.get_by_role("button", name="Show programmes").click()
    expect(count).to_contain_text(re.compile(r"^\s*1 programme\b"))
    expect(visitor.get_by_role("link", name="Teen Rocketry")).to_have_count(0)
    expect(visitor.get_by_role("link", name="Physics Summer School")).to_have_count(0)

    # ...and by words from its title.
    visitor.goto("/programmes/")
    visitor.get_by_role("searchbox", name="Search").fill("engineers")
    visitor.get_by_role("button", name="Search", exact=True).click()
    expect(count).to_contain_text(re.compile(r"^\s*1 programme\b"))

    visitor.get_by_role("heading", level=2).get_by_role("link", name=TITLE).click()
    expect(visitor).to_have_url(re.compile(rf"/programmes/{SLUG}/$"))
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE)
    cohort = visitor.get_by_role("region", name="Spring Saturdays")
    expect(cohort.get_by_role("heading", name="4 sessions")).to_be_visible()
    listed = (
        cohort.get_by_role("list").filter(has_text="Leeds Central Library").get_by_role("listitem")
    )
    expect(listed).to_have_count(4)
    for week in range(4):
        day = first + timedelta(weeks=week)
        expect(listed.nth(week)).to_contain_text(
            re.compile(rf"\b{day.day} {day:%b}\b.*10:00.*12:00")  # British, as en-GB reads
        )
    expect(cohort.get_by_role("link", name=re.compile("^Book"))).to_be_visible()
