"""Can a cohort's team see who is coming, cancel and move places, and grow the cohort?"""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.core.db import utcnow
from app.core.transaction import transaction
from app.enrolment import lifecycle
from app.enrolment.lifecycle import ApplicationDetails
from app.enrolment.models import Enrolment, EnrolmentStatus, HouseholdMember, PersonKind
from app.enrolment.rules import Party
from app.extensions import db
from app.programmes.models import Cohort, EnrolmentMode, Programme, TeamRole
from tests.programmes.test_team_pages import cohort_form as organise_cohort_form
from tests.programmes.test_team_pages import field_error

S = EnrolmentStatus


@dataclass
class Workshop:
    """A family workshop on Saturday (4 seats) and Sunday (4 seats), with its team.

    Saturday is full: Ada's family (2) and Bea (1) and Dan (1) are confirmed after
    Eve (1) cancelled; Cai's family (2) and Fay's family (2) wait in that order.
    """

    programme: Programme
    saturday: Cohort
    sunday: Cohort
    lead: User
    organiser: User
    helper: User
    outsider: User
    places: dict[str, Enrolment]

    def url(self, cohort: Cohort | None = None, tail: str = "enrolments") -> str:
        cohort = cohort or self.saturday
        return f"/organise/programmes/{self.programme.id}/cohorts/{cohort.id}/{tail}"

    def place_url(self, name: str, action: str) -> str:
        return self.url(tail=f"enrolments/{self.places[name].id}/{action}")

    def status(self, name: str) -> EnrolmentStatus:
        db.session.expire_all()
        return db.session.get(Enrolment, self.places[name].id).status


@pytest.fixture
def book(make_user):
    """`book(cohort, "Ada", children=1, adults=1)`: a family named after its guardian."""

    def make(cohort: Cohort, name: str, children: int = 1, adults: int = 0) -> Enrolment:
        guardian = make_user(name=f"{name} Guardian", email=f"{name.lower()}@example.org")
        members = [
            HouseholdMember(
                owner=guardian,
                kind=PersonKind.CHILD,
                name=f"{name} Child {n}",
                date_of_birth=utcnow().date().replace(year=utcnow().year - 8),
            )
            for n in range(1, children + 1)
        ] + [
            HouseholdMember(owner=guardian, kind=PersonKind.ADULT, name=f"{name} Adult {n}")
            for n in range(1, adults + 1)
        ]
        db.session.add_all(members)
        db.session.commit()
        with transaction():
            return lifecycle.book(guardian, cohort, Party(members=tuple(members)))

    return make


@pytest.fixture
def workshop(make_user, make_programme, make_cohort, make_session, book) -> Workshop:
    lead = make_user(name="Lena Lead", email="lead@example.org")
    organiser = make_user(name="Oscar Organiser", email="organiser@example.org")
    helper = make_user(name="Hana Helper", email="helper@example.org")
    outsider = make_user(name="Otto Outsider", email="outsider@example.org")
    programme = make_programme(
        title="Robot Lab",
        min_age=6,
        max_age=11,
        team=[(lead, TeamRole.LEAD), (organiser, TeamRole.ORGANISER), (helper, TeamRole.HELPER)],
    )
    saturday = make_cohort(programme, name="Saturday", capacity=4)
    sunday = make_cohort(programme, name="Sunday", capacity=4)
    for day, cohort in enumerate((saturday, sunday)):
        make_session(cohort, utcnow() + timedelta(days=20 + day))
    places = {
        "Ada": book(saturday, "Ada", children=1, adults=1),
        "Bea": book(saturday, "Bea"),
        "Eve": book(saturday, "Eve"),
        "Cai": book(saturday, "Cai", children=2),
        "Dan": book(saturday, "Dan"),
        "Fay": book(saturday, "Fay", children=1, adults=1),
    }
    with transaction():
        lifecycle.cancel(places["Eve"], by=places["Eve"].user, reason="We are ill.")
    workshop = Workshop(programme, saturday, sunday, lead, organiser, helper, outsider, places)
    assert [workshop.status(n) for n in ("Ada", "Bea", "Dan", "Cai", "Fay", "Eve")] == [
        S.CONFIRMED,
        S.CONFIRMED,
        S.CONFIRMED,
        S.WAITLISTED,
        S.WAITLISTED,
        S.CANCELLED,
    ]
    return workshop


def text(response) -> str:
    html = response.get_data(as_text=True)
    return html.replace("\u202f", " ").replace("\xa0", " ").replace("&#39;", "'")


def section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    end = html.find("</section>", start)
    return html[start:end]


def cohort_form(**overrides) -> dict:
    """The cohort edit form as it stands for the Saturday workshop (4 seats)."""
    return organise_cohort_form(**{"name": "Saturday", "capacity": "4", **overrides})


# Seeing who is coming ------------------------------------------------------------------


def test_does_the_list_show_every_place_by_state(client, auth, workshop):
    auth.login_as(workshop.organiser)
    html = text(client.get(workshop.url()))
    assert re.search(r"<dt>Free</dt><dd>0</dd>", html)
    assert re.search(r"<dt>Waitlisted</dt><dd>4</dd>", html)

    confirmed = section(html, "confirmed-heading")
    for shown in ["Ada Child 1", "Ada Adult 1", "ada@example.org", "Bea Child 1", "Dan Child 1"]:
        assert shown in confirmed
    assert "Cai Child 1" not in confirmed

    waitlist = section(html, "waitlisted-heading")
    assert waitlist.index("Cai Child 1") < waitlist.index("Fay Child 1")
    assert re.search(
        r'data-label="Position">1</td>\s*<td data-label="Who comes">\s*<span>\s*Cai', waitlist
    )
    assert re.search(
        r'data-label="Position">2</td>\s*<td data-label="Who comes">\s*<span>\s*Fay', waitlist
    )

    cancelled = section(html, "cancelled-heading")
    assert "Eve Child 1" in cancelled
    assert "We are ill." in cancelled
    assert "by the participant" in cancelled

    assert workshop.place_url("Ada", "cancel") in html
    assert workshop.place_url("Ada", "move") in html


def test_are_offers_listed_with_their_deadline_where_the_cohort_meets(
    client, auth, workshop, make_cohort, make_session, make_user
):
    cohort = make_cohort(
        workshop.programme,
        name="Exchange",
        enrolment_mode=EnrolmentMode.APPLICATION,
        timezone="Asia/Hong_Kong",
    )
    make_session(cohort, utcnow() + timedelta(days=30))
    student = make_user(name="Sam Student")
    with transaction():
        enrolment = lifecycle.save_application(
            student, cohort, ApplicationDetails("HKU", "HK", "masters", "x" * 300, {}), submit=True
        )
    with transaction():
        lifecycle.make_offers([enrolment], deadline=utcnow() + timedelta(days=3))
    auth.login_as(workshop.lead)
    offered = section(text(client.get(workshop.url(cohort))), "offered-heading")
    assert "Sam Student" in offered
    assert "Hong Kong Time" in offered


def test_is_a_walk_in_listed_without_an_account(client, auth, workshop):
    with transaction():
        lifecycle.change_capacity(workshop.sunday, 4)
    with transaction():
        lifecycle.add_walk_in(workshop.sunday, "Walk In", by=workshop.helper)
    auth.login_as(workshop.helper)
    confirmed = section(text(client.get(workshop.url(workshop.sunday))), "confirmed-heading")
    assert "Walk In" in confirmed
    assert "Added at the door" in confirmed


def test_does_a_helper_see_who_is_coming_but_cannot_change_places(client, auth, workshop):
    auth.login_as(workshop.helper)
    response = client.get(workshop.url())
    html = text(response)
    assert response.status_code == 200
    assert "Ada Child 1" in html
    assert "/cancel" not in html
    assert "/move" not in html
    assert 'href="' + workshop.url() + '"' in text(client.get(workshop.url(tail="")))
    for action in ("cancel", "move"):
        assert client.get(workshop.place_url("Ada", action)).status_code == 403
        data = {"reason": "Because.", "target": str(workshop.sunday.id)}
        assert client.post(workshop.place_url("Ada", action), data=data).status_code == 403
    assert workshop.status("Ada") == S.CONFIRMED


# Cancelling ----------------------------------------------------------------------------


def test_does_cancelling_a_place_email_the_reason_and_move_the_waitlist(
    client, auth, workshop, outbox
):
    auth.login_as(workshop.organiser)
    page = text(client.get(workshop.place_url("Ada", "cancel")))
    assert "Cancel this place?" in page
    assert "Ada Child 1, Ada Adult 1" in page

    promoted_before = len(outbox("enrolment_promoted"))  # Dan's, when Eve cancelled
    response = client.post(
        workshop.place_url("Ada", "cancel"), data={"reason": "The lab is flooded."}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == workshop.url()
    ada = db.session.get(Enrolment, workshop.places["Ada"].id)
    assert (workshop.status("Ada"), ada.cancelled_by_id, ada.cancel_reason) == (
        S.CANCELLED,
        workshop.organiser.id,
        "The lab is flooded.",
    )
    [mail] = [m for m in outbox("enrolment_cancelled") if m.recipient == "ada@example.org"]
    assert "The organisers wrote: The lab is flooded." in mail.body_text
    # Ada's two seats go to the first party in line that fits.
    assert workshop.status("Cai") == S.CONFIRMED
    promoted = outbox("enrolment_promoted")[promoted_before:]
    assert [m.recipient for m in promoted] == ["cai@example.org"]
    assert "by the team" in section(text(client.get(workshop.url())), "cancelled-heading")


def test_is_a_reason_needed_to_cancel_a_place(client, auth, workshop, outbox):
    auth.login_as(workshop.lead)
    sent = len(outbox())
    response = client.post(workshop.place_url("Bea", "cancel"), data={"reason": "  "})
    assert response.status_code == 422
    assert field_error(text(response), "reason") == "Give a reason: it is sent to the participant."
    assert workshop.status("Bea") == S.CONFIRMED
    assert len(outbox()) == sent


def test_is_a_cancelled_place_not_cancelled_again(client, auth, workshop):
    auth.login_as(workshop.lead)
    eve = workshop.place_url("Eve", "cancel")
    assert client.get(eve).status_code == 404
    assert client.post(eve, data={"reason": "Again."}).status_code == 404


# Moving --------------------------------------------------------------------------------


def test_does_moving_a_booking_move_its_seats(client, auth, workshop, outbox):
    auth.login_as(workshop.organiser)
    page = text(client.get(workshop.place_url("Ada", "move")))
    assert f'<option value="{workshop.sunday.id}">Sunday' in page
    assert f'<option value="{workshop.saturday.id}"' not in page

    response = client.post(
        workshop.place_url("Ada", "move"),
        data={"target": str(workshop.sunday.id), "reason": "Saturday's room is too small."},
    )
    assert response.status_code == 302
    assert workshop.status("Ada") == S.CANCELLED
    moved = db.session.scalar(select(Enrolment).where(Enrolment.cohort_id == workshop.sunday.id))
    assert (moved.status, moved.seats, moved.user_id) == (
        S.CONFIRMED,
        2,
        workshop.places["Ada"].user_id,
    )
    assert [a.name for a in moved.attendees] == ["Ada Child 1", "Ada Adult 1"]
    db.session.refresh(workshop.saturday)
    db.session.refresh(workshop.sunday)
    # Saturday's two seats went to Cai's family, first in line.
    assert (workshop.saturday.seats_taken, workshop.sunday.seats_taken) == (4, 2)
    assert workshop.status("Cai") == S.CONFIRMED
    [mail] = outbox("enrolment_moved")
    assert mail.recipient == "ada@example.org"
    assert "Saturday's room is too small." in mail.body_text.replace("&#39;", "'")
    assert "moved to Sunday" in text(client.get(workshop.url()))


def test_are_only_cohorts_that_enrol_the_same_way_and_have_not_ended_offered_for_a_move(
    client, auth, workshop, make_cohort, make_session
):
    reviewed = make_cohort(workshop.programme, enrolment_mode=EnrolmentMode.APPLICATION)
    past = make_cohort(workshop.programme, name="Last year")
    make_session(reviewed, utcnow() + timedelta(days=40))
    make_session(past, utcnow() - timedelta(days=300))
    auth.login_as(workshop.organiser)
    page = text(client.get(workshop.place_url("Ada", "move")))
    assert f'<option value="{workshop.sunday.id}">' in page
    assert f'<option value="{reviewed.id}">' not in page
    assert f'<option value="{past.id}">' not in page
    response = client.post(
        workshop.place_url("Ada", "move"), data={"target": str(reviewed.id), "reason": "Try."}
    )
    assert response.status_code == 422
    assert workshop.status("Ada") == S.CONFIRMED


def test_is_a_move_to_a_cohort_of_another_programme_refused(
    client, auth, workshop, make_programme, make_cohort
):
    elsewhere = make_cohort(make_programme(team=[(workshop.lead, TeamRole.LEAD)]))
    auth.login_as(workshop.lead)
    response = client.post(
        workshop.place_url("Ada", "move"),
        data={"target": str(elsewhere.id), "reason": "Try this."},
    )
    assert response.status_code == 422
    assert field_error(text(response), "target")
    assert workshop.status("Ada") == S.CONFIRMED
    assert db.session.scalar(select(Enrolment).where(Enrolment.cohort_id == elsewhere.id)) is None


def test_does_a_move_need_a_reason(client, auth, workshop):
    auth.login_as(workshop.lead)
    response = client.post(
        workshop.place_url("Dan", "move"), data={"target": str(workshop.sunday.id), "reason": ""}
    )
    assert response.status_code == 422
    assert field_error(text(response), "reason")
    assert workshop.status("Dan") == S.CONFIRMED


# Capacity ------------------------------------------------------------------------------


def test_does_raising_capacity_in_the_edit_form_promote_the_waitlist(
    client, auth, workshop, outbox
):
    auth.login_as(workshop.organiser)
    promoted_before = len(outbox("enrolment_promoted"))
    response = client.post(workshop.url(tail="edit"), data=cohort_form(capacity="6"))
    assert response.status_code == 302
    db.session.refresh(workshop.saturday)
    assert (workshop.saturday.capacity, workshop.saturday.seats_taken) == (6, 6)
    assert workshop.status("Cai") == S.CONFIRMED
    assert workshop.status("Fay") == S.WAITLISTED  # two more seats: only Cai's family fits
    promoted = outbox("enrolment_promoted")[promoted_before:]
    assert [m.recipient for m in promoted] == ["cai@example.org"]


def test_is_capacity_below_the_seats_taken_refused_next_to_the_field(client, auth, workshop):
    auth.login_as(workshop.lead)
    response = client.post(
        workshop.url(tail="edit"), data=cohort_form(name="Saturday morning", capacity="3")
    )
    assert response.status_code == 422
    assert field_error(text(response), "capacity") == (
        "4 seats are taken already, so capacity must be at least 4."
    )
    db.session.refresh(workshop.saturday)
    assert (workshop.saturday.name, workshop.saturday.capacity) == ("Saturday", 4)


def test_does_saving_other_settings_keep_the_waitlist_as_it_is(client, auth, workshop):
    auth.login_as(workshop.lead)
    response = client.post(workshop.url(tail="edit"), data=cohort_form(name="Saturday morning"))
    assert response.status_code == 302
    db.session.refresh(workshop.saturday)
    assert workshop.saturday.name == "Saturday morning"
    assert workshop.status("Cai") == S.WAITLISTED


# Who may reach what --------------------------------------------------------------------


def urls(workshop: Workshop) -> list[tuple[str, str]]:
    return [
        ("get", workshop.url()),
        ("get", workshop.place_url("Ada", "cancel")),
        ("post", workshop.place_url("Ada", "cancel")),
        ("get", workshop.place_url("Ada", "move")),
        ("post", workshop.place_url("Ada", "move")),
    ]


@pytest.mark.parametrize("index", range(5))
def test_does_someone_outside_the_team_get_404_on_every_enrolments_url(
    client, auth, workshop, index
):
    method, url = urls(workshop)[index]
    auth.login_as(workshop.outsider)
    data = {"reason": "Because.", "target": str(workshop.sunday.id)}
    response = client.get(url) if method == "get" else client.post(url, data=data)
    assert response.status_code == 404
    assert "Robot Lab" not in text(response)
    assert workshop.status("Ada") == S.CONFIRMED


@pytest.mark.parametrize("action", ["cancel", "move"])
@pytest.mark.parametrize("whose", ["sunday", "other_programme"])
def test_is_a_place_of_another_cohort_404_under_this_one(
    client, auth, workshop, book, make_programme, make_cohort, make_session, action, whose
):
    if whose == "sunday":
        theirs = book(workshop.sunday, "Gus")
    else:
        other = make_cohort(make_programme(min_age=6, max_age=11))
        make_session(other, utcnow() + timedelta(days=5))
        theirs = book(other, "Gus")
    auth.login_as(workshop.lead)
    url = workshop.url(tail=f"enrolments/{theirs.id}/{action}")
    assert client.get(url).status_code == 404
    data = {"reason": "Because.", "target": str(workshop.sunday.id)}
    assert client.post(url, data=data).status_code == 404
    db.session.expire_all()
    assert db.session.get(Enrolment, theirs.id).status == S.CONFIRMED


def test_is_the_list_of_another_programmes_cohort_404(
    client, auth, workshop, make_programme, make_cohort
):
    other = make_cohort(make_programme())
    auth.login_as(workshop.lead)
    url = f"/organise/programmes/{workshop.programme.id}/cohorts/{other.id}/enrolments"
    assert client.get(url).status_code == 404
    assert client.get(workshop.url(tail="enrolments/99999999999999999999/cancel")).status_code == (
        404
    )
