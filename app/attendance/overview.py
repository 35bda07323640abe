"""Attendance as people read it: a cohort's matrix for its team, and a participant's
own attendance and certificates (the partial on /me/)."""

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.attendance.certificates import hours_text
from app.attendance.display import state_label
from app.attendance.records import (
    ON_REGISTER,
    Marks,
    Tally,
    ended_sessions,
    has_ended,
    marks_by_attendee,
    meets,
    tally,
)
from app.extensions import db
from app.models import (
    AttendanceState,
    AttendanceWarning,
    Attendee,
    Certificate,
    Cohort,
    CohortSession,
    Enrolment,
    EnrolmentStatus,
    User,
)
from app.models.types import utcnow

#: One character per state for the matrix; the label goes beside it for screen readers.
STATE_SYMBOLS = {
    AttendanceState.PRESENT: "✓",
    AttendanceState.LATE: "L",
    AttendanceState.EXCUSED: "E",
    AttendanceState.ABSENT: "✗",
}


class CompletionStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"  #: sessions still to come
    COMPLETED = "completed"
    DUE = "due"  #: met the rule; the completion run has not marked it yet
    NOT_COMPLETED = "not_completed"


COMPLETION_LABELS = {
    CompletionStatus.IN_PROGRESS: _l("In progress"),
    CompletionStatus.COMPLETED: _l("Completed"),
    CompletionStatus.DUE: _l("Met the rule, not marked yet"),
    CompletionStatus.NOT_COMPLETED: _l("Not completed"),
}


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
        .where(Attendee.cohort_id == cohort.id, Enrolment.status.in_(ON_REGISTER))
        .order_by(Attendee.name, Attendee.id)
    )


def _count(statement) -> int:
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
    overview.on_register = _count(register_attendees(cohort))
    overview.completed = _count(
        select(Enrolment.id).where(
            Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.COMPLETED
        )
    )
    overview.certificates = _count(select(Certificate.id).where(Certificate.cohort_id == cohort.id))
    overview.warnings = _count(
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
        .where(Enrolment.user_id == user.id, Enrolment.status.in_(ON_REGISTER))
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


#: Registered as template globals by the blueprint.
AFTER_HELPERS = {
    "attendance_state_label": state_label,  # the same as the door's pages
    "attendance_state_symbols": STATE_SYMBOLS,
    "completion_labels": COMPLETION_LABELS,
    "my_attendance": my_attendance,
    "hours_text": hours_text,
}
