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
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.attendance.models import (
    Attendance,
    AttendanceChange,
    AttendanceState,
    DoorAction,
    DoorActionKind,
    DoorConflict,
    DoorOutcome,
    MarkMethod,
)
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
    Verdict,
    _same_name,
    clock_corrected,
    code_is_valid,
    is_today,
    reconcile,
    register_closed,
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


def _insert(model):
    """An INSERT into `model`'s table in the database's own dialect, which can say
    ON CONFLICT DO NOTHING."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql_insert if dialect == "postgresql" else sqlite_insert)(model)


def _insert_marks(
    session_id: int, attendee_ids, state: AttendanceState, method, by_id, now, on=None
) -> set[int]:
    """Insert a mark for each attendee who has none at the session, in one statement;
    the ids of those this call marked. `on`: the phone's name, from the door's phones.

    ON CONFLICT DO NOTHING makes the check and the write one statement: a second
    writer waits for the first to commit, then writes nothing.
    """
    if not attendee_ids:
        return set()
    statement = (
        _insert(Attendance)
        .values(
            [
                {
                    "session_id": session_id,
                    "attendee_id": attendee_id,
                    "state": state,
                    "method": method,
                    "marked_at": now,
                    "marked_by_id": by_id,
                    "marked_on": on,
                }
                for attendee_id in attendee_ids
            ]
        )
        .on_conflict_do_nothing(index_elements=["session_id", "attendee_id"])
        .returning(Attendance.attendee_id)
    )
    # No row comes back for those who had a mark already.
    return set(db.session.scalars(statement))


def _change_state(
    attendance: Attendance, state: AttendanceState, by_id, method, now, on=None
) -> bool:
    """Move an existing mark to `state` and record the change; False when someone
    else changed it since it was read (the caller reads it again)."""
    old = attendance.state
    changed = db.session.execute(
        update(Attendance)
        .where(
            Attendance.id == attendance.id,
            Attendance.state == old,
            Attendance.marked_at == attendance.marked_at,
        )
        .values(state=state, method=method, marked_at=now, marked_by_id=by_id, marked_on=on)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        return False
    if state != old:
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
    if old is not None:
        _log_correction(attendee, session, old, state, by.id, now)
    return attendance_of(session, attendee)


def _log_correction(attendee: Attendee, session: CohortSession, old, new, by_id, now) -> None:
    """A change made after the session ended is a correction: the register keeps its
    AttendanceChange, the action log the decision."""
    if now <= session.ends_at:
        return
    record(
        "attendance_corrected",
        cohort_id=session.cohort_id,
        enrolment_id=attendee.enrolment_id,
        actor_id=by_id,
        name=attendee.name,
        session=utc_to_local(session.starts_at, session.timezone).date().isoformat(),
        from_state=AttendanceState(old).value,
        to_state=AttendanceState(new).value,
    )


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
    enrolment, refused = _read_scan(session, code, now)
    if refused is not None:
        return CheckIn(refused, enrolment)
    arrived, earlier = _arrive_all(enrolment.attendees, session, by, MarkMethod.QR, now)
    outcome = ScanOutcome.CHECKED_IN if arrived else ScanOutcome.ALREADY
    return CheckIn(outcome, enrolment, tuple(arrived), earlier)


def _read_scan(
    session: CohortSession, code: str, now: datetime
) -> tuple[Enrolment | None, ScanOutcome | None]:
    """The booking whose ticket a scanned or typed code is, and why it does not let its
    party in at `session` at `now` (None when it does)."""
    ticket = tickets.read_ticket(code)
    if ticket is not None and ticket.mistyped:
        return None, ScanOutcome.MISTYPED
    enrolment = find_ticket(ticket)
    return enrolment, _ticket_refused(session, enrolment, now)


def _ticket_refused(session: CohortSession, enrolment: Enrolment | None, now) -> ScanOutcome | None:
    """Why the ticket of this booking does not let its party in at `session` at `now`
    (None when it does)."""
    if enrolment is None:
        return ScanOutcome.UNKNOWN
    if enrolment.cohort_id != session.cohort_id:
        return ScanOutcome.WRONG_COHORT
    if enrolment.status not in EnrolmentStatus.ON_REGISTER:
        return ScanOutcome.NOT_CONFIRMED
    if not is_today(session, now):
        return ScanOutcome.NOT_TODAY
    return None


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


# The door's phones -------------------------------------------------------------------
#
# A phone at the door queues what its helper does and sends it when it can: at once,
# or later, when it was offline. Each action carries a key (the phone's), the time by
# the phone's clock and the helper. It is received once by its key, whatever order and
# however often it comes; it is applied at the time it happened (its clock corrected),
# through the same writes as the register's (marks, scans, check-outs), each mark held
# while it is decided, and what became of it is kept (DoorAction): two phones that both
# let someone in while offline leave one mark, the first, and a DoorConflict with both.


def closed_to_helpers() -> Refusal:
    """After its day, a session's register changes only by an organiser's correction."""
    return Refusal(
        "register_closed",
        _l("This session is over. Only the programme's organisers can change its register now."),
    )


def saved_by_another() -> Refusal:
    """The phone's queue holds an action of a helper who is not the one sending it."""
    return Refusal(
        "saved_by_another", _l("This was saved on this phone by another account: not applied.")
    )


@dataclass(frozen=True)
class Phone:
    """The phone actions come from: the random id it keeps, the name its team gave it."""

    id: str
    name: str | None = None


@dataclass(frozen=True)
class Sent:
    """One action as a phone sent it (read by `attendance.forms.read_door_batch`)."""

    key: str
    kind: DoorActionKind
    #: By the phone's clock.
    device_time: datetime
    #: The helper logged in on the phone when it was done.
    helper_id: int
    code: str | None = None
    attendee_id: int | None = None
    state: AttendanceState | None = None
    collector: str | None = None
    #: Those the phone itself told its helper were let in: it was offline, and showed
    #: them as not here.
    admitted: frozenset[int] = frozenset()


@dataclass
class Received:
    """What became of an action, with what its answer tells."""

    action: DoorAction
    #: The key came before: nothing was done again.
    replay: bool = False
    #: A scan: the ticket's party, those let in now and the marks made before.
    check_in: CheckIn | None = None
    #: A mark or a check-out: whom for.
    attendee: Attendee | None = None
    #: Let in twice (see DoorConflict).
    conflicts: list[DoorConflict] = field(default_factory=list)
    #: Later marks that stand, where the action was older.
    standing: list[Attendance] = field(default_factory=list)
    #: A check-out: the mark, with whom the child left.
    released: Attendance | None = None
    refusal: Refusal | None = None

    @property
    def attendee_ids(self) -> list[int]:
        """Whose rows of the register it may have changed."""
        if self.check_in is not None and self.check_in.enrolment is not None:
            return [attendee.id for attendee in self.check_in.enrolment.attendees]
        return [self.attendee.id] if self.attendee is not None else []


#: A scan's outcome is its party's first verdict in this order: a conflict before
#: anyone let in, anyone let in before nothing done.
_SCAN_TELLS = (
    Verdict.KEEP_FIRST,
    Verdict.CONFLICT,
    Verdict.MARK,
    Verdict.CHANGE,
    Verdict.SUPERSEDED,
    Verdict.SAME,
)

_OUTCOMES = {
    Verdict.MARK: DoorOutcome.APPLIED,
    Verdict.CHANGE: DoorOutcome.APPLIED,
    Verdict.KEEP_FIRST: DoorOutcome.CONFLICT,
    Verdict.CONFLICT: DoorOutcome.CONFLICT,
    Verdict.SUPERSEDED: DoorOutcome.SUPERSEDED,
    Verdict.SAME: DoorOutcome.ALREADY,
}


def receive(
    session: CohortSession,
    phone: Phone,
    sent: Sent,
    by: User,
    *,
    sent_at: datetime,
    received_at: datetime,
    may_correct: bool,
) -> Received:
    """Take in one action a phone sent (at `sent_at` by its clock) for `session`'s
    register, once: a key received before is answered from what became of it then.

    `may_correct`: the sender may change the register after its day (an organiser).
    A refusal is kept as the action's outcome, not raised.
    """
    happened = clock_corrected(sent.device_time, sent_at, received_at)
    attendee = db.session.get(Attendee, sent.attendee_id) if sent.attendee_id else None
    action = _claim(session, phone, sent, by, attendee, happened, received_at)
    if action is None:
        return Received(
            db.session.scalars(select(DoorAction).where(DoorAction.key == sent.key)).one(),
            replay=True,
        )
    try:
        # A refusal undoes what the action wrote (a party's first member marked, say).
        with db.session.begin_nested():
            received = _apply(session, action, sent, by, attendee, may_correct)
    except Refusal as refusal:
        received = Received(action, attendee=attendee, refusal=refusal)
        action.outcome, action.reason = DoorOutcome.REFUSED, refusal.code
    db.session.flush()
    return received


def _claim(session, phone, sent: Sent, by, attendee, happened, received_at) -> DoorAction | None:
    """Keep the action under its key, unless the key came before (None then).

    ON CONFLICT DO NOTHING: the same key arriving twice at once (a phone retrying)
    waits for the first to commit, and writes nothing.
    """
    return db.session.scalars(
        _insert(DoorAction)
        .values(
            key=sent.key,
            session_id=session.id,
            user_id=by.id,
            device_id=phone.id,
            device_name=phone.name,
            kind=sent.kind,
            code=sent.code,
            attendee_id=attendee.id if attendee is not None else None,
            state=sent.state,
            collector=sent.collector,
            device_time=sent.device_time,
            happened_at=happened,
            received_at=received_at,
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(DoorAction)
    ).one_or_none()


def _apply(session, action: DoorAction, sent: Sent, by: User, attendee, may_correct) -> Received:
    if sent.helper_id != by.id:
        raise saved_by_another()
    if not may_correct and register_closed(session, action.happened_at):
        raise closed_to_helpers()
    if action.kind == DoorActionKind.SCAN:
        return _apply_scan(session, action, sent.admitted)
    if attendee is None:
        raise not_on_register()
    if action.kind == DoorActionKind.CHECK_OUT:
        attendance = attendance_of(session, attendee)
        if attendance is None:
            raise not_here(attendee)
        released = check_out(attendance, action.collector or "", by, now=action.happened_at)
        action.outcome = DoorOutcome.APPLIED
        return Received(action, attendee=attendee, released=released)
    _check_on_register(attendee, session)
    received = Received(action, attendee=attendee)
    verdict = _meet(
        received, attendee, session, action.state, MarkMethod.REGISTER, attendee.id in sent.admitted
    )
    action.outcome = _OUTCOMES[verdict]
    return received


def _apply_scan(session: CohortSession, action: DoorAction, admitted) -> Received:
    """A scan: as at the register, the party's marks read in one statement and those
    without one marked in one more; then each mark there was met with the scan."""
    enrolment, refused = _read_scan(session, action.code, action.happened_at)
    if refused is not None:
        action.outcome, action.reason = DoorOutcome.REFUSED, refused.value
        return Received(action, check_in=CheckIn(refused, enrolment))
    received = Received(action)
    party = sorted(enrolment.attendees, key=lambda attendee: attendee.id)
    held = _held_marks(session.id, [attendee.id for attendee in party])
    inserted = _insert_marks(
        session.id,
        [attendee.id for attendee in party if attendee.id not in held],
        A.PRESENT,
        MarkMethod.QR,
        action.user_id,
        action.happened_at,
        action.device_name,
    )
    verdicts = {
        attendee.id: Verdict.MARK
        if attendee.id in inserted
        else _meet(
            received,
            attendee,
            session,
            A.PRESENT,
            MarkMethod.QR,
            attendee.id in admitted,
            held.get(attendee.id),
        )
        for attendee in party
    }
    arrived = tuple(a for a in party if verdicts[a.id] in (Verdict.MARK, Verdict.CHANGE))
    here = [i for i, verdict in verdicts.items() if verdict == Verdict.SAME]
    outcome = ScanOutcome.CHECKED_IN if arrived else ScanOutcome.ALREADY
    received.check_in = CheckIn(outcome, enrolment, arrived, _earlier_marks(session, here))
    found = set(verdicts.values())
    action.outcome = _OUTCOMES[next(v for v in _SCAN_TELLS if v in found)]
    return received


def _meet(received: Received, attendee, session, wanted, method, blind: bool, mark=None) -> Verdict:
    """Bring the action to the attendee's mark (see `rules.reconcile`), the mark held
    until the transaction ends (`mark`: held already); a conflict or a later mark
    that stands goes into `received`."""
    action = received.action
    by_id, happened, on = action.user_id, action.happened_at, action.device_name
    for _ in range(_RETRIES):
        mark = mark or _held_marks(session.id, [attendee.id]).get(attendee.id)
        verdict = reconcile(
            (mark.state, mark.marked_at) if mark is not None else None,
            wanted,
            happened,
            arrival=method == MarkMethod.QR,
            blind=blind,
        )
        if verdict == Verdict.MARK:
            if not _insert_marks(session.id, [attendee.id], wanted, method, by_id, happened, on):
                continue  # marked by someone else in between: decide again
            return verdict
        if verdict in (Verdict.KEEP_FIRST, Verdict.CONFLICT):
            received.conflicts.append(_conflict(action, attendee, mark, verdict))
        if verdict == Verdict.SUPERSEDED:
            received.standing.append(mark)
        if verdict in (Verdict.CHANGE, Verdict.KEEP_FIRST):
            old = mark.state
            _change_state(mark, wanted, by_id, method, happened, on)  # held: it cannot miss
            if verdict == Verdict.CHANGE:
                _log_correction(attendee, session, old, wanted, by_id, happened)
        return verdict
    raise mark_busy()


def _held_marks(session_id: int, attendee_ids) -> dict[int, Attendance]:
    """These attendees' marks, by attendee, held until the transaction ends: PostgreSQL
    locks the rows (in one order, so that two phones' scans never wait on each other
    in a circle), SQLite has one writer at a time (the action's key is written first)."""
    if not attendee_ids:
        return {}
    return {
        mark.attendee_id: mark
        for mark in db.session.scalars(
            select(Attendance)
            .where(Attendance.session_id == session_id, Attendance.attendee_id.in_(attendee_ids))
            .order_by(Attendance.attendee_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }


def _conflict(action: DoorAction, attendee, mark: Attendance, verdict) -> DoorConflict:
    """Both admissions, the first by when it happened first."""
    this = (action.user_id, action.happened_at, action.device_name)
    other = (mark.marked_by_id, mark.marked_at, mark.marked_on)
    first, second = (this, other) if verdict == Verdict.KEEP_FIRST else (other, this)
    conflict = DoorConflict(
        session_id=action.session_id,
        attendee=attendee,
        action_id=action.id,
        first_by_id=first[0],
        first_at=first[1],
        first_on=first[2],
        second_by_id=second[0],
        second_at=second[1],
        second_on=second[2],
    )
    db.session.add(conflict)
    return conflict
