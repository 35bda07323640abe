"""Attendance rules as plain functions: what counts as attended, each attendee's tally
against a cohort's completion share, when a session's register closes, the rotating
self check-in code, and how the door's phones' actions meet the register."""

import enum
import hashlib
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from flask import current_app

from app.attendance.models import AttendanceState
from app.core.db import utcnow
from app.programmes.models import Cohort, CohortSession
from app.programmes.rules import cohort_dates, utc_to_local

A = AttendanceState

ATTENDED = frozenset({AttendanceState.PRESENT, AttendanceState.LATE})

#: One attendee's marks: session id -> state (a session without a mark is absent here).
Marks = dict[int, AttendanceState]


def minutes(session: CohortSession) -> int:
    return int((session.ends_at - session.starts_at).total_seconds() // 60)


@dataclass(frozen=True)
class Tally:
    """What one attendee's marks add up to over some sessions."""

    attended: int = 0
    #: Sessions that count: all of them but the excused ones.
    counted: int = 0
    attended_minutes: int = 0
    counted_minutes: int = 0
    excused: int = 0

    @property
    def share(self) -> Fraction | None:
        """Attended / counted; None when no session counts."""
        return Fraction(self.attended, self.counted) if self.counted else None

    @property
    def percent(self) -> int | None:
        """The share as a whole percentage, rounded down (for pages and exports)."""
        share = self.share
        return None if share is None else int(share * 100)


def tally(marks: Marks, sessions: Iterable[CohortSession]) -> Tally:
    return tallies(sessions)(marks)


def tallies(sessions: Iterable[CohortSession]) -> Callable[[Marks], Tally]:
    """`tally` over the same sessions for many attendees: the sessions' lengths are
    worked out once."""
    lengths = [(session.id, minutes(session)) for session in sessions]

    def tally_of(marks: Marks) -> Tally:
        attended = counted = attended_minutes = counted_minutes = excused = 0
        for session_id, length in lengths:
            state = marks.get(session_id)
            if state == AttendanceState.EXCUSED:
                excused += 1
                continue
            counted += 1
            counted_minutes += length
            if state in ATTENDED:
                attended += 1
                attended_minutes += length
        return Tally(attended, counted, attended_minutes, counted_minutes, excused)

    return tally_of


def meets(result: Tally, required: Decimal) -> bool:
    """At or above the required share; never when no session counts."""
    share = result.share
    return share is not None and share >= Fraction(required)


def share_decimal(share: Fraction) -> Decimal:
    """The share for a Numeric(4, 3) column, rounded down so it never overstates."""
    return (Decimal(share.numerator) / Decimal(share.denominator)).quantize(
        Decimal("0.001"), rounding=ROUND_DOWN
    )


def has_ended(cohort: Cohort, now: datetime) -> bool:
    """The last session has ended (a cohort without sessions never ends)."""
    dates = cohort_dates(cohort)
    return dates is not None and dates[1] <= now


def ended_sessions(cohort: Cohort, now: datetime) -> list[CohortSession]:
    return [session for session in cohort.sessions if session.ends_at <= now]


#: The self check-in code changes this often (seconds); the previous one still works.
CODE_WINDOW = 30
#: Self check-in opens this long before the session starts, and closes when it ends.
SELF_CHECKIN_OPENS_BEFORE = timedelta(minutes=30)
#: After opening a valid code, a participant has this long to log in and confirm.
SELF_CHECKIN_GRACE = timedelta(minutes=10)


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


# The door's phones -------------------------------------------------------------------


def day_bounds(session: CohortSession) -> tuple[datetime, datetime]:
    """The start of the session's first day and the end of its last, where it
    happens, as UTC instants: a phone checks "today" against these, and forgets the
    session's register at the end (when it closes, see `register_closed`)."""
    first, last = session_days(session)
    zone = ZoneInfo(session.timezone)
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(last + timedelta(days=1), time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def clock_corrected(device_time: datetime, device_sent_at: datetime, received_at: datetime):
    """When something done on a phone happened, by the server's clock: the phone's
    time moved by how far its clock was off when it sent it (its clock at sending
    against the server's on arrival), and never after it arrived. Two phones whose
    clocks disagree are then put in the right order."""
    return min(device_time + (received_at - device_sent_at), received_at)


class Verdict(enum.StrEnum):
    """What an action from a phone does to someone's mark."""

    MARK = "mark"  #: no mark yet: this one is the mark
    CHANGE = "change"  #: a later decision: the mark takes its state
    #: Let in twice by phones that did not know of each other, this one first: the
    #: mark becomes this one (its time, its author), both are kept as a conflict.
    KEEP_FIRST = "keep_first"
    #: Let in twice, this one second: the mark stands, both are kept as a conflict.
    CONFLICT = "conflict"
    SAME = "same"  #: the mark says so already
    SUPERSEDED = "superseded"  #: older than the mark in effect, which stands


def reconcile(
    mark: tuple[AttendanceState, datetime] | None,
    wanted: AttendanceState,
    happened_at: datetime,
    *,
    arrival: bool,
    blind: bool,
) -> Verdict:
    """What an action wanting `wanted` at `happened_at` does to the mark in effect
    (its state and when it was made), whatever order actions arrive in.

    The latest decision stands, by when it happened: an older one changes nothing.
    A scan (`arrival`) only lets people in, so it leaves present and late alike. Two
    admissions are a conflict only when this phone let the person in on its own
    (`blind`: offline, it showed them as not here), not knowing of the other: then
    the register keeps the first.
    """
    if mark is None:
        return Verdict.MARK
    state, marked_at = mark
    if state in ATTENDED and wanted in ATTENDED:
        if blind:
            return Verdict.KEEP_FIRST if happened_at < marked_at else Verdict.CONFLICT
        if arrival:
            return Verdict.SAME
    if state == wanted:
        return Verdict.SAME
    return Verdict.CHANGE if happened_at >= marked_at else Verdict.SUPERSEDED


# Check-out ---------------------------------------------------------------------------


def _same_name(name: str) -> str:
    return " ".join(name.split()).casefold()
