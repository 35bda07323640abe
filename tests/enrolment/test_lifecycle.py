"""Do the enrolment rules hold: seats, waitlists, offers, and the messages they send?

These call the lifecycle functions directly, without HTTP.
"""

import contextlib
from datetime import date, timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from icalendar import Calendar
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import func, select, update

from app.core import jobs
from app.core.db import utcnow
from app.core.models import MessageStatus
from app.core.refusal import Refusal
from app.core.transaction import transaction
from app.enrolment import lifecycle
from app.enrolment.lifecycle import ApplicationDetails
from app.enrolment.models import (
    ACTIVE_STATUSES,
    Attendee,
    Enrolment,
    EnrolmentStatus,
    HouseholdMember,
    PersonKind,
)
from app.enrolment.queries import waitlist, waitlist_position
from app.enrolment.rules import Party
from app.extensions import db
from app.programmes.models import Cohort, EnrolmentMode, ProgrammeKind

S = EnrolmentStatus


@pytest.fixture
def household(app, make_user):
    """A guardian and `household(children=2, adults=1)` members."""

    def make(children: int = 1, adults: int = 0, *, born: date = date(2016, 5, 1), **user):
        guardian = make_user(**user)
        members = [
            HouseholdMember(
                owner=guardian, kind=PersonKind.CHILD, name=f"Child {n}", date_of_birth=born
            )
            for n in range(children)
        ] + [
            HouseholdMember(owner=guardian, kind=PersonKind.ADULT, name=f"Adult {n}")
            for n in range(adults)
        ]
        db.session.add_all(members)
        db.session.commit()
        return guardian, members

    return make


@pytest.fixture
def workshop(make_programme, make_cohort, make_session):
    """A family workshop cohort a month away, for ages 6 to 11, with `capacity` seats."""

    def make(capacity: int = 5, **overrides):
        programme = make_programme(min_age=6, max_age=11)
        cohort = make_cohort(programme, capacity=capacity, **overrides)
        make_session(cohort, utcnow() + timedelta(days=30))
        return cohort

    return make


@pytest.fixture
def summer_school(make_programme, make_cohort, make_session):
    def make(capacity: int = 2, **overrides):
        programme = make_programme(
            kind=ProgrammeKind.SUMMER_SCHOOL, home_countries=["MX", "CO", "CL"]
        )
        cohort = make_cohort(
            programme, capacity=capacity, enrolment_mode=EnrolmentMode.APPLICATION, **overrides
        )
        make_session(cohort, utcnow() + timedelta(days=90))
        return cohort

    return make


@contextlib.contextmanager
def unless_refused(code: str):
    """Run commands in one transaction; a refusal with `code` may end it (then
    nothing is changed)."""
    try:
        with transaction():
            yield
    except Refusal as refusal:
        if refusal.code != code:
            raise


def book_party(cohort, household, children=1, adults=1):
    guardian, members = household(children=children, adults=adults)
    with transaction():
        return lifecycle.book(guardian, cohort, Party(members=tuple(members)))


def application(country="MX", statement="I want to study catalysis."):
    return ApplicationDetails(
        home_institution="Instituto Politécnico",
        home_country=country,
        study_level="undergraduate",
        statement=statement,
        answers={},
    )


# Booking -------------------------------------------------------------------------------


def test_is_a_party_that_lost_the_last_seats_waitlisted_with_no_confirmation(
    workshop, household, outbox
):
    """The place and its message are written before the seats are taken: when another
    booking took them in between, both are undone and the party joins the waitlist."""
    cohort = workshop(capacity=2)
    assert cohort.seats_left == 2  # what this request read
    db.session.execute(  # another booking takes the seats meanwhile
        update(Cohort)
        .where(Cohort.id == cohort.id)
        .values(seats_taken=2)
        .execution_options(synchronize_session=False)
    )
    enrolment = book_party(cohort, household, children=1, adults=1)
    assert enrolment.status == S.WAITLISTED
    db.session.refresh(cohort)
    assert cohort.seats_taken == 2
    assert outbox("enrolment_confirmed") == []
    assert len(outbox("enrolment_waitlisted")) == 1
    assert db.session.scalar(select(func.count(Enrolment.id))) == 1


def test_does_the_next_confirmation_carry_a_changed_session(workshop, household, outbox):
    """The calendar file is written once for many bookings, never once it is stale."""
    cohort = workshop(capacity=5)
    book_party(cohort, household, children=1, adults=1)
    with transaction():
        cohort.sessions[0].venue = "Lecture theatre 2"
    book_party(cohort, household, children=1, adults=1)
    first, second = (mail.attachments[0]["content"] for mail in outbox("enrolment_confirmed"))
    assert "Lecture theatre 2" not in first
    assert "LOCATION:Lecture theatre 2" in second


def test_does_the_mailed_calendar_name_its_events_on_the_sites_domain(
    app, make_programme, make_cohort, make_session, make_user, outbox
):
    app.config["PUBLIC_BASE_URL"] = "https://outreach.example.ac.uk"
    cohort = make_cohort(make_programme(kind=ProgrammeKind.TEACHER_TRAINING))
    online = make_session(cohort, venue=None, online_url="https://meet.example.org/room")
    in_person = make_session(cohort, utcnow() + timedelta(days=40), venue="Great Hall")
    with transaction():
        lifecycle.book(make_user(), cohort, Party(account_holder=True))
    [mail] = outbox("enrolment_confirmed")
    calendar = Calendar.from_ical(mail.attachments[0]["content"])
    assert str(calendar["UID"]) == f"cohort-{cohort.id}@outreach.example.ac.uk"
    events = {str(event["UID"]): event for event in calendar.events}
    assert set(events) == {
        f"session-{online.id}@outreach.example.ac.uk",
        f"session-{in_person.id}@outreach.example.ac.uk",
    }
    joining = events[f"session-{online.id}@outreach.example.ac.uk"]
    assert str(joining["LOCATION"]) == str(joining["URL"]) == "https://meet.example.org/room"
    venue = events[f"session-{in_person.id}@outreach.example.ac.uk"]
    assert str(venue["LOCATION"]) == "Great Hall"


def test_is_a_party_confirmed_when_its_seats_are_free(workshop, household, outbox):
    cohort = workshop(capacity=5)
    enrolment = book_party(cohort, household, children=2, adults=1)
    assert enrolment.status == S.CONFIRMED
    assert enrolment.seats == 3
    db.session.refresh(cohort)
    assert cohort.seats_taken == 3
    [mail] = outbox("enrolment_confirmed")
    assert "Your place" in mail.subject
    assert mail.attachments[0]["content_type"] == "text/calendar"
    assert "BEGIN:VEVENT" in mail.attachments[0]["content"]
    assert f"/me/enrolments/{enrolment.id}/ticket" in mail.body_text


def test_does_a_family_wait_as_one_unit_when_the_cohort_is_full(workshop, household, outbox):
    cohort = workshop(capacity=4)
    book_party(cohort, household, children=1, adults=1)
    family = book_party(cohort, household, children=2, adults=1)
    assert family.status == S.WAITLISTED
    assert waitlist_position(family) == 1
    db.session.refresh(cohort)
    assert cohort.seats_taken == 2  # the family of three took nothing
    [mail] = outbox("enrolment_waitlisted")
    assert "number 1 in line" in mail.body_text


def test_is_a_full_cohort_without_waitlist_refused(workshop, household):
    cohort = workshop(capacity=1, waitlist_enabled=False)
    book_party(cohort, household, children=1, adults=0)
    with pytest.raises(Refusal) as refused, transaction():
        book_party(cohort, household, children=1, adults=0)
    assert refused.value.code == "cohort_full"
    assert db.session.scalar(select(func.count(Enrolment.id))) == 1


def test_does_freeing_seats_confirm_the_first_party_that_fits(workshop, household, outbox):
    cohort = workshop(capacity=4)
    first = book_party(cohort, household, children=1, adults=1)
    book_party(cohort, household, children=1, adults=1)
    big_family = book_party(cohort, household, children=2, adults=1)  # needs 3
    pair = book_party(cohort, household, children=1, adults=1)  # needs 2
    assert [big_family.status, pair.status] == [S.WAITLISTED, S.WAITLISTED]

    with transaction():
        lifecycle.cancel(first, by=first.user)
    db.session.refresh(big_family)
    db.session.refresh(pair)
    assert big_family.status == S.WAITLISTED  # 2 seats free: does not fit yet, keeps its place
    assert waitlist_position(big_family) == 1
    assert pair.status == S.CONFIRMED
    assert [m.recipient for m in outbox("enrolment_promoted")] == [pair.user.email]


def test_does_cancelling_free_the_people_to_book_again(workshop, household):
    cohort = workshop(capacity=5)
    guardian, members = household(children=1, adults=1)
    with transaction():
        enrolment = lifecycle.book(guardian, cohort, Party(members=tuple(members)))
    with pytest.raises(Refusal) as refused, transaction():
        lifecycle.book(guardian, cohort, Party(members=(members[0],)))
    assert refused.value.code == "already_enrolled"
    with transaction():
        lifecycle.cancel(enrolment, by=guardian, reason="Ill")
    with transaction():
        again = lifecycle.book(guardian, cohort, Party(members=tuple(members)))
    assert again.status == S.CONFIRMED


def test_is_a_cancelled_enrolment_not_cancelled_twice(workshop, household):
    cohort = workshop()
    enrolment = book_party(cohort, household)
    with transaction():
        lifecycle.cancel(enrolment, by=enrolment.user)
    with pytest.raises(Refusal) as refused, transaction():
        lifecycle.cancel(enrolment, by=enrolment.user)
    assert refused.value.code == "invalid_transition"
    db.session.refresh(cohort)
    assert cohort.seats_taken == 0


def test_does_a_team_cancellation_email_the_reason(workshop, household, make_user, outbox):
    cohort = workshop()
    enrolment = book_party(cohort, household)
    with transaction():
        lifecycle.cancel(enrolment, by=make_user(), reason="The room flooded; we are sorry.")
    [mail] = outbox("enrolment_cancelled")
    assert "The room flooded; we are sorry." in mail.body_text


@pytest.mark.parametrize(
    ("born", "fits"),
    [(date(2022, 1, 1), False), (date(2016, 1, 1), True), (date(2010, 1, 1), False)],
)
def test_is_each_childs_age_checked_with_a_reason(workshop, household, born, fits):
    cohort = workshop()
    guardian, members = household(children=1, born=born)
    if fits:
        with transaction():
            assert lifecycle.book(guardian, cohort, Party(members=tuple(members)))
        return
    with pytest.raises(Refusal) as refused, transaction():
        lifecycle.book(guardian, cohort, Party(members=tuple(members)))
    assert refused.value.code == "not_eligible"
    assert "Child 0 will be" in refused.value.detail["reasons"][0]
    assert "(Ages 6 to 11)" in refused.value.detail["reasons"][0]


def test_is_enrolment_refused_outside_its_dates(workshop, household):
    not_yet = workshop(enrol_opens_at=utcnow() + timedelta(days=2))
    with pytest.raises(Refusal) as refused, transaction():
        book_party(not_yet, household)
    assert refused.value.code == "enrolment_closed"
    closed = workshop(
        enrol_closes_at=utcnow() - timedelta(minutes=1), enrol_opens_at=utcnow() - timedelta(days=3)
    )
    with pytest.raises(Refusal) as refused, transaction():
        book_party(closed, household)
    assert refused.value.code == "enrolment_closed"


def test_does_a_teacher_only_cohort_ask_for_school_details(
    make_programme, make_cohort, make_session, make_user
):
    cohort = make_cohort(make_programme(teachers_only=True, kind=ProgrammeKind.TEACHER_TRAINING))
    make_session(cohort, utcnow() + timedelta(days=10))
    teacher = make_user()
    with pytest.raises(Refusal, match="add your school") as refused, transaction():
        lifecycle.book(teacher, cohort, Party(account_holder=True))
    assert refused.value.code == "not_eligible"
    teacher.school_name, teacher.school_phase = "Kowloon Primary", "primary"
    db.session.commit()
    with transaction():
        assert lifecycle.book(teacher, cohort, Party(account_holder=True)).status == S.CONFIRMED


def test_does_more_capacity_go_to_the_waitlist(workshop, household):
    cohort = workshop(capacity=2)
    book_party(cohort, household)
    waiting = book_party(cohort, household)
    with transaction():
        promoted = lifecycle.change_capacity(cohort, 4)
    assert promoted == [waiting]
    with pytest.raises(Refusal) as refused, transaction():
        lifecycle.change_capacity(cohort, 3)
    assert refused.value.code == "capacity_too_small"


# Applications --------------------------------------------------------------------------


def test_can_an_application_be_drafted_then_submitted(summer_school, make_user, outbox):
    cohort = summer_school()
    student = make_user()
    with transaction():
        draft = lifecycle.save_application(
            student, cohort, application(statement="Half"), submit=False
        )
    assert draft.status == S.DRAFT
    assert outbox() == []
    with transaction():
        submitted = lifecycle.save_application(student, cohort, application(), submit=True)
    assert submitted.id == draft.id
    assert submitted.status == S.SUBMITTED
    assert submitted.statement == "I want to study catalysis."
    assert [m.kind for m in outbox()] == ["enrolment_submitted"]


def test_is_an_applicant_from_elsewhere_refused(summer_school, make_user):
    with pytest.raises(Refusal) as refused, transaction():
        lifecycle.save_application(make_user(), summer_school(), application("FR"), submit=True)
    assert refused.value.code == "not_eligible"


def test_does_an_offer_hold_a_seat_until_accepted(summer_school, make_user, outbox):
    cohort = summer_school(capacity=1)
    with transaction():
        enrolment = lifecycle.save_application(make_user(), cohort, application(), submit=True)
    deadline = utcnow() + timedelta(days=7)
    with transaction():
        lifecycle.make_offers([enrolment], deadline=deadline)
    db.session.refresh(cohort)
    assert (enrolment.status, cohort.seats_taken) == (S.OFFERED, 1)
    assert "accept or decline by" in outbox("enrolment_offered")[0].body_text
    with transaction():
        lifecycle.accept_offer(enrolment)
    assert enrolment.status == S.CONFIRMED
    db.session.refresh(cohort)
    assert cohort.seats_taken == 1


def test_are_offers_beyond_the_seats_refused_all_together(summer_school, make_user):
    cohort = summer_school(capacity=1)
    with transaction():
        a, b = (
            lifecycle.save_application(make_user(), cohort, application(), submit=True)
            for _ in range(2)
        )
    with pytest.raises(Refusal) as refused, transaction():
        lifecycle.make_offers([a, b], deadline=utcnow() + timedelta(days=3))
    assert refused.value.code == "cohort_full"
    db.session.refresh(a)
    assert a.status == S.SUBMITTED
    db.session.refresh(cohort)
    assert cohort.seats_taken == 0


def test_does_an_expired_offer_pass_its_seat_to_the_waitlist(summer_school, make_user, outbox):
    cohort = summer_school(capacity=1)
    with transaction():
        first, second = (
            lifecycle.save_application(make_user(), cohort, application(), submit=True)
            for _ in range(2)
        )
    with transaction():
        lifecycle.make_offers([first], deadline=utcnow() + timedelta(hours=1))
    with transaction():
        lifecycle.waitlist_applications([second])
    assert lifecycle.expire_offers(utcnow() + timedelta(hours=2)) == 1
    db.session.refresh(first)
    db.session.refresh(second)
    assert first.status == S.EXPIRED
    assert second.status == S.OFFERED
    assert second.offer_expires_at is not None
    assert [m.recipient for m in outbox("enrolment_expired")] == [first.user.email]


def test_is_an_offer_reminded_once(summer_school, make_user, outbox):
    cohort = summer_school()
    with transaction():
        enrolment = lifecycle.save_application(make_user(), cohort, application(), submit=True)
    with transaction():
        lifecycle.make_offers([enrolment], deadline=utcnow() + timedelta(hours=30))
    assert lifecycle.remind_expiring_offers() == 1
    assert lifecycle.remind_expiring_offers() == 0
    assert len(outbox("enrolment_offer_reminder")) == 1


def test_cannot_an_expired_offer_be_accepted(summer_school, make_user):
    cohort = summer_school()
    with transaction():
        enrolment = lifecycle.save_application(make_user(), cohort, application(), submit=True)
    with transaction():
        lifecycle.make_offers([enrolment], deadline=utcnow() + timedelta(minutes=5))
    with pytest.raises(Refusal) as refused, transaction():
        lifecycle.accept_offer(enrolment, now=utcnow() + timedelta(minutes=10))
    assert refused.value.code == "invalid_transition"


def test_does_a_rejection_send_the_organisers_words(summer_school, make_user, outbox):
    cohort = summer_school()
    with transaction():
        enrolment = lifecycle.save_application(make_user(), cohort, application(), submit=True)
    with transaction():
        lifecycle.reject_applications([enrolment], message="Thank you, and please apply again.")
    assert enrolment.status == S.REJECTED
    assert "please apply again" in outbox("enrolment_rejected")[0].body_text


def test_does_the_scheduled_job_run_from_the_command_line(app, summer_school, make_user):
    cohort = summer_school()
    with transaction():
        enrolment = lifecycle.save_application(make_user(), cohort, application(), submit=True)
    with transaction():
        lifecycle.make_offers([enrolment], deadline=utcnow() + timedelta(seconds=1))
    enrolment.offer_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["enrolment", "run-scheduled"])
    assert "expired 1" in result.output
    db.session.refresh(enrolment)
    assert enrolment.status == S.EXPIRED


def test_do_links_in_mail_from_the_scheduled_job_lead_to_the_public_address(
    app, summer_school, make_user, outbox
):
    app.config["PUBLIC_BASE_URL"] = "https://outreach.example.ac.uk/convene"
    cohort = summer_school()
    with transaction():
        enrolment = lifecycle.save_application(make_user(), cohort, application(), submit=True)
    with transaction():
        lifecycle.make_offers([enrolment], deadline=utcnow() + timedelta(hours=30))
    result = app.test_cli_runner().invoke(args=["enrolment", "run-scheduled"])
    assert "reminded 1" in result.output
    [reminder] = outbox("enrolment_offer_reminder")
    link = f"https://outreach.example.ac.uk/convene/me/enrolments/{enrolment.id}"
    assert link in reminder.body_text
    assert link in reminder.body_html


# The invariant, under random sequences -------------------------------------------------


class SeatsMachine(RuleBasedStateMachine):
    """Random books, applications, offers, answers, expiries, cancellations and
    capacity changes; after every step seats never exceed capacity, the counter
    matches the enrolments, and the waitlist keeps the order of arrival."""

    make_user = make_programme = make_cohort = make_session = None  # set by the test

    @initialize(mode=st.sampled_from(list(EnrolmentMode)), capacity=st.integers(0, 6))
    def setup(self, mode, capacity):
        self.now = utcnow()
        programme = self.make_programme()
        self.cohort = self.make_cohort(programme, capacity=capacity, enrolment_mode=mode)
        self.make_session(self.cohort, self.now + timedelta(days=365))
        self.arrivals: list[int] = []  # ids in the order they joined the waitlist

    def tick(self):
        self.now += timedelta(minutes=1)
        return self.now

    def enrolments(self, *statuses):
        return db.session.scalars(
            select(Enrolment)
            .where(Enrolment.cohort_id == self.cohort.id, Enrolment.status.in_(statuses))
            .order_by(Enrolment.id)
        ).all()

    def note_waitlist(self, before: set[int]):
        for enrolment in self.enrolments(S.WAITLISTED):
            if enrolment.id not in before:
                self.arrivals.append(enrolment.id)

    def waitlisted_ids(self) -> set[int]:
        return {e.id for e in self.enrolments(S.WAITLISTED)}

    @precondition(lambda self: self.cohort.enrolment_mode == EnrolmentMode.BOOKING)
    @rule(size=st.integers(1, 4))
    def book(self, size):
        before = self.waitlisted_ids()
        guardian = self.make_user()
        members = [
            HouseholdMember(owner=guardian, kind=PersonKind.ADULT, name=f"A{n}")
            for n in range(size)
        ]
        db.session.add_all(members)
        db.session.commit()
        with transaction():
            lifecycle.book(guardian, self.cohort, Party(members=tuple(members)), now=self.tick())
        self.note_waitlist(before)

    @precondition(lambda self: self.cohort.enrolment_mode == EnrolmentMode.APPLICATION)
    @rule()
    def apply(self):
        with transaction():
            lifecycle.save_application(
                self.make_user(), self.cohort, application(), submit=True, now=self.tick()
            )

    @rule(pick=st.integers(0, 50))
    def offer(self, pick):
        candidates = self.enrolments(S.SUBMITTED, S.WAITLISTED)
        if candidates:
            before = self.waitlisted_ids()
            chosen = candidates[pick % len(candidates)]
            with unless_refused("cohort_full"):
                lifecycle.make_offers(
                    [chosen], deadline=self.now + timedelta(hours=2), now=self.tick()
                )
            self.forget(before)

    @rule(pick=st.integers(0, 50))
    def waitlist_one(self, pick):
        candidates = self.enrolments(S.SUBMITTED)
        if candidates:
            before = self.waitlisted_ids()
            with transaction():
                lifecycle.waitlist_applications(
                    [candidates[pick % len(candidates)]], now=self.tick()
                )
            self.note_waitlist(before)

    @rule(pick=st.integers(0, 50), accept=st.booleans())
    def answer(self, pick, accept):
        offers = self.enrolments(S.OFFERED)
        if offers:
            chosen = offers[pick % len(offers)]
            before = self.waitlisted_ids()
            if accept and chosen.offer_expires_at > self.now:
                with transaction():
                    lifecycle.accept_offer(chosen, now=self.tick())
            elif not accept:
                with transaction():
                    lifecycle.decline_offer(chosen, now=self.tick())
            self.forget(before)

    @rule()
    def time_passes(self):
        before = self.waitlisted_ids()
        self.now += timedelta(hours=3)
        lifecycle.expire_offers(self.now)  # commits each offer on its own
        self.forget(before)

    @rule(pick=st.integers(0, 50))
    def cancel(self, pick):
        active = self.enrolments(S.CONFIRMED, S.WAITLISTED, S.OFFERED, S.SUBMITTED)
        if active:
            before = self.waitlisted_ids()
            chosen = active[pick % len(active)]
            with transaction():
                lifecycle.cancel(chosen, by=chosen.user, now=self.tick())
            self.forget(before)

    @rule(delta=st.integers(-3, 3))
    def change_capacity(self, delta):
        before = self.waitlisted_ids()
        db.session.refresh(self.cohort)
        with unless_refused("capacity_too_small"):
            lifecycle.change_capacity(
                self.cohort, max(self.cohort.capacity + delta, 0), now=self.tick()
            )
        self.forget(before)

    def forget(self, before: set[int]):
        """Drop from the arrivals whoever left the waitlist in the last step."""
        still = self.waitlisted_ids()
        assert still <= before, "nobody joins the waitlist through this step"
        self.arrivals = [i for i in self.arrivals if i in still]

    @invariant()
    def seats_never_exceed_capacity_and_match_the_enrolments(self):
        db.session.expire_all()
        cohort = db.session.get(Cohort, self.cohort.id)
        held = sum(e.seats for e in self.enrolments(S.CONFIRMED, S.OFFERED))
        assert cohort.seats_taken == held
        assert held <= cohort.capacity

    @invariant()
    def the_waitlist_keeps_the_order_of_arrival(self):
        assert [e.id for e in waitlist(self.cohort)] == self.arrivals

    @invariant()
    def no_waitlisted_booking_fits_the_free_seats(self):
        if self.cohort.enrolment_mode != EnrolmentMode.BOOKING:
            return
        free = self.cohort.capacity - self.cohort.seats_taken
        assert all(e.seats > free for e in self.enrolments(S.WAITLISTED))

    @invariant()
    def attendees_are_active_exactly_while_their_enrolment_is(self):
        rows = db.session.execute(
            select(Attendee.active, Enrolment.status)
            .join(Enrolment)
            .where(Enrolment.cohort_id == self.cohort.id)
        ).all()
        assert all(active == (status in ACTIVE_STATUSES) for active, status in rows)


@pytest.mark.slow
def test_do_random_sequences_keep_the_seat_invariant(
    make_user, make_programme, make_cohort, make_session
):
    SeatsMachine.make_user = staticmethod(make_user)
    SeatsMachine.make_programme = staticmethod(make_programme)
    SeatsMachine.make_cohort = staticmethod(make_cohort)
    SeatsMachine.make_session = staticmethod(make_session)
    run_state_machine_as_test(
        SeatsMachine,
        settings=settings(max_examples=40, stateful_step_count=20, deadline=None),
    )


def test_can_the_team_move_a_booking_to_another_cohort(
    make_programme, make_cohort, make_session, household, make_user, outbox
):
    programme = make_programme()
    saturday, sunday = make_cohort(programme, capacity=3), make_cohort(programme, capacity=3)
    for cohort in (saturday, sunday):
        make_session(cohort, utcnow() + timedelta(days=20))
    guardian, members = household(children=1, adults=1)
    with transaction():
        booked = lifecycle.book(guardian, saturday, Party(members=tuple(members)))
    with transaction():
        moved = lifecycle.move(booked, sunday, by=make_user(), reason="Saturday is cancelled.")
    assert booked.status == S.CANCELLED
    assert (moved.cohort_id, moved.status, moved.seats) == (sunday.id, S.CONFIRMED, 2)
    db.session.refresh(saturday)
    db.session.refresh(sunday)
    assert (saturday.seats_taken, sunday.seats_taken) == (0, 2)
    assert "Saturday is cancelled." in outbox("enrolment_moved")[0].body_text


def test_does_a_moved_booking_keep_who_may_collect_the_children(
    make_programme, make_cohort, make_session, household, make_user
):
    programme = make_programme()
    saturday, sunday = make_cohort(programme), make_cohort(programme)
    for cohort in (saturday, sunday):
        make_session(cohort, utcnow() + timedelta(days=20))
    guardian, members = household(children=1, adults=1)
    with transaction():
        booked = lifecycle.book(
            guardian,
            saturday,
            Party(members=tuple(members)),
            authorised_collectors=("Grandma Rose", "Uncle Ben"),
        )
    with transaction():
        moved = lifecycle.move(booked, sunday, by=make_user(), reason="Saturday is cancelled.")
    db.session.expire_all()
    assert moved.authorised_collectors == ["Grandma Rose", "Uncle Ben"]


def test_is_mail_queued_before_a_savepoint_still_sent_when_the_move_commits(
    make_programme, make_cohort, make_session, household, make_user, outbox
):
    """Moving a booking frees its seats (the waitlist's mail is queued) and then inserts
    the new place in a savepoint: the savepoint's end is not the transaction's."""
    programme = make_programme()
    saturday, sunday = make_cohort(programme, capacity=1), make_cohort(programme, capacity=1)
    for cohort in (saturday, sunday):
        make_session(cohort, utcnow() + timedelta(days=20))
    first, [child] = household(children=1)
    waiting, [other] = household(children=1)
    with transaction():
        booked = lifecycle.book(first, saturday, Party(members=(child,)))
    with transaction():
        lifecycle.book(waiting, saturday, Party(members=(other,)))
    with transaction():
        lifecycle.move(booked, sunday, by=make_user(), reason="Saturday is cancelled.")
    statuses = {message.kind: message.status for message in outbox()}
    assert statuses["enrolment_promoted"] == MessageStatus.SENT
    assert statuses["enrolment_moved"] == MessageStatus.SENT


def test_does_withdrawing_a_draft_send_no_email(summer_school, make_user, outbox):
    student = make_user()
    with transaction():
        draft = lifecycle.save_application(student, summer_school(), application(), submit=False)
    with transaction():
        lifecycle.cancel(draft, by=student)
    assert draft.status == S.CANCELLED
    assert outbox() == []


def test_does_the_scheduled_job_go_to_a_worker_when_redis_is_configured(
    app, summer_school, make_user
):
    redis_url = "redis://127.0.0.1:6379/13"
    try:
        Redis.from_url(redis_url).ping()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    with transaction():
        enrolment = lifecycle.save_application(
            make_user(), summer_school(), application(), submit=True
        )
    with transaction():
        lifecycle.make_offers([enrolment], deadline=utcnow() + timedelta(seconds=1))
    enrolment.offer_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    app.config["REDIS_URL"] = redis_url
    queue = jobs.queue()
    queue.empty()
    result = app.test_cli_runner().invoke(args=["enrolment", "run-scheduled"])
    assert "queued for a worker" in result.output
    db.session.refresh(enrolment)
    assert enrolment.status == S.OFFERED  # nothing ran inline
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).status == S.EXPIRED
    queue.empty()


def test_does_completing_a_place_end_it_like_any_other_final_state(workshop, household):
    cohort = workshop(capacity=5)
    enrolment = book_party(cohort, household, children=1, adults=1)
    with transaction():
        lifecycle.lock_cohort(cohort.id)
    with transaction():
        assert lifecycle.complete(enrolment, utcnow())
    db.session.commit()
    db.session.refresh(cohort)
    assert enrolment.status == S.COMPLETED
    assert cohort.seats_taken == 0
    assert not any(attendee.active for attendee in enrolment.attendees)
    with transaction():
        assert lifecycle.complete(enrolment, utcnow()) is False  # only once
