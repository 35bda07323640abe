"""Do the programme rules hold, as plain functions without HTTP or a database?"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from app.programmes.models import Cohort, CohortSession, EnrolmentMode, Programme, ProgrammeKind
from app.programmes.rules import (
    Eligibility,
    EnrolmentState,
    age_fits,
    age_on,
    cohort_dates,
    eligibility,
    enrolment_closes_at,
    enrolment_state,
    is_upcoming,
    is_valid_slug,
    local_to_utc,
    slugify,
    upcoming_cohorts,
    utc_to_local,
    weekly_occurrences,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def programme(**overrides) -> Programme:
    values = {
        "slug": "robot-lab",
        "title": "Robot Lab",
        "kind": ProgrammeKind.FAMILY_WORKSHOP,
        "summary": "Build a robot.",
        "language": "en",
        "min_age": None,
        "max_age": None,
        "teachers_only": False,
        "home_countries": [],
        **overrides,
    }
    return Programme(**values)


def cohort(*session_days: int, of: Programme | None = None, **overrides) -> Cohort:
    """A cohort with a two-hour session `n` days after NOW for each n given."""
    values = {
        "name": "Spring",
        "capacity": 10,
        "seats_taken": 0,
        "enrolment_mode": EnrolmentMode.BOOKING,
        "waitlist_enabled": True,
        "timezone": "Europe/London",
        "completion_share": Decimal("0.75"),
        **overrides,
    }
    result = Cohort(programme=of or programme(), **values)
    for day in session_days:
        start = NOW + timedelta(days=day)
        result.sessions.append(
            CohortSession(starts_at=start, ends_at=start + timedelta(hours=2), timezone="UTC")
        )
    return result


# Slugs


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Robotics Summer School 2026!", "robotics-summer-school-2026"),
        ("  Ciencia para niñas y niños  ", "ciencia-para-ninas-y-ninos"),
        ("Maths -- at   home", "maths-at-home"),
        ("數碼教育", ""),
    ],
)
def test_does_slugify_make_url_names_from_titles(title, slug):
    assert slugify(title) == slug


def test_does_slugify_cut_long_titles_without_a_trailing_hyphen():
    assert slugify("word " * 30, max_length=12) == "word-word-wo"
    assert slugify("word " * 30, max_length=10) == "word-word"
    assert len(slugify("word " * 30)) <= 80


@pytest.mark.parametrize(
    ("slug", "valid"),
    [("robot-lab", True), ("Robot-Lab", False), ("robot--lab", False), ("-robot", False)],
)
def test_which_slugs_are_valid(slug, valid):
    assert is_valid_slug(slug) is valid


# Time zones and repeating sessions


def test_do_local_times_convert_to_utc_and_back():
    moment = local_to_utc(datetime(2026, 7, 4, 10, 0), "Asia/Hong_Kong")
    assert moment == datetime(2026, 7, 4, 2, 0, tzinfo=UTC)
    assert utc_to_local(moment, "Europe/London").hour == 3  # summer time


def test_do_weekly_sessions_keep_their_local_time_across_a_clock_change():
    # The UK moves to summer time on Sunday 29 March 2026.
    sessions = weekly_occurrences(
        date(2026, 3, 21), time(10, 0), time(12, 0), "Europe/London", count=3
    )
    starts = [start for start, _end in sessions]
    assert starts == [
        datetime(2026, 3, 21, 10, 0, tzinfo=UTC),
        datetime(2026, 3, 28, 10, 0, tzinfo=UTC),
        datetime(2026, 4, 4, 9, 0, tzinfo=UTC),  # still 10:00 on London clocks
    ]
    assert all(end - start == timedelta(hours=2) for start, end in sessions)


def test_can_sessions_repeat_every_other_week():
    sessions = weekly_occurrences(
        date(2026, 1, 10), time(9, 0), time(10, 0), "UTC", count=3, every_weeks=2
    )
    assert [start.date() for start, _ in sessions] == [
        date(2026, 1, 10),
        date(2026, 1, 24),
        date(2026, 2, 7),
    ]


@pytest.mark.parametrize(
    ("count", "start", "end"),
    [(0, time(10), time(12)), (53, time(10), time(12)), (3, time(12), time(10))],
)
def test_are_impossible_repeats_refused(count, start, end):
    with pytest.raises(ValueError, match=r"count|end"):
        weekly_occurrences(date(2026, 1, 10), start, end, "UTC", count=count)


# Eligibility and ages


def test_does_a_cohort_follow_its_programme_rules_when_it_sets_none():
    rules = eligibility(
        cohort(of=programme(min_age=7, max_age=11, teachers_only=True, home_countries=["MX"]))
    )
    assert (rules.min_age, rules.max_age, rules.teachers_only) == (7, 11, True)
    assert rules.home_countries == ("MX",)
    assert rules.has_age_limit


def test_do_a_cohorts_own_rules_override_its_programmes():
    of = programme(min_age=7, max_age=11, teachers_only=True, home_countries=["MX"])
    rules = eligibility(
        cohort(of=of, min_age=9, max_age=None, teachers_only=False, home_countries=["CO", "CL"])
    )
    # max_age None means "as the programme says", not "no limit".
    assert (rules.min_age, rules.max_age, rules.teachers_only) == (9, 11, False)
    assert rules.home_countries == ("CO", "CL")


def test_does_an_empty_country_list_on_a_cohort_open_it_to_everyone():
    rules = eligibility(cohort(of=programme(home_countries=["MX"]), home_countries=[]))
    assert rules.home_countries == ()


def test_has_a_programme_without_ages_no_age_limit():
    rules = eligibility(cohort())
    assert not rules.has_age_limit
    assert age_fits(3, rules)
    assert age_fits(99, rules)


@pytest.mark.parametrize(("age", "fits"), [(6, False), (7, True), (11, True), (12, False)])
def test_do_age_limits_include_both_ends(age, fits):
    assert age_fits(age, eligibility(cohort(of=programme(min_age=7, max_age=11)))) is fits


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2017, 5, 10), date(2026, 5, 9), 8),  # the day before the birthday
        (date(2017, 5, 10), date(2026, 5, 10), 9),  # on the birthday
        (date(2016, 2, 29), date(2025, 2, 28), 8),  # leap-day child, ordinary year
        (date(2016, 2, 29), date(2025, 3, 1), 9),
        (date(2016, 2, 29), date(2028, 2, 28), 11),
        (date(2016, 2, 29), date(2028, 2, 29), 12),  # a leap year: the real birthday
        (date(2020, 1, 1), date(2020, 1, 1), 0),
    ],
)
def test_is_age_counted_in_whole_years_on_the_day(born, on, age):
    assert age_on(born, on) == age


# Dates of a cohort


def test_does_a_cohort_run_from_its_first_start_to_its_last_end():
    spring = cohort(3, 10, 17)
    start, end = cohort_dates(spring)
    assert start == NOW + timedelta(days=3)
    assert end == NOW + timedelta(days=17, hours=2)


def test_has_a_cohort_without_sessions_no_dates_and_is_not_upcoming():
    empty = cohort()
    assert cohort_dates(empty) is None
    assert not is_upcoming(empty, NOW)
    assert enrolment_closes_at(empty) is None


def test_is_a_cohort_that_has_started_but_not_ended_still_upcoming():
    running = cohort(-7, 7)
    assert is_upcoming(running, NOW)
    assert not is_upcoming(cohort(-14, -7), NOW)


def test_are_upcoming_cohorts_listed_soonest_first_without_past_ones():
    of = programme()
    later, past, sooner = cohort(30, of=of), cohort(-30, of=of), cohort(5, of=of)
    assert upcoming_cohorts(of, NOW) == [sooner, later]
    assert past not in upcoming_cohorts(of, NOW)


def test_does_enrolment_close_at_the_first_session_unless_a_date_is_set():
    assert enrolment_closes_at(cohort(5, 12)) == NOW + timedelta(days=5)
    deadline = NOW + timedelta(days=2)
    assert enrolment_closes_at(cohort(5, enrol_closes_at=deadline)) == deadline


# Enrolment states


@pytest.mark.parametrize(
    ("overrides", "sessions", "state"),
    [
        ({}, (10,), EnrolmentState.OPEN),
        ({"seats_taken": 10}, (10,), EnrolmentState.WAITLIST),
        ({"seats_taken": 10, "waitlist_enabled": False}, (10,), EnrolmentState.FULL),
        ({"enrol_opens_at": NOW + timedelta(days=1)}, (10,), EnrolmentState.NOT_OPEN_YET),
        ({"enrol_closes_at": NOW - timedelta(days=1)}, (10,), EnrolmentState.CLOSED),
        ({}, (-7, 7), EnrolmentState.CLOSED),  # running: the first session has passed
        ({}, (-10,), EnrolmentState.FINISHED),
        (
            {"enrolment_mode": EnrolmentMode.APPLICATION, "seats_taken": 10},
            (10,),
            EnrolmentState.OPEN,  # applications are reviewed, never simply "full"
        ),
        ({}, (), EnrolmentState.OPEN),  # no sessions yet, no dates set
    ],
)
def test_what_enrolment_state_is_a_cohort_in(overrides, sessions, state):
    assert enrolment_state(cohort(*sessions, **overrides), NOW) == state


def test_does_enrolment_open_exactly_at_the_opening_time():
    opens = NOW + timedelta(hours=1)
    spring = cohort(10, enrol_opens_at=opens)
    assert enrolment_state(spring, opens - timedelta(seconds=1)) == EnrolmentState.NOT_OPEN_YET
    assert enrolment_state(spring, opens) == EnrolmentState.OPEN


def test_does_a_finished_cohort_stay_finished_whatever_its_seats():
    assert enrolment_state(cohort(-3, seats_taken=10), NOW) == EnrolmentState.FINISHED


@pytest.mark.parametrize(
    ("home_countries", "country", "fits"),
    [
        ((), "GB", True),
        ((), None, True),
        (("MX", "CO", "CL"), "CO", True),
        (("MX", "CO", "CL"), "GB", False),
        (("MX", "CO", "CL"), None, False),
    ],
)
def test_does_a_home_country_fit_the_cohort(home_countries, country, fits):
    rules = Eligibility(None, None, False, home_countries)
    assert rules.accepts_country(country) is fits
