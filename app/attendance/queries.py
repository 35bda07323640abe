"""Attendance read models: marks by attendee, tickets and who may collect a child,
a session's register, a cohort's matrix and a participant's own record. Nothing
here changes anything (the changes are in `commands`)."""

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from app.accounts.models import User
from app.attendance.models import (
    Attendance,
    AttendanceChange,
    AttendanceState,
    AttendanceWarning,
    Certificate,
    DoorConflict,
    MarkMethod,
)
from app.attendance.rules import (
    ATTENDED,
    Marks,
    Tally,
    _same_name,
    ended_sessions,
    has_ended,
    meets,
    tally,
)
from app.core.db import utcnow
from app.enrolment import tickets
from app.enrolment.models import Attendee, Enrolment, EnrolmentStatus, HouseholdMember
from app.extensions import db
from app.programmes.models import Cohort, CohortSession

A = AttendanceState


def attendance_of(session: CohortSession, attendee: Attendee) -> Attendance | None:
    """The attendee's mark at the session, if any."""
    return attendance_by_ids(session.id, attendee.id)


def marks_by_attendee(
    cohort_id: int, attendee_ids: Iterable[int] | None = None
) -> dict[int, Marks]:
    """Every mark of the cohort's sessions, by attendee (only these attendees, if given)."""
    statement = (
        select(Attendance.attendee_id, Attendance.session_id, Attendance.state)
        .join(CohortSession, CohortSession.id == Attendance.session_id)
        .where(CohortSession.cohort_id == cohort_id)
    )
    if attendee_ids is not None:
        statement = statement.where(Attendance.attendee_id.in_(list(attendee_ids)))
    marks: dict[int, Marks] = defaultdict(dict)
    for attendee_id, session_id, state in db.session.execute(statement):
        marks[attendee_id][session_id] = state
    return marks


def find_ticket(ticket: tickets.TicketText | None) -> Enrolment | None:
    """The enrolment whose ticket this is (`tickets.read_ticket` of a scanned or typed code).

    A code is looked up as read (it is stored so); a token of a ticket issued before
    codes matches exactly too, but typed by hand it may differ in case, and is then
    looked up again without regard to case.
    """
    if ticket is None or ticket.mistyped:
        return None
    if ticket.code is not None:
        match = Enrolment.ticket_code == ticket.code
    else:
        match = Enrolment.ticket_token == ticket.token
    # With its party: a scan checks them all in.
    party = joinedload(Enrolment.attendees)
    found = db.session.scalars(select(Enrolment).where(match).options(party)).unique().one_or_none()
    if found is None and ticket.token is not None:
        found = db.session.scalars(
            select(Enrolment)
            .where(func.lower(Enrolment.ticket_token) == ticket.token.lower())
            .order_by(Enrolment.id)
            .limit(1)
        ).first()
    return found


def own_attendees(session: CohortSession, user: User) -> list[Attendee]:
    """The attendees of the user's confirmed bookings in the session's cohort."""
    return list(
        db.session.scalars(
            select(Attendee)
            .join(Attendee.enrolment)
            .where(
                Enrolment.cohort_id == session.cohort_id,
                Enrolment.user_id == user.id,
                Enrolment.status.in_(EnrolmentStatus.ON_REGISTER),
            )
            .order_by(Attendee.id)
        )
    )


def collectors(enrolment: Enrolment, attendees=None) -> list[str]:
    """Who may collect the booking's children: the account holder, the adults of
    the party, and the adults the booking names; each once, in that order.

    `attendees` are the enrolment's, when the caller has them loaded already.
    """
    party = enrolment.attendees if attendees is None else attendees
    return collector_names(
        enrolment.user.name if enrolment.user is not None else None,
        [attendee.name for attendee in party if not attendee.is_child],
        enrolment.authorised_collectors,
    )


def collector_names(holder: str | None, adults: Iterable[str], named: Iterable[str] | None):
    """As `collectors`, from the names alone: the account holder's (None for a
    walk-in), the party's adults' and those the booking names."""
    unique: dict[str, str] = {}
    for name in [holder, *adults, *(named or ())]:
        if name and name.strip():
            unique.setdefault(_same_name(name), name.strip())
    return list(unique.values())


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


# The register ------------------------------------------------------------------------


@dataclass(slots=True)
class Change:
    """A change of a mark, as the register shows it."""

    at: datetime
    #: Who changed it; None for an account deleted since.
    by: str | None
    old: AttendanceState
    new: AttendanceState


@dataclass(slots=True)
class Row:
    """One expected attendee on a session's register, as plain values read in one
    statement: for 500 people, loading them as model objects took longer than
    rendering the page."""

    #: The attendee's id.
    id: int
    name: str
    is_child: bool
    enrolment_id: int
    #: The account holder's name; None for a walk-in.
    party_name: str | None
    #: Photo consent not given: by the household member's record, by the booking,
    #: or never asked (a walk-in).
    no_photos: bool
    #: ("medical" | "dietary" | "access", what to know), for the team only.
    needs: list[tuple[str, str]]
    #: The mark, if any, how and when it was made and by whom (None: an account
    #: deleted since).
    state: AttendanceState | None = None
    method: MarkMethod | None = None
    marked_at: datetime | None = None
    marked_by: str | None = None
    #: A child's release: when, to whom, by whom.
    checked_out_at: datetime | None = None
    collected_by: str | None = None
    released_by: str | None = None
    #: The mark's history, oldest first.
    changes: list[Change] = field(default_factory=list)
    #: Adults who may collect this attendee (children only).
    collectors: list[str] = field(default_factory=list)

    @property
    def on_site(self) -> bool:
        """A child who is here and has not been collected yet."""
        return self.is_child and self.state in ATTENDED and self.checked_out_at is None

    def matches(self, words: str) -> bool:
        haystack = _same_name(f"{self.name} {self.party_name or ''}")
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


def _on_register(session: CohortSession):
    """Attendees expected at the session (with their booking joined), each with
    their mark there, if any (outer-joined)."""
    return (
        select(Attendee, Attendance)
        .join(Attendee.enrolment)
        .outerjoin(
            Attendance,
            (Attendance.attendee_id == Attendee.id) & (Attendance.session_id == session.id),
        )
        .where(
            Attendee.cohort_id == session.cohort_id,
            # The same cohort, said of the booking too: its index then finds them,
            # instead of a scan of every booking.
            Enrolment.cohort_id == session.cohort_id,
            Enrolment.status.in_(EnrolmentStatus.ON_REGISTER),
        )
    )


_Booker = aliased(User)
_Marker = aliased(User)
_Releaser = aliased(User)
_Changer = aliased(User)


def _needs(medical: str | None, dietary: str | None, access: str | None):
    found = [("medical", medical), ("dietary", dietary), ("access", access)]
    return [(kind, text.strip()) for kind, text in found if text and text.strip()]


def register_rows(session: CohortSession, attendee_ids: Iterable[int] | None = None) -> list[Row]:
    """The register's rows, by name: everyone's, or only these attendees' (as a tap
    or a scan changed them). One statement however many, of the columns shown:
    each attendee with their booking, account holder, household record, mark, who
    marked and released them and the mark's changes (a line for each); their
    whole party too, for who may collect a child."""
    statement = (
        _on_register(session)
        .with_only_columns(
            Attendee.id,
            Attendee.name,
            Attendee.is_child,
            Attendee.enrolment_id,
            _Booker.name,
            Enrolment.photo_consent,
            Enrolment.is_walk_in,
            Enrolment.authorised_collectors,
            HouseholdMember.id,
            HouseholdMember.photo_consent,
            HouseholdMember.medical_needs,
            HouseholdMember.dietary_needs,
            HouseholdMember.access_needs,
            Attendance.state,
            Attendance.method,
            Attendance.marked_at,
            _Marker.name,
            Attendance.checked_out_at,
            Attendance.collected_by,
            _Releaser.name,
            AttendanceChange.changed_at,
            _Changer.name,
            AttendanceChange.from_state,
            AttendanceChange.to_state,
        )
        .outerjoin(_Booker, _Booker.id == Enrolment.user_id)
        .outerjoin(HouseholdMember, HouseholdMember.id == Attendee.household_member_id)
        .outerjoin(_Marker, _Marker.id == Attendance.marked_by_id)
        .outerjoin(_Releaser, _Releaser.id == Attendance.released_by_id)
        .outerjoin(AttendanceChange, AttendanceChange.attendance_id == Attendance.id)
        .outerjoin(_Changer, _Changer.id == AttendanceChange.changed_by_id)
        .order_by(Attendee.id, AttendanceChange.changed_at, AttendanceChange.id)
    )
    wanted = None
    if attendee_ids is not None:
        wanted = set(attendee_ids)
        if not wanted:
            return []
        parties = select(Attendee.enrolment_id).where(Attendee.id.in_(wanted))
        statement = statement.where(Attendee.enrolment_id.in_(parties))
    rows: list[Row] = []
    adults: dict[int, list[str]] = defaultdict(list)
    children: list[tuple[Row, str | None, list[str] | None]] = []
    row = None
    for (
        id_,
        name,
        is_child,
        enrolment_id,
        booker,
        booking_photos,
        walk_in,
        named,
        member_id,
        member_photos,
        medical,
        dietary,
        access,
        state,
        method,
        marked_at,
        marker,
        checked_out_at,
        collected_by,
        releaser,
        changed_at,
        changer,
        old,
        new,
    ) in db.session.execute(statement):
        if row is None or row.id != id_:
            row = Row(
                id_,
                name,
                is_child,
                enrolment_id,
                booker,
                (member_id is not None and not member_photos) or booking_photos is False or walk_in,
                _needs(medical, dietary, access) if member_id is not None else [],
                state,
                method,
                marked_at,
                marker,
                checked_out_at,
                collected_by,
                releaser,
            )
            if is_child:
                children.append((row, booker, named))
            else:
                adults[enrolment_id].append(name)
            if wanted is None or id_ in wanted:
                rows.append(row)
        if changed_at is not None:
            row.changes.append(Change(changed_at, changer, old, new))
    for child, booker, named in children:
        child.collectors = collector_names(booker, adults[child.enrolment_id], named)
    rows.sort(key=lambda row: (_same_name(row.name), row.id))
    return rows


def register_counts(session: CohortSession) -> Counts:
    """How many are expected, marked each way, not marked, and children on site:
    counted by the database, in one query."""
    marked = func.count(Attendance.id)
    expected, *by_state, on_site = db.session.execute(
        _on_register(session)
        .with_only_columns(
            func.count(Attendee.id),
            *(marked.filter(Attendance.state == state) for state in A),
            marked.filter(
                Attendee.is_child,
                Attendance.state.in_(ATTENDED),
                Attendance.checked_out_at.is_(None),
            ),
        )
        .select_from(Attendee)
    ).one()
    counts = Counts(expected=expected, on_site=on_site)
    for state, number in zip(A, by_state, strict=True):
        setattr(counts, state.value, number)
    counts.unmarked = expected - sum(by_state)
    return counts


def register(session: CohortSession, *, search: str | None = None) -> Register:
    """Everyone expected at the session, with their marks, change history and who
    may collect them, and the counts: two queries however many there are."""
    rows = register_rows(session)
    shown = [row for row in rows if row.matches(search)] if search else rows
    return Register(session, rows, register_counts(session), shown)


# The door's phones ---------------------------------------------------------------------


def ticket_codes(session: CohortSession) -> dict[int, list[str]]:
    """The codes of each ticket that lets people in to the session (the confirmed
    bookings of its cohort), by booking: what a phone at the door matches while it
    is offline (see `tickets.codes_for`)."""
    bookings = db.session.scalars(
        select(Enrolment).where(
            Enrolment.cohort_id == session.cohort_id,
            Enrolment.status.in_(EnrolmentStatus.ON_REGISTER),
        )
    )
    return {enrolment.id: list(tickets.codes_for(enrolment)) for enrolment in bookings}


def changed_since(session: CohortSession, since: datetime) -> list[int]:
    """The attendees whose mark at the session changed at or after `since` (server time)."""
    return list(
        db.session.scalars(
            select(Attendance.attendee_id).where(
                Attendance.session_id == session.id, Attendance.updated_at >= since
            )
        )
    )


def door_conflicts(session: CohortSession) -> list[DoorConflict]:
    """People let in twice at the session by phones that were offline, in the order
    they were found, with their names and who let them in."""
    return list(
        db.session.scalars(
            select(DoorConflict)
            .where(DoorConflict.session_id == session.id)
            .options(
                joinedload(DoorConflict.attendee),
                joinedload(DoorConflict.first_by),
                joinedload(DoorConflict.second_by),
            )
            .order_by(DoorConflict.found_at, DoorConflict.id)
        )
    )


class CompletionStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"  #: sessions still to come
    COMPLETED = "completed"
    DUE = "due"  #: met the rule; the completion run has not marked it yet
    NOT_COMPLETED = "not_completed"


def completion_status(
    required: Decimal,
    ended: bool,
    enrolment_status: EnrolmentStatus,
    result: Tally,
    certified: bool,
) -> CompletionStatus:
    if certified:
        return CompletionStatus.COMPLETED
    if not ended:
        return CompletionStatus.IN_PROGRESS
    if not meets(result, required):
        return CompletionStatus.NOT_COMPLETED
    if enrolment_status == EnrolmentStatus.COMPLETED:
        return CompletionStatus.COMPLETED
    return CompletionStatus.DUE


# A cohort's matrix -----------------------------------------------------------------------


@dataclass
class AttendeeRow:
    attendee: Attendee
    account: User | None
    marks: Marks
    #: Over the sessions that have ended so far.
    result: Tally
    status: CompletionStatus
    certificate: Certificate | None
    warning: AttendanceWarning | None


@dataclass
class CohortOverview:
    cohort: Cohort
    ended: bool
    #: Ids of the sessions that have ended.
    ended_ids: set[int]
    page: Pagination
    rows: list[AttendeeRow] = field(default_factory=list)
    on_register: int = 0
    completed: int = 0
    certificates: int = 0
    warnings: int = 0


def register_attendees(cohort: Cohort):
    """The statement for the attendees on a cohort's register, by name."""
    return (
        select(Attendee)
        .join(Enrolment, Enrolment.id == Attendee.enrolment_id)
        .where(Attendee.cohort_id == cohort.id, Enrolment.status.in_(EnrolmentStatus.ON_REGISTER))
        .order_by(Attendee.name, Attendee.id)
    )


def _count_rows(statement) -> int:
    return db.session.scalar(select(func.count()).select_from(statement.subquery()))


def cohort_overview(
    cohort: Cohort, *, page: int = 1, per_page: int = 50, now: datetime | None = None
) -> CohortOverview:
    """One page of the cohort's matrix: attendees x sessions, with completion and warnings."""
    now = now or utcnow()
    sessions = ended_sessions(cohort, now)
    ended = has_ended(cohort, now)
    pagination = db.paginate(
        register_attendees(cohort).options(
            selectinload(Attendee.enrolment).selectinload(Enrolment.user)
        ),
        page=page,
        per_page=per_page,
        error_out=False,
    )
    attendees = list(pagination.items)
    ids = [attendee.id for attendee in attendees]
    marks = marks_by_attendee(cohort.id, ids)
    certificates = {
        c.attendee_id: c
        for c in db.session.scalars(select(Certificate).where(Certificate.attendee_id.in_(ids)))
    }
    warnings = {
        w.attendee_id: w
        for w in db.session.scalars(
            select(AttendanceWarning).where(AttendanceWarning.attendee_id.in_(ids))
        )
    }
    overview = CohortOverview(cohort, ended, {s.id for s in sessions}, pagination)
    for attendee in attendees:
        result = tally(marks.get(attendee.id, {}), sessions)
        certificate = certificates.get(attendee.id)
        overview.rows.append(
            AttendeeRow(
                attendee=attendee,
                account=attendee.enrolment.user,
                marks=marks.get(attendee.id, {}),
                result=result,
                status=completion_status(
                    cohort.completion_share,
                    ended,
                    attendee.enrolment.status,
                    result,
                    certificate is not None,
                ),
                certificate=certificate,
                warning=warnings.get(attendee.id),
            )
        )
    overview.on_register = _count_rows(register_attendees(cohort))
    overview.completed = _count_rows(
        select(Enrolment.id).where(
            Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.COMPLETED
        )
    )
    overview.certificates = _count_rows(
        select(Certificate.id).where(Certificate.cohort_id == cohort.id)
    )
    overview.warnings = _count_rows(
        select(AttendanceWarning.id).where(AttendanceWarning.cohort_id == cohort.id)
    )
    return overview


# A participant's own -------------------------------------------------------------------


@dataclass
class MyRecord:
    attendee: Attendee
    cohort: Cohort
    sessions: list[CohortSession]
    marks: Marks
    result: Tally
    status: CompletionStatus
    certificate: Certificate | None


def my_attendance(user: User, now: datetime | None = None) -> list[MyRecord]:
    """The attendance of everyone the user enrolled, in cohorts with a session behind
    them, latest cohort first; with the certificate each earned."""
    if not user.is_authenticated:
        return []
    now = now or utcnow()
    attendees = db.session.scalars(
        select(Attendee)
        .join(Enrolment, Enrolment.id == Attendee.enrolment_id)
        .where(Enrolment.user_id == user.id, Enrolment.status.in_(EnrolmentStatus.ON_REGISTER))
        .options(
            selectinload(Attendee.enrolment)
            .selectinload(Enrolment.cohort)
            .selectinload(Cohort.sessions)
        )
        .order_by(Attendee.id)
    ).all()
    ids = [attendee.id for attendee in attendees]
    certificates = {
        c.attendee_id: c
        for c in db.session.scalars(select(Certificate).where(Certificate.attendee_id.in_(ids)))
    }
    records = []
    for attendee in attendees:
        cohort = attendee.enrolment.cohort
        sessions = ended_sessions(cohort, now)
        if not sessions:
            continue
        marks = marks_by_attendee(cohort.id, [attendee.id]).get(attendee.id, {})
        result = tally(marks, sessions)
        certificate = certificates.get(attendee.id)
        status = completion_status(
            cohort.completion_share,
            has_ended(cohort, now),
            attendee.enrolment.status,
            result,
            certificate is not None,
        )
        records.append(MyRecord(attendee, cohort, sessions, marks, result, status, certificate))
    records.sort(key=lambda r: (r.sessions[-1].ends_at, r.attendee.id), reverse=True)
    return records


def attendance_by_ids(session_id: int, attendee_id: int) -> Attendance | None:
    return db.session.scalar(
        select(Attendance)
        .where(Attendance.session_id == session_id, Attendance.attendee_id == attendee_id)
        .execution_options(populate_existing=True)
    )
