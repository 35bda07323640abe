"""Does every decision leave one entry in the action log (who, when, what), rolled back
with a change that is refused, and does the team see it as the history?"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.attendance import commands as attendance
from app.attendance.completion import complete_cohort
from app.attendance.models import AttendanceChange, AttendanceState
from app.core.db import utcnow
from app.core.models import Action
from app.core.refusal import Refusal
from app.core.transaction import transaction
from app.enrolment import commands, lifecycle
from app.enrolment.lifecycle import ApplicationDetails
from app.enrolment.models import Enrolment, EnrolmentStatus
from app.enrolment.rules import Party
from app.extensions import db
from app.programmes.models import Cohort, EnrolmentMode, Programme, ProgrammeKind, TeamRole
from app.programmes.rules import utc_to_local
from tests.attendance.after_sessions import book as book_before
from tests.attendance.after_sessions import make_course
from tests.attendance.after_sessions import mark as mark_before

S = EnrolmentStatus


@dataclass
class Team:
    programme: Programme
    cohort: Cohort
    lead: User
    organiser: User
    helper: User

    @property
    def cohort_url(self) -> str:
        return f"/organise/programmes/{self.programme.id}/cohorts/{self.cohort.id}/"

    def application_url(self, enrolment: Enrolment, action: str = "") -> str:
        url = f"{self.cohort_url}applications/{enrolment.id}"
        return f"{url}/{action}" if action else url


@pytest.fixture
def team(make_user, make_programme, make_cohort, make_session) -> Team:
    lead = make_user(name="Lena Lead")
    organiser = make_user(name="Oscar Organiser")
    helper = make_user(name="Hana Helper")
    programme = make_programme(
        kind=ProgrammeKind.SUMMER_SCHOOL,
        team=[(lead, TeamRole.LEAD), (organiser, TeamRole.ORGANISER), (helper, TeamRole.HELPER)],
    )
    cohort = make_cohort(
        programme,
        name="Spring",
        capacity=1,
        enrolment_mode=EnrolmentMode.APPLICATION,
        enrol_closes_at=utcnow() + timedelta(days=60),
    )
    make_session(cohort, utcnow() + timedelta(days=90))
    return Team(programme, cohort, lead, organiser, helper)


@pytest.fixture
def applied(team, make_user):
    def make(name: str = "Ana Ruiz") -> Enrolment:
        details = ApplicationDetails(
            home_institution="UNAM",
            home_country="MX",
            study_level="masters",
            statement="I want to learn research methods. " * 10,
            answers={},
        )
        with transaction():
            return lifecycle.save_application(
                make_user(name=name), team.cohort, details, submit=True
            )

    return make


def actions(**where) -> list[Action]:
    db.session.expire_all()
    statement = select(Action).order_by(Action.id)
    for column, value in where.items():
        statement = statement.where(getattr(Action, column) == value)
    return list(db.session.scalars(statement))


def deadline(days: int = 5) -> str:
    day = utc_to_local(utcnow() + timedelta(days=days), "Europe/London").date()
    return f"{day.isoformat()}T17:00"


def text(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'")


# Decisions on applications, through the review queue ---------------------------------


def test_does_an_offer_record_who_made_it_and_the_deadline(client, auth, team, applied):
    enrolment = applied()
    auth.login_as(team.organiser)
    response = client.post(
        team.application_url(enrolment, "decide"),
        data={"action": "accept", "offer_deadline": deadline()},
    )
    assert response.status_code == 302
    [action] = actions()
    assert action.verb == "offer"
    assert action.actor_id == team.organiser.id
    assert (action.cohort_id, action.enrolment_id) == (team.cohort.id, enrolment.id)
    db.session.refresh(enrolment)
    assert action.detail == {"deadline": enrolment.offer_expires_at.isoformat()}


def test_do_waitlisting_and_rejecting_record_their_verbs(client, auth, team, applied):
    waiting, rejected = applied("Ana Ruiz"), applied("Bo Chen")
    auth.login_as(team.lead)
    client.post(team.application_url(waiting, "decide"), data={"action": "waitlist"})
    client.post(
        team.application_url(rejected, "decide"), data={"action": "reject", "message": "Sorry."}
    )
    first, second = actions()
    assert (first.verb, first.enrolment_id, first.actor_id) == (
        "waitlist",
        waiting.id,
        team.lead.id,
    )
    assert (second.verb, second.enrolment_id) == ("reject", rejected.id)
    assert second.detail == {"reason": "Sorry."}


def test_is_a_score_recorded_with_its_old_and_new_value(client, auth, team, applied):
    enrolment = applied()
    auth.login_as(team.organiser)
    client.post(team.application_url(enrolment, "score"), data={"score": "4"})
    client.post(team.application_url(enrolment, "score"), data={"score": "2"})
    assert [(a.verb, a.detail, a.actor_id) for a in actions()] == [
        ("score", {"old": None, "new": 4}, team.organiser.id),
        ("score", {"old": 4, "new": 2}, team.organiser.id),
    ]


def test_does_a_refused_offer_leave_no_entry(team, applied):
    first, second = applied("Ana Ruiz"), applied("Bo Chen")
    with pytest.raises(Refusal) as refused, transaction():
        lifecycle.make_offers([first, second], deadline=utcnow() + timedelta(days=3))
    assert refused.value.code == "cohort_full"
    assert actions() == []


def test_are_accepting_declining_and_the_promotion_that_follows_recorded(team, applied):
    team.cohort.capacity = 2
    db.session.commit()
    ana, bo, cai = applied("Ana Ruiz"), applied("Bo Chen"), applied("Cai Li")
    with transaction():
        lifecycle.make_offers([ana, bo], deadline=utcnow() + timedelta(days=3))
        lifecycle.waitlist_applications([cai])
    with transaction():
        lifecycle.accept_offer(ana)
        lifecycle.decline_offer(bo)
    verbs = [(a.verb, a.enrolment_id, a.actor_id) for a in actions()][3:]
    assert verbs == [
        ("accept_offer", ana.id, None),
        ("decline_offer", bo.id, None),
        ("promote", cai.id, None),
    ]
    assert actions(verb="promote")[0].detail == {"status": "offered"}


def test_does_an_expired_offer_record_nobody_as_its_actor(team, applied):
    enrolment = applied()
    with transaction():
        lifecycle.make_offers([enrolment], deadline=utcnow() + timedelta(hours=1))
    assert lifecycle.expire_offers(utcnow() + timedelta(hours=2)) == 1
    [action] = actions(verb="expire_offer")
    assert (action.actor_id, action.enrolment_id, action.cohort_id) == (
        None,
        enrolment.id,
        team.cohort.id,
    )


# Places: cancel and move -------------------------------------------------------------


@pytest.fixture
def workshop(make_user, make_programme, make_cohort, make_session):
    lead = make_user(name="Lena Lead")
    programme = make_programme(team=[(lead, TeamRole.LEAD)])
    saturday = make_cohort(programme, name="Saturday", capacity=2)
    sunday = make_cohort(programme, name="Sunday", capacity=2)
    for cohort in (saturday, sunday):
        make_session(cohort, utcnow() + timedelta(days=20))
    return lead, saturday, sunday


def book(cohort: Cohort, user: User) -> Enrolment:
    with transaction():
        return lifecycle.book(user, cohort, Party(account_holder=True))


def test_is_a_cancellation_recorded_by_whom_with_the_reason(workshop, make_user):
    lead, saturday, _ = workshop
    own, other = make_user(), make_user()
    mine, theirs = book(saturday, own), book(saturday, other)
    with transaction():
        commands.cancel_place(mine, own, "We are ill.")
        commands.cancel_place_for_team(theirs, by=lead, reason="Venue closed.")
    first, second = actions()
    assert (first.verb, first.actor_id, first.enrolment_id, first.detail) == (
        "cancel_by_participant",
        own.id,
        mine.id,
        {"reason": "We are ill."},
    )
    assert (second.verb, second.actor_id, second.cohort_id, second.detail) == (
        "cancel_by_team",
        lead.id,
        saturday.id,
        {"reason": "Venue closed."},
    )


def test_is_a_move_recorded_from_and_to_with_the_reason(workshop, make_user):
    lead, saturday, sunday = workshop
    enrolment = book(saturday, make_user())
    with transaction():
        moved = commands.move_place(enrolment, sunday, by=lead, reason="Saturday is cancelled.")
    [action] = actions()
    assert (action.verb, action.actor_id, action.cohort_id, action.enrolment_id) == (
        "move",
        lead.id,
        saturday.id,
        enrolment.id,
    )
    assert action.detail == {
        "from_cohort": "Saturday",
        "to_cohort": "Sunday",
        "to_cohort_id": sunday.id,
        "to_enrolment_id": moved.id,
        "status": "confirmed",
        "reason": "Saturday is cancelled.",
    }


# Capacity ------------------------------------------------------------------------------


def test_does_the_cohort_page_show_capacity_changes_to_the_team_only(client, auth, team):
    with transaction():
        lifecycle.change_capacity(team.cohort, 3)
    [action] = actions()
    assert (action.verb, action.cohort_id, action.detail) == (
        "capacity",
        team.cohort.id,
        {"old": 1, "new": 3},
    )
    auth.login_as(team.organiser)
    page = text(client.get(team.cohort_url))
    assert "History" in page
    assert "Capacity changed from 1 to 3" in page
    auth.login_as(team.helper)
    response = client.get(team.cohort_url)
    assert response.status_code == 200
    assert "Capacity changed" not in text(response)


def test_is_a_refused_capacity_change_not_recorded(team, applied):
    with transaction():
        lifecycle.make_offers([applied()], deadline=utcnow() + timedelta(days=3))
    with pytest.raises(Refusal), transaction():
        lifecycle.change_capacity(team.cohort, 0)
    assert actions(verb="capacity") == []


# The application page ------------------------------------------------------------------


def test_does_the_application_page_show_its_history_to_the_team(client, auth, team, applied):
    enrolment = applied()
    other = applied("Bo Chen")
    auth.login_as(team.organiser)
    client.post(team.application_url(enrolment, "decide"), data={"action": "waitlist"})
    client.post(team.application_url(other, "score"), data={"score": "5"})
    page = text(client.get(team.application_url(enrolment)))
    assert "History" in page
    assert "Put on the waitlist" in page
    assert "— Oscar Organiser" in page
    assert "Score changed" not in page  # another applicant's
    auth.login_as(team.helper)
    assert client.get(team.application_url(enrolment)).status_code == 403


# Attendance ----------------------------------------------------------------------------


def test_do_completion_and_a_correction_leave_entries(
    make_user, make_programme, make_cohort, make_session
):
    lead = make_user(name="Lena Lead")
    cohort = make_course(
        make_programme, make_cohort, make_session, hours=(2, 2), team=[(lead, TeamRole.LEAD)]
    )
    teacher = make_user(name="Tomás Teacher")
    enrolment = book_before(cohort, teacher)
    attendee = enrolment.attendees[0]
    mark_before(attendee, cohort, "PA")
    with transaction():
        attendance.mark(attendee, cohort.sessions[1], AttendanceState.PRESENT, lead)
    assert db.session.scalar(select(AttendanceChange)) is not None  # the register's own
    with transaction():
        complete_cohort(cohort)
    correction, completed = actions()
    assert (correction.verb, correction.actor_id, correction.enrolment_id) == (
        "attendance_corrected",
        lead.id,
        enrolment.id,
    )
    day = utc_to_local(cohort.sessions[1].starts_at, cohort.timezone).date().isoformat()
    assert correction.detail == {
        "name": "Tomás Teacher",
        "session": day,
        "from_state": "absent",
        "to_state": "present",
    }
    assert (completed.verb, completed.actor_id, completed.cohort_id, completed.detail) == (
        "complete",
        None,
        cohort.id,
        {"certificates": 1},
    )


def test_does_the_history_read_as_words_not_stored_values(client, auth, team, applied):
    enrolment = applied()
    auth.login_as(team.organiser)
    client.post(team.application_url(enrolment, "score"), data={"score": "4"})
    client.post(
        team.application_url(enrolment, "decide"),
        data={"action": "accept", "offer_deadline": deadline()},
    )
    page = text(client.get(team.application_url(enrolment)))
    assert "Score changed from none to 4" in page
    assert "Offered a place, to answer by" in page
    db.session.refresh(enrolment)
    assert enrolment.offer_expires_at.isoformat() not in page
