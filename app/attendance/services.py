"""Attendance at the door and on the register: marks, ticket scans, check-out,
walk-ins and self check-in with a rotating code.

Every function that changes something commits, or rolls back and raises.

Marks are idempotent: at most one row per attendee per session (a unique
constraint), written with INSERT ... ON CONFLICT DO NOTHING, so that two helpers
scanning the same ticket at the same moment get one row between them, on SQLite
and PostgreSQL alike; the one who did not write it is told who did. A state
changed on an existing row goes through a conditional UPDATE (only from the state
just read) and leaves an AttendanceChange: who, when, from what to what.
"""

import enum
import hashlib
import hmac
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import contains_eager, joinedload

from app.attendance.records import ATTENDED, ON_REGISTER
from app.enrolment import lifecycle, tickets
from app.extensions import db
from app.models import (
    Attendance,
    AttendanceChange,
    AttendanceState,
    Attendee,
    CohortSession,
    Enrolment,
    MarkMethod,
    User,
)
from app.models.types import utcnow
from app.programmes.rules import utc_to_local

A = AttendanceState

#: The self check-in code changes this often (seconds); the previous one still works.
CODE_WINDOW = 30
#: Self check-in opens this long before the session starts, and closes when it ends.
SELF_CHECKIN_OPENS_BEFORE = timedelta(minutes=30)
#: After opening a valid code, a participant has this long to log in and confirm.
SELF_CHECKIN_GRACE = timedelta(minutes=10)

#: How often a conditional UPDATE that lost a race is tried again (with a fresh read).
_RETRIES = 5


class AttendanceError(Exception):
    """A request the rules refuse; `message` says why, for the person who asked."""

    message = _l("That is not possible.")

    def __init__(self, message=None):
        super().__init__(str(message or self.message))
        if message is not None:
            self.message = message


class NotOnRegister(AttendanceError):
    message = _l("This person has no confirmed place in this session's cohort.")


class CheckOutRefused(AttendanceError):
    message = _l("This child cannot be checked out.")


# Sessions in time --------------------------------------------------------------------


def session_days(session: CohortSession) -> tuple[date, date]:
    """The first and last day of the session on the clock where it happens."""
    return (
        utc_to_local(session.starts_at, session.timezone).date(),
        utc_to_local(session.ends_at, session.timezone).date(),
    )


def is_today(session: CohortSession, now: datetime) -> bool:
    """Whether `now` falls on the session's day, where it happens."""
    first, last = session_days(session)
    return first <= utc_to_local(now, session.timezone).date() <= last


def register_closed(session: CohortSession, now: datetime) -> bool:
    """The register stays open to the whole team until the session's day is over
    (late arrivals, children collected after the end); after that, changing it is
    a correction, for leads and organisers only."""
    return utc_to_local(now, session.timezone).date() > session_days(session)[1]


# Writing marks -----------------------------------------------------------------------


def _insert_mark(
    session_id: int, attendee_id: int, state: AttendanceState, method, by_id, now
) -> bool:
    """Insert the pair's mark unless it has one; True when this call wrote it.

    ON CONFLICT DO NOTHING makes the check and the write one statement: a second
    writer waits for the first to commit, then writes nothing.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(Attendance)
        .values(
            session_id=session_id,
            attendee_id=attendee_id,
            state=state,
            method=method,
            marked_at=now,
            marked_by_id=by_id,
        )
        .on_conflict_do_nothing(index_elements=["session_id", "attendee_id"])
        .returning(Attendance.id)
    )
    # No row comes back when the pair had a mark already.
    return db.session.execute(statement).scalar() is not None


def _attendance(session_id: int, attendee_id: int) -> Attendance | None:
    return db.session.scalar(
        select(Attendance)
        .where(Attendance.session_id == session_id, Attendance.attendee_id == attendee_id)
        .execution_options(populate_existing=True)
    )


def attendance_of(session: CohortSession, attendee: Attendee) -> Attendance | None:
    """The attendee's mark at the session, if any."""
    return _attendance(session.id, attendee.id)


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


def _set_state(attendee_id: int, session_id: int, state, by_id, method, now) -> None:
    """The pair's mark becomes `state`, whoever else is marking it at the same time."""
    if _insert_mark(session_id, attendee_id, state, method, by_id, now):
        return
    for _ in range(_RETRIES):
        existing = _attendance(session_id, attendee_id)
        if existing.state == state or _change_state(existing, state, by_id, method, now):
            return
    raise AttendanceError(_l("Someone else is changing this mark. Please try again."))


def _arrive(attendee_id: int, session_id: int, by_id, method, now) -> bool:
    """Mark present unless already marked present or late; True when this call did.

    Someone marked absent or excused who turns up is now present (with a change).
    """
    if _insert_mark(session_id, attendee_id, A.PRESENT, method, by_id, now):
        return True
    for _ in range(_RETRIES):
        existing = _attendance(session_id, attendee_id)
        if existing.state in ATTENDED:
            return False
        if _change_state(existing, A.PRESENT, by_id, method, now):
            return True
    raise AttendanceError(_l("Someone else is changing this mark. Please try again."))


def _check_on_register(attendee: Attendee, session: CohortSession) -> None:
    if attendee.cohort_id != session.cohort_id or (attendee.enrolment.status not in ON_REGISTER):
        raise NotOnRegister


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
    try:
        _set_state(attendee.id, session.id, AttendanceState(state), by.id, method, now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return _attendance(session.id, attendee.id)


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


def _arrive_all(attendees, session, by: User, method, now) -> tuple[list[Attendee], tuple]:
    """Mark each attendee present in one transaction; those marked now, and the
    marks of the others (who had come already)."""
    arrived, earlier_ids = [], []
    try:
        for attendee in attendees:
            if _arrive(attendee.id, session.id, by.id, method, now):
                arrived.append(attendee)
            else:
                earlier_ids.append(attendee.id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return arrived, _earlier_marks(session, earlier_ids)


# Ticket scans ------------------------------------------------------------------------


class ScanOutcome(enum.StrEnum):
    CHECKED_IN = "checked_in"  #: at least one of the party marked present now
    ALREADY = "already"  #: everyone on the ticket was marked before
    WRONG_COHORT = "wrong_cohort"  #: a ticket of another cohort (or programme)
    NOT_TODAY = "not_today"  #: the session is not on today's date where it happens
    NOT_CONFIRMED = "not_confirmed"  #: cancelled, waitlisted, offered...
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


def find_ticket(code: str | None) -> Enrolment | None:
    """The enrolment whose ticket has this code (scanned, or typed from the ticket).

    A scan matches exactly (the indexed column); a code typed by hand may differ in
    case, so it is looked up again without regard to case.
    """
    token = tickets.read_ticket(code)
    if token is None:
        return None
    found = db.session.scalar(select(Enrolment).where(Enrolment.ticket_token == token))
    if found is None:
        found = db.session.scalars(
            select(Enrolment)
            .where(func.lower(Enrolment.ticket_token) == token.lower())
            .order_by(Enrolment.id)
            .limit(1)
        ).first()
    return found


def check_in_by_code(
    session: CohortSession, code: str, by: User, *, now: datetime | None = None
) -> CheckIn:
    """Check in everyone on the ticket with this code, at the door of `session`.

    Scanning twice (or two helpers at once) never makes a second record: the
    second answer is ALREADY, with the time and the name of whoever was first.
    """
    now = now or utcnow()
    enrolment = find_ticket(code)
    if enrolment is None:
        return CheckIn(ScanOutcome.UNKNOWN)
    if enrolment.cohort_id != session.cohort_id:
        return CheckIn(ScanOutcome.WRONG_COHORT, enrolment)
    if enrolment.status not in ON_REGISTER:
        return CheckIn(ScanOutcome.NOT_CONFIRMED, enrolment)
    if not is_today(session, now):
        return CheckIn(ScanOutcome.NOT_TODAY, enrolment)
    arrived, earlier = _arrive_all(enrolment.attendees, session, by, MarkMethod.QR, now)
    outcome = ScanOutcome.CHECKED_IN if arrived else ScanOutcome.ALREADY
    return CheckIn(outcome, enrolment, tuple(arrived), earlier)


# Self check-in -----------------------------------------------------------------------


def _window(moment: datetime) -> int:
    return int(moment.timestamp()) // CODE_WINDOW


def _code(session_id: int, window: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    message = f"self-checkin:{session_id}:{window}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:16]


def checkin_code(session: CohortSession, now: datetime | None = None) -> str:
    """The session's self check-in code for the current 30-second window."""
    return _code(session.id, _window(now or utcnow()))


def seconds_until_next_code(now: datetime | None = None) -> int:
    return CODE_WINDOW - int((now or utcnow()).timestamp()) % CODE_WINDOW


def code_is_valid(session: CohortSession, code: str, at: datetime) -> bool:
    """The code of the window `at` falls in, or of the one before (a code shown at
    the end of its 30 seconds still works when the phone opens it)."""
    window = _window(at)
    given = (code or "").encode()
    return any(
        hmac.compare_digest(given, _code(session.id, w).encode()) for w in (window, window - 1)
    )


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


def own_attendees(session: CohortSession, user: User) -> list[Attendee]:
    """The attendees of the user's confirmed bookings in the session's cohort."""
    return list(
        db.session.scalars(
            select(Attendee)
            .join(Attendee.enrolment)
            .where(
                Enrolment.cohort_id == session.cohort_id,
                Enrolment.user_id == user.id,
                Enrolment.status.in_(ON_REGISTER),
            )
            .order_by(Attendee.id)
        )
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
    db.session.commit()


# Check-out ---------------------------------------------------------------------------


def _same_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def collectors(enrolment: Enrolment, attendees=None) -> list[str]:
    """Who may collect the booking's children: the account holder, the adults of
    the party, and the adults the booking names; each once, in that order.

    `attendees` are the enrolment's, when the caller has them loaded already.
    """
    party = enrolment.attendees if attendees is None else attendees
    names = [enrolment.user.name] if enrolment.user is not None else []
    names += [attendee.name for attendee in party if not attendee.is_child]
    names += list(enrolment.authorised_collectors or [])
    unique: dict[str, str] = {}
    for name in names:
        if name and name.strip():
            unique.setdefault(_same_name(name), name.strip())
    return list(unique.values())


def check_out(
    attendance: Attendance, collected_by: str, by: User, *, now: datetime | None = None
) -> Attendance:
    """Release a child who is here to an adult named on the booking, once."""
    now = now or utcnow()
    attendee = attendance.attendee
    if not attendee.is_child:
        raise CheckOutRefused(_l("Only children are checked out."))
    if attendance.state not in ATTENDED:
        raise CheckOutRefused(_l("%(name)s is not marked as here.", name=attendee.name))
    if not (collected_by or "").strip():
        raise CheckOutRefused(_l("Choose who collects %(name)s.", name=attendee.name))
    allowed = {_same_name(name): name for name in collectors(attendee.enrolment)}
    collector = allowed.get(_same_name(collected_by))
    if collector is None:
        raise CheckOutRefused(
            _l(
                "%(collector)s is not named on the booking: %(name)s may only leave "
                "with an adult of the booking.",
                collector=collected_by.strip(),
                name=attendee.name,
            )
        )
    try:
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
            raise CheckOutRefused(_l("%(name)s is already checked out.", name=attendee.name))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    db.session.refresh(attendance)
    return attendance


def still_on_site(session: CohortSession) -> list[Attendance]:
    """Children marked present or late and not checked out yet."""
    return list(
        db.session.scalars(
            select(Attendance)
            .join(Attendance.attendee)
            .where(
                Attendance.session_id == session.id,
                Attendance.state.in_(ATTENDED),
                Attendance.checked_out_at.is_(None),
                Attendee.is_child,
            )
            .options(contains_eager(Attendance.attendee))
            .order_by(Attendee.name)
        )
    )


# Walk-ins ----------------------------------------------------------------------------


def walk_in(
    session: CohortSession, name: str, by: User, *, now: datetime | None = None
) -> Attendance:
    """Seat someone without a booking (CohortFull when there is no seat) and mark
    them present."""
    enrolment = lifecycle.add_walk_in(session.cohort, name, by)
    return mark(enrolment.attendees[0], session, A.PRESENT, by, MarkMethod.WALK_IN, now=now)


# The register ------------------------------------------------------------------------


@dataclass
class Row:
    """One expected attendee on a session's register."""

    attendee: Attendee
    attendance: Attendance | None
    changes: list[AttendanceChange]
    #: Adults who may collect this attendee (children only).
    collectors: list[str]

    @property
    def enrolment(self) -> Enrolment:
        return self.attendee.enrolment

    @property
    def party_name(self) -> str | None:
        """The account holder's name; None for a walk-in."""
        user = self.enrolment.user
        return user.name if user is not None else None

    @property
    def state(self) -> AttendanceState | None:
        return self.attendance.state if self.attendance else None

    @property
    def no_photos(self) -> bool:
        """Photo consent not given: by the household member's record, by the
        booking, or never asked (a walk-in)."""
        member = self.attendee.household_member
        if member is not None and not member.photo_consent:
            return True
        return self.enrolment.photo_consent is False or self.enrolment.is_walk_in

    @property
    def needs(self) -> list[tuple[str, str]]:
        """("medical" | "dietary" | "access", what to know), for the team only."""
        member = self.attendee.household_member
        if member is None:
            return []
        found = [
            ("medical", member.medical_needs),
            ("dietary", member.dietary_needs),
            ("access", member.access_needs),
        ]
        return [(kind, text.strip()) for kind, text in found if text and text.strip()]

    @property
    def on_site(self) -> bool:
        """A child who is here and has not been collected yet."""
        return (
            self.attendee.is_child
            and self.state in ATTENDED
            and self.attendance.checked_out_at is None
        )

    def matches(self, words: str) -> bool:
        haystack = _same_name(f"{self.attendee.name} {self.party_name or ''}")
        return all(word in haystack for word in _same_name(words).split())


@dataclass
class Counts:
    expected: int = 0
    present: int = 0
    late: int = 0
    absent: int = 0
    excused: int = 0
    unmarked: int = 0
    #: Children present or late and not checked out.
    on_site: int = 0


@dataclass
class Register:
    session: CohortSession
    #: Everyone expected, by name; `shown` are those matching the search.
    rows: list[Row]
    counts: Counts
    shown: list[Row] = field(default_factory=list)

    def row(self, attendee_id: int) -> Row | None:
        return next((row for row in self.rows if row.attendee.id == attendee_id), None)


def _count(rows: list[Row]) -> Counts:
    counts = Counts(expected=len(rows))
    for row in rows:
        if row.state is None:
            counts.unmarked += 1
        else:
            setattr(counts, row.state.value, getattr(counts, row.state.value) + 1)
        counts.on_site += row.on_site
    return counts


def register(session: CohortSession, *, search: str | None = None) -> Register:
    """Everyone expected at the session, with their marks, change history and who
    may collect them, in four queries however many there are."""
    attendees = list(
        db.session.scalars(
            select(Attendee)
            .join(Attendee.enrolment)
            .where(
                Attendee.cohort_id == session.cohort_id,
                Enrolment.status.in_(ON_REGISTER),
            )
            .options(
                contains_eager(Attendee.enrolment).joinedload(Enrolment.user),
                joinedload(Attendee.household_member),
            )
        )
    )
    marks = {
        mark.attendee_id: mark
        for mark in db.session.scalars(
            select(Attendance)
            .where(Attendance.session_id == session.id)
            .options(joinedload(Attendance.marked_by), joinedload(Attendance.released_by))
            .execution_options(populate_existing=True)
        )
    }
    changes: dict[int, list[AttendanceChange]] = defaultdict(list)
    for change in db.session.scalars(
        select(AttendanceChange)
        .join(Attendance, AttendanceChange.attendance_id == Attendance.id)
        .where(Attendance.session_id == session.id)
        .options(joinedload(AttendanceChange.changed_by))
        .order_by(AttendanceChange.changed_at, AttendanceChange.id)
    ):
        changes[change.attendance_id].append(change)
    parties: dict[int, list[Attendee]] = defaultdict(list)
    for attendee in attendees:
        parties[attendee.enrolment_id].append(attendee)

    rows = []
    for attendee in sorted(attendees, key=lambda a: (_same_name(a.name), a.id)):
        attendance = marks.get(attendee.id)
        rows.append(
            Row(
                attendee=attendee,
                attendance=attendance,
                changes=changes.get(attendance.id, []) if attendance else [],
                collectors=(
                    collectors(attendee.enrolment, parties[attendee.enrolment_id])
                    if attendee.is_child
                    else []
                ),
            )
        )
    shown = [row for row in rows if row.matches(search)] if search else rows
    return Register(session, rows, _count(rows), shown)
