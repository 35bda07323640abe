"""Can participants keep a household, book places, answer offers, cancel, and show a ticket?

These go through HTTP, as a browser would; the rules themselves are tested in
test_enrolment_lifecycle.py.
"""

import re
from datetime import date, timedelta

import pytest
import segno
from icalendar import Calendar
from sqlalchemy import func, select

from app.accounts.models import User
from app.core.db import utcnow
from app.core.transaction import transaction
from app.enrolment import lifecycle, queries, tickets
from app.enrolment.lifecycle import ApplicationDetails
from app.enrolment.models import Enrolment, EnrolmentStatus, HouseholdMember, PersonKind
from app.enrolment.rules import Party, eligibility_problems
from app.extensions import db
from app.programmes.models import EnrolmentMode, ProgrammeKind, ProgrammeStatus
from tests.conftest import counting_queries
from tests.links import HOSTILE_ADDRESSES, unsafe_links

S = EnrolmentStatus


def text_of(response) -> str:
    """The page's HTML with CLDR's narrow spaces made plain and entities for ' undone."""
    html = response.get_data(as_text=True)
    return html.replace("\u202f", " ").replace("\xa0", " ").replace("&#39;", "'")


def chosen(html: str) -> list[str]:
    """The values of the ticked "who is coming" checkboxes."""
    inputs = re.findall(r"<input [^>]*>", html)
    return [
        re.search(r'value="([^"]*)"', tag).group(1)
        for tag in inputs
        if 'name="people"' in tag and " checked" in tag
    ]


def years_ago(years: int) -> date:
    today = utcnow().date()
    return today.replace(year=today.year - years, day=1)


@pytest.fixture
def workshop(make_programme, make_cohort, make_session):
    """A family workshop cohort a month away, for ages 6 to 11, with `capacity` seats."""

    def make(capacity: int = 10, programme=None, **overrides):
        programme = programme or make_programme(
            slug="robot-lab", title="Robot Lab", min_age=6, max_age=11
        )
        cohort = make_cohort(programme, capacity=capacity, **overrides)
        make_session(cohort, utcnow() + timedelta(days=30), venue="Great Hall")
        return cohort

    return make


@pytest.fixture
def teacher_course(make_programme, make_cohort, make_session):
    def make(teachers_only: bool = False, **overrides):
        programme = make_programme(
            slug="primary-science",
            title="Primary Science",
            kind=ProgrammeKind.TEACHER_TRAINING,
            teachers_only=teachers_only,
        )
        cohort = make_cohort(programme, **overrides)
        make_session(
            cohort,
            utcnow() + timedelta(days=20),
            venue=None,
            online_url="https://meet.example.org/x",
        )
        return cohort

    return make


@pytest.fixture
def guardian(make_user):
    """`guardian(children=2, adults=1)`: an account with a household of that size."""

    def make(children: int = 2, adults: int = 1, *, age: int = 9, **user):
        person = make_user(**user)
        db.session.add_all(
            [
                HouseholdMember(
                    owner=person,
                    kind=PersonKind.CHILD,
                    name=f"Child {n}",
                    date_of_birth=years_ago(age),
                )
                for n in range(children)
            ]
            + [
                HouseholdMember(owner=person, kind=PersonKind.ADULT, name=f"Adult {n}")
                for n in range(adults)
            ]
        )
        db.session.commit()
        return person

    return make


def members_of(user: User) -> list[HouseholdMember]:
    return queries.household(user)


def enrol_url(cohort) -> str:
    return f"/programmes/{cohort.programme.slug}/cohorts/{cohort.id}/enrol"


def booking(people, **extra) -> dict:
    """Form data for the party booking form; `people` are members and/or "me"."""
    data = {
        "people": [p if isinstance(p, str) else str(p.id) for p in people],
        "emergency_contact_name": "Grace Hopper",
        "emergency_contact_phone": "+44 20 7946 0000",
        "photo_consent": "y",
    }
    data.update(extra)
    return {key: value for key, value in data.items() if value is not None}


def book(guardian_user, cohort, people=None, **lifecycle_kwargs) -> Enrolment:
    members = tuple(people if people is not None else members_of(guardian_user))
    with transaction():
        return lifecycle.book(guardian_user, cohort, Party(members=members), **lifecycle_kwargs)


def count_enrolments() -> int:
    return db.session.scalar(select(func.count(Enrolment.id)))


# Booking a family workshop ---------------------------------------------------------------


def test_can_a_guardian_book_two_children_and_an_adult_and_show_the_ticket(
    client, auth, guardian, workshop, outbox
):
    cohort = workshop(capacity=10)
    parent = auth.login_as(guardian(children=2, adults=1, name="Ada Parent"))
    children = [m for m in members_of(parent) if m.is_child]

    page = client.get(enrol_url(cohort))
    assert page.status_code == 200
    html = text_of(page)
    assert "Me (Ada Parent)" in html
    assert "Child 0" in html
    assert "Child 1" in html
    assert "10 seats left" in html
    assert "js/booking.js" in html

    response = client.post(enrol_url(cohort), data=booking([*children, "me"]))
    assert response.status_code == 302
    enrolment = db.session.scalar(select(Enrolment))
    assert response.headers["Location"] == f"/me/enrolments/{enrolment.id}"
    assert enrolment.status == S.CONFIRMED
    assert enrolment.seats == 3
    assert enrolment.emergency_contact_name == "Grace Hopper"
    assert enrolment.photo_consent is True
    assert [m.recipient for m in outbox("enrolment_confirmed")] == [parent.email]

    detail = text_of(client.get(response.headers["Location"]))
    assert "Confirmed: your place is booked." in detail  # the flash
    assert "Your place is confirmed for 3 people." in detail
    assert "Ada Parent" in detail
    assert "Child 0" in detail
    assert "Child 1" in detail

    ticket = client.get(f"/me/enrolments/{enrolment.id}/ticket")
    assert ticket.status_code == 200
    html = text_of(ticket)
    assert "<svg" in html
    assert tickets.code_groups(enrolment.ticket_code) in html
    assert "Ada Parent" in html
    assert "Child 1" in html
    assert "Great Hall" in html


def posted_statements(client, url: str, data: dict) -> list[str]:
    """The statements of one form POST until its response. The mail it queued is
    delivered after the response (by a worker, where Redis is configured): not counted."""
    client.csrf_token()  # read from a page now, not inside the count
    with counting_queries() as statements:
        response = client.post(url, data=data, buffered=False)
    response.close()
    assert response.status_code == 302
    return statements


def test_does_a_booking_take_eight_queries_at_most_however_many_come(
    client, auth, guardian, workshop, outbox
):
    parent = auth.login_as(guardian(children=2, adults=0))
    children = members_of(parent)
    alone = workshop(capacity=10)
    with_children = workshop(capacity=10, programme=alone.programme)
    one = posted_statements(client, enrol_url(alone), booking(["me"]))
    three = posted_statements(client, enrol_url(with_children), booking(["me", *children]))
    assert sorted(db.session.scalars(select(Enrolment.seats))) == [1, 3]
    assert len(outbox("enrolment_confirmed")) == 2
    # PostgreSQL takes all attendees in one INSERT; on SQLite, whose RETURNING gives
    # no order to match rows to ids by, SQLAlchemy sends one INSERT each.
    apart = 0 if db.engine.dialect.name == "postgresql" else len(children)
    assert len(one) <= 8, "\n".join(one)
    assert len(three) - apart == len(one), "\n".join(three)


def test_does_the_form_show_the_seats_needed_after_a_refused_submit(
    client, auth, guardian, workshop
):
    cohort = workshop(capacity=10)
    parent = auth.login_as(guardian(children=2, adults=0))
    children = members_of(parent)
    # Children without an adult: refused, with the choices kept.
    response = client.post(enrol_url(cohort), data=booking(children))
    assert response.status_code == 422
    html = text_of(response)
    assert "Children come with at least one adult" in html
    assert re.search(r"data-seat-count[^>]*>2 seats</output>", html)
    assert chosen(html) == [str(child.id) for child in children]
    assert count_enrolments() == 0


def test_is_an_emergency_contact_required_when_children_come(client, auth, guardian, workshop):
    cohort = workshop()
    parent = auth.login_as(guardian(children=1, adults=0))
    data = booking(
        [*members_of(parent), "me"], emergency_contact_name="", emergency_contact_phone=""
    )
    response = client.post(enrol_url(cohort), data=data)
    assert response.status_code == 422
    html = text_of(response)
    assert "Enter who we can call in an emergency" in html
    assert "Enter their phone number." in html
    assert count_enrolments() == 0


def test_is_a_child_too_young_refused_with_the_reason_next_to_their_name(
    client, auth, make_user, workshop
):
    cohort = workshop()
    parent = auth.login_as(make_user(name="Pat"))
    toddler = HouseholdMember(
        owner=parent, kind=PersonKind.CHILD, name="Tiny Tim", date_of_birth=years_ago(3)
    )
    db.session.add(toddler)
    db.session.commit()

    response = client.post(
        enrol_url(cohort),
        data=booking([toddler, "me"], emergency_contact_name="Typed Name"),
    )
    assert response.status_code == 422
    html = text_of(response)
    reason = re.search(
        r'id="people-\d+-note">.*?class="person__reason field__error">([^<]+)</span>',
        html,
        re.S,
    )
    assert reason is not None
    assert "Tiny Tim will be" in reason.group(1)
    assert "(Ages 6 to 11)" in reason.group(1)
    assert 'class="person person--refused"' in html
    assert 'value="Typed Name"' in html  # what was typed is kept
    assert count_enrolments() == 0


def test_does_a_full_cohort_put_the_party_on_the_waitlist_with_its_position(
    client, auth, guardian, workshop
):
    cohort = workshop(capacity=3)
    for _ in range(2):
        book(guardian(children=1, adults=0), cohort, people=None)  # 1 seat each
    first_in_line = guardian(children=2, adults=0)
    book(first_in_line, cohort)  # 2 seats: does not fit, waits
    parent = auth.login_as(guardian(children=1, adults=1))

    page = text_of(client.get(enrol_url(cohort)))
    assert "1 seat left" in page
    response = client.post(enrol_url(cohort), data=booking(members_of(parent)))
    assert response.status_code == 302
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == parent.id))
    assert enrolment.status == S.WAITLISTED

    detail = text_of(client.get(response.headers["Location"]))
    assert "You are on the waitlist, number 2 in line." in detail
    assert "2nd in line" in detail
    me = text_of(client.get("/me/"))
    assert "2nd in line" in me
    assert "On the waitlist" in me


def test_does_a_full_cohort_warn_that_the_party_joins_the_waitlist(
    client, auth, guardian, workshop
):
    cohort = workshop(capacity=1)
    book(guardian(children=1, adults=0), cohort)
    auth.login_as(guardian())
    html = text_of(client.get(enrol_url(cohort)))
    assert "The cohort is full: your party will join the waitlist as one unit." in html
    assert "Join the waitlist" in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"enrol_opens_at": utcnow() + timedelta(days=3)}, "Booking opens on"),
        (
            {
                "enrol_opens_at": utcnow() - timedelta(days=3),
                "enrol_closes_at": utcnow() - timedelta(days=1),
            },
            "Enrolment closed",
        ),
    ],
)
def test_is_booking_refused_outside_its_dates_with_a_clear_message(
    client, auth, guardian, workshop, overrides, message
):
    cohort = workshop(**overrides)
    parent = auth.login_as(guardian(children=1, adults=0))
    page = text_of(client.get(enrol_url(cohort)))
    assert message in page
    assert "Booking is not possible at the moment." in page
    response = client.post(enrol_url(cohort), data=booking([*members_of(parent), "me"]))
    assert response.status_code == 422
    assert "Enrolment for this cohort is not open." in text_of(response)
    assert count_enrolments() == 0


def test_is_a_second_booking_for_the_same_child_refused_by_their_name(
    client, auth, guardian, workshop
):
    cohort = workshop()
    parent = auth.login_as(guardian(children=1, adults=0))
    book(parent, cohort, people=members_of(parent), emergency_contact_name="X")
    page = text_of(client.get(enrol_url(cohort)))
    assert "Already has a place or a request in this cohort." in page
    assert "See this place" in page

    response = client.post(enrol_url(cohort), data=booking([*members_of(parent), "me"]))
    assert response.status_code == 422
    html = text_of(response)
    assert "Someone in this party already has a place" in html
    assert 'class="person person--refused"' in html
    assert count_enrolments() == 1


def test_is_a_full_cohort_without_waitlist_refused_with_a_message(client, auth, guardian, workshop):
    cohort = workshop(capacity=2, waitlist_enabled=False)
    parent = auth.login_as(guardian(children=2, adults=0))
    page = text_of(client.get(enrol_url(cohort)))
    assert "this cohort has no waitlist: choose fewer people" in page
    response = client.post(enrol_url(cohort), data=booking([*members_of(parent), "me"]))
    assert response.status_code == 422
    assert "There are not enough seats left, and this cohort has no waitlist." in text_of(response)


def test_can_a_guardian_add_a_child_from_the_booking_page_and_come_back(
    client, auth, make_user, workshop
):
    cohort = workshop()
    auth.login_as(make_user())
    page = text_of(client.get(enrol_url(cohort)))
    add_link = f"/me/household/new?kind=child&amp;next={enrol_url(cohort)}"
    assert add_link in page
    response = client.post(
        add_link.replace("&amp;", "&"),
        data={"kind": "child", "name": "Newton", "date_of_birth": years_ago(8).isoformat()},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == enrol_url(cohort)
    assert "Newton" in text_of(client.get(enrol_url(cohort)))


@pytest.mark.parametrize(
    ("status", "found"), [(ProgrammeStatus.DRAFT, 404), (ProgrammeStatus.PUBLISHED, 200)]
)
def test_is_only_a_published_programmes_cohort_bookable(
    client, auth, make_user, make_programme, workshop, status, found
):
    cohort = workshop(programme=make_programme(status=status))
    auth.login_as(make_user())
    assert client.get(enrol_url(cohort)).status_code == found


def test_is_a_cohort_of_another_programme_not_found(
    client, auth, make_user, make_programme, workshop
):
    cohort = workshop()
    other = workshop(programme=make_programme(slug="other"))
    auth.login_as(make_user())
    assert client.get(f"/programmes/other/cohorts/{cohort.id}/enrol").status_code == 404
    assert client.get(f"/programmes/robot-lab/cohorts/{other.id}/enrol").status_code == 404


# Cancelling ------------------------------------------------------------------------------


def test_does_cancelling_after_a_confirmation_free_the_seats_for_the_next_party(
    client, auth, guardian, workshop, outbox
):
    cohort = workshop(capacity=3)
    parent = auth.login_as(guardian(children=2, adults=0))
    mine = book(parent, cohort, people=[*members_of(parent)], emergency_contact_name="X")
    waiting = guardian(children=1, adults=1)
    theirs = book(waiting, cohort)
    assert (mine.status, theirs.status) == (S.CONFIRMED, S.WAITLISTED)

    question = client.get(f"/me/enrolments/{mine.id}/cancel")
    assert question.status_code == 200
    assert "Cancel your place for 2 people?" in text_of(question)
    db.session.refresh(mine)
    assert mine.status == S.CONFIRMED  # asking changes nothing

    response = client.post(f"/me/enrolments/{mine.id}/cancel", data={"reason": "Chickenpox"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/me/enrolments/{mine.id}"
    db.session.refresh(mine)
    db.session.refresh(theirs)
    db.session.refresh(cohort)
    assert mine.status == S.CANCELLED
    assert mine.cancel_reason == "Chickenpox"
    assert theirs.status == S.CONFIRMED
    assert cohort.seats_taken == 2
    assert [m.recipient for m in outbox("enrolment_promoted")] == [waiting.email]
    page = text_of(client.get(response.headers["Location"]))
    assert "Your place is cancelled." in page
    assert "Cancelled" in page


def test_is_a_cancelled_place_not_cancelled_again(client, auth, guardian, workshop):
    cohort = workshop()
    parent = auth.login_as(guardian(children=0, adults=1))
    enrolment = book(parent, cohort)
    with transaction():
        lifecycle.cancel(enrolment, by=parent)
    response = client.post(f"/me/enrolments/{enrolment.id}/cancel")
    assert response.status_code == 302
    assert "nothing to cancel" in text_of(client.get(response.headers["Location"]))


def test_does_leaving_the_waitlist_say_so(client, auth, guardian, workshop):
    cohort = workshop(capacity=1)
    book(guardian(children=1, adults=0), cohort)
    parent = auth.login_as(guardian(children=1, adults=1))
    enrolment = book(parent, cohort)
    assert "Leave the waitlist (2 people)?" in text_of(
        client.get(f"/me/enrolments/{enrolment.id}/cancel")
    )
    client.post(f"/me/enrolments/{enrolment.id}/cancel")
    db.session.refresh(enrolment)
    assert enrolment.status == S.CANCELLED


# Offers ----------------------------------------------------------------------------------


@pytest.fixture
def offered(make_programme, make_cohort, make_session, make_user):
    """A student with an offer in an application-mode cohort (answer within 3 days)."""

    def make(**user):
        programme = make_programme(slug="summer-school", kind=ProgrammeKind.SUMMER_SCHOOL)
        cohort = make_cohort(programme, capacity=2, enrolment_mode=EnrolmentMode.APPLICATION)
        make_session(cohort, utcnow() + timedelta(days=60))
        student = make_user(**user)
        details = ApplicationDetails("UNAM", "MX", "undergraduate", "I love chemistry.", {})
        with transaction():
            application = lifecycle.save_application(student, cohort, details, submit=True)
        with transaction():
            lifecycle.make_offers([application], deadline=utcnow() + timedelta(days=3))
        return student, application

    return make


@pytest.mark.parametrize(("answer", "status"), [("accept", S.CONFIRMED), ("decline", S.DECLINED)])
def test_can_a_student_answer_an_offer_after_a_confirmation(client, auth, offered, answer, status):
    student, application = offered()
    auth.login_as(student)
    me = text_of(client.get("/me/"))
    assert "Answer by" in me
    assert f"/me/enrolments/{application.id}/accept" in me
    assert f"/me/enrolments/{application.id}/decline" in me

    question = client.get(f"/me/enrolments/{application.id}/{answer}")
    assert question.status_code == 200
    assert "Please answer by" in text_of(question)
    db.session.refresh(application)
    assert application.status == S.OFFERED

    response = client.post(f"/me/enrolments/{application.id}/{answer}")
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.status == status


def test_is_an_expired_offer_refused_with_a_message(client, auth, offered):
    student, application = offered()
    application.offer_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    auth.login_as(student)
    response = client.post(f"/me/enrolments/{application.id}/accept", follow_redirects=True)
    assert "This offer has expired." in text_of(response)
    db.session.refresh(application)
    assert application.status == S.OFFERED  # the expiry job moves it on


# Teachers --------------------------------------------------------------------------------


def test_does_a_teacher_enrolment_keep_the_school_details_on_the_profile(
    client, auth, make_user, teacher_course, outbox
):
    cohort = teacher_course()
    teacher = auth.login_as(make_user(name="Tess Teacher", professional_ref="OLD-1"))
    page = text_of(client.get(enrol_url(cohort)))
    assert "One seat, for you (Tess Teacher)" in page
    assert 'value="OLD-1"' in page  # prefilled from the profile
    assert 'name="people"' not in page

    response = client.post(
        enrol_url(cohort),
        data={
            "school_name": "Kowloon Primary",
            "school_phase": "primary",
            "school_subject": "Science",
            "professional_ref": "TRN-1234",
        },
    )
    assert response.status_code == 302
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.status == S.CONFIRMED
    assert [a.name for a in enrolment.attendees] == ["Tess Teacher"]
    db.session.refresh(teacher)
    assert (teacher.school_name, teacher.school_phase, teacher.school_subject) == (
        "Kowloon Primary",
        "primary",
        "Science",
    )
    assert teacher.professional_ref == "TRN-1234"
    me = text_of(client.get("/me/"))
    assert "Kowloon Primary" in me
    assert "Primary" in me
    assert "TRN-1234" in me


def test_does_a_teacher_only_cohort_refuse_an_account_without_school_details(
    client, auth, make_user, teacher_course
):
    cohort = teacher_course(teachers_only=True)
    teacher = auth.login_as(make_user())
    response = client.post(enrol_url(cohort), data={"school_name": "", "school_phase": ""})
    assert response.status_code == 422
    html = text_of(response)
    assert "This course is for teachers: enter your school." in html
    assert "Choose the phase you teach." in html
    assert count_enrolments() == 0
    db.session.refresh(teacher)
    assert teacher.school_name is None
    # The rule itself, as the lifecycle words it, for a teachers-only cohort of any kind:
    notes = eligibility_problems(cohort, teacher, Party(account_holder=True))
    assert notes == ["This cohort is for teachers: add your school and phase to enrol."]


def test_can_a_teacher_edit_their_details_in_my_convene(client, auth, make_user):
    teacher = auth.login_as(make_user())
    assert client.get("/me/teacher").status_code == 200
    response = client.post(
        "/me/teacher",
        data={
            "school_name": "Ridgeway School",
            "school_phase": "secondary",
            "school_subject": "Physics",
        },
    )
    assert response.status_code == 302
    db.session.refresh(teacher)
    assert (teacher.school_name, teacher.school_phase, teacher.school_subject) == (
        "Ridgeway School",
        "secondary",
        "Physics",
    )
    assert teacher.has_school_details
    bad = client.post("/me/teacher", data={"school_phase": "astronaut"})
    assert bad.status_code == 422


# The household ---------------------------------------------------------------------------


def test_can_a_guardian_add_edit_and_remove_household_members(client, auth, make_user):
    parent = auth.login_as(make_user())
    assert client.get("/me/household/new?kind=child").status_code == 200
    response = client.post(
        "/me/household/new",
        data={
            "kind": "child",
            "name": "Ada",
            "date_of_birth": "2017-03-14",
            "school_year": "Year 4",
            "dietary_needs": "No nuts",
            "photo_consent": "y",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/me/#household"
    [ada] = members_of(parent)
    assert (ada.kind, ada.date_of_birth, ada.school_year) == (
        PersonKind.CHILD,
        date(2017, 3, 14),
        "Year 4",
    )
    assert ada.dietary_needs == "No nuts"
    assert ada.photo_consent
    me = text_of(client.get("/me/"))
    assert "Ada" in me
    assert "No nuts" in me
    assert "14 March 2017" in me

    edit = client.post(
        f"/me/household/{ada.id}/edit",
        data={
            "kind": "child",
            "name": "Ada L.",
            "date_of_birth": "2017-03-14",
            "dietary_needs": "",
        },
    )
    assert edit.status_code == 302
    db.session.refresh(ada)
    assert ada.name == "Ada L."
    assert ada.dietary_needs is None
    assert not ada.photo_consent

    assert "Remove Ada L. from your household?" in text_of(
        client.get(f"/me/household/{ada.id}/remove")
    )
    assert client.post(f"/me/household/{ada.id}/remove").status_code == 302
    assert members_of(parent) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "child", "name": "No Birthday"}, "Enter the child's date of birth"),
        (
            {"kind": "child", "name": "Future", "date_of_birth": "2999-01-01"},
            "cannot be in the future",
        ),
        ({"kind": "child", "name": "Typo", "date_of_birth": "14/03/2017"}, "Enter a real date"),
        ({"kind": "adult", "name": ""}, "Enter their name."),
    ],
)
def test_are_household_details_checked_next_to_their_fields(client, auth, make_user, data, message):
    parent = auth.login_as(make_user())
    response = client.post("/me/household/new", data=data)
    assert response.status_code == 422
    assert message in text_of(response)
    assert members_of(parent) == []


def test_can_an_adult_be_added_without_a_date_of_birth(client, auth, make_user):
    parent = auth.login_as(make_user())
    client.post("/me/household/new", data={"kind": "adult", "name": "Grandpa Joe"})
    [joe] = members_of(parent)
    assert joe.kind == PersonKind.ADULT
    assert joe.date_of_birth is None


def test_is_removing_someone_with_a_place_refused_until_it_is_cancelled(
    client, auth, guardian, workshop
):
    cohort = workshop()
    parent = auth.login_as(guardian(children=1, adults=1))
    child, adult = members_of(parent)
    enrolment = book(parent, cohort, emergency_contact_name="X")

    page = text_of(client.get(f"/me/household/{child.id}/remove"))
    assert "Child 0 cannot be removed yet" in page
    assert f"/me/enrolments/{enrolment.id}" in page
    response = client.post(f"/me/household/{child.id}/remove")
    assert response.status_code == 409
    assert "Cancel it first" in text_of(response)
    assert len(members_of(parent)) == 2

    with transaction():
        lifecycle.cancel(enrolment, by=parent)
    assert client.post(f"/me/household/{child.id}/remove").status_code == 302
    assert members_of(parent) == [adult]
    db.session.refresh(enrolment)
    assert sorted(a.name for a in enrolment.attendees) == ["Adult 0", "Child 0"]  # kept


def test_can_a_child_with_a_place_not_become_an_adult(client, auth, guardian, workshop):
    cohort = workshop()
    parent = auth.login_as(guardian(children=1, adults=1))
    child = members_of(parent)[0]
    book(parent, cohort, emergency_contact_name="X")
    response = client.post(
        f"/me/household/{child.id}/edit", data={"kind": "adult", "name": child.name}
    )
    assert response.status_code == 422
    assert "cannot change while" in text_of(response)


# My Convene ------------------------------------------------------------------------------


def test_does_my_convene_show_my_places_with_their_next_session(client, auth, guardian, workshop):
    cohort = workshop()
    parent = auth.login_as(guardian(children=1, adults=1))
    enrolment = book(parent, cohort, emergency_contact_name="X")
    html = text_of(client.get("/me/"))
    assert "Robot Lab — " + cohort.name in html
    assert "Next session" in html
    assert "Great Hall" in html
    assert f"/me/enrolments/{enrolment.id}/ticket" in html
    assert f"/me/enrolments/{enrolment.id}/calendar.ics" in html
    assert "Child 0, Adult 0" in html


def test_does_the_header_link_to_my_convene_for_signed_in_people(client, auth, make_user):
    assert "/me/" not in client.get("/").get_data(as_text=True)
    auth.login_as(make_user())
    html = client.get("/me/").get_data(as_text=True)
    assert re.search(r'<a href="/me/" aria-current="page">My Convene</a>', html)


def test_do_the_enrolment_pages_have_no_inline_script_or_style(client, auth, guardian, workshop):
    cohort = workshop()
    parent = auth.login_as(guardian(children=1, adults=1))
    enrolment = book(parent, cohort, emergency_contact_name="X")
    member = members_of(parent)[0]
    for path in (
        "/me/",
        enrol_url(cohort),
        f"/me/enrolments/{enrolment.id}",
        f"/me/enrolments/{enrolment.id}/ticket",
        f"/me/enrolments/{enrolment.id}/cancel",
        f"/me/household/{member.id}/edit",
        "/me/household/new",
        "/me/teacher",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert "<script>" not in html, path
        assert " style=" not in html, path
        assert " onclick=" not in html, path


# Tickets and calendars -------------------------------------------------------------------


def qr_path(svg: str) -> str:
    """The drawing of a QR code: the `d` of its one path."""
    return re.search(r'class="qrline"[^>]* d="([^"]+)"', svg).group(1)


def test_does_the_qr_code_carry_the_ticket_code(client, auth, guardian, workshop):
    cohort = workshop()
    parent = auth.login_as(guardian(children=0, adults=1))
    enrolment = book(parent, cohort)
    html = client.get(f"/me/enrolments/{enrolment.id}/ticket").get_data(as_text=True)
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)

    expected = segno.make(f"CONVENE:{enrolment.ticket_code}", error="m", micro=False)
    assert qr_path(svg) == qr_path(expected.svg_inline())
    other = segno.make("CONVENE:7K3M9QXD2HB17", error="m", micro=False)
    assert qr_path(svg) != qr_path(other.svg_inline())
    # What it shows under the code reads as the same ticket.
    shown = re.search(r'<code class="ticket__token">([^<]+)</code>', html).group(1)
    symbol = "[0-9A-HJKMNP-TV-Z]"  # Crockford's base 32: no I, L, O, U
    assert re.fullmatch(rf"{symbol}{{4}}-{symbol}{{4}}-{symbol}{{4}}-{symbol}", shown)
    code = tickets.TicketText(code=enrolment.ticket_code)
    assert tickets.read_ticket(f"CONVENE:{enrolment.ticket_code}") == code
    assert tickets.read_ticket(shown) == code


def test_which_texts_read_as_tickets():
    code, token = tickets.TicketText(code="7K3M9QXD2HB17"), "Jq3-kV9_xT2mWp8sLd4nRb7c"
    assert tickets.read_ticket("7k3m 9qxd 2hb1 7") == code
    assert tickets.read_ticket("convene:7K3M-9QXD-2HBI-7") == code
    assert tickets.read_ticket(f"convene: {token[:12]} {token[12:]}").token == token
    assert tickets.read_ticket("7K3M-9QXD-2HB1-8") == tickets.TicketText(mistyped=True)
    assert tickets.read_ticket("https://evil.example/") is None
    assert tickets.read_ticket("7K3M9QXD") is None
    assert tickets.read_ticket("") is None


def test_does_the_confirmation_mail_give_the_ticket_code(guardian, workshop, outbox):
    parent = guardian(children=0, adults=1)
    enrolment = book(parent, workshop())
    [mail] = outbox("enrolment_confirmed")
    printed = tickets.code_groups(enrolment.ticket_code)
    assert f"if the QR code does not scan: {printed}" in mail.body_text
    assert printed in mail.body_html


@pytest.mark.parametrize("status", [S.WAITLISTED, S.CANCELLED])
def test_is_there_no_ticket_without_a_confirmed_place(client, auth, guardian, workshop, status):
    cohort = workshop(capacity=1)
    book(guardian(children=0, adults=1), cohort)
    parent = auth.login_as(guardian(children=0, adults=1))
    enrolment = book(parent, cohort)
    if status == S.CANCELLED:
        with transaction():
            lifecycle.cancel(enrolment, by=parent)
    response = client.get(f"/me/enrolments/{enrolment.id}/ticket")
    assert response.status_code == 404
    assert "Only a confirmed place has a ticket." in text_of(response)


def test_does_the_calendar_of_a_confirmed_place_include_the_online_link(
    client, auth, make_user, teacher_course
):
    cohort = teacher_course()
    teacher = make_user(school_name="S", school_phase="primary")
    with transaction():
        enrolment = lifecycle.book(teacher, cohort, Party(account_holder=True))
    auth.login_as(teacher)
    response = client.get(f"/me/enrolments/{enrolment.id}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    [event] = Calendar.from_ical(response.data).walk("VEVENT")
    assert "https://meet.example.org/x" in str(event["DESCRIPTION"])
    assert f"/me/enrolments/{enrolment.id}" in str(event["DESCRIPTION"])
    # Where calendar apps look for where to go, and make it a button.
    assert str(event["LOCATION"]) == "https://meet.example.org/x"
    assert str(event["URL"]) == "https://meet.example.org/x"
    # The public file of the same cohort leaves the joining link out.
    public = client.get(f"/programmes/primary-science/cohorts/{cohort.id}.ics")
    assert b"meet.example.org" not in public.data
    [public_event] = Calendar.from_ical(public.data).walk("VEVENT")
    assert str(public_event["LOCATION"]) == "Online"


@pytest.mark.parametrize("address", HOSTILE_ADDRESSES)
def test_is_a_stored_joining_link_that_is_no_web_address_never_a_link(
    client, auth, make_user, teacher_course, outbox, address
):
    """Saved before links were checked, or imported: shown as text on the place's page,
    no link in the confirmation either, and not where a calendar app makes a button."""
    cohort = teacher_course()
    cohort.sessions[0].online_url = address
    db.session.commit()
    teacher = make_user(school_name="S", school_phase="primary")
    with transaction():
        enrolment = lifecycle.book(teacher, cohort, Party(account_holder=True))
    auth.login_as(teacher)
    html = text_of(client.get(f"/me/enrolments/{enrolment.id}"))
    assert unsafe_links(html) == []
    assert "alert(1)" in html
    [mail] = outbox("enrolment_confirmed")
    assert unsafe_links(mail.body_html) == []
    calendar = client.get(f"/me/enrolments/{enrolment.id}/calendar.ics").data
    [event] = Calendar.from_ical(calendar).walk("VEVENT")
    assert "alert(1)" not in str(event["URL"]) + str(event["LOCATION"])
    assert str(event["LOCATION"]) == "Online"


# Nobody sees anyone else's -------------------------------------------------------------


OTHERS_PAGES = [
    ("get", "/me/enrolments/{enrolment}"),
    ("get", "/me/enrolments/{enrolment}/ticket"),
    ("get", "/me/enrolments/{enrolment}/calendar.ics"),
    ("get", "/me/enrolments/{enrolment}/cancel"),
    ("post", "/me/enrolments/{enrolment}/cancel"),
    ("get", "/me/enrolments/{enrolment}/accept"),
    ("post", "/me/enrolments/{enrolment}/accept"),
    ("get", "/me/enrolments/{enrolment}/decline"),
    ("post", "/me/enrolments/{enrolment}/decline"),
    ("get", "/me/household/{member}/edit"),
    ("post", "/me/household/{member}/edit"),
    ("get", "/me/household/{member}/remove"),
    ("post", "/me/household/{member}/remove"),
]


@pytest.mark.parametrize(("method", "path"), OTHERS_PAGES)
def test_is_another_accounts_household_member_or_place_not_found(
    client, auth, guardian, make_user, workshop, method, path
):
    cohort = workshop()
    owner = guardian(children=1, adults=1)
    enrolment = book(owner, cohort, emergency_contact_name="X")
    member = members_of(owner)[0]
    auth.login_as(make_user())
    url = path.format(enrolment=enrolment.id, member=member.id)
    data = {"kind": "adult", "name": "Mine now"}
    response = getattr(client, method)(url, **({"data": data} if method == "post" else {}))
    assert response.status_code == 404
    db.session.refresh(enrolment)
    db.session.refresh(member)
    assert enrolment.status == S.CONFIRMED
    assert member.name == "Child 0"


@pytest.mark.parametrize("path", ["/me/enrolments/{enrolment}", "/me/household/{member}/edit"])
@pytest.mark.parametrize("object_id", [0, 99999, 2**31, 2**63])
def test_are_unknown_ids_not_found(client, auth, make_user, path, object_id):
    auth.login_as(make_user())
    assert client.get(path.format(enrolment=object_id, member=object_id)).status_code == 404


def test_does_my_convene_show_nothing_of_anyone_else(client, auth, guardian, workshop):
    cohort = workshop()
    other = guardian(children=1, adults=0, name="Somebody Else")
    book(other, cohort, people=members_of(other), emergency_contact_name="Secret Contact")
    auth.login_as(guardian(children=0, adults=0))
    html = text_of(client.get("/me/"))
    assert "Child 0" not in html
    assert "Robot Lab" not in html
    assert "Secret Contact" not in html
    booking_page = text_of(client.get(enrol_url(cohort)))
    assert "Child 0" not in booking_page


@pytest.mark.parametrize(
    "path",
    [
        "/me/",
        "/me/household/new",
        "/me/teacher",
        "/me/enrolments/1",
        "/me/enrolments/1/ticket",
        "/me/enrolments/1/calendar.ics",
        "/me/enrolments/1/cancel",
        "/programmes/robot-lab/cohorts/1/enrol",
    ],
)
def test_is_an_anonymous_visitor_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login?next=")


# The programme page's call to action ------------------------------------------------------


def cohort_section(html: str, cohort) -> str:
    start = html.index(f'id="cohort-{cohort.id}"')
    end = html.find('<section class="cohort"', start)
    return html[start : end if end != -1 else len(html)]


@pytest.mark.parametrize(
    ("setup", "expected", "absent"),
    [
        ("open", "Book", "Join the waitlist"),
        ("full_with_waitlist", "Join the waitlist", "You are booked"),
        ("full_without_waitlist", "Full", "Join the waitlist"),
        ("not_open_yet", "Booking opens on", "/enrol"),
        ("booked", "You are booked", "Join the waitlist"),
        ("waiting", "You are on the waitlist", "You are booked"),
    ],
)
def test_does_the_programme_page_offer_the_right_call_to_action(
    client, auth, guardian, workshop, setup, expected, absent
):
    overrides = {
        "open": {},
        "full_with_waitlist": {"capacity": 1},
        "full_without_waitlist": {"capacity": 1, "waitlist_enabled": False},
        "not_open_yet": {"enrol_opens_at": utcnow() + timedelta(days=2)},
        "booked": {},
        "waiting": {"capacity": 1},
    }[setup]
    cohort = workshop(**overrides)
    if overrides.get("capacity") == 1:
        book(guardian(children=0, adults=1), cohort)
    viewer = auth.login_as(guardian(children=0, adults=1))
    if setup in {"booked", "waiting"}:
        book(viewer, cohort)
    section = text_of(client.get("/programmes/robot-lab/"))
    section = cohort_section(section, cohort)
    assert expected in section
    assert absent not in section
    if setup == "open":
        assert f'href="/programmes/robot-lab/cohorts/{cohort.id}/enrol"' in section


def test_does_a_teacher_course_say_enrol(client, teacher_course):
    cohort = teacher_course()
    section = cohort_section(text_of(client.get("/programmes/primary-science/")), cohort)
    assert re.search(r'class="button" href="[^"]+/enrol">Enrol<', section)


def test_does_an_application_cohort_link_to_its_form_when_there_is_one(
    client, make_programme, make_cohort, make_session
):
    programme = make_programme(slug="summer", kind=ProgrammeKind.SUMMER_SCHOOL)
    cohort = make_cohort(programme, enrolment_mode=EnrolmentMode.APPLICATION)
    make_session(cohort, utcnow() + timedelta(days=60))
    section = cohort_section(text_of(client.get("/programmes/summer/")), cohort)
    assert "/enrol" not in section
    if "enrolment_public.apply" in client.application.view_functions:
        assert f"/programmes/summer/cohorts/{cohort.id}/apply" in section
        assert ">Apply<" in section


def test_are_named_collectors_kept_with_the_booking(client, auth, guardian, workshop):
    """Children leave only with an adult of the party or someone the guardian named."""
    user = auth.login_as(guardian(children=1, adults=0))
    cohort = workshop()
    people = ["me", *members_of(user)]
    data = booking(people, authorised_collectors="Grandma Rose\n\n  Uncle Ben  \n")
    assert client.post(enrol_url(cohort), data=data).status_code == 302
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.authorised_collectors == ["Grandma Rose", "Uncle Ben"]
