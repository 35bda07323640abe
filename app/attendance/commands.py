"""Attendance at the door and on the register: marks, ticket scans, check-out,
walk-ins and self check-in with a rotating code.

Every function that changes something flushes and never commits: the caller runs
it inside `app.core.transaction.transaction()`. A refusal is a
`app.core.refusal.Refusal`, made by one of the functions below (one definition
each, with a stable code).

Marks are idempotent: at most one row per attendee per session (a unique
constraint), written with INSERT ... ON CONFLICT DO NOTHING, so that two helpers
scanning the same ticket at the same moment get one row between them, on SQLite
and PostgreSQL alike; the one who did not write it is told who did. A state
changed on an existing row goes through a conditional UPDATE (only from the state
just read) and leaves an AttendanceChange: who, when, from what to what.
"""

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.attendance.models import Attendance, AttendanceChange, AttendanceState, MarkMethod
from app.attendance.queries import (
    attendance_by_ids,
    attendance_of,
    collectors,
    find_ticket,
    own_attendees,
)
from app.attendance.rules import (
    ATTENDED,
    SELF_CHECKIN_GRACE,
    SELF_CHECKIN_OPENS_BEFORE,
    _same_name,
    code_is_valid,
    is_today,
)
from app.core.actions import record
from app.core.db import utcnow
from app.core.refusal import Refusal
from app.enrolment import lifecycle, tickets
from app.enrolment.models import Attendee, Enrolment, EnrolmentStatus
from app.extensions import db
from app.programmes.models import CohortSession
from app.programmes.rules import utc_to_local

A = AttendanceState

#: How often a conditional UPDATE that lost a race is tried again (with a fresh read).
#: The retry stays inside the command, in the caller's transaction, without a
#: savepoint: neither ON CONFLICT DO NOTHING nor a conditional UPDATE that matched
#: no row fails, so the transaction stays usable and nothing needs undoing.
_RETRIES = 5


# Refusals -----------------------------------------------------------------------------


def mark_busy() -> Refusal:
    """The mark kept changing under us (someone else is marking the same person)."""
    return Refusal("mark_busy", _l("Someone else is changing this mark. Please try again."))


def not_on_register() -> Refusal:
    return Refusal(
        "not_on_register",
        _l("This person has no confirmed place in this session's cohort."),
    )


def not_a_child() -> Refusal:
    return Refusal("check_out_not_a_child", _l("Only children are checked out."))


def not_here(attendee: Attendee) -> Refusal:
    """A child not marked present or late (or not marked at all) cannot leave."""
    return Refusal("check_out_not_here", _l("%(name)s is not marked as here.", name=attendee.name))


def no_collector(attendee: Attendee) -> Refusal:
    return Refusal(
        "check_out_no_collector", _l("Choose who collects %(name)s.", name=attendee.name)
    )


def collector_not_named(attendee: Attendee, collected_by: str) -> Refusal:
    return Refusal(
        "check_out_collector_not_named",
        _l(
            "%(collector)s is not named on the booking: %(name)s may only leave "
            "with an adult of the booking.",
            collector=collected_by.strip(),
            name=attendee.name,
        ),
    )


def already_checked_out(attendee: Attendee) -> Refusal:
    return Refusal("check_out_already", _l("%(name)s is already checked out.", name=attendee.name))


# Writing marks -----------------------------------------------------------------------


def _insert_marks(
    session_id: int, attendee_ids, state: AttendanceState, method, by_id, now
) -> set[int]:
    """Insert a mark for each attendee who has none at the session, in one statement;
    the ids of those this call marked.

    ON CONFLICT DO NOTHING makes the check and the write one statement: a second
    writer waits for the first to commit, then writes nothing.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(Attendance)
        .values(
            [
                {
                    "session_id": session_id,
                    "attendee_id": attendee_id,
                    "state": state,
                    "method": method,
                    "marked_at": now,
                    "marked_by_id": by_id,
                }
                for attendee_id in attendee_ids
            ]
        )
        .on_conflict_do_nothing(index_elements=["session_id", "attendee_id"])
        .returning(Attendance.attendee_id)
    )
    # No row comes back for those who had a mark already.
    return set(db.session.scalars(statement))


def _change_state(attendance: Attendance, state: AttendanceState, by_id, method, now) -> bool:
    """Move an existing mark to `state` and record the change; False when someone
    else changed it since it was read (the caller reads it again)."""
    old = attendance.state
    changed = db.session.execute(
        update(Attendance)
        .where(Attendance.id == attendance.id, Attendance.state == old)
        .values(state=state, method=method, marked_at=now, marked_by_id=by_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        return False
    db.session.add(
        AttendanceChange(
            attendance_id=attendance.id,
            changed_by_id=by_id,
            changed_at=now,
            from_state=old,
            to_state=state,
        )
    )
    return True


def _set_state(attendee_id: int, session_id: int, state, by_id, method, now):
    """The pair's mark becomes `state`, whoever else is marking it at the same time.

    The state it had when this call changed it, or None (a first mark, or no change).
    """
    if _insert_marks(session_id, [attendee_id], state, method, by_id, now):
        return None
    for _ in range(_RETRIES):
        existing = attendance_by_ids(session_id, attendee_id)
        old = existing.state
        if old == state:
            return None
        if _change_state(existing, state, by_id, method, now):
            return old
    raise mark_busy()


def _check_on_register(attendee: Attendee, session: CohortSession) -> None:
    if attendee.cohort_id != session.cohort_id or (
        attendee.enrolment.status not in EnrolmentStatus.ON_REGISTER
    ):
        raise not_on_register()


def mark(
    attendee: Attendee,
    session: CohortSession,
    state: AttendanceState,
    by: User,
    method: MarkMethod = MarkMethod.REGISTER,
    *,
    now: datetime | None = None,
) -> Attendance:
    """Record `state` for the attendee at the session: the first mark, or a change
    of it (kept in the audit trail). Marking the same state again changes nothing."""
    now = now or utcnow()
    _check_on_register(attendee, session)
    state = AttendanceState(state)
    old = _set_state(attendee.id, session.id, state, by.id, method, now)
    if old is not None and now > session.ends_at:
        # A correction: the register keeps its AttendanceChange, the log the decision.
        record(
            "attendance_corrected",
            cohort_id=session.cohort_id,
            enrolment_id=attendee.enrolment_id,
            actor_id=by.id,
            name=attendee.name,
            session=utc_to_local(session.starts_at, session.timezone).date().isoformat(),
            from_state=AttendanceState(old).value,
            to_state=state.value,
        )
    return attendance_of(session, attendee)


def _earlier_marks(session: CohortSession, attendee_ids) -> tuple[Attendance, ...]:
    """The marks of these attendees, oldest first, with who made them."""
    if not attendee_ids:
        return ()
    return tuple(
        db.session.scalars(
            select(Attendance)
            .where(Attendance.session_id == session.id, Attendance.attendee_id.in_(attendee_ids))
            .options(joinedload(Attendance.marked_by), joinedload(Attendance.attendee))
            .order_by(Attendance.marked_at, Attendance.id)
            .execution_options(populate_existing=True)
        )
    )


def _arrive(attendance: Attendance, by_id, method, now) -> bool:
    """Mark someone marked absent or excused present (with a change) now that they
    turn up; False when they are marked present or late already (by now).

    The mark is read again when someone else changed it since it was read.
    """
    for _ in range(_RETRIES):
        if attendance.state in ATTENDED:
            return False
        if _change_state(attendance, A.PRESENT, by_id, method, now):
            return True
        attendance = attendance_by_ids(attendance.session_id, attendance.attendee_id)
    raise mark_busy()


def _arrive_all(attendees, session, by: User, method, now) -> tuple[list[Attendee], tuple]:
    """Mark each attendee present (in the caller's transaction); those marked now,
    and the marks of the others (who had come already).

    Those without a mark are marked in one statement; the marks of the others are
    read in one more, and only someone marked absent or excused is changed.
    """
    ids = [attendee.id for attendee in attendees]
    arrived = _insert_marks(session.id, ids, A.PRESENT, method, by.id, now)
    earlier = []
    for mark in _earlier_marks(session, [i for i in ids if i not in arrived]):
        if _arrive(mark, by.id, method, now):
            arrived.add(mark.attendee_id)
        else:
            earlier.append(mark)
    return [a for a in attendees if a.id in arrived], tuple(earlier)


# Ticket scans ------------------------------------------------------------------------


class ScanOutcome(enum.StrEnum):
    CHECKED_IN = "checked_in"  #: at least one of the party marked present now
    ALREADY = "already"  #: everyone on the ticket was marked before
    WRONG_COHORT = "wrong_cohort"  #: a ticket of another cohort (or programme)
    NOT_TODAY = "not_today"  #: the session is not on today's date where it happens
    NOT_CONFIRMED = "not_confirmed"  #: cancelled, waitlisted, offered...
    MISTYPED = "mistyped"  #: a ticket code with a typing mistake (its check symbol says so)
    UNKNOWN = "unknown"  #: no ticket has this code


class SelfOutcome(enum.StrEnum):
    READY = "ready"  #: the code is good: the participant may confirm
    CHECKED_IN = "checked_in"
    ALREADY = "already"
    OFF = "off"  #: the session does not allow self check-in
    BAD_CODE = "bad_code"  #: wrong, or older than the previous window
    TOO_EARLY = "too_early"
    ENDED = "ended"
    NOT_ENROLLED = "not_enrolled"  #: no confirmed place in the cohort


@dataclass(frozen=True)
class CheckIn:
    """The answer to a scan or a self check-in."""

    outcome: ScanOutcome | SelfOutcome
    enrolment: Enrolment | None = None
    #: Marked present now; for READY, who would be.
    attendees: tuple[Attendee, ...] = ()
    #: Marks made before, with when and by whom (oldest first).
    earlier: tuple[Attendance, ...] = ()
    #: For TOO_EARLY: when self check-in opens.
    opens_at: datetime | None = None

    @property
    def first_earlier(self) -> Attendance | None:
        return self.earlier[0] if self.earlier else None


def check_in_by_code(
    session: CohortSession, code: str, by: User, *, now: datetime | None = None
) -> CheckIn:
    """Check in everyone on the ticket with this code, at the door of `session`.

    Scanning twice (or two helpers at once) never makes a second record: the
    second answer is ALREADY, with the time and the name of whoever was first.
    """
    now = now or utcnow()
    ticket = tickets.read_ticket(code)
    if ticket is not None and ticket.mistyped:
        return CheckIn(ScanOutcome.MISTYPED)
    enrolment = find_ticket(ticket)
    if enrolment is None:
        return CheckIn(ScanOutcome.UNKNOWN)
    if enrolment.cohort_id != session.cohort_id:
        return CheckIn(ScanOutcome.WRONG_COHORT, enrolment)
    if enrolment.status not in EnrolmentStatus.ON_REGISTER:
        return CheckIn(ScanOutcome.NOT_CONFIRMED, enrolment)
    if not is_today(session, now):
        return CheckIn(ScanOutcome.NOT_TODAY, enrolment)
    arrived, earlier = _arrive_all(enrolment.attendees, session, by, MarkMethod.QR, now)
    outcome = ScanOutcome.CHECKED_IN if arrived else ScanOutcome.ALREADY
    return CheckIn(outcome, enrolment, tuple(arrived), earlier)


def _code_accepted(session, code, now: datetime, seen_at: datetime | None) -> bool:
    """Valid now, or valid when this browser first opened it, not long ago (the
    participant had to log in first)."""
    if code_is_valid(session, code, now):
        return True
    return (
        seen_at is not None
        and timedelta(0) <= now - seen_at <= SELF_CHECKIN_GRACE
        and code_is_valid(session, code, seen_at)
    )


def self_check_in(
    session: CohortSession,
    user: User,
    code: str,
    *,
    confirm: bool = True,
    now: datetime | None = None,
    seen_at: datetime | None = None,
) -> CheckIn:
    """Mark the user's own attendees present with the code shown on the register.

    Only when the session allows it, with a current (or previous) code, from 30
    minutes before the start until the end. `confirm=False` only says what would
    happen (READY, or why not), without writing.
    """
    now = now or utcnow()
    if not session.self_checkin:
        return CheckIn(SelfOutcome.OFF)
    if not _code_accepted(session, code, now, seen_at):
        return CheckIn(SelfOutcome.BAD_CODE)
    opens_at = session.starts_at - SELF_CHECKIN_OPENS_BEFORE
    if now < opens_at:
        return CheckIn(SelfOutcome.TOO_EARLY, opens_at=opens_at)
    if now > session.ends_at:
        return CheckIn(SelfOutcome.ENDED)
    attendees = own_attendees(session, user)
    if not attendees:
        return CheckIn(SelfOutcome.NOT_ENROLLED)
    if not confirm:
        marks = _earlier_marks(session, [a.id for a in attendees])
        came = {m.attendee_id for m in marks if m.state in ATTENDED}
        waiting = tuple(a for a in attendees if a.id not in came)
        if not waiting:
            return CheckIn(SelfOutcome.ALREADY, earlier=marks)
        return CheckIn(SelfOutcome.READY, attendees=waiting)
    arrived, earlier = _arrive_all(attendees, session, user, MarkMethod.SELF, now)
    outcome = SelfOutcome.CHECKED_IN if arrived else SelfOutcome.ALREADY
    return CheckIn(outcome, attendees=tuple(arrived), earlier=earlier)


def set_self_checkin(session: CohortSession, enabled: bool) -> None:
    session.self_checkin = enabled
    db.session.flush()


def check_out(
    attendance: Attendance, collected_by: str, by: User, *, now: datetime | None = None
) -> Attendance:
    """Release a child who is here to an adult named on the booking, once."""
    now = now or utcnow()
    attendee = attendance.attendee
    if not attendee.is_child:
        raise not_a_child()
    if attendance.state not in ATTENDED:
        raise not_here(attendee)
    if not (collected_by or "").strip():
        raise no_collector(attendee)
    allowed = {_same_name(name): name for name in collectors(attendee.enrolment)}
    collector = allowed.get(_same_name(collected_by))
    if collector is None:
        raise collector_not_named(attendee, collected_by)
    released = db.session.execute(
        update(Attendance)
        .where(
            Attendance.id == attendance.id,
            Attendance.checked_out_at.is_(None),
            Attendance.state.in_(ATTENDED),
        )
        .values(checked_out_at=now, collected_by=collector, released_by_id=by.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not released:
        raise already_checked_out(attendee)
    db.session.refresh(attendance)
    return attendance


# Walk-ins ----------------------------------------------------------------------------


def walk_in(
    session: CohortSession, name: str, by: User, *, now: datetime | None = None
) -> Attendance:
    """Seat someone without a booking (CohortFull when there is no seat) and mark
    them present."""
    enrolment = lifecycle.add_walk_in(session.cohort, name, by)
    return mark(enrolment.attendees[0], session, A.PRESENT, by, MarkMethod.WALK_IN, now=now)
