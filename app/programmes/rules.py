"""Programme, cohort and session rules as plain functions (no HTTP, no commits)."""

import enum
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.programmes.models import Cohort, EnrolmentMode, Programme, ProgrammeStatus

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_REPEATS = 52


def slugify(text: str, max_length: int = 80) -> str:
    """A URL name from a title ("Robotics Summer School 2026!" -> "robotics-summer-school-2026")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def is_valid_slug(slug: str) -> bool:
    return bool(SLUG_PATTERN.match(slug)) and len(slug) <= 80


def local_to_utc(local: datetime, timezone: str) -> datetime:
    """A wall-clock time where something happens, as an aware UTC datetime."""
    return local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def utc_to_local(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(ZoneInfo(timezone))


def weekly_occurrences(
    first_day: date, start: time, end: time, timezone: str, count: int, every_weeks: int = 1
) -> list[tuple[datetime, datetime]]:
    """Start and end (UTC) of `count` sessions on the same weekday and local time.

    "Every Saturday 10:00-12:00 for 6 weeks" keeps 10:00 local time across a
    daylight-saving change, so the UTC times shift by an hour.
    """
    if not 1 <= count <= MAX_REPEATS:
        raise ValueError(f"count must be 1 to {MAX_REPEATS}")
    if end <= start:
        raise ValueError("end must be after start")
    occurrences = []
    for n in range(count):
        day = first_day + timedelta(weeks=n * every_weeks)
        occurrences.append(
            (
                local_to_utc(datetime.combine(day, start), timezone),
                local_to_utc(datetime.combine(day, end), timezone),
            )
        )
    return occurrences


@dataclass(frozen=True)
class Eligibility:
    min_age: int | None
    max_age: int | None
    teachers_only: bool
    home_countries: tuple[str, ...]

    @property
    def has_age_limit(self) -> bool:
        return self.min_age is not None or self.max_age is not None

    def accepts_country(self, code: str | None) -> bool:
        """Does someone from `code` fit? Anyone does when no home countries are set."""
        return not self.home_countries or code in self.home_countries


def eligibility(cohort: Cohort) -> Eligibility:
    """The cohort's own rules where it sets them, else the programme's."""
    programme = cohort.programme

    def pick(override, default):
        return default if override is None else override

    return Eligibility(
        min_age=pick(cohort.min_age, programme.min_age),
        max_age=pick(cohort.max_age, programme.max_age),
        teachers_only=pick(cohort.teachers_only, programme.teachers_only),
        home_countries=tuple(pick(cohort.home_countries, programme.home_countries) or ()),
    )


def age_on(birth_date: date, day: date) -> int:
    """Whole years of age on `day`."""
    had_birthday = (day.month, day.day) >= (birth_date.month, birth_date.day)
    return day.year - birth_date.year - (0 if had_birthday else 1)


def age_fits(age: int, rules: Eligibility) -> bool:
    return (rules.min_age is None or age >= rules.min_age) and (
        rules.max_age is None or age <= rules.max_age
    )


def cohort_dates(cohort: Cohort) -> tuple[datetime, datetime] | None:
    """First start and last end of the cohort's sessions (None before any is added)."""
    if not cohort.sessions:
        return None
    return cohort.sessions[0].starts_at, max(s.ends_at for s in cohort.sessions)


def is_upcoming(cohort: Cohort, now: datetime) -> bool:
    dates = cohort_dates(cohort)
    return dates is not None and dates[1] > now


def enrolment_closes_at(cohort: Cohort) -> datetime | None:
    """The close date the organisers set, else the start of the first session."""
    if cohort.enrol_closes_at is not None:
        return cohort.enrol_closes_at
    dates = cohort_dates(cohort)
    return dates[0] if dates else None


class EnrolmentState(enum.StrEnum):
    NOT_OPEN_YET = "not_open_yet"
    OPEN = "open"  #: seats left
    WAITLIST = "waitlist"  #: full, but people may join the waitlist
    FULL = "full"  #: full, no waitlist
    CLOSED = "closed"  #: the enrolment window has passed
    FINISHED = "finished"  #: the cohort has ended


def enrolment_state(cohort: Cohort, now: datetime) -> EnrolmentState:
    dates = cohort_dates(cohort)
    if dates is not None and dates[1] <= now:
        return EnrolmentState.FINISHED
    if cohort.enrol_opens_at and now < cohort.enrol_opens_at:
        return EnrolmentState.NOT_OPEN_YET
    closes_at = enrolment_closes_at(cohort)
    if closes_at is not None and now >= closes_at:
        return EnrolmentState.CLOSED
    if cohort.enrolment_mode == EnrolmentMode.APPLICATION:
        return EnrolmentState.OPEN  # applications are reviewed, never simply "full"
    if cohort.seats_left > 0:
        return EnrolmentState.OPEN
    return EnrolmentState.WAITLIST if cohort.waitlist_enabled else EnrolmentState.FULL


def upcoming_cohorts(programme: Programme, now: datetime) -> list[Cohort]:
    """Cohorts still to run or running, soonest first."""
    cohorts = [c for c in programme.cohorts if is_upcoming(c, now)]
    return sorted(cohorts, key=lambda c: cohort_dates(c)[0])


#: Where a programme may go from each status. Archiving hides it but keeps its
#: cohorts and history; an archived or published programme can go back to draft.
STATUS_CHANGES: dict[ProgrammeStatus, tuple[ProgrammeStatus, ...]] = {
    ProgrammeStatus.DRAFT: (ProgrammeStatus.PUBLISHED,),
    ProgrammeStatus.PUBLISHED: (ProgrammeStatus.ARCHIVED, ProgrammeStatus.DRAFT),
    ProgrammeStatus.ARCHIVED: (ProgrammeStatus.DRAFT,),
}

#: What a published programme must have, for its catalogue card.
NEEDED_FOR_PUBLISHING = ("title", "summary")


def may_change_status(current: ProgrammeStatus, new: ProgrammeStatus) -> bool:
    return new in STATUS_CHANGES[current]


def missing_for_publishing(programme: Programme) -> list[str]:
    """The names of the fields still empty that publishing needs."""
    return [name for name in NEEDED_FOR_PUBLISHING if not (getattr(programme, name) or "").strip()]
