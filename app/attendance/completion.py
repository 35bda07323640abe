"""Completion at the end of a cohort, and the CPD certificates it issues.

Once a cohort's last session has ended, each attendee on its register who
attended at least `cohort.completion_share` of the sessions (the counting rule
is in `records`) has completed it:

- The enrolment becomes COMPLETED as soon as one of its attendees completed
  (a family's booking is done when a child completed, even if a sibling missed
  too much); the attendees who did not meet the rule simply get no certificate,
  and the overview shows them as not completed. An enrolment none of whose
  attendees completed stays CONFIRMED. A completed enrolment holds no seat any
  more: `Cohort.seats_taken` stays the seats of offered and confirmed enrolments,
  as the lifecycle promises.
- Teacher-training cohorts issue one Certificate per completed attendee, with
  the name as enrolled, issued by the programme's partner organisations and signed
  by its signatory as they are at that moment. CPD hours: `cohort.cpd_hours`; with `cpd_pro_rata`,
  `cpd_hours x attended minutes / minutes of the counted sessions`, rounded DOWN
  to the half hour and never above `cpd_hours` (full attendance earns exactly
  `cpd_hours`, even when that is not a multiple of 0.5).
- The account holder gets one email per enrolment, in the same transaction.

Running it again changes nothing that is done (the cohort is locked, statuses
and certificates are checked, the unique constraint on certificates backs it up),
so the scheduled job, the command and the organiser's button may all run it.
Corrections made to marks later complete people who now meet the rule on the
next run; completion and certificates are never withdrawn by the job.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from app.attendance.models import Certificate
from app.attendance.queries import marks_by_attendee
from app.attendance.rules import (
    Tally,
    has_ended,
    meets,
    share_decimal,
    tally,
)
from app.core.actions import record
from app.core.address import absolute_url
from app.core.db import utcnow
from app.core.outbox import queue_mail
from app.core.transaction import transaction
from app.enrolment import lifecycle
from app.enrolment.lifecycle import lock_cohort
from app.enrolment.models import Attendee, Enrolment, EnrolmentStatus
from app.extensions import db
from app.programmes.models import Cohort, CohortSession, ProgrammeKind

#: Programme kinds whose completion earns a certificate.
CERTIFICATE_KINDS = frozenset({ProgrammeKind.TEACHER_TRAINING})

#: The scheduled job looks back this far for cohorts that ended; older ones are
#: completed by `flask attendance complete` or the organiser's button.
SCHEDULED_LOOKBACK = timedelta(days=30)


@dataclass
class CompletionReport:
    cohorts: int = 0
    #: Enrolments that became COMPLETED.
    enrolments: int = 0
    certificates: int = 0

    def add(self, other: "CompletionReport") -> None:
        self.cohorts += other.cohorts
        self.enrolments += other.enrolments
        self.certificates += other.certificates


def issues_certificates(cohort: Cohort) -> bool:
    return cohort.programme.kind in CERTIFICATE_KINDS


def cpd_hours_earned(cohort: Cohort, result: Tally) -> Decimal | None:
    """The CPD hours a completed attendee's certificate states (None: the cohort has none)."""
    if cohort.cpd_hours is None:
        return None
    full = cohort.cpd_hours
    if not cohort.cpd_pro_rata or result.attended_minutes >= result.counted_minutes:
        return full
    earned = Fraction(full) * result.attended_minutes / result.counted_minutes
    halves = math.floor(earned * 2)
    return min(Decimal(halves) / 2, full).quantize(Decimal("0.1"))


def complete_cohort(cohort: Cohort, now: datetime | None = None) -> CompletionReport:
    """Complete everyone who met the rule in an ended cohort; nothing before it ends.

    Changes and flushes only: the caller commits (`with transaction():`), which
    also releases the cohort's lock.
    """
    now = now or utcnow()
    report = CompletionReport()
    if not has_ended(cohort, now):
        return report
    report.cohorts = 1
    lock_cohort(cohort.id)
    enrolments = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(EnrolmentStatus.ON_REGISTER))
        .options(selectinload(Enrolment.attendees), selectinload(Enrolment.user))
        .order_by(Enrolment.id)
        .execution_options(populate_existing=True)
    ).all()
    marks = marks_by_attendee(cohort.id)
    certified = set(
        db.session.scalars(
            select(Certificate.attendee_id).where(Certificate.cohort_id == cohort.id)
        )
    )
    certificates = issues_certificates(cohort)
    for enrolment in enrolments:
        completed, issued = [], []
        for attendee in enrolment.attendees:
            result = tally(marks.get(attendee.id, {}), cohort.sessions)
            if not meets(result, cohort.completion_share):
                continue
            completed.append(attendee)
            if certificates and attendee.id not in certified:
                issued.append(_issue(cohort, attendee, result, now))
        if not completed:
            continue
        newly_completed = lifecycle.complete(enrolment, now)
        if newly_completed:
            report.enrolments += 1
        report.certificates += len(issued)
        if newly_completed or issued:
            record(
                "complete" if newly_completed else "certificates",
                cohort_id=cohort.id,
                enrolment_id=enrolment.id,
                certificates=len(issued),
            )
            db.session.flush()  # certificate ids, for the links in the email
            _notify_completed(enrolment, completed, issued)
    return report


def _issue(cohort: Cohort, attendee: Attendee, result: Tally, now: datetime) -> Certificate:
    """A certificate in the attendee's name, issued by the programme's partners and signed
    by its signatory as they are now (a later change leaves it as it was issued)."""
    programme = cohort.programme
    certificate = Certificate(
        attendee_id=attendee.id,
        cohort_id=cohort.id,
        name=attendee.name,
        cpd_hours=cpd_hours_earned(cohort, result),
        attendance_share=share_decimal(result.share),
        issued_at=now,
        organisations=[organisation.name for organisation in programme.partners],
        signatory_name=programme.signatory_name,
        signatory_title=programme.signatory_title,
    )
    db.session.add(certificate)
    return certificate


def _notify_completed(
    enrolment: Enrolment, completed: list[Attendee], issued: list[Certificate]
) -> None:
    if enrolment.user is None:  # a walk-in: nobody to write to
        return
    cohort = enrolment.cohort
    title = cohort.full_title
    queue_mail(
        enrolment.user,
        kind="attendance_completed",
        subject=_l("You have completed %(title)s", title=title),
        template="attendance_completed",
        cohort=cohort,
        programme=cohort.programme,
        title=title,
        names=[attendee.name for attendee in completed],
        certificates=[
            (
                certificate,
                absolute_url(
                    "attendance_participant.my_certificate", certificate_id=certificate.id
                ),
            )
            for certificate in issued
        ],
        me_url=absolute_url("enrolment_participant.detail", enrolment_id=enrolment.id),
    )


def ended_cohorts(now: datetime, since: datetime | None = None) -> list[Cohort]:
    """Cohorts whose last session ended (after `since`, if given) and whose register
    still has confirmed enrolments: the ones completion may change."""
    last_end = (
        select(CohortSession.cohort_id, func.max(CohortSession.ends_at).label("ends_at"))
        .group_by(CohortSession.cohort_id)
        .subquery()
    )
    statement = (
        select(Cohort)
        .join(last_end, last_end.c.cohort_id == Cohort.id)
        .where(
            last_end.c.ends_at <= now,
            exists().where(
                Enrolment.cohort_id == Cohort.id,
                Enrolment.status == EnrolmentStatus.CONFIRMED,
            ),
        )
        .order_by(Cohort.id)
    )
    if since is not None:
        statement = statement.where(last_end.c.ends_at > since)
    return list(db.session.scalars(statement))


def complete_ended_cohorts(
    now: datetime | None = None, *, since: datetime | None = None
) -> CompletionReport:
    """Run completion on every ended cohort (that ended after `since`, if given).

    The batch entry point of the scheduled job and `flask attendance complete`: one
    transaction per cohort, so that a cohort that fails leaves the others done.
    """
    now = now or utcnow()
    report = CompletionReport()
    for cohort in ended_cohorts(now, since):
        with transaction():
            report.add(complete_cohort(cohort, now))
    return report
