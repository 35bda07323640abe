"""Can people get a place from start to finish in a real browser?

Three journeys in headless Chromium on a live server: a guardian books a family
workshop for their household, a teacher enrols in a teacher course, and a student
applies to a summer school, is offered a place by the team and accepts it. Each
ends with the emails queued in the outbox.
"""

import re
from datetime import date, datetime, time, timedelta

import pytest
from playwright.sync_api import Page, expect

from app.accounts.models import User
from app.core.db import utcnow
from app.enrolment.rules import STATEMENT_MIN_LENGTH
from app.extensions import db
from app.programmes.models import EnrolmentMode, ProgrammeKind, TeamRole
from tests.browser.conftest import open_page

pytestmark = pytest.mark.browser


@pytest.fixture
def new_page(browser, live_server):
    """Another desktop browser with cookies of its own, for a second person:
    `new_page()`. Every one is closed after the test."""
    contexts = []

    def open_another() -> Page:
        context, page = open_page(browser, live_server, viewport={"width": 1280, "height": 800})
        contexts.append(context)
        return page

    yield open_another
    for context in contexts:
        context.close()


def born(years_ago: int) -> date:
    """A date of birth some years back (15 January, so that it exists every year)."""
    return date(utcnow().year - years_ago, 1, 15)


def in_days(days: int) -> datetime:
    return utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(days=days)


def only(messages, recipient: str):
    """The one message of a kind sent to `recipient`."""
    mine = [message for message in messages if message.recipient == recipient]
    assert len(mine) == 1, f"{len(mine)} messages to {recipient}: {mine}"
    return mine[0]


# A guardian books a family workshop ----------------------------------------------------


def add_to_household(page: Page, button: str, name: str, birthday: date | None = None) -> None:
    page.get_by_role("link", name=button, exact=True).click()
    page.get_by_label("Name", exact=True).fill(name)
    if birthday:
        page.get_by_label("Date of birth").fill(birthday.isoformat())
    page.get_by_role("button", name="Add to household").click()
    expect(page.get_by_role("status")).to_contain_text(f"{name} is added to your household.")


def test_can_a_guardian_book_a_workshop_for_two_children_and_an_adult(
    page: Page, new_page, make_user, make_programme, make_cohort, make_session, outbox, log_in
):
    make_user(name="Ada Parent", email="ada@example.org")
    make_user(name="Ida Admin", email="ida@example.org", is_admin=True)
    programme = make_programme(
        slug="robot-lab",
        title="Robot Lab",
        kind=ProgrammeKind.FAMILY_WORKSHOP,
        min_age=6,
        max_age=11,
    )
    make_session(make_cohort(programme, name="Saturday", capacity=10), in_days(30))

    log_in(page, "ada@example.org")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My Convene").click()
    add_to_household(page, "Add a child", "Sam", born(8))
    add_to_household(page, "Add a child", "Kit", born(10))
    add_to_household(page, "Add an adult", "Grandpa Joe")
    household = page.get_by_role("region", name="Your household")
    members = household.get_by_role("heading", level=3)
    expect(members).to_have_count(3)
    for name in ("Sam", "Kit", "Grandpa Joe"):
        expect(members.filter(has_text=name)).to_have_count(1)

    page.goto("/programmes/robot-lab/")
    page.get_by_role("link", name="Book (Saturday)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book Saturday")
    me = page.get_by_label("Me (Ada Parent)")
    expect(me).to_be_checked()  # the guardian comes too
    for name in ("Sam", "Kit", "Grandpa Joe"):
        page.get_by_label(name, exact=True).check()
    expect(page.get_by_role("status").filter(has_text="seat")).to_have_text("4 seats")
    page.get_by_label("Emergency contact", exact=True).fill("Grace Hopper")
    page.get_by_label("Emergency contact's phone").fill("+44 20 7946 0000")
    page.get_by_role("button", name="Book", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text("Confirmed: your place is booked.")
    expect(page.get_by_role("heading", level=2, name="Confirmed")).to_be_visible()
    expect(page.get_by_text("Your place is confirmed for 4 people.")).to_be_visible()
    party = page.get_by_role("region", name="Who is coming (4 seats)")
    for name in ("Ada Parent", "Sam", "Kit", "Grandpa Joe"):
        expect(party.get_by_role("listitem").filter(has_text=name)).to_have_count(1)

    page.get_by_role("link", name="Show your ticket").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Robot Lab")
    expect(
        page.get_by_role("img", name="Ticket code for Ada Parent, Sam, Kit, Grandpa Joe")
    ).to_be_visible()
    expect(page.get_by_role("region", name="4 people")).to_contain_text("Grandpa Joe")

    page.goto("/programmes/robot-lab/")
    cohort = page.get_by_role("region", name="Saturday")
    expect(cohort).to_contain_text("You are booked")
    expect(cohort).to_contain_text("6 of 10 seats left")

    message = only(outbox("enrolment_confirmed"), "ada@example.org")
    assert message.subject == "Your place is confirmed: Robot Lab — Saturday"
    calendars = [a for a in message.attachments if a["content_type"] == "text/calendar"]
    assert len(calendars) == 1
    assert calendars[0]["filename"].endswith(".ics")
    assert "BEGIN:VEVENT" in calendars[0]["content"]

    admin = new_page()
    log_in(admin, "ida@example.org")
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    admin.get_by_role("link", name="Mail outbox").click()
    row = admin.get_by_role("row").filter(has=admin.get_by_role("link", name=message.subject))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("ada@example.org")


# A teacher enrols in a teacher course ----------------------------------------------------


def test_can_a_teacher_enrol_in_a_teacher_course(
    page: Page, make_user, make_programme, make_cohort, make_session, outbox, log_in
):
    teacher = make_user(name="Tomás Teacher", email="tomas@example.org")
    programme = make_programme(
        slug="teaching-forces",
        title="Teaching Forces",
        kind=ProgrammeKind.TEACHER_TRAINING,
        teachers_only=True,
    )
    make_session(make_cohort(programme, name="Autumn", cpd_hours=6), in_days(21))

    log_in(page, "tomas@example.org")
    page.goto("/programmes/teaching-forces/")
    page.get_by_role("link", name="Enrol (Autumn)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enrol in Autumn")
    page.get_by_label("School", exact=True).fill("Hillside Academy")
    page.get_by_label("Phase", exact=True).select_option(label="Secondary")
    page.get_by_label("Subject", exact=True).fill("Physics")
    page.get_by_role("button", name="Enrol", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text("Confirmed: your place is booked.")
    expect(page.get_by_role("heading", level=2, name="Confirmed")).to_be_visible()
    expect(page.get_by_text("Your place is confirmed for 1 person.")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My Convene").click()
    details = page.get_by_role("region", name="Your teacher details")
    expect(details).to_contain_text("Hillside Academy")
    expect(details).to_contain_text("Secondary")
    expect(details).to_contain_text("Physics")
    details.get_by_role("link", name="Edit your teacher details").click()
    expect(page.get_by_label("School", exact=True)).to_have_value("Hillside Academy")

    db.session.expire_all()
    assert db.session.get(User, teacher.id).school_name == "Hillside Academy"
    message = only(outbox("enrolment_confirmed"), "tomas@example.org")
    assert message.subject == "Your place is confirmed: Teaching Forces — Autumn"


# A student applies, is offered a place, and accepts it --------------------------------

STATEMENT = (
    "I grew up in Medellín and study chemical engineering. I want to learn how a "
    "research group works, from the question to the paper, and bring that back to the "
    "student society I run, so that younger students see research as something for them."
)


def test_can_a_student_apply_be_offered_a_place_and_accept_it(
    page: Page, new_page, make_user, make_programme, make_cohort, make_session, outbox, log_in
):
    make_user(name="Sofía Student", email="sofia@example.org", timezone="America/Bogota")
    lead = make_user(name="Lena Lead", email="lena@example.org")
    programme = make_programme(
        slug="research-school",
        title="Research School",
        kind=ProgrammeKind.SUMMER_SCHOOL,
        home_countries=["MX", "CO", "CL"],
        team=[(lead, TeamRole.LEAD)],
    )
    cohort = make_cohort(
        programme,
        name="2035 intake",
        capacity=2,
        enrolment_mode=EnrolmentMode.APPLICATION,
        timezone="America/Bogota",
    )
    make_session(cohort, in_days(60))
    assert len(STATEMENT) >= STATEMENT_MIN_LENGTH

    # The student applies.
    log_in(page, "sofia@example.org")
    page.goto("/programmes/research-school/")
    page.get_by_role("link", name="Apply (2035 intake)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Apply to 2035 intake")
    page.get_by_label("Home institution").fill("Universidad de Antioquia")
    country = page.get_by_label("Home country")
    expect(country).to_have_accessible_description(re.compile("Chile, Colombia, Mexico"))
    country.select_option(label="Colombia")
    page.get_by_label("Level of study").select_option(label="Undergraduate")
    statement = page.get_by_label("Personal statement")
    expect(statement).to_have_accessible_description(
        re.compile(f"Between {STATEMENT_MIN_LENGTH} and [0-9]+ characters")
    )
    statement.fill(STATEMENT)
    page.get_by_role("button", name="Submit application").click()
    expect(page.get_by_role("status")).to_contain_text("Your application is submitted.")
    expect(page.get_by_role("heading", level=2, name="Application sent")).to_be_visible()

    # The lead offers a place, answer by 18:00 in Bogotá ten days from now.
    deadline = datetime.combine(utcnow().date() + timedelta(days=10), time(18))
    team = new_page()
    log_in(team, "lena@example.org")
    team.get_by_role("navigation", name="Main").get_by_role("link", name="Organise").click()
    team.get_by_role("link", name="Research School", exact=True).click()
    team.get_by_role("link", name="2035 intake", exact=True).click()
    team.get_by_role("navigation", name="Cohort").get_by_role("link", name="Applications").click()
    queue = team.get_by_role("table", name=re.compile("^Applications"))
    row = queue.get_by_role("row").filter(has_text="Sofía Student")
    expect(row).to_contain_text("Universidad de Antioquia")
    expect(row).to_contain_text("Colombia")
    row.get_by_role("link", name="Sofía Student").click()
    expect(team.get_by_role("heading", level=1)).to_have_text("Application of Sofía Student")
    expect(team.get_by_role("region", name="Application", exact=True)).to_contain_text(
        "I grew up in Medellín"
    )
    decision = team.get_by_role("region", name="Decision", exact=True)
    decision.get_by_label("Answer by").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    decision.get_by_role("button", name="Offer a place").click()
    expect(team.get_by_role("status")).to_contain_text("1 offer is made")

    # The student sees the offer with its deadline, and accepts it.
    on_the_day = re.compile(
        rf"({deadline:%b} {deadline.day}|{deadline.day} {deadline:%b})\b.*\b(6:00\W?PM|18:00)"
    )
    page.reload()
    offer = page.get_by_role("heading", level=2, name="Offer waiting for your answer")
    expect(offer).to_be_visible()
    expect(page.get_by_role("region", name="Offer waiting for your answer")).to_contain_text(
        on_the_day
    )
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My Convene").click()
    place = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name="Research School — 2035 intake")
    )
    expect(place).to_contain_text("Offer waiting for your answer")
    expect(place).to_contain_text(on_the_day)
    place.get_by_role("link", name=re.compile("^Accept")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Accept your place in Research School — 2035 intake?"
    )
    expect(page.get_by_text(on_the_day)).to_be_visible()
    page.get_by_role("button", name="Accept the place").click()
    expect(page.get_by_role("status")).to_contain_text("Your place is confirmed.")
    expect(page.get_by_role("heading", level=2, name="Confirmed")).to_be_visible()

    title = "Research School — 2035 intake"
    subjects = {
        "enrolment_submitted": f"We have your application: {title}",
        "enrolment_offered": f"You have an offer: {title}",
        "enrolment_confirmed": f"Your place is confirmed: {title}",
    }
    for kind, subject in subjects.items():
        assert only(outbox(kind), "sofia@example.org").subject == subject
