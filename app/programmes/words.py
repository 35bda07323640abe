"""Words for the programme domain, in one place for every page and email.

Enum values are stored as English identifiers; people see these translatable
labels instead. (Names of languages and countries come from Babel, through
`app.i18n.language_name` and `app.i18n.country_name`.)
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_interval
from flask_babel import (
    format_date,
    format_time,
    get_locale,
    get_timezone,
    ngettext,
    to_user_timezone,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.actions import action_verbs
from app.core.i18n import country_name, language_name
from app.core.templating import template_helpers
from app.core.timezones import zone_city, zone_label
from app.programmes.models import (
    Cohort,
    CohortSession,
    EnrolmentMode,
    Programme,
    ProgrammeKind,
    ProgrammeStatus,
    QuestionKind,
    TeamRole,
)
from app.programmes.rules import (
    Eligibility,
    EnrolmentState,
    cohort_dates,
    eligibility,
    enrolment_closes_at,
    utc_to_local,
)

KIND_LABELS = {
    ProgrammeKind.FAMILY_WORKSHOP: _l("Family workshop"),
    ProgrammeKind.TEACHER_TRAINING: _l("Teacher training"),
    ProgrammeKind.SUMMER_SCHOOL: _l("Summer school"),
    ProgrammeKind.EXCHANGE_COHORT: _l("Exchange cohort"),
    ProgrammeKind.TASTER: _l("Taster course"),
    ProgrammeKind.COMMUNITY: _l("Community programme"),
}

STATUS_LABELS = {
    ProgrammeStatus.DRAFT: _l("Draft"),
    ProgrammeStatus.PUBLISHED: _l("Published"),
    ProgrammeStatus.ARCHIVED: _l("Archived"),
}

TEAM_ROLE_LABELS = {
    TeamRole.LEAD: _l("Lead"),
    TeamRole.ORGANISER: _l("Organiser"),
    TeamRole.HELPER: _l("Helper"),
}

ENROLMENT_MODE_LABELS = {
    EnrolmentMode.BOOKING: _l("Booking (first come, first served)"),
    EnrolmentMode.APPLICATION: _l("Application (reviewed, with offers)"),
}

#: Short, date-free words for an enrolment state (badges, filters, exports).
#: Sentences with dates and seat counts are built by `display.enrolment_state_text`.
ENROLMENT_STATE_LABELS = {
    EnrolmentState.NOT_OPEN_YET: _l("Not open yet"),
    EnrolmentState.OPEN: _l("Open"),
    EnrolmentState.WAITLIST: _l("Waitlist open"),
    EnrolmentState.FULL: _l("Full"),
    EnrolmentState.CLOSED: _l("Enrolment closed"),
    EnrolmentState.FINISHED: _l("Finished"),
}


def kind_label(kind: ProgrammeKind | str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def status_label(status: ProgrammeStatus | str) -> str:
    return str(STATUS_LABELS.get(status, status))


def team_role_label(role: TeamRole | str) -> str:
    return str(TEAM_ROLE_LABELS.get(role, role))


def _pattern(skeleton: str) -> str:
    """The page language's own pattern for a CLDR skeleton ("MMMEd" -> "E, MMM d")."""
    return get_locale().datetime_skeletons[skeleton].pattern


def _in_zone(moment: datetime, timezone: str | None) -> datetime:
    """`moment` on the wall clock of `timezone`, or of the viewer when None."""
    return to_user_timezone(moment) if timezone is None else moment.astimezone(ZoneInfo(timezone))


def _day(local: datetime) -> str:
    """The day, like "Sat, Mar 14", with the year when it is not this year."""
    this_year = to_user_timezone(datetime.now(UTC)).year
    skeleton = "MMMEd" if local.year == this_year else "yMMMEd"
    return format_date(local.date(), _pattern(skeleton))


def _time(local: datetime) -> str:
    # rebase=False: `local` is already on the wall clock we mean to show.
    return format_time(local, "short", rebase=False)


def format_day(moment: datetime, timezone: str | None = None) -> str:
    return _day(_in_zone(moment, timezone))


def format_moment(moment: datetime, timezone: str | None = None) -> str:
    """A day and a time: "Sun, Mar 1, 9:00 AM" (the viewer's zone unless one is given)."""
    return _moment(_in_zone(moment, timezone))


def _moment(local: datetime) -> str:
    return _("%(day)s, %(time)s", day=_day(local), time=_time(local))


def _span(start: datetime, end: datetime, *, with_day: bool = True) -> str:
    """Like "Sat, Mar 14, 10:00 AM-12:00 PM"; with both days when it runs past midnight."""
    if start.date() != end.date():
        return _("%(start)s \u2013 %(end)s", start=_moment(start), end=_moment(end))
    times = _("%(start)s\u2013%(end)s", start=_time(start), end=_time(end))
    return _("%(day)s, %(times)s", day=_day(start), times=times) if with_day else times


def viewer_timezone_name() -> str:
    return str(get_timezone())


@dataclass(frozen=True)
class SessionTimes:
    #: In the viewer's time zone.
    yours: str
    #: Where the session happens, only when its clock differs from the viewer's.
    local: str | None
    local_place: str | None


def session_times(session: CohortSession) -> SessionTimes:
    """A session's times for the viewer, and on the local clock when that differs.

    "Sat, Mar 14, 2:00 AM-4:00 AM" for a London viewer of a Hong Kong session,
    with "10:00 AM-12:00 PM" in Hong Kong (the day too, when it is another day there).
    """
    start, end = _in_zone(session.starts_at, None), _in_zone(session.ends_at, None)
    yours = _span(start, end)
    local_start = _in_zone(session.starts_at, session.timezone)
    local_end = _in_zone(session.ends_at, session.timezone)
    same_clock = (start.replace(tzinfo=None), end.replace(tzinfo=None)) == (
        local_start.replace(tzinfo=None),
        local_end.replace(tzinfo=None),
    )
    if same_clock:
        return SessionTimes(yours, None, None)
    local = _span(local_start, local_end, with_day=local_start.date() != start.date())
    return SessionTimes(yours, local, zone_city(session.timezone))


def session_local_span(session: CohortSession) -> str:
    """A session's day and times on the clock where it happens (for mail and tickets)."""
    return _(
        "%(span)s (%(city)s time)",
        span=_span(
            _in_zone(session.starts_at, session.timezone),
            _in_zone(session.ends_at, session.timezone),
        ),
        city=zone_city(session.timezone),
    )


def cohort_when(cohort: Cohort) -> str:
    """A cohort's dates in the viewer's zone: one day with times, or a range of days."""
    dates = cohort_dates(cohort)
    if dates is None:
        return _("Dates to be announced")
    start, end = _in_zone(dates[0], None), _in_zone(dates[1], None)
    if len(cohort.sessions) == 1 or start.date() == end.date():
        return _span(start, end)
    days = format_interval(start.date(), end.date(), "yMMMd", locale=get_locale())
    sessions = ngettext("%(num)d session", "%(num)d sessions", len(cohort.sessions))
    return _("%(days)s · %(sessions)s", days=days, sessions=sessions)


def seats_text(cohort: Cohort) -> str:
    return ngettext("%(num)d seat left", "%(num)d seats left", cohort.seats_left)


def enrolment_state_text(cohort: Cohort, state: EnrolmentState) -> str:
    """What a visitor needs to know about enrolling in a cohort, in one sentence."""
    applications = cohort.enrolment_mode == EnrolmentMode.APPLICATION
    if state == EnrolmentState.NOT_OPEN_YET:
        opens = format_moment(cohort.enrol_opens_at)
        if applications:
            return _("Applications open on %(date)s", date=opens)
        return _("Booking opens on %(date)s", date=opens)
    if state == EnrolmentState.OPEN:
        if applications:
            closes = format_moment(enrolment_closes_at(cohort))
            return _("Applications open until %(date)s", date=closes)
        return seats_text(cohort)
    return {
        EnrolmentState.WAITLIST: _("Waitlist open"),
        EnrolmentState.FULL: _("Full"),
        EnrolmentState.CLOSED: _("Enrolment closed"),
        EnrolmentState.FINISHED: _("Finished"),
    }[state]


def programme_eligibility(programme: Programme) -> Eligibility:
    """The programme's own rules, before any cohort overrides them."""
    return Eligibility(
        min_age=programme.min_age,
        max_age=programme.max_age,
        teachers_only=programme.teachers_only,
        home_countries=tuple(programme.home_countries or ()),
    )


def age_range_text(rules: Eligibility) -> str | None:
    low, high = rules.min_age, rules.max_age
    if low is not None and high is not None:
        if low == high:
            return _("Age %(age)d", age=low)
        return _("Ages %(low)d to %(high)d", low=low, high=high)
    if low is not None:
        return _("Ages %(low)d and over", low=low)
    if high is not None:
        return _("Ages up to %(high)d", high=high)
    return None


def eligibility_lines(rules: Eligibility) -> list[str]:
    """Who may take part, as short phrases: ages, teachers only, home countries."""
    lines = []
    if ages := age_range_text(rules):
        lines.append(ages)
    if rules.teachers_only:
        lines.append(_("Teachers only"))
    if rules.home_countries:
        names = ", ".join(sorted(country_name(code) for code in rules.home_countries))
        lines.append(_("For participants from %(countries)s", countries=names))
    return lines


def who_for(programme: Programme, cohort: Cohort | None = None) -> str:
    """The audience in words and the rules that apply (the cohort's, if given)."""
    rules = eligibility(cohort) if cohort is not None else programme_eligibility(programme)
    parts = [programme.audience] if programme.audience else []
    return " · ".join([*parts, *eligibility_lines(rules)])


def where(programme: Programme) -> str:
    """Where a programme happens: "Online", or "London, United Kingdom" (localised)."""
    if programme.is_online:
        return _("Online")
    place = [part for part in (programme.city, country_name(programme.country)) if part]
    return ", ".join(place) if place else _("Place to be announced")


def session_place(session: CohortSession) -> str:
    """The venue, or "Online". The joining link itself is for participants only."""
    if session.venue:
        return session.venue
    return _("Online") if session.online_url else _("Venue to be announced")


def paragraphs(text: str | None) -> list[str]:
    """Text split at blank lines; line breaks inside a paragraph are kept by CSS."""
    blocks = (block.strip() for block in (text or "").replace("\r\n", "\n").split("\n\n"))
    return [block for block in blocks if block]


#: Registered as Jinja globals by `app.templating`.
template_helpers(
    {
        "kind_label": kind_label,
        "programme_status_label": status_label,
        "language_name": language_name,
        "country_name": country_name,
        "format_day": format_day,
        "format_moment": format_moment,
        "session_times": session_times,
        "session_local_span": session_local_span,
        "cohort_when": cohort_when,
        "seats_text": seats_text,
        "enrolment_state_text": enrolment_state_text,
        "who_for": who_for,
        "eligibility_lines": eligibility_lines,
        "where": where,
        "session_place": session_place,
        "paragraphs": paragraphs,
        "zone_city": zone_city,
        "viewer_timezone_name": viewer_timezone_name,
    }
)


def local_span(start: datetime, end: datetime, timezone: str) -> str:
    """Start and end on the clock where it happens: "Sat, Oct 25, 10:00 AM-12:00 PM"."""
    local_start, local_end = utc_to_local(start, timezone), utc_to_local(end, timezone)
    if local_start.date() != local_end.date():
        return _(
            "%(start)s \u2013 %(end)s",
            start=format_moment(start, timezone),
            end=format_moment(end, timezone),
        )
    end_time = format_time(local_end, "short", rebase=False)
    return _("%(start)s\u2013%(end)s", start=format_moment(start, timezone), end=end_time)


def signatory_text(name: str, title: str | None) -> str:
    """Who signs, in one line: "Dr Jane Smith, Director of Outreach"."""
    return _("%(name)s, %(title)s", name=name, title=title) if title else name


QUESTION_KIND_LABELS = {
    QuestionKind.TEXT: _l("Text answer"),
    QuestionKind.CHOICE: _l("One of several choices"),
    QuestionKind.YES_NO: _l("Yes or no"),
}


def question_kind_label(kind: QuestionKind | str) -> str:
    return str(QUESTION_KIND_LABELS.get(kind, kind))


def enrolment_mode_label(mode: EnrolmentMode) -> str:
    return str(ENROLMENT_MODE_LABELS[mode])


def enrolment_state_label(state: EnrolmentState) -> str:
    return str(ENROLMENT_STATE_LABELS[state])


template_helpers(
    {
        "role_label": team_role_label,
        "enrolment_mode_label": enrolment_mode_label,
        "enrolment_state_label": enrolment_state_label,
        "local_span": local_span,
        "zone_label": zone_label,
        "question_kind_label": question_kind_label,
        "signatory_text": signatory_text,
    }
)


#: The states templates compare against (members, never their string values).
template_helpers(
    {
        "ProgrammeStatus": ProgrammeStatus,
        "ProgrammeKind": ProgrammeKind,
        "EnrolmentMode": EnrolmentMode,
        "EnrolmentState": EnrolmentState,
    }
)


#: The decisions programmes record in the action log (`app.core.actions.record`).
action_verbs({"capacity": _l("Capacity changed from %(old)s to %(new)s")})
