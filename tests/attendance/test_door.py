"""Can the team take attendance at the door: the register, ticket scans, walk-ins,
check-out and self check-in? And can nobody else?

The rules are called directly (with an injected `now`); the pages through the
test client, with and without JavaScript (JSON answers).
"""

import re
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, insert, select

from app.accounts.models import User
from app.attendance import commands, queries, rules
from app.attendance.commands import ScanOutcome, SelfOutcome
from app.attendance.models import Attendance, AttendanceChange, AttendanceState, MarkMethod
from app.attendance.words import RowWords, clock
from app.core.db import utcnow
from app.core.refusal import Refusal
from app.core.transaction import transaction
from app.enrolment import lifecycle, tickets
from app.enrolment.models import Attendee, Enrolment, EnrolmentStatus, HouseholdMember, PersonKind
from app.extensions import db
from app.programmes.models import Cohort, CohortSession, ProgrammeMember, TeamRole
from tests.conftest import counting_queries

A = AttendanceState
S = EnrolmentStatus


# Fixtures ------------------------------------------------------------------------------


@dataclass
class Door:
    programme: object
    cohort: Cohort
    #: Happening now: started an hour ago, ends in two hours.
    session: CohortSession
    lead: User
    organiser: User
    helper: User
    outsider: User

    def url(self, session: CohortSession | None = None, tail: str = "") -> str:
        session = session or self.session
        return (
            f"/organise/programmes/{self.programme.id}/cohorts/{self.cohort.id}"
            f"/sessions/{session.id}/register{tail}"
        )


@pytest.fixture
def door(make_user, make_programme, make_cohort, make_session) -> Door:
    lead = make_user(name="Lena Lead")
    organiser = make_user(name="Oscar Organiser")
    helper = make_user(name="Tom Helper")
    outsider = make_user(name="Otto Outsider")
    programme = make_programme(
        title="Robot Lab",
        team=[(lead, TeamRole.LEAD), (organiser, TeamRole.ORGANISER), (helper, TeamRole.HELPER)],
    )
    cohort = make_cohort(programme, name="Spring", capacity=20)
    start = utcnow().replace(microsecond=0) - timedelta(hours=1)
    session = make_session(cohort, start, hours=3, title="Build a robot arm")
    return Door(programme, cohort, session, lead, organiser, helper, outsider)


@pytest.fixture
def family(make_user):
    """A booking made directly (any status): `family(cohort, children=2, adults=1)`.

    The first child has no photo consent and a medical need; the booking names an
    aunt who may collect the children.
    """

    def make(
        cohort: Cohort,
        children: int = 2,
        adults: int = 0,
        *,
        status: EnrolmentStatus = S.CONFIRMED,
        guardian: User | None = None,
        account_holder: bool = False,
        **extra,
    ) -> Enrolment:
        guardian = guardian or make_user(name="Gita Guardian")
        names = ["Amira", "Omar", "Lina", "Sami"]
        members = [
            HouseholdMember(
                owner=guardian,
                kind=PersonKind.CHILD,
                name=names[n],
                photo_consent=n > 0,
                medical_needs="Asthma: inhaler in her bag" if n == 0 else None,
            )
            for n in range(children)
        ] + [
            HouseholdMember(owner=guardian, kind=PersonKind.ADULT, name=f"Karim {n}")
            for n in range(adults)
        ]
        attendees = [
            Attendee(
                cohort_id=cohort.id,
                household_member=member,
                name=member.name,
                is_child=member.is_child,
            )
            for member in members
        ]
        if account_holder:
            attendees.insert(
                0, Attendee(cohort_id=cohort.id, user_id=guardian.id, name=guardian.name)
            )
        enrolment = Enrolment(
            cohort=cohort,
            user=guardian,
            status=status,
            seats=len(attendees),
            attendees=attendees,
            authorised_collectors=extra.pop("authorised_collectors", ["Nadia Aunt"]),
            **extra,
        )
        db.session.add(enrolment)
        if enrolment.holds_seats:
            cohort.seats_taken += enrolment.seats
        db.session.commit()
        return enrolment

    return make


def code_of(enrolment: Enrolment) -> str:
    """What the ticket's QR code carries."""
    return tickets.ticket_payload(enrolment.ticket_code)


def marks(session: CohortSession) -> list[Attendance]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Attendance).where(Attendance.session_id == session.id).order_by(Attendance.id)
        )
    )


JSON = {"Accept": "application/json"}


def post_json(client, url: str, data: dict, token: str | None = None):
    """As register.js sends it: the token in the X-CSRFToken header, asking for JSON."""
    token = token or client.csrf_token()
    return client.post(url, data=data, csrf=False, headers={**JSON, "X-CSRFToken": token})


# Marks ---------------------------------------------------------------------------------


def test_is_marking_twice_the_same_one_record(door, family):
    attendee = family(door.cohort).attendees[0]
    commands.mark(attendee, door.session, A.PRESENT, door.helper)
    commands.mark(attendee, door.session, A.PRESENT, door.helper)
    [mark] = marks(door.session)
    assert (mark.state, mark.method, mark.marked_by_id) == (
        A.PRESENT,
        MarkMethod.REGISTER,
        door.helper.id,
    )
    assert db.session.scalar(select(func.count(AttendanceChange.id))) == 0


def test_does_changing_a_mark_leave_who_when_and_from_what_in_the_audit_trail(door, family):
    attendee = family(door.cohort).attendees[0]
    first = datetime(2030, 1, 1, 10, tzinfo=UTC)
    commands.mark(attendee, door.session, A.ABSENT, door.helper, now=first)
    commands.mark(attendee, door.session, A.LATE, door.organiser, now=first + timedelta(minutes=7))
    [mark] = marks(door.session)
    assert mark.state == A.LATE
    assert mark.marked_by_id == door.organiser.id
    [change] = db.session.scalars(select(AttendanceChange)).all()
    assert (change.from_state, change.to_state) == (A.ABSENT, A.LATE)
    assert change.changed_by_id == door.organiser.id
    assert change.changed_at == first + timedelta(minutes=7)


def test_is_someone_without_a_confirmed_place_kept_off_the_register(door, family):
    attendee = family(door.cohort, status=S.WAITLISTED).attendees[0]
    with pytest.raises(Refusal) as refused:
        commands.mark(attendee, door.session, A.PRESENT, door.helper)
    assert refused.value.code == "not_on_register"
    assert marks(door.session) == []


# Ticket scans --------------------------------------------------------------------------


def test_does_a_scan_check_in_everyone_on_the_ticket(door, family):
    enrolment = family(door.cohort, children=2)
    result = commands.check_in_by_code(door.session, code_of(enrolment), door.helper)
    assert result.outcome == ScanOutcome.CHECKED_IN
    assert [a.name for a in result.attendees] == ["Amira", "Omar"]
    assert {(m.state, m.method) for m in marks(door.session)} == {(A.PRESENT, MarkMethod.QR)}


@pytest.mark.parametrize(
    "typed",
    [
        lambda code: tickets.code_groups(code),
        lambda code: f"  convene:{tickets.code_groups(code).lower()}  ",
        lambda code: " ".join(code[i : i + 3] for i in range(0, len(code), 3)).lower(),
        lambda code: code.replace("0", "O").replace("1", "l"),
    ],
    ids=["as printed", "prefix and all in lower case", "other groups", "O for 0, l for 1"],
)
def test_is_a_code_typed_by_hand_accepted_whatever_its_case_spaces_and_hyphens(door, family, typed):
    enrolment = family(door.cohort, children=1)
    enrolment.ticket_code = "0K1M9QXD2HBTN"  # with the digits people type as letters
    result = commands.check_in_by_code(door.session, typed(enrolment.ticket_code), door.helper)
    assert result.outcome == ScanOutcome.CHECKED_IN


@pytest.mark.parametrize(
    "scanned",
    [
        lambda token: f"CONVENE:{token}",
        lambda token: token,
        lambda token: f"  convene:{token}  ",
        lambda token: " ".join(token[i : i + 4] for i in range(0, len(token), 4)).lower(),
    ],
    ids=["its QR code", "bare token", "prefix in lower case with spaces", "in groups, lower case"],
)
def test_does_a_ticket_issued_before_codes_still_check_in(door, family, scanned):
    enrolment = family(door.cohort, children=1)
    enrolment.ticket_token = "Jq3-kV9_xT2mWp8sLd4nRb7c"
    result = commands.check_in_by_code(door.session, scanned(enrolment.ticket_token), door.helper)
    assert result.outcome == ScanOutcome.CHECKED_IN
    assert result.enrolment == enrolment


@pytest.mark.parametrize(
    "mistake",
    [
        lambda code: code[:5] + ("X" if code[5] != "X" else "Y") + code[6:],
        lambda code: code[:3] + code[4] + code[3] + code[5:],
        lambda code: code[:-1],
        lambda code: code + "7",
    ],
    ids=["one symbol wrong", "two swapped", "one left out", "one too many"],
)
def test_is_a_mistyped_code_told_as_a_typing_mistake(door, family, mistake):
    enrolment = family(door.cohort, children=1)
    enrolment.ticket_code = "7K3M9QXD2HB17"
    assert tickets.read_ticket(enrolment.ticket_code).code == "7K3M9QXD2HB17"
    result = commands.check_in_by_code(door.session, mistake(enrolment.ticket_code), door.helper)
    assert result.outcome == ScanOutcome.MISTYPED
    assert marks(door.session) == []


def test_does_a_second_scan_say_when_and_by_whom_without_a_second_record(door, family):
    enrolment = family(door.cohort, children=2)
    at = door.session.starts_at + timedelta(minutes=2)
    commands.check_in_by_code(door.session, code_of(enrolment), door.helper, now=at)
    again = commands.check_in_by_code(door.session, code_of(enrolment), door.organiser)
    assert again.outcome == ScanOutcome.ALREADY
    assert again.first_earlier.marked_at == at
    assert again.first_earlier.marked_by.name == "Tom Helper"
    assert len(marks(door.session)) == 2


def test_does_a_scan_turn_someone_marked_absent_into_present(door, family):
    enrolment = family(door.cohort, children=1)
    commands.mark(enrolment.attendees[0], door.session, A.ABSENT, door.helper)
    result = commands.check_in_by_code(door.session, code_of(enrolment), door.helper)
    assert result.outcome == ScanOutcome.CHECKED_IN
    [mark] = marks(door.session)
    assert mark.state == A.PRESENT
    [change] = db.session.scalars(select(AttendanceChange)).all()
    assert (change.from_state, change.to_state) == (A.ABSENT, A.PRESENT)


def test_are_only_the_missing_members_of_a_party_checked_in(door, family):
    enrolment = family(door.cohort, children=2)
    commands.mark(enrolment.attendees[0], door.session, A.LATE, door.helper)
    result = commands.check_in_by_code(door.session, code_of(enrolment), door.helper)
    assert result.outcome == ScanOutcome.CHECKED_IN
    assert [a.name for a in result.attendees] == ["Omar"]
    assert [m.attendee.name for m in result.earlier] == ["Amira"]


def test_is_a_ticket_of_another_cohort_refused(door, family, make_cohort):
    other = make_cohort(door.programme, name="Autumn")
    enrolment = family(other)
    result = commands.check_in_by_code(door.session, code_of(enrolment), door.helper)
    assert result.outcome == ScanOutcome.WRONG_COHORT
    assert marks(door.session) == []


def test_is_a_ticket_of_another_programme_refused(door, family, make_programme, make_cohort):
    other = make_cohort(make_programme(title="Maths Taster"))
    result = commands.check_in_by_code(door.session, code_of(family(other)), door.helper)
    assert result.outcome == ScanOutcome.WRONG_COHORT


def test_is_a_scan_refused_on_a_day_the_session_does_not_happen(door, family, make_session):
    next_week = make_session(door.cohort, door.session.starts_at + timedelta(days=7))
    result = commands.check_in_by_code(next_week, code_of(family(door.cohort)), door.helper)
    assert result.outcome == ScanOutcome.NOT_TODAY
    assert marks(next_week) == []


def test_is_the_day_the_day_where_the_session_happens(door, family, make_session):
    """23:30 in London on the session's day is the next day in UTC+8."""
    session = make_session(door.cohort, datetime(2031, 6, 14, 9, tzinfo=UTC), hours=2)
    evening = datetime(2031, 6, 14, 22, 30, tzinfo=UTC)  # 23:30 in London (BST)
    assert rules.is_today(session, evening)
    session.timezone = "Asia/Hong_Kong"
    assert not rules.is_today(session, evening)  # 06:30 the next day there


@pytest.mark.parametrize(
    "status", [S.CANCELLED, S.WAITLISTED, S.OFFERED, S.SUBMITTED, S.DECLINED, S.EXPIRED]
)
def test_is_a_ticket_without_a_confirmed_place_refused(door, family, status):
    enrolment = family(door.cohort, status=status)
    result = commands.check_in_by_code(door.session, code_of(enrolment), door.helper)
    assert result.outcome == ScanOutcome.NOT_CONFIRMED
    assert marks(door.session) == []


@pytest.mark.parametrize(
    "code",
    ["", "CONVENE:", "CONVENE:nosuchticketatallxyz", "hello world", "CONVENE:7K3M9QXD2HB17"],
)
def test_is_an_unknown_code_answered_as_unknown(door, code):
    result = commands.check_in_by_code(door.session, code, door.helper)
    assert result.outcome == ScanOutcome.UNKNOWN


@pytest.mark.real_commits  # threads, each with a connection of its own
def test_do_two_helpers_scanning_the_same_ticket_at_once_make_one_record_each(
    app, door, family, make_user
):
    """On SQLite and on PostgreSQL (TEST_DATABASE_URL): two threads, each with its
    own app context and database session, scan the same ticket at the same moment."""
    second = make_user(name="Sara Second")
    db.session.add(ProgrammeMember(programme=door.programme, user=second, role=TeamRole.HELPER))
    db.session.commit()
    session_id, helper_ids = door.session.id, (door.helper.id, second.id)

    for round_ in range(4):
        enrolment = family(door.cohort, children=2)
        code = code_of(enrolment)
        barrier = threading.Barrier(2)
        outcomes, errors = [], []

        def scan(helper_id, code=code, barrier=barrier, outcomes=outcomes, errors=errors):
            try:
                with app.app_context():
                    session = db.session.get(CohortSession, session_id)
                    helper = db.session.get(User, helper_id)
                    barrier.wait(timeout=10)
                    with transaction():
                        outcomes.append(commands.check_in_by_code(session, code, helper).outcome)
            except Exception as error:  # reported below: a thread's failure is not raised
                errors.append(error)

        threads = [threading.Thread(target=scan, args=(h,)) for h in helper_ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == [], f"round {round_}"
        assert sorted(outcomes) == sorted([ScanOutcome.CHECKED_IN, ScanOutcome.ALREADY])

    rows = Counter(m.attendee_id for m in marks(door.session))
    assert len(rows) == 8
    assert set(rows.values()) == {1}


# Check-out -----------------------------------------------------------------------------


@pytest.fixture
def arrived(door, family):
    """A confirmed family (two children, one adult, the guardian) checked in."""
    enrolment = family(door.cohort, children=2, adults=1)
    with transaction():
        commands.check_in_by_code(door.session, code_of(enrolment), door.helper)
    return enrolment


def attendance_of(door, enrolment, name) -> Attendance:
    attendee = next(a for a in enrolment.attendees if a.name == name)
    return queries.attendance_of(door.session, attendee)


@pytest.mark.parametrize(
    ("collector", "recorded"),
    [
        ("Gita Guardian", "Gita Guardian"),  # the account holder
        ("Karim 0", "Karim 0"),  # an adult of the party
        ("Nadia Aunt", "Nadia Aunt"),  # named by the booking
        (" nadia  AUNT ", "Nadia Aunt"),
    ],
)
def test_may_a_child_leave_with_an_adult_of_the_booking(door, arrived, collector, recorded):
    mark = commands.check_out(attendance_of(door, arrived, "Amira"), collector, door.helper)
    assert mark.checked_out_at is not None
    assert mark.collected_by == recorded
    assert mark.released_by_id == door.helper.id


def test_is_a_child_kept_when_the_adult_is_not_named_on_the_booking(door, arrived):
    with pytest.raises(Refusal, match="not named on the booking") as refused:
        commands.check_out(attendance_of(door, arrived, "Amira"), "Stranger Danger", door.helper)
    assert refused.value.code == "check_out_collector_not_named"
    assert attendance_of(door, arrived, "Amira").checked_out_at is None


def test_are_only_children_checked_out(door, arrived):
    with pytest.raises(Refusal, match="Only children") as refused:
        commands.check_out(attendance_of(door, arrived, "Karim 0"), "Gita Guardian", door.helper)
    assert refused.value.code == "check_out_not_a_child"


def test_is_a_child_marked_absent_not_checked_out(door, family):
    enrolment = family(door.cohort, children=1)
    attendance = commands.mark(enrolment.attendees[0], door.session, A.ABSENT, door.helper)
    with pytest.raises(Refusal, match="not marked as here") as refused:
        commands.check_out(attendance, "Gita Guardian", door.helper)
    assert refused.value.code == "check_out_not_here"


def test_is_a_child_checked_out_only_once(door, arrived):
    commands.check_out(attendance_of(door, arrived, "Amira"), "Nadia Aunt", door.helper)
    with pytest.raises(Refusal, match="already checked out") as refused:
        commands.check_out(attendance_of(door, arrived, "Amira"), "Gita Guardian", door.organiser)
    assert refused.value.code == "check_out_already"
    assert attendance_of(door, arrived, "Amira").collected_by == "Nadia Aunt"


def test_are_children_not_yet_collected_still_on_site(door, arrived):
    commands.check_out(attendance_of(door, arrived, "Amira"), "Nadia Aunt", door.helper)
    assert [m.attendee.name for m in queries.still_on_site(door.session)] == ["Omar"]
    assert queries.register(door.session).counts.on_site == 1


# Walk-ins ------------------------------------------------------------------------------


def test_does_a_walk_in_take_a_seat_and_count_as_present(door):
    attendance = commands.walk_in(door.session, "  Wendy Walker ", door.helper)
    db.session.refresh(door.cohort)
    assert door.cohort.seats_taken == 1
    enrolment = attendance.attendee.enrolment
    assert (enrolment.is_walk_in, enrolment.user_id, enrolment.added_by_id) == (
        True,
        None,
        door.helper.id,
    )
    assert enrolment.status == S.CONFIRMED
    assert attendance.attendee.name == "Wendy Walker"
    assert (attendance.state, attendance.method) == (A.PRESENT, MarkMethod.WALK_IN)


def test_is_a_walk_in_refused_when_no_seat_is_left(door, family):
    door.cohort.capacity = 2
    family(door.cohort, children=2)
    with pytest.raises(Refusal) as refused, transaction():
        commands.walk_in(door.session, "Wendy Walker", door.helper)
    assert refused.value.code == "cohort_full"
    db.session.refresh(door.cohort)
    assert door.cohort.seats_taken == 2
    assert db.session.scalar(select(func.count()).where(Enrolment.is_walk_in)) == 0


def test_is_a_walk_in_added_with_the_lifecycles_seat_rules(door):
    enrolment = lifecycle.add_walk_in(door.cohort, "Wendy Walker", door.organiser)
    assert enrolment.seats == 1
    assert [a.name for a in enrolment.attendees] == ["Wendy Walker"]
    with pytest.raises(Refusal) as refused, transaction():
        lifecycle.add_walk_in(door.cohort, "   ", door.organiser)
    assert refused.value.code == "walk_in_name_missing"


# Self check-in -------------------------------------------------------------------------


@pytest.fixture
def self_service(door, family):
    """Self check-in on, a guardian booked with two children; `now` is mid-session."""
    door.session.self_checkin = True
    db.session.commit()
    enrolment = family(door.cohort, children=2)
    return enrolment.user, utcnow()


def test_may_a_participant_check_in_their_party_with_the_current_code(door, self_service):
    guardian, now = self_service
    code = rules.checkin_code(door.session, now)
    result = commands.self_check_in(door.session, guardian, code, now=now)
    assert result.outcome == SelfOutcome.CHECKED_IN
    assert [a.name for a in result.attendees] == ["Amira", "Omar"]
    assert {(m.method, m.marked_by_id) for m in marks(door.session)} == {
        (MarkMethod.SELF, guardian.id)
    }
    again = commands.self_check_in(door.session, guardian, code, now=now)
    assert again.outcome == SelfOutcome.ALREADY
    assert len(marks(door.session)) == 2


def test_does_the_code_change_every_30_seconds_and_the_previous_one_still_work(door):
    start = datetime(2031, 6, 14, 9, 0, 0, tzinfo=UTC)
    codes = [rules.checkin_code(door.session, start + timedelta(seconds=s)) for s in (0, 29, 30)]
    assert codes[0] == codes[1] != codes[2]
    assert rules.code_is_valid(door.session, codes[0], start + timedelta(seconds=59))
    assert not rules.code_is_valid(door.session, codes[0], start + timedelta(seconds=60))


def test_is_a_code_for_one_session_useless_for_another(door, make_session):
    other = make_session(door.cohort, door.session.starts_at + timedelta(days=7))
    now = utcnow()
    assert not rules.code_is_valid(other, rules.checkin_code(door.session, now), now)


def test_does_the_code_depend_on_the_secret_key(app, door):
    now = utcnow()
    code = rules.checkin_code(door.session, now)
    app.config["SECRET_KEY"] = "another-secret"
    assert rules.checkin_code(door.session, now) != code


@pytest.mark.parametrize(
    ("minutes", "outcome"),
    [
        (-31, SelfOutcome.TOO_EARLY),
        (-29, SelfOutcome.CHECKED_IN),
        (60 * 3 - 1, SelfOutcome.CHECKED_IN),
        (60 * 3 + 1, SelfOutcome.ENDED),
    ],
    ids=["31 min before", "29 min before", "a minute before the end", "a minute after"],
)
def test_is_self_check_in_open_from_30_minutes_before_the_start_to_the_end(
    door, self_service, minutes, outcome
):
    guardian, _ = self_service
    at = door.session.starts_at + timedelta(minutes=minutes)
    code = rules.checkin_code(door.session, at)
    assert commands.self_check_in(door.session, guardian, code, now=at).outcome == outcome
    assert len(marks(door.session)) == (2 if outcome == SelfOutcome.CHECKED_IN else 0)


def test_is_a_stale_or_wrong_code_refused(door, self_service):
    guardian, now = self_service
    stale = rules.checkin_code(door.session, now - timedelta(seconds=61))
    for code in (stale, "0123456789abcdef", "", "ünïcode"):
        result = commands.self_check_in(door.session, guardian, code, now=now)
        assert result.outcome == SelfOutcome.BAD_CODE
    assert marks(door.session) == []


def test_may_a_code_seen_in_time_be_used_after_logging_in(door, self_service):
    guardian, now = self_service
    code = rules.checkin_code(door.session, now)
    later = now + timedelta(minutes=3)
    assert commands.self_check_in(door.session, guardian, code, now=later).outcome == (
        SelfOutcome.BAD_CODE
    )
    result = commands.self_check_in(door.session, guardian, code, now=later, seen_at=now)
    assert result.outcome == SelfOutcome.CHECKED_IN
    too_late = now + rules.SELF_CHECKIN_GRACE + timedelta(seconds=1)
    assert commands.self_check_in(
        door.session, guardian, code, now=too_late, seen_at=now
    ).outcome == (SelfOutcome.BAD_CODE)


def test_is_self_check_in_refused_when_the_session_does_not_allow_it(door, self_service):
    guardian, now = self_service
    door.session.self_checkin = False
    db.session.commit()
    code = rules.checkin_code(door.session, now)
    assert commands.self_check_in(door.session, guardian, code, now=now).outcome == SelfOutcome.OFF
    assert marks(door.session) == []


@pytest.mark.parametrize("status", [None, S.WAITLISTED, S.CANCELLED])
def test_is_self_check_in_refused_without_a_confirmed_place(
    door, self_service, family, make_user, status
):
    _, now = self_service
    someone = make_user()
    if status is not None:
        family(door.cohort, status=status, guardian=someone)
    code = rules.checkin_code(door.session, now)
    result = commands.self_check_in(door.session, someone, code, now=now)
    assert result.outcome == SelfOutcome.NOT_ENROLLED
    assert len(marks(door.session)) == 0


def test_does_a_preview_write_nothing(door, self_service):
    guardian, now = self_service
    code = rules.checkin_code(door.session, now)
    result = commands.self_check_in(door.session, guardian, code, confirm=False, now=now)
    assert result.outcome == SelfOutcome.READY
    assert marks(door.session) == []


# The register page ---------------------------------------------------------------------


def test_does_the_register_show_each_person_with_what_the_team_must_know(
    client, auth, door, family
):
    family(door.cohort, children=2, photo_consent=True)
    auth.login_as(door.helper)
    html = client.get(door.url()).get_data(as_text=True)
    assert "Build a robot arm" in html
    amira = html[html.index("id=attendee-") : html.index("Omar")]
    assert "Amira" in amira
    assert "Booked by Gita Guardian" in amira
    assert "No photos" in amira  # her household record says no
    assert "Asthma: inhaler in her bag" in amira
    omar = html[html.index("Omar") :]
    assert "No photos" not in omar[: omar.index("</ol>")]
    for label in ("Present", "Late", "Absent", "Excused"):
        assert f" aria-pressed=false>{label}</button>" in amira
    assert "Expected" in html
    assert "Not yet marked" in html  # the counts; in the rows, no button is pressed


@pytest.mark.parametrize("language", ["en", "es", "zh_Hant"])
def test_does_the_register_write_times_as_the_rest_of_the_app(app, language):
    """Its rows format times with a pattern read once per page, not with Babel each time."""
    with app.test_request_context(), force_locale(language):
        words = RowWords("Europe/London")
        for hour in (0, 9, 13, 23):
            moment = datetime(2031, 6, 14, hour, 7, tzinfo=UTC)
            assert words.clock(moment) == clock(moment, "Europe/London")


def test_does_the_booking_refusing_photos_show_no_photos_for_everyone(client, auth, door, family):
    family(door.cohort, children=2, photo_consent=False)
    auth.login_as(door.helper)
    html = client.get(door.url()).get_data(as_text=True)
    assert html.count("<em>No photos</em>") == 2


def test_does_a_tap_without_javascript_mark_and_come_back_to_the_row(client, auth, door, family):
    attendee = family(door.cohort, children=1).attendees[0]
    auth.login_as(door.helper)
    response = client.post(door.url(tail="/tap"), data={f"l{attendee.id}": ""})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#attendee-{attendee.id}")
    [mark] = marks(door.session)
    assert (mark.state, mark.marked_by_id) == (A.LATE, door.helper.id)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Amira: Late" in html


def test_does_a_tap_with_javascript_get_the_new_row_and_counts(client, auth, door, family):
    attendee = family(door.cohort, children=2).attendees[0]
    auth.login_as(door.helper)
    response = post_json(client, door.url(tail="/tap"), {f"p{attendee.id}": ""})
    assert response.status_code == 200
    reply = response.get_json()
    assert list(reply["rows"]) == [str(attendee.id)]
    row = reply["rows"][str(attendee.id)]
    assert f"<button name=p{attendee.id} aria-pressed=true>Present</button>" in row
    assert f"<button name=l{attendee.id} aria-pressed=false>Late</button>" in row
    assert re.search(r"Present</dt><dd>1</dd>", reply["counts"])
    assert re.search(r"Not yet marked</dt><dd>1</dd>", reply["counts"])
    assert "Amira: Present" in reply["answer"]


def test_is_a_tap_without_a_csrf_token_refused(client, auth, door, family):
    attendee = family(door.cohort, children=1).attendees[0]
    auth.login_as(door.helper)
    response = client.post(door.url(tail="/tap"), data={f"p{attendee.id}": ""}, csrf=False)
    assert response.status_code == 400
    assert marks(door.session) == []


@pytest.mark.parametrize(
    ("make_code", "words", "tone"),
    [
        (lambda e, other: code_of(e), "✓</span>", "answer--ok"),
        (lambda e, other: "nonsense-code-here-xyz", "Unknown code", "answer--bad"),
        (lambda e, other: code_of(other), "This ticket is for another cohort", "answer--bad"),
    ],
    ids=["checked in", "unknown", "wrong cohort"],
)
def test_does_a_typed_code_without_javascript_answer_on_the_page(
    client, auth, door, family, make_cohort, make_code, words, tone
):
    enrolment = family(door.cohort, children=2)
    other = family(make_cohort(door.programme, name="Autumn"), children=1)
    auth.login_as(door.helper)
    response = client.post(door.url(tail="/scan"), data={"code": make_code(enrolment, other)})
    assert response.status_code == 302
    assert response.headers["Location"] == door.url() + "#scan"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    answer = html[html.index('id="scan-answer"') :]
    assert 'aria-live="assertive"' in answer
    assert words in answer[: answer.index("</section>")]
    assert tone in answer
    assert "autofocus" in html  # the box, ready for the next code
    again = client.get(door.url()).get_data(as_text=True)
    assert tone not in again  # shown once


def test_are_the_scan_answers_distinct_for_every_outcome(client, auth, door, family, make_cohort):
    """Each outcome has its own colour, symbol and words."""
    auth.login_as(door.helper)
    fine = family(door.cohort, children=1)
    codes = {
        "checked_in": code_of(fine),
        "already": code_of(fine),
        "wrong_cohort": code_of(family(make_cohort(door.programme))),
        "not_confirmed": code_of(family(door.cohort, status=S.CANCELLED)),
        "mistyped": code_of(fine)[:-1],
        "unknown": "CONVENE:abcdefghijklmnopqrstuvwx",
    }
    answers = {}
    for outcome, code in codes.items():
        reply = post_json(client, door.url(tail="/scan"), {"code": code}).get_json()
        answers[outcome] = reply["answer"]
    icons = {
        re.search(r'answer__icon" aria-hidden="true">(.)<', a).group(1) for a in answers.values()
    }
    titles = {re.search(r'answer__title">([^<]+)<', a).group(1) for a in answers.values()}
    assert len(icons) == len(titles) == 6
    assert "Already checked in at" in answers["already"]
    assert "by Tom Helper" in answers["already"]
    assert "answer--again" in answers["already"]
    assert "This booking was cancelled." in answers["not_confirmed"]
    assert "This code has a typing mistake: check it again" in answers["mistyped"]


def test_does_a_walk_in_without_seats_get_a_message_and_no_place(client, auth, door, family):
    door.cohort.capacity = 2
    family(door.cohort, children=2)
    auth.login_as(door.helper)
    response = client.post(door.url(tail="/walk-in"), data={"name": "Wendy Walker"})
    assert response.status_code == 422
    assert "There are no seats left for a walk-in." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).where(Enrolment.is_walk_in)) == 0


def test_does_a_walk_in_appear_on_the_register_as_present(client, auth, door):
    auth.login_as(door.helper)
    response = client.post(door.url(tail="/walk-in"), data={"name": "Wendy Walker"})
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Wendy Walker" in html
    assert "<b class=walk-in>Walk-in</b>" in html
    assert re.search(r"Present</dt><dd>1</dd>", html)


def test_can_a_helper_check_a_child_out_from_the_register(client, auth, door, arrived):
    amira = next(a for a in arrived.attendees if a.name == "Amira")
    auth.login_as(door.helper)
    html = client.get(door.url()).get_data(as_text=True)
    link = f"<a href=register/{amira.id}/check-out>Check out</a>"
    assert link in html  # relative to the register's address
    page = client.get(door.url(tail=f"/{amira.id}/check-out")).get_data(as_text=True)
    assert "Choose who collects Amira." in page
    for name in ("Gita Guardian", "Karim 0", "Nadia Aunt"):
        assert f'name="collector" value="{name}"' in page
    url = door.url(tail=f"/{amira.id}/check-out")
    response = post_json(client, url, {"collector": "Nadia Aunt"})
    assert response.status_code == 200
    row = response.get_json()["rows"][str(amira.id)]
    assert "Left at" in row
    assert "released by Tom Helper" in row
    assert "check-out" not in row
    refused = post_json(client, url, {"collector": "Nadia Aunt"})
    assert refused.status_code == 409
    assert "already checked out" in refused.get_json()["answer"]
    gone = client.get(url).get_data(as_text=True)
    assert "Left at" in gone
    assert 'name="collector"' not in gone


def test_does_a_check_out_without_javascript_come_back_to_the_row(client, auth, door, arrived):
    omar = next(a for a in arrived.attendees if a.name == "Omar")
    auth.login_as(door.helper)
    url = door.url(tail=f"/{omar.id}/check-out")
    response = client.post(url, data={"collector": "Gita Guardian"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#attendee-{omar.id}")
    assert attendance_of(door, arrived, "Omar").collected_by == "Gita Guardian"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Omar left with Gita Guardian." in html


def test_is_a_child_not_here_not_offered_a_check_out(client, auth, door, family):
    amira = family(door.cohort, children=1).attendees[0]
    auth.login_as(door.helper)
    assert "check-out" not in client.get(door.url()).get_data(as_text=True)
    page = client.get(door.url(tail=f"/{amira.id}/check-out")).get_data(as_text=True)
    assert "Amira is not marked as here." in page
    assert 'name="collector"' not in page


def test_does_the_search_filter_the_list_without_javascript(client, auth, door, family, make_user):
    family(door.cohort, children=1)
    family(door.cohort, children=1, guardian=make_user(name="Bea Brown"))
    auth.login_as(door.helper)
    html = client.get(door.url() + "?q=brown").get_data(as_text=True)
    assert html.count("<li id=attendee-") == 1
    assert "Booked by Bea Brown" in html
    assert "1 of 2 match" in html


def test_does_the_register_show_the_change_history(client, auth, door, family):
    attendee = family(door.cohort, children=1).attendees[0]
    with transaction():
        commands.mark(attendee, door.session, A.ABSENT, door.helper)
        commands.mark(attendee, door.session, A.PRESENT, door.organiser)
    auth.login_as(door.organiser)
    html = client.get(door.url()).get_data(as_text=True)
    assert "1 change" in html
    assert "Oscar Organiser: Absent → Present" in html


def test_can_an_organiser_switch_self_check_in_on_and_show_the_rotating_code(client, auth, door):
    auth.login_as(door.organiser)
    response = client.post(door.url(tail="/self-check-in"), data={"enabled": "on"})
    assert response.status_code == 302
    db.session.refresh(door.session)
    assert door.session.self_checkin
    html = client.get(door.url()).get_data(as_text=True)
    assert door.url(tail="/self-check-in.svg") in html
    with client.get(door.url(tail="/self-check-in.svg")) as image:
        assert image.mimetype == "image/svg+xml"
        assert image.headers["Cache-Control"] == "no-store"
        assert b"<svg" in image.data


def test_is_the_register_page_free_of_inline_script_and_style(client, auth, door, family):
    family(door.cohort)
    door.session.self_checkin = True
    db.session.commit()
    auth.login_as(door.organiser)
    html = client.get(door.url()).get_data(as_text=True)
    assert "<script>" not in html
    assert " style=" not in html
    assert " onclick=" not in html
    assert '<script src="/static/js/register.js" defer></script>' in html


def test_does_the_cohort_page_link_to_each_sessions_register(client, auth, door):
    auth.login_as(door.helper)
    html = client.get(
        f"/organise/programmes/{door.programme.id}/cohorts/{door.cohort.id}/"
    ).get_data(as_text=True)
    assert f'href="{door.url()}"' in html


# Self check-in pages -------------------------------------------------------------------


def test_can_a_participant_check_in_with_the_code_from_the_screen(client, auth, door, self_service):
    guardian, _ = self_service
    auth.login_as(guardian)
    url = f"/checkin/{door.session.id}/{rules.checkin_code(door.session)}"
    page = client.get(url)
    assert page.status_code == 200
    assert "Check in: Amira, Omar" in page.get_data(as_text=True)
    assert marks(door.session) == []  # opening the link changes nothing
    done = client.post(url)
    assert "You are checked in: Amira, Omar" in done.get_data(as_text=True)
    assert len(marks(door.session)) == 2


def test_does_a_participant_who_must_log_in_first_keep_the_code(client, auth, door, self_service):
    guardian, _ = self_service
    url = f"/checkin/{door.session.id}/{rules.checkin_code(door.session)}"
    response = client.get(url)
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]
    auth.login_as(guardian)
    with client.session_transaction() as browser:
        # As if the login took two minutes: the code has changed on the screen since.
        browser["self_checkin_seen"] = {
            key: stamp - 120 for key, stamp in browser["self_checkin_seen"].items()
        }
    assert client.post(url).status_code == 200
    assert len(marks(door.session)) == 2


def test_is_a_wrong_code_refused_with_a_clear_message(client, auth, door, self_service):
    guardian, _ = self_service
    auth.login_as(guardian)
    response = client.post(f"/checkin/{door.session.id}/0123456789abcdef")
    assert response.status_code == 403
    assert "This check-in code has expired" in response.get_data(as_text=True)
    assert marks(door.session) == []


# Who may do what -----------------------------------------------------------------------

ACTIONS = [
    ("get", ""),
    ("post", "/tap"),
    ("get", "/{attendee}/check-out"),
    ("post", "/{attendee}/check-out"),
    ("post", "/scan"),
    ("post", "/walk-in"),
    ("post", "/self-check-in"),
    ("get", "/self-check-in.svg"),
]
FORM = {"p{attendee}": "", "code": "x", "name": "Eve", "enabled": "on"}


@pytest.mark.parametrize(
    ("method", "tail"), ACTIONS, ids=[f"{a[0]} {a[1] or 'register'}" for a in ACTIONS]
)
def test_is_the_register_hidden_from_people_outside_the_team(
    client, auth, door, family, method, tail
):
    attendee = family(door.cohort).attendees[0]
    door.session.self_checkin = True
    db.session.commit()
    auth.login_as(door.outsider)
    url = door.url(tail=tail.format(attendee=attendee.id))
    form = {key.format(attendee=attendee.id): value for key, value in FORM.items()}
    response = client.get(url) if method == "get" else client.post(url, data=form)
    assert response.status_code == 404
    assert marks(door.session) == []


def test_can_a_participant_not_mark_anyone(client, auth, door, family):
    enrolment = family(door.cohort)
    auth.login_as(enrolment.user)
    tap = {f"p{enrolment.attendees[0].id}": ""}
    assert client.post(door.url(tail="/tap"), data=tap).status_code == 404
    check_out = door.url(tail=f"/{enrolment.attendees[0].id}/check-out")
    assert client.get(check_out).status_code == 404
    assert client.post(door.url(tail="/scan"), data={"code": code_of(enrolment)}).status_code == 404
    assert marks(door.session) == []


def test_does_the_register_need_a_login(client, door):
    response = client.get(door.url())
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]


def test_can_a_helper_mark_and_scan(client, auth, door, family):
    enrolment = family(door.cohort, children=2)
    auth.login_as(door.helper)
    assert client.get(door.url()).status_code == 200
    tap = {f"p{enrolment.attendees[0].id}": ""}
    assert client.post(door.url(tail="/tap"), data=tap).status_code == 302
    assert client.post(door.url(tail="/scan"), data={"code": code_of(enrolment)}).status_code == 302
    assert len(marks(door.session)) == 2


@pytest.mark.parametrize(
    "tail",
    ["/edit", "/cohorts/{cohort}/edit", "/cohorts/{cohort}/sessions/{session}/edit"],
)
def test_is_a_helper_refused_the_programmes_edit_pages(client, auth, door, tail):
    auth.login_as(door.helper)
    url = f"/organise/programmes/{door.programme.id}" + tail.format(
        cohort=door.cohort.id, session=door.session.id
    )
    assert client.get(url).status_code == 403


def test_may_only_organisers_switch_self_check_in(client, auth, door):
    auth.login_as(door.helper)
    assert client.post(door.url(tail="/self-check-in"), data={"enabled": "on"}).status_code == 403
    html = client.get(door.url()).get_data(as_text=True)
    assert "Turn self check-in on" not in html


@pytest.fixture
def past(door, family, make_session):
    """A session three days ago, where Amira was marked absent."""
    session = make_session(door.cohort, door.session.starts_at - timedelta(days=3))
    enrolment = family(door.cohort, children=1)
    with transaction():
        commands.mark(enrolment.attendees[0], session, A.ABSENT, door.helper)
    return session, enrolment.attendees[0]


def test_is_a_helper_refused_corrections_after_the_session(client, auth, door, past):
    session, amira = past
    auth.login_as(door.helper)
    url = door.url(session, "/tap")
    assert client.post(url, data={f"p{amira.id}": ""}).status_code == 403
    assert client.post(door.url(session, "/walk-in"), data={"name": "Eve"}).status_code == 403
    html = client.get(door.url(session)).get_data(as_text=True)
    assert "Only the programme's organisers can change its register now." in html
    assert "aria-pressed" not in html
    assert marks(session)[0].state == A.ABSENT


def test_can_an_organiser_correct_a_past_session_with_a_trace(client, auth, door, past):
    session, amira = past
    auth.login_as(door.organiser)
    url = door.url(session, "/tap")
    assert client.post(url, data={f"e{amira.id}": ""}).status_code == 302
    assert marks(session)[0].state == A.EXCUSED
    [change] = db.session.scalars(select(AttendanceChange)).all()
    assert (change.from_state, change.to_state, change.changed_by_id) == (
        A.ABSENT,
        A.EXCUSED,
        door.organiser.id,
    )


def test_is_an_attendee_of_another_cohort_not_found(client, auth, door, family, make_cohort):
    stranger = family(make_cohort(door.programme)).attendees[0]
    auth.login_as(door.helper)
    url = door.url(tail="/tap")
    assert client.post(url, data={f"p{stranger.id}": ""}).status_code == 404


# Performance ---------------------------------------------------------------------------


def bulk_families(cohort: Cohort, session: CohortSession, marker: User, count: int) -> None:
    """`count` confirmed one-child bookings (every tenth a walk-in), two in three
    marked and one in five of those changed: inserted in bulk, fast."""
    start = db.session.scalar(select(func.count(User.id)))
    user_ids = db.session.scalars(
        insert(User).returning(User.id, sort_by_parameter_order=True),
        [
            {
                "name": f"Parent {start + n}",
                "email": f"bulk{start + n}@example.org",
                "password_hash": "x",
            }
            for n in range(count)
        ],
    ).all()
    member_ids = db.session.scalars(
        insert(HouseholdMember).returning(HouseholdMember.id, sort_by_parameter_order=True),
        [
            {
                "owner_id": user_id,
                "kind": PersonKind.CHILD,
                "name": f"Child {user_id}",
                "photo_consent": user_id % 2 == 0,
                "medical_needs": "Nut allergy" if user_id % 3 == 0 else None,
            }
            for user_id in user_ids
        ],
    ).all()
    enrolment_ids = db.session.scalars(
        insert(Enrolment).returning(Enrolment.id, sort_by_parameter_order=True),
        [
            {
                "cohort_id": cohort.id,
                "user_id": None if n % 10 == 0 else user_id,
                "is_walk_in": n % 10 == 0,
                "status": S.CONFIRMED,
                "seats": 1,
                "authorised_collectors": ["Aunt"],
            }
            for n, user_id in enumerate(user_ids)
        ],
    ).all()
    attendee_ids = db.session.scalars(
        insert(Attendee).returning(Attendee.id, sort_by_parameter_order=True),
        [
            {
                "enrolment_id": enrolment_id,
                "cohort_id": cohort.id,
                "household_member_id": member_id,
                "name": f"Child {member_id}",
                "is_child": True,
            }
            for enrolment_id, member_id in zip(enrolment_ids, member_ids, strict=True)
        ],
    ).all()
    marked = attendee_ids[: 2 * count // 3]
    attendance_ids = db.session.scalars(
        insert(Attendance).returning(Attendance.id, sort_by_parameter_order=True),
        [
            {
                "session_id": session.id,
                "attendee_id": attendee_id,
                "state": A.PRESENT,
                "method": MarkMethod.QR,
                "marked_by_id": marker.id,
            }
            for attendee_id in marked
        ],
    ).all()
    db.session.execute(
        insert(AttendanceChange),
        [
            {
                "attendance_id": attendance_id,
                "changed_by_id": marker.id,
                "from_state": A.ABSENT,
                "to_state": A.PRESENT,
            }
            for attendance_id in attendance_ids[::5]
        ],
    )
    cohort.capacity += count
    db.session.commit()


@pytest.mark.slow
def test_does_the_register_take_as_many_queries_for_500_people_as_for_5(client, auth, door):
    """The user, programme, role, cohort and session; the attendees with their
    bookings, accounts and household records; the marks; their changes; the menu."""
    auth.login_as(door.organiser)
    url = door.url()
    client.get(url)  # the first request loads what every later one finds ready
    bulk_families(door.cohort, door.session, door.helper, 5)
    with counting_queries() as five:
        assert client.get(url).status_code == 200
    bulk_families(door.cohort, door.session, door.helper, 495)
    with counting_queries() as five_hundred:
        response = client.get(url)
    assert response.get_data(as_text=True).count("<li id=attendee-") == 500
    assert len(five_hundred) == len(five), five_hundred
    assert len(five) <= 10, five


def test_does_a_json_tap_take_as_many_queries_for_500_people_as_for_5(client, auth, door):
    auth.login_as(door.helper)
    bulk_families(door.cohort, door.session, door.helper, 5)
    first = db.session.scalar(select(Attendee.id).order_by(Attendee.id.desc()))
    url = door.url(tail="/tap")
    token = client.csrf_token()
    post_json(client, url, {f"l{first}": ""}, token)
    with counting_queries() as five:
        assert post_json(client, url, {f"p{first}": ""}, token).status_code == 200
    bulk_families(door.cohort, door.session, door.helper, 495)
    with counting_queries() as five_hundred:
        assert post_json(client, url, {f"l{first}": ""}, token).status_code == 200
    assert len(five_hundred) == len(five)


#: Bytes a row of the register may take: everyone a child, two in three here and
#: on site (a check-out link), some with needs and a change. 500 such rows stay
#: under 250 kB (the page was 2 kB a row, then 1 kB, all of it sent to a phone at
#: the door). The attendee's id is in a row six times: with ids of four digits (on
#: PostgreSQL, whose sequences go on after a rollback) a row takes about 435 bytes.
ROW_BYTES = 450


def test_does_the_register_take_as_many_queries_for_50_people_as_for_5_in_a_lean_page(
    client, auth, door
):
    auth.login_as(door.helper)
    url = door.url()
    client.get(url)
    bulk_families(door.cohort, door.session, door.helper, 5)
    with counting_queries() as five:
        small = client.get(url).get_data(as_text=True)
    bulk_families(door.cohort, door.session, door.helper, 45)
    with counting_queries() as fifty:
        large = client.get(url).get_data(as_text=True)
    assert large.count("<li id=attendee-") == 50
    assert len(fifty) == len(five) <= 10, fifty
    assert (len(large.encode()) - len(small.encode())) / 45 <= ROW_BYTES
    assert large.count("<form") == small.count("<form")  # one for the whole list


def test_does_a_scan_answer_in_six_queries_however_long_the_register(client, auth, door, family):
    """The user; the session with its cohort, programme and the user's role; the ticket
    with its party; their marks (one statement); their rows; the counts."""
    auth.login_as(door.helper)
    url, token = door.url(tail="/scan"), client.csrf_token()
    bulk_families(door.cohort, door.session, door.helper, 5)
    codes = [code_of(family(door.cohort, children=2)) for _ in range(2)]
    with counting_queries() as five:
        reply = post_json(client, url, {"code": codes[0]}, token).get_json()
    assert "Checked in: Amira, Omar" in reply["answer"]
    assert len(reply["rows"]) == 2
    assert re.search(r"Present</dt><dd>\d+</dd>", reply["counts"])
    bulk_families(door.cohort, door.session, door.helper, 45)
    with counting_queries() as fifty:
        reply = post_json(client, url, {"code": codes[1]}, token).get_json()
    assert len(reply["rows"]) == 2
    assert len(fifty) == len(five) <= 6, fifty
    with counting_queries() as again:
        reply = post_json(client, url, {"code": codes[1]}, token).get_json()
    assert "Already checked in at" in reply["answer"]
    assert reply["rows"] == {}  # nothing changed
    assert len(again) <= 6, again
