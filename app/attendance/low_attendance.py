"""Low-attendance warnings: one friendly email while there is still time to catch up.

A cohort with `warning_after_sessions` set is checked once that many of its
sessions have ended, and for as long as a session is still to come (after the
last one a warning could change nothing; completion speaks then). Each attendee
on the register whose share of the ended sessions (the rule in `records`) is
below `warning_below_share` is warned once: an AttendanceWarning row, and an email
to the enrolment's account holder naming everyone of the party warned in that
run. Nobody is warned twice, even when the job runs twice at the same moment:
the row is inserted with ON CONFLICT DO NOTHING against its unique attendee, and
the email is only written, in the same transaction, when the insert took.
"""

from collections import defaultdict
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.attendance.models import AttendanceWarning
from app.attendance.queries import marks_by_attendee
from app.attendance.rules import (
    Tally,
    ended_sessions,
    share_decimal,
    tally,
)
from app.core.address import absolute_url
from app.core.db import utcnow
from app.core.outbox import queue_mail
from app.core.transaction import transaction
from app.enrolment.models import Attendee, Enrolment, EnrolmentStatus
from app.extensions import db
from app.programmes.models import Cohort, CohortSession


def is_due(cohort: Cohort, now: datetime) -> bool:
    """Enough sessions have ended to judge, and at least one is still to come."""
    if cohort.warning_after_sessions is None:
        return False
    ended = len(ended_sessions(cohort, now))
    return cohort.warning_after_sessions <= ended < len(cohort.sessions)


def is_low(result: Tally, cohort: Cohort) -> bool:
    share = result.share
    return share is not None and share < cohort.warning_below_share


def warn_cohort(cohort: Cohort, now: datetime | None = None) -> int:
    """Warn every attendee of the cohort now below the share; how many were warned.

    Changes and flushes only: the caller commits (`with transaction():`).
    """
    now = now or utcnow()
    if not is_due(cohort, now):
        return 0
    sessions = ended_sessions(cohort, now)
    already = set(
        db.session.scalars(
            select(AttendanceWarning.attendee_id).where(AttendanceWarning.cohort_id == cohort.id)
        )
    )
    attendees = db.session.scalars(
        select(Attendee)
        .join(Enrolment, Enrolment.id == Attendee.enrolment_id)
        .where(
            Attendee.cohort_id == cohort.id,
            Enrolment.status == EnrolmentStatus.CONFIRMED,
        )
        .options(selectinload(Attendee.enrolment).selectinload(Enrolment.user))
        .order_by(Attendee.id)
    ).all()
    marks = marks_by_attendee(cohort.id)
    warned: dict[Enrolment, list[tuple[Attendee, Tally]]] = defaultdict(list)
    for attendee in attendees:
        if attendee.id in already:
            continue
        result = tally(marks.get(attendee.id, {}), sessions)
        if is_low(result, cohort) and _record_once(cohort, attendee, result, now):
            warned[attendee.enrolment].append((attendee, result))
    for enrolment, people in warned.items():
        _notify(enrolment, people, sessions_ended=len(sessions), now=now)
    return sum(len(people) for people in warned.values())


def _record_once(cohort: Cohort, attendee: Attendee, result: Tally, now: datetime) -> bool:
    """Insert the attendee's warning unless one exists; True when this call inserted it."""
    values = {
        "attendee_id": attendee.id,
        "cohort_id": cohort.id,
        "attendance_share": share_decimal(result.share),
        "sent_at": now,
    }
    dialect = db.session.get_bind().dialect.name
    if dialect in {"postgresql", "sqlite"}:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        inserted = db.session.execute(
            insert(AttendanceWarning)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["attendee_id"])
            .returning(AttendanceWarning.id)
        ).scalar()
        return inserted is not None
    try:  # any other database: a savepoint around a plain insert
        with db.session.begin_nested():
            db.session.add(AttendanceWarning(**values))
    except IntegrityError:
        return False
    return True


def _notify(
    enrolment: Enrolment, people: list[tuple[Attendee, Tally]], *, sessions_ended: int, now
) -> None:
    if enrolment.user is None:  # a walk-in: the team sees the flag, nobody to write to
        return
    cohort = enrolment.cohort
    title = cohort.full_title
    queue_mail(
        enrolment.user,
        kind="attendance_warning",
        subject=_l("We have missed you at %(title)s", title=title),
        template="attendance_warning",
        cohort=cohort,
        programme=cohort.programme,
        title=title,
        people=people,
        sessions_ended=sessions_ended,
        required_percent=int(cohort.completion_share * 100),
        upcoming=[session for session in cohort.sessions if session.starts_at > now],
        enrolment_url=absolute_url("enrolment_participant.detail", enrolment_id=enrolment.id),
    )


def due_cohorts(now: datetime) -> list[Cohort]:
    """Cohorts with warnings on and a session still to come (`is_due` decides the rest)."""
    return list(
        db.session.scalars(
            select(Cohort)
            .where(
                Cohort.warning_after_sessions.is_not(None),
                exists().where(CohortSession.cohort_id == Cohort.id, CohortSession.ends_at > now),
                exists().where(
                    Enrolment.cohort_id == Cohort.id,
                    Enrolment.status.in_(EnrolmentStatus.ON_REGISTER),
                ),
            )
            .order_by(Cohort.id)
        )
    )


def warn_low_attendance(now: datetime | None = None) -> int:
    """The scheduled check over every cohort: how many attendees were warned.

    The batch entry point of the scheduled job: one transaction per cohort.
    """
    now = now or utcnow()
    warned = 0
    for cohort in due_cohorts(now):
        if is_due(cohort, now):
            with transaction():
                warned += warn_cohort(cohort, now)
    return warned
