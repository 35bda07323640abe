"""Building blocks for the tests of what follows the sessions (completion, certificates,
warnings, exports): a cohort whose sessions are behind us, people booked on it
through the lifecycle, and their marks written as a short string."""

from datetime import date, timedelta

from app.accounts.models import User
from app.attendance.models import Attendance, AttendanceState, MarkMethod
from app.core.db import utcnow
from app.core.transaction import transaction
from app.enrolment import lifecycle
from app.enrolment.models import Enrolment, HouseholdMember, PersonKind
from app.enrolment.rules import Party
from app.extensions import db
from app.programmes.models import Cohort, ProgrammeKind

#: One letter per session: Present, Late, Excused, Absent, or "-" for no mark.
STATES = {
    "P": AttendanceState.PRESENT,
    "L": AttendanceState.LATE,
    "E": AttendanceState.EXCUSED,
    "A": AttendanceState.ABSENT,
}


def make_course(
    make_programme,
    make_cohort,
    make_session,
    *,
    hours=(2, 2, 2, 2),
    ended: int | None = None,
    kind=ProgrammeKind.TEACHER_TRAINING,
    team=(),
    **cohort_values,
) -> Cohort:
    """A weekly cohort with a session per entry of `hours` (its length). `ended` of
    them are over (all by default); the rest are still to come."""
    programme = make_programme(kind=kind, team=team)
    cohort = make_cohort(programme, **cohort_values)
    ended = len(hours) if ended is None else ended
    now = utcnow().replace(microsecond=0)
    first = now - timedelta(weeks=ended - 1, days=1) if ended else now + timedelta(days=1)
    for n, length in enumerate(hours):
        make_session(cohort, first + timedelta(weeks=n), hours=length, title=f"Session {n + 1}")
    db.session.refresh(cohort)
    return cohort


def book(cohort: Cohort, user: User, *, members=(), account_holder: bool = True) -> Enrolment:
    """Book a place as it was done before the first session (through the lifecycle)."""
    before = cohort.sessions[0].starts_at - timedelta(days=2)
    with transaction():
        return lifecycle.book(
            user,
            cohort,
            Party(members=tuple(members), account_holder=account_holder),
            now=before,
        )


def household(user: User, *names: str, **needs) -> list[HouseholdMember]:
    members = [
        HouseholdMember(
            owner=user, kind=PersonKind.CHILD, name=name, date_of_birth=date(2015, 1, 1), **needs
        )
        for name in names
    ]
    db.session.add_all(members)
    db.session.commit()
    return members


def mark(attendee, cohort: Cohort, letters: str, by: User | None = None) -> None:
    """Mark `attendee` at the cohort's sessions in order: mark(a, cohort, "PPL-E")."""
    for session, letter in zip(cohort.sessions, letters, strict=False):
        if letter == "-":
            continue
        db.session.add(
            Attendance(
                session_id=session.id,
                attendee_id=attendee.id,
                state=STATES[letter],
                method=MarkMethod.REGISTER,
                marked_by_id=by.id if by else None,
            )
        )
    db.session.commit()
