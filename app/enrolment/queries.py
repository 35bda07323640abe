"""Read-only questions about enrolments, shared by the lifecycle, pages and mail."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import Cohort, Enrolment, EnrolmentStatus


def waitlist(cohort: Cohort) -> list[Enrolment]:
    """The waitlist in order of arrival."""
    return list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.WAITLISTED)
            .order_by(Enrolment.waitlisted_at, Enrolment.id)
        )
    )


def waitlist_position(enrolment: Enrolment) -> int | None:
    """1 for the first party in line; None when not waitlisted."""
    if enrolment.status != EnrolmentStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(
        select(func.count(Enrolment.id)).where(
            Enrolment.cohort_id == enrolment.cohort_id,
            Enrolment.status == EnrolmentStatus.WAITLISTED,
            (Enrolment.waitlisted_at < enrolment.waitlisted_at)
            | (
                (Enrolment.waitlisted_at == enrolment.waitlisted_at) & (Enrolment.id < enrolment.id)
            ),
        )
    )
    return ahead + 1
