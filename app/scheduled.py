"""The periodic job behind `flask enrolment run-scheduled`: every change that time
makes due, in one entry point for cron (or one RQ job when Redis is configured)."""

from dataclasses import dataclass
from datetime import datetime

from app.attendance.completion import SCHEDULED_LOOKBACK, CompletionReport, complete_ended_cohorts
from app.attendance.low_attendance import warn_low_attendance
from app.core.db import utcnow
from app.core.transaction import transaction
from app.enrolment import lifecycle
from app.programmes import listing


@dataclass
class ScheduledReport:
    expired: int
    reminded: int
    completion: CompletionReport
    warned: int
    relisted: int

    def __str__(self) -> str:
        return (
            f"expired {self.expired}, reminded {self.reminded}, "
            f"completed {self.completion.enrolments}, "
            f"certificates {self.completion.certificates}, warned {self.warned}, "
            f"catalogue dates moved on {self.relisted}"
        )


def run_scheduled(now: datetime | None = None) -> ScheduledReport:
    """Offers first (expire, remind), then cohorts that ended lately, then warnings,
    then the catalogue's next dates of programmes whose next cohort has ended."""
    now = now or utcnow()
    expired, reminded = lifecycle.expire_offers(now), lifecycle.remind_expiring_offers(now)
    completion = complete_ended_cohorts(now, since=now - SCHEDULED_LOOKBACK)
    warned = warn_low_attendance(now)
    with transaction():
        relisted = listing.refresh_expired(now)
    return ScheduledReport(expired, reminded, completion, warned, relisted)
