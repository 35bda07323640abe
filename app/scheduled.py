"""The periodic job behind `flask enrolment run-scheduled`: every change that time
makes due, in one entry point for cron (or one RQ job when Redis is configured)."""

from dataclasses import dataclass
from datetime import datetime

from app.attendance.completion import SCHEDULED_LOOKBACK, CompletionReport, complete_ended_cohorts
from app.attendance.low_attendance import warn_low_attendance
from app.core.db import utcnow
from app.enrolment import lifecycle


@dataclass
class ScheduledReport:
    expired: int
    reminded: int
    completion: CompletionReport
    warned: int

    def __str__(self) -> str:
        return (
            f"expired {self.expired}, reminded {self.reminded}, "
            f"completed {self.completion.enrolments}, "
            f"certificates {self.completion.certificates}, warned {self.warned}"
        )


def run_scheduled(now: datetime | None = None) -> ScheduledReport:
    """Offers first (expire, remind), then cohorts that ended lately, then warnings."""
    now = now or utcnow()
    expired, reminded = lifecycle.expire_offers(now), lifecycle.remind_expiring_offers(now)
    completion = complete_ended_cohorts(now, since=now - SCHEDULED_LOOKBACK)
    return ScheduledReport(expired, reminded, completion, warn_low_attendance(now))
