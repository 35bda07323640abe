"""Can visitors find programmes, read about them and take the dates home?"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from app.core.db import utcnow
from app.enrolment import lifecycle
from app.enrolment.rules import Party
from app.extensions import db
from app.programmes.models import (
    Cohort,
    CohortSession,
    EnrolmentMode,
    Programme,
    ProgrammeKind,
    ProgrammeStatus,
    TeamRole,
)
from tests.conftest import counting_queries

CARD_LINK = re.compile(r'class="programme-card__title">\s*<a href="/programmes/([a-z0-9-]+)/">')


def days_from_now(days: float, hour: int = 10) -> datetime:
    moment = datetime.now(UTC) + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def text_of(response) -> str:
    """The page's HTML with CLDR's narrow spaces and the en dashes of ranges made plain."""
    html = response.get_data(as_text=True)
    return html.replace("\u202f", " ").replace("\xa0", " ").replace("\u2013", "-")


def listed(client, query: str = "") -> list[str]:
    """The slugs of the programmes the catalogue lists, in order."""
    return CARD_LINK.findall(client.get(f"/programmes/{query}").get_data(as_text=True))


@pytest.fixture
def add_dates(make_cohort, make_session):
    """A cohort of `programme` with a two-hour session `n` days from now for each n."""

    def add(programme: Programme, *days: float, **cohort_fields) -> Cohort:
        cohort = make_cohort(programme, **cohort_fields)
        for day in days:
            make_session(cohort, days_from_now(day))
        return cohort

    return add


@pytest.fixture
def offer(make_programme, add_dates):
    """A programme with one cohort: `offer("robot-lab", days=(10, 17), min_age=7)`."""

    def make(slug: str, *, days=(10,), cohort=None, **programme_fields) -> Programme:
        programme = make_programme(
            slug=slug, title=slug.replace("-", " ").title(), **programme_fields
        )
        add_dates(programme, *days, **(cohort or {}))
        return programme

    return make


# What is listed


def test_does_the_catalogue_list_published_programmes_with_dates_coming_up(client, offer):
    offer("robot-lab", summary="Build and program a robot with your family.")
    response = client.get("/programmes/")
    assert response.status_code == 200
    html = text_of(response)
    assert CARD_LINK.findall(html) == ["robot-lab"]
    assert "Build and program a robot with your family." in html
    assert "1 programme" in html


def test_are_drafts_and_archived_programmes_never_listed(client, offer):
    offer("published")
    offer("draft", status=ProgrammeStatus.DRAFT)
    offer("archived", status=ProgrammeStatus.ARCHIVED)
    assert listed(client) == ["published"]


def test_are_programmes_whose_cohorts_have_all_ended_left_out(client, offer, make_programme):
    offer("past-only", days=(-30, -20))
    make_programme(slug="no-cohorts")
    offer("no-sessions", days=())
    offer("coming", days=(5,))
    assert listed(client) == ["coming"]


def test_is_a_cohort_that_has_started_still_listed(client, offer):
    offer("running", days=(-7, 7))
    assert listed(client) == ["running"]


def test_are_programmes_listed_soonest_first(client, offer, add_dates):
    offer("later", days=(30,))
    offer("soonest", days=(3,))
    middle = offer("middle", days=(60,))
    add_dates(middle, 10)  # its second cohort comes sooner
    offer("past-and-later", days=(-5,))
    assert listed(client) == ["soonest", "middle", "later"]


# Filters, one at a time


def test_can_visitors_filter_by_kind(client, offer):
    offer("robot-lab", kind=ProgrammeKind.FAMILY_WORKSHOP)
    offer("science-teaching", kind=ProgrammeKind.TEACHER_TRAINING)
    assert listed(client, "?kind=teacher_training") == ["science-teaching"]


def test_can_a_parent_find_workshops_for_a_9_year_old(client, offer):
    offer("ages-7-11", min_age=7, max_age=11)
    offer("ages-12-16", min_age=12, max_age=16)
    offer("ages-9-up", min_age=9)
    offer("up-to-8", max_age=8)
    offer("any-age")
    offer("cohort-widens-it", min_age=5, max_age=8, cohort={"max_age": 10})
    offer("cohort-narrows-it", min_age=7, max_age=11, cohort={"min_age": 10})
    assert sorted(listed(client, "?age=9")) == [
        "ages-7-11",
        "ages-9-up",
        "any-age",
        "cohort-widens-it",
    ]


def test_does_the_age_filter_look_at_upcoming_cohorts_only(client, make_programme, add_dates):
    programme = make_programme(slug="changing-ages")
    add_dates(programme, -30, min_age=9, max_age=9)  # past: does not count
    add_dates(programme, 30, min_age=12, max_age=14)
    assert listed(client, "?age=9") == []
    assert listed(client, "?age=13") == ["changing-ages"]


def test_can_visitors_filter_by_language(client, offer):
    offer("in-english", language="en")
    offer("en-espanol", language="es")
    assert listed(client, "?language=es") == ["en-espanol"]


def test_does_the_country_filter_find_in_person_programmes_there(client, offer):
    offer("london", country="GB", city="London")
    offer("mexico-city", country="MX", city="Mexico City")
    offer("online-from-mexico", country="MX", city=None, is_online=True)
    assert listed(client, "?country=MX") == ["mexico-city"]


def test_can_visitors_choose_online_or_in_person(client, offer):
    offer("on-campus", is_online=False)
    offer("on-screen", is_online=True, country=None, city=None)
    assert listed(client, "?mode=online") == ["on-screen"]
    assert listed(client, "?mode=in_person") == ["on-campus"]


def test_can_visitors_look_for_dates_in_a_range(client, offer):
    offer("next-week", days=(7,))
    offer("in-six-weeks", days=(7, 42))  # its second session is in the range
    offer("in-three-months", days=(90,))
    start = days_from_now(35).date().isoformat()
    end = days_from_now(50).date().isoformat()
    assert listed(client, f"?from={start}&to={end}") == ["in-six-weeks"]
    assert sorted(listed(client, f"?from={start}")) == ["in-six-weeks", "in-three-months"]
    assert sorted(listed(client, f"?to={days_from_now(8).date().isoformat()}")) == [
        "in-six-weeks",
        "next-week",
    ]


def test_does_a_one_day_range_find_the_sessions_of_that_day(client, offer):
    offer("that-day", days=(20,))
    offer("next-day", days=(21,))
    day = days_from_now(20).date().isoformat()
    assert listed(client, f"?from={day}&to={day}") == ["that-day"]


def test_does_search_find_words_in_titles_and_summaries_whatever_their_case(client, offer):
    offer("robot-lab", summary="Build a robot.")
    offer("coding-club", summary="Program ROBOTS with Python.")
    offer("star-gazing", summary="Look at the sky.")
    assert sorted(listed(client, "?q=Robot")) == ["coding-club", "robot-lab"]
    assert listed(client, "?q=%20sky%20") == ["star-gazing"]


def test_is_a_percent_sign_in_the_search_taken_literally(client, offer):
    offer("maths", summary="Improve your maths.")
    offer("discount", summary="50% off for schools.")
    assert listed(client, "?q=50%25") == ["discount"]
    assert listed(client, "?q=%25") == ["discount"]


# Filters together


def test_can_a_parent_combine_kind_age_language_and_mode(client, offer):
    offer("match", kind=ProgrammeKind.FAMILY_WORKSHOP, min_age=7, max_age=11, language="es")
    offer("wrong-kind", kind=ProgrammeKind.TASTER, min_age=7, max_age=11, language="es")
    offer("wrong-age", kind=ProgrammeKind.FAMILY_WORKSHOP, min_age=12, language="es")
    offer("wrong-language", kind=ProgrammeKind.FAMILY_WORKSHOP, language="en")
    offer(
        "wrong-mode",
        kind=ProgrammeKind.FAMILY_WORKSHOP,
        language="es",
        is_online=True,
        country=None,
        city=None,
    )
    query = "?kind=family_workshop&age=9&language=es&mode=in_person"
    assert listed(client, query) == ["match"]


def test_must_one_cohort_fit_both_the_age_and_the_dates(client, make_programme, add_dates):
    programme = make_programme(slug="two-cohorts")
    add_dates(programme, 10, min_age=5, max_age=7)
    add_dates(programme, 60, min_age=12, max_age=14)
    soon = f"from={days_from_now(8).date()}&to={days_from_now(12).date()}"
    later = f"from={days_from_now(58).date()}&to={days_from_now(62).date()}"
    assert listed(client, f"?age=6&{soon}") == ["two-cohorts"]
    assert listed(client, f"?age=13&{later}") == ["two-cohorts"]
    assert listed(client, f"?age=13&{soon}") == []


def test_does_a_card_show_the_cohort_that_matched_the_filters(client, make_programme, add_dates):
    programme = make_programme(slug="two-cohorts")
    add_dates(programme, 10, capacity=5, seats_taken=2, min_age=5, max_age=7)
    add_dates(programme, 60, capacity=30, seats_taken=1, min_age=12, max_age=14)
    assert "3 seats left" in text_of(client.get("/programmes/"))
    html = text_of(client.get("/programmes/?age=13"))
    assert "29 seats left" in html
    assert "Ages 12 to 14" in html


def test_do_the_filters_keep_their_values_in_the_form(client, offer):
    offer("match", language="es", country="MX", city="Monterrey")
    html = text_of(
        client.get(
            "/programmes/?q=robots&kind=taster&age=9&language=es&country=MX&mode=in_person"
            "&from=2030-01-01&to=2030-02-01"
        )
    )
    assert 'name="q" type="search" value="robots"' in html
    assert re.search(r'<option selected value="taster">', html)
    assert 'name="age" type="number" value="9"' in html
    assert re.search(r'<option selected value="es">', html)
    assert re.search(r'<option selected value="MX">', html)
    assert re.search(r'<option selected value="in_person">', html)
    assert 'name="from" type="date" value="2030-01-01"' in html
    assert 'name="to" type="date" value="2030-02-01"' in html
    assert '<details class="catalogue-filters" open>' in html
    assert 'name="csrf_token"' not in html.split("catalogue-search")[1].split("</form>")[0]


def test_does_a_submitted_form_with_empty_filters_list_everything(client, offer):
    offer("robot-lab")
    response = client.get("/programmes/?q=&kind=&age=&language=&country=&mode=&from=&to=")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert CARD_LINK.findall(html) == ["robot-lab"]
    assert '<details class="catalogue-filters">' in html  # nothing in use: folded


def test_does_the_filter_form_offer_the_languages_and_countries_there_are(client, offer):
    offer("london", language="en", country="GB")
    offer("monterrey", language="es", country="MX")
    offer("online", language="zh", country="HK", is_online=True)
    offer("hidden", language="fr", country="FR", status=ProgrammeStatus.DRAFT)
    html = text_of(client.get("/programmes/"))
    assert '<option value="es">Spanish</option>' in html
    assert '<option value="zh">Chinese</option>' in html
    assert '<option value="MX">Mexico</option>' in html
    assert '<option value="GB">United Kingdom</option>' in html
    assert 'value="HK"' not in html  # online programmes happen nowhere in particular
    assert 'value="fr"' not in html
    assert 'value="FR"' not in html
    assert '<option value="teacher_training">Teacher training</option>' in html


def test_are_language_and_country_names_in_the_pages_language(client, offer):
    offer("monterrey", language="en", country="MX")
    html = text_of(client.get("/programmes/?lang=es"))
    assert '<option value="en">inglés</option>' in html
    assert '<option value="MX">México</option>' in html


# Filters that make no sense


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("age=abc", "Enter an age in whole years, like 9."),
        ("age=-3", "Enter an age from 0 to 120."),
        ("age=500", "Enter an age from 0 to 120."),
        ("from=2026-13-45", "Enter a real date, like 2026-03-14."),
        ("to=tomorrow", "Enter a real date, like 2026-03-14."),
        ("from=9999-12-31", "Enter a date between 2000 and 2200."),
        ("from=2030-02-01&to=2030-01-01", "The end date is before the start date."),
        ("kind=spaceship", "Choose one of the options in the list."),
        ("language=klingon", "Choose one of the options in the list."),
    ],
)
def test_does_a_filter_that_makes_no_sense_get_a_clear_message(client, offer, query, message):
    offer("robot-lab")
    response = client.get(f"/programmes/?{query}")
    assert response.status_code == 400
    html = text_of(response)
    assert 'class="field__error" id="' in html
    assert message in html
    assert 'aria-invalid="true"' in html


def test_do_the_other_filters_still_apply_next_to_a_wrong_one(client, offer):
    offer("robot-lab", kind=ProgrammeKind.FAMILY_WORKSHOP)
    offer("science-teaching", kind=ProgrammeKind.TEACHER_TRAINING)
    response = client.get("/programmes/?age=abc&kind=teacher_training")
    assert response.status_code == 400
    html = text_of(response)
    assert CARD_LINK.findall(html) == ["science-teaching"]
    assert 'name="age" type="number" value="abc"' in html


def test_is_a_page_number_that_is_not_one_treated_as_the_first(client, offer):
    offer("robot-lab")
    assert listed(client, "?page=abc") == ["robot-lab"]
    response = client.get("/programmes/?page=9")
    assert response.status_code == 200
    assert "Back to the first page" in text_of(response)


def test_is_a_page_number_past_any_integer_an_empty_page(client, offer):
    offer("robot-lab")
    response = client.get(f"/programmes/?page={10**30}")
    assert response.status_code == 200
    assert "Back to the first page" in text_of(response)


# Pages of results


def test_does_the_catalogue_show_twelve_programmes_a_page(client, offer):
    for n in range(14):
        offer(f"workshop-{n:02d}", days=(n + 1,))
    first, second = listed(client), listed(client, "?page=2")
    assert first == [f"workshop-{n:02d}" for n in range(12)]
    assert second == ["workshop-12", "workshop-13"]
    assert "14 programmes" in text_of(client.get("/programmes/"))


def test_do_page_links_keep_the_filters(client, offer):
    for n in range(13):
        offer(f"workshop-{n:02d}", days=(n + 1,), language="es")
    offer("in-english", language="en")
    html = client.get("/programmes/?language=es&age=9").get_data(as_text=True)
    next_link = re.search(r'<a href="([^"]+)" rel="next">', html).group(1).replace("&amp;", "&")
    assert "language=es" in next_link
    assert "age=9" in next_link
    assert "page=2" in next_link
    assert CARD_LINK.findall(client.get(next_link).get_data(as_text=True)) == ["workshop-12"]


# What a card says


def test_does_a_card_say_what_where_when_and_who_for(client, offer, make_programme, add_dates):
    offer(
        "robot-lab",
        kind=ProgrammeKind.FAMILY_WORKSHOP,
        city="London",
        country="GB",
        audience="Families with children",
        min_age=7,
        max_age=11,
    )
    online = make_programme(slug="online-course", is_online=True, city=None, country=None)
    add_dates(online, 3, 10, 17)
    html = text_of(client.get("/programmes/"))
    assert "Family workshop" in html
    assert "London, United Kingdom" in html
    assert "Families with children · Ages 7 to 11" in html
    assert "Online" in html
    assert "3 sessions" in html


def test_does_a_card_show_the_next_dates_in_the_visitors_time_zone(client, make_programme):
    programme = make_programme(slug="hong-kong-evening")
    cohort = Cohort(programme=programme, name="Spring", capacity=10, timezone="Asia/Hong_Kong")
    start = datetime(2035, 3, 14, 2, 0, tzinfo=UTC)  # 10:00 in Hong Kong, 02:00 in London
    cohort.sessions.append(
        CohortSession(
            starts_at=start, ends_at=start + timedelta(hours=2), timezone="Asia/Hong_Kong"
        )
    )
    db.session.add(cohort)
    db.session.commit()
    assert "Wed, 14 Mar 2035, 02:00-04:00" in text_of(client.get("/programmes/"))


@pytest.mark.parametrize(
    ("cohort", "state"),
    [
        ({"capacity": 12, "seats_taken": 5}, "7 seats left"),
        ({"capacity": 12, "seats_taken": 11}, "1 seat left"),
        ({"capacity": 12, "seats_taken": 12}, "Waitlist open"),
        ({"capacity": 12, "seats_taken": 12, "waitlist_enabled": False}, "Full"),
        (
            {
                "enrolment_mode": EnrolmentMode.APPLICATION,
                "enrol_closes_at": datetime(2035, 3, 1, 17, 0, tzinfo=UTC),
            },
            "Applications open until Thu, 1 Mar 2035, 17:00",
        ),
        (
            {"enrol_opens_at": datetime(2035, 1, 15, 9, 0, tzinfo=UTC)},
            "Booking opens on Mon, 15 Jan 2035, 09:00",
        ),
        ({"enrol_closes_at": datetime(2020, 1, 1, tzinfo=UTC)}, "Enrolment closed"),
    ],
)
def test_does_a_card_say_whether_people_can_enrol(client, offer, cohort, state):
    offer("robot-lab", days=(5,), cohort=cohort)
    html = text_of(client.get("/programmes/"))
    assert re.search(rf'class="enrolment-state[^"]*">{re.escape(state)}</p>', html)


# The programme page


def test_does_the_programme_page_describe_the_programme(client, offer, make_organisation):
    unam = make_organisation(name="UNAM", country="MX")
    ipn = make_organisation(name="IPN", country="MX")
    offer(
        "research-school",
        kind=ProgrammeKind.SUMMER_SCHOOL,
        summary="Four weeks of research.",
        description="First paragraph.\n\nSecond <b>paragraph</b>\nwith a line break.",
        audience="Undergraduates",
        home_countries=["MX", "CO"],
        language="es",
        city="Mexico City",
        country="MX",
        partners=[unam, ipn],
    )
    response = client.get("/programmes/research-school/")
    assert response.status_code == 200
    html = text_of(response)
    assert "<h1>Research School</h1>" in html
    assert "Summer school" in html
    assert "Four weeks of research." in html
    assert "<p>First paragraph.</p>" in html
    assert "<p>Second &lt;b&gt;paragraph&lt;/b&gt;\nwith a line break.</p>" in html
    assert "Undergraduates · For participants from Colombia, Mexico" in html
    assert "Spanish" in html
    assert "Mexico City, Mexico" in html
    assert 'IPN <span class="muted">(Mexico)</span>' in html
    assert html.index("IPN") < html.index("UNAM")


def test_does_the_programme_page_list_upcoming_cohorts_with_their_sessions(
    client, make_programme, add_dates
):
    programme = make_programme(slug="robot-lab")
    add_dates(programme, -40, -33, name="Last winter")
    add_dates(programme, -20, name="Last autumn")
    add_dates(programme, 30, 37, 44, name="Spring", capacity=16, seats_taken=4)
    add_dates(programme, 10, name="Taster day", enrol_opens_at=days_from_now(2))
    html = text_of(client.get("/programmes/robot-lab/"))
    assert html.index("Taster day") < html.index("Spring")
    assert "Last winter" not in html
    assert "Last autumn" not in html
    assert "2 past cohorts" in html
    assert "12 of 16 seats left" in html
    assert "3 sessions" in html
    assert "Booking opens on" in html
    assert html.count('class="session"') == 4


def test_is_there_nothing_to_click_to_enrol_yet(client, offer):
    offer("robot-lab")
    html = client.get("/programmes/robot-lab/").get_data(as_text=True)
    main = html.split('<main id="main"')[1].split("</main>")[0]
    assert "<form" not in main
    assert "<button" not in main


def test_does_the_programme_page_link_each_cohorts_calendar(client, offer):
    programme = offer("robot-lab")
    cohort_id = programme.cohorts[0].id
    html = client.get("/programmes/robot-lab/").get_data(as_text=True)
    assert f'href="/programmes/robot-lab/cohorts/{cohort_id}.ics"' in html


def test_does_the_programme_page_show_the_image_when_there_is_one(client, offer):
    offer("with-image", image="abcdefghijklmnopqrstuv.png")
    offer("without-image")
    assert "/media/programmes/abcdefghijklmnopqrstuv.png" in text_of(
        client.get("/programmes/with-image/")
    )
    assert "programme__image" not in text_of(client.get("/programmes/without-image/"))


def test_is_an_unknown_programme_a_404(client):
    assert client.get("/programmes/no-such-thing/").status_code == 404


def test_does_a_programme_without_dates_say_so(client, make_programme):
    make_programme(slug="coming-soon")
    html = text_of(client.get("/programmes/coming-soon/"))
    assert "No dates are planned at the moment." in html


# Who sees drafts


@pytest.mark.parametrize("status", [ProgrammeStatus.DRAFT, ProgrammeStatus.ARCHIVED])
def test_is_an_unpublished_programme_hidden_from_the_public(client, auth, offer, make_user, status):
    programme = offer("hidden", status=status)
    cohort_id = programme.cohorts[0].id
    assert client.get("/programmes/hidden/").status_code == 404
    assert client.get(f"/programmes/hidden/cohorts/{cohort_id}.ics").status_code == 404
    auth.login_as(make_user())
    assert client.get("/programmes/hidden/").status_code == 404
    assert client.get(f"/programmes/hidden/cohorts/{cohort_id}.ics").status_code == 404


@pytest.mark.parametrize("role", list(TeamRole))
def test_does_the_team_see_a_draft_with_a_banner(client, auth, offer, make_user, role):
    member = make_user()
    programme = offer("draft", status=ProgrammeStatus.DRAFT, team=[(member, role)])
    auth.login_as(member)
    response = client.get("/programmes/draft/")
    assert response.status_code == 200
    assert "<strong>Draft</strong> —\n      only the team can see this page." in text_of(response)
    ics = client.get(f"/programmes/draft/cohorts/{programme.cohorts[0].id}.ics")
    assert ics.status_code == 200


def test_does_an_admin_see_an_archived_programme_with_a_banner(client, auth, offer, make_user):
    offer("old", status=ProgrammeStatus.ARCHIVED)
    auth.login_as(make_user(is_admin=True))
    response = client.get("/programmes/old/")
    assert response.status_code == 200
    html = text_of(response)
    assert "<strong>Archived</strong>" in html
    assert "It is no longer in the catalogue." in html


def test_has_a_published_programme_no_banner(client, offer):
    offer("open")
    assert "status-banner" not in client.get("/programmes/open/").get_data(as_text=True)


# Time zones


@pytest.fixture
def hong_kong_session(make_programme, make_cohort, make_session):
    """A session on Wed 14 Mar 2035, 10:00-12:00 in Hong Kong (02:00-04:00 in London)."""
    programme = make_programme(slug="digital-education", title="Digital education")
    cohort = make_cohort(programme, name="Spring 2035", timezone="Asia/Hong_Kong")
    return make_session(
        cohort, datetime(2035, 3, 14, 2, 0, tzinfo=UTC), venue="Kowloon Tong campus"
    )


def test_does_a_visitor_see_london_time_and_the_local_time_there(client, hong_kong_session):
    html = text_of(client.get("/programmes/digital-education/"))
    assert "Times are shown in London time." in html
    assert "Wed, 14 Mar 2035, 02:00-04:00" in html
    assert "(your time)" in html
    assert "10:00-12:00 in Hong Kong" in html
    assert "Kowloon Tong campus" in html


def test_does_a_hong_kong_user_see_hong_kong_time_and_the_london_time(
    client, auth, make_user, make_programme, make_cohort, make_session
):
    programme = make_programme(slug="family-science")
    cohort = make_cohort(programme, timezone="Europe/London")
    # Sat 14 Jul 2035, 10:00-12:00 in London (summer time) is 17:00-19:00 in Hong Kong.
    make_session(cohort, datetime(2035, 7, 14, 9, 0, tzinfo=UTC))
    auth.login_as(make_user(timezone="Asia/Hong_Kong"))
    html = text_of(client.get("/programmes/family-science/"))
    assert "Times are shown in Hong Kong time." in html
    assert "Sat, 14 Jul 2035, 17:00-19:00" in html
    assert "10:00-12:00 in London" in html


def test_is_the_local_day_shown_when_it_is_another_day_there(
    client, auth, make_user, hong_kong_session
):
    auth.login_as(make_user(timezone="America/Los_Angeles", locale="en_US"))
    html = text_of(client.get("/programmes/digital-education/"))
    # 02:00 UTC on 14 March is the evening of the 13th in Los Angeles (summer time).
    assert "Tue, Mar 13, 2035, 7:00 PM-9:00 PM" in html
    assert "Wed, Mar 14, 2035, 10:00 AM-12:00 PM in Hong Kong" in html


def test_are_dates_written_the_way_the_pages_language_writes_them(client, hong_kong_session):
    html = text_of(client.get("/programmes/digital-education/?lang=es"))
    assert "mié, 14 mar 2035, 2:00-4:00" in html
    assert "10:00-12:00" in html


def test_is_no_local_time_repeated_when_the_clocks_agree(client, make_programme, add_dates):
    add_dates(make_programme(slug="in-london"), 10)
    html = text_of(client.get("/programmes/in-london/"))
    assert "(your time)" not in html
    assert "session__local" not in html


# Calendar files


def download_calendar(client, programme: Programme, cohort: Cohort) -> Calendar:
    response = client.get(f"/programmes/{programme.slug}/cohorts/{cohort.id}.ics")
    assert response.status_code == 200
    return Calendar.from_ical(response.data)


def test_is_a_cohort_calendar_a_downloadable_ics_file(client, hong_kong_session):
    cohort = hong_kong_session.cohort
    response = client.get(f"/programmes/digital-education/cohorts/{cohort.id}.ics")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="digital-education-spring-2035.ics"'
    )


def test_does_the_calendar_hold_every_session_on_its_local_clock(
    client, hong_kong_session, make_session
):
    cohort = hong_kong_session.cohort
    make_session(cohort, datetime(2035, 3, 21, 2, 0, tzinfo=UTC), title="Field trip")
    calendar = download_calendar(client, cohort.programme, cohort)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    events = calendar.events
    assert len(events) == 2
    first = events[0]
    assert first["DTSTART"].params["TZID"] == "Asia/Hong_Kong"
    assert first.start.replace(tzinfo=None) == datetime(2035, 3, 14, 10, 0)
    assert first.start == datetime(2035, 3, 14, 2, 0, tzinfo=UTC)
    assert first.end == datetime(2035, 3, 14, 4, 0, tzinfo=UTC)
    assert str(first["SUMMARY"]) == "Digital education — Spring 2035"
    assert str(events[1]["SUMMARY"]) == "Digital education — Field trip"
    assert str(first["LOCATION"]) == "Kowloon Tong campus"
    assert "http://localhost/programmes/digital-education/" in str(first["DESCRIPTION"])
    assert "DTSTAMP" in first
    assert [tz.tz_name for tz in calendar.timezones] == ["Asia/Hong_Kong"]
    assert calendar.get_missing_tzids() == set()


def test_do_calendar_events_keep_their_uids_across_downloads(client, hong_kong_session):
    cohort = hong_kong_session.cohort
    first = download_calendar(client, cohort.programme, cohort)
    second = download_calendar(client, cohort.programme, cohort)
    uids = [str(e["UID"]) for e in first.events]
    assert uids == [f"session-{hong_kong_session.id}@convene.test"]  # PUBLIC_BASE_URL's host
    assert uids == [str(e["UID"]) for e in second.events]
    assert str(first["UID"]) == f"cohort-{cohort.id}@convene.test"


def test_do_calendar_events_keep_the_domain_a_site_had_before_it_moved(
    app, client, hong_kong_session
):
    app.config.update(PUBLIC_BASE_URL="https://new.example.org", CALENDAR_UID_DOMAIN="convene")
    cohort = hong_kong_session.cohort
    calendar = download_calendar(client, cohort.programme, cohort)
    assert [str(e["UID"]) for e in calendar.events] == [f"session-{hong_kong_session.id}@convene"]


def test_does_a_public_calendar_keep_the_joining_link_private(
    client, make_programme, make_cohort, make_session
):
    programme = make_programme(slug="online-course", is_online=True, country=None, city=None)
    cohort = make_cohort(programme)
    make_session(cohort, venue=None, online_url="https://meet.example.org/secret-room")
    response = client.get(f"/programmes/online-course/cohorts/{cohort.id}.ics")
    assert b"secret-room" not in response.data
    assert b"secret-room" not in client.get("/programmes/online-course/").data
    assert "Online" in text_of(client.get("/programmes/online-course/"))


def test_is_a_cohort_of_another_programme_a_404(client, offer):
    offer("robot-lab")
    other = offer("star-gazing")
    response = client.get(f"/programmes/robot-lab/cohorts/{other.cohorts[0].id}.ics")
    assert response.status_code == 404
    assert client.get("/programmes/robot-lab/cohorts/999999.ics").status_code == 404


def test_is_a_cohort_without_sessions_a_404_calendar(client, offer):
    programme = offer("robot-lab", days=())
    assert (
        client.get(f"/programmes/robot-lab/cohorts/{programme.cohorts[0].id}.ics").status_code
        == 404
    )


# Home page and navigation


def test_does_the_home_page_show_what_is_coming_up(client, offer):
    offer("later", days=(40,))
    offer("soon", days=(2,))
    offer("next", days=(9,))
    offer("much-later", days=(90,))
    offer("draft", days=(1,), status=ProgrammeStatus.DRAFT)
    html = client.get("/").get_data(as_text=True)
    assert "Coming up" in html
    assert re.findall(
        r'class="programme-card__title">\s*<a href="/programmes/([a-z0-9-]+)/">', html
    ) == ["soon", "next", "later"]
    assert 'href="/programmes/">Browse all programmes</a>' in html
    assert "Families" in html  # the four cards are still there


def test_is_programmes_the_first_link_in_the_navigation(client):
    html = client.get("/").get_data(as_text=True)
    nav = html.split('<nav class="site-nav"')[1]
    first_link = re.search(r'<li><a href="([^"]+)"', nav).group(1)
    assert first_link == "/programmes/"


# A constant number of queries


def catalogue_of(count: int, prefix: str) -> None:
    """`count` published programmes, each with two cohorts of three sessions."""
    start = days_from_now(5)
    for n in range(count):
        programme = Programme(
            slug=f"{prefix}-{n}",
            title=f"{prefix} {n}",
            kind=ProgrammeKind.FAMILY_WORKSHOP,
            summary="A workshop.",
            language="en",
            city="London",
            country="GB",
            min_age=7,
            max_age=11,
            status=ProgrammeStatus.PUBLISHED,
        )
        for c in range(2):
            cohort = Cohort(name=f"Cohort {c}", capacity=10, timezone="Asia/Hong_Kong")
            for s in range(3):
                begins = start + timedelta(days=n + 7 * s + 30 * c)
                cohort.sessions.append(
                    CohortSession(
                        starts_at=begins,
                        ends_at=begins + timedelta(hours=2),
                        timezone="Asia/Hong_Kong",
                    )
                )
            programme.cohorts.append(cohort)
        db.session.add(programme)
    db.session.commit()


def queries_for(client, url: str) -> int:
    client.get(url)  # warm up caches that are not about the data
    with counting_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize("query", ["", "?age=9&mode=in_person&q=workshop"])
def test_does_the_catalogue_run_as_many_queries_for_50_programmes_as_for_5(client, query):
    catalogue_of(5, "few")
    few = queries_for(client, f"/programmes/{query}")
    catalogue_of(45, "many")
    many = queries_for(client, f"/programmes/{query}")
    assert len(listed(client, query)) == 12
    assert few == many
    assert few <= 6


def test_does_the_home_page_run_as_many_queries_for_50_programmes_as_for_5(client):
    catalogue_of(5, "few")
    few = queries_for(client, "/")
    catalogue_of(45, "many")
    assert queries_for(client, "/") == few


def test_does_the_programme_page_run_as_many_queries_for_10_cohorts_as_for_1(
    client, make_programme, make_organisation, add_dates
):
    small = make_programme(slug="small", partners=[make_organisation()])
    add_dates(small, 5, 12, 19)
    partners = [make_organisation() for _ in range(3)]
    large = make_programme(slug="large", partners=partners)
    for n in range(10):
        add_dates(large, 5 + n, 12 + n, 19 + n)
    one = queries_for(client, "/programmes/small/")
    ten = queries_for(client, "/programmes/large/")
    assert one == ten
    assert one <= 5


def test_does_an_age_search_leave_out_courses_for_teachers(
    client, make_programme, make_cohort, make_session
):
    for title, teachers_only in (("Teachers Only Course", True), ("Open Lab Day", False)):
        cohort = make_cohort(make_programme(title=title, teachers_only=teachers_only))
        make_session(cohort, utcnow() + timedelta(days=5))
    html = client.get("/programmes/?age=9").get_data(as_text=True)
    assert "Open Lab Day" in html
    assert "Teachers Only Course" not in html


def test_does_the_programme_page_run_as_many_queries_for_a_viewer_with_10_places_as_with_1(
    client, auth, make_user, make_programme, add_dates
):
    """The viewer's own places (for "You are booked") come in one query for all cohorts."""
    viewer = make_user()
    small = make_programme(slug="small")
    lifecycle.book(viewer, add_dates(small, 5, 12), Party(account_holder=True))
    large = make_programme(slug="large")
    for n in range(10):
        lifecycle.book(viewer, add_dates(large, 5 + n, 12 + n), Party(account_holder=True))
    auth.login_as(viewer)
    one = queries_for(client, "/programmes/small/")
    ten = queries_for(client, "/programmes/large/")
    assert one == ten
    assert "You are booked" in client.get("/programmes/large/").get_data(as_text=True)
