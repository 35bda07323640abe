"""Is a time zone chosen, and shown, by its place in the reader's language?

The lists offer "United Kingdom (London)", "Reino Unido (Londres)", and the same in
Chinese, with the IANA name as the value; older names (America/Knox_IN, US/Eastern) are not offered,
but an account or cohort saved with one still shows it chosen, as the zone it became.
"""

import re

import pytest

from app.core.timezones import timezone_choices
from app.extensions import db
from app.programmes.models import TeamRole

OPTION = re.compile(r'<option(?: selected)? value="([^"]*)">([^<]*)</option>')


def chinese(country: str, city: str) -> str:
    """A place as Chinese writes it, the city in full-width brackets after the country."""
    return f"{country}\uff08{city}\uff09"


SELECT = re.compile(r'<select[^>]* id="timezone"[^>]*>(.*?)</select>', re.DOTALL)


def timezone_options(html: str) -> dict[str, str]:
    return dict(OPTION.findall(SELECT.search(html).group(1)))


def chosen(html: str) -> tuple[str, str]:
    select = SELECT.search(html).group(1)
    return re.search(r'<option selected value="([^"]*)">([^<]*)</option>', select).groups()


def settings(client) -> str:
    return client.get("/account/settings").get_data(as_text=True)


@pytest.mark.parametrize(
    ("locale", "london", "hong_kong", "utc"),
    [
        (
            "en",
            "United Kingdom (London)",
            "Hong Kong SAR China",
            "Coordinated Universal Time (UTC)",
        ),
        (
            "es",
            "Reino Unido (Londres)",
            "RAE de Hong Kong (China)",
            "Tiempo universal coordinado (UTC)",
        ),
        ("zh_Hant", chinese("英國", "倫敦"), "中國香港特別行政區", chinese("世界標準時間", "UTC")),
    ],
)
def test_are_time_zones_offered_by_their_place_in_the_readers_language(
    client, auth, make_user, locale, london, hong_kong, utc
):
    auth.login_as(make_user(locale=locale))
    options = timezone_options(settings(client))
    assert options["Europe/London"] == london
    assert options["Asia/Hong_Kong"] == hong_kong
    assert next(iter(options.items())) == ("UTC", utc)
    assert not [label for label in options.values() if "/" in label or "_" in label]


def test_are_older_names_of_zones_left_out_of_the_list(app):
    zones = {zone for zone, _label in timezone_choices()}
    assert {"America/Indiana/Knox", "America/New_York", "Asia/Kolkata", "Europe/Kyiv"} <= zones
    assert not {"America/Knox_IN", "US/Eastern", "Asia/Calcutta", "Europe/Kiev"} & zones
    assert not [zone for zone in zones if zone.startswith(("Etc/", "SystemV/"))]


def test_is_the_list_sorted_by_the_names_people_read(app):
    labels = [label for _zone, label in timezone_choices()][1:]
    assert labels.index("Åland Islands (Mariehamn)") < labels.index("Albania (Tirane)")
    assert labels.index("Afghanistan (Kabul)") < labels.index("Åland Islands (Mariehamn)")


def test_does_a_chosen_zone_come_back_chosen(client, auth, make_user):
    user = auth.login_as(make_user(locale="es"))
    response = client.post(
        "/account/settings",
        data={"name": "Sam", "locale": "es", "timezone": "America/Indiana/Knox"},
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.timezone == "America/Indiana/Knox"
    assert chosen(settings(client)) == (
        "America/Indiana/Knox",
        "Estados Unidos (Knox, Indiana)",
    )


def test_does_a_zone_kept_under_an_older_name_show_as_the_zone_it_became(client, auth, make_user):
    user = auth.login_as(make_user(timezone="America/Knox_IN"))
    html = settings(client)
    assert chosen(html) == ("America/Indiana/Knox", "United States (Knox, Indiana)")
    response = client.post(
        "/account/settings", data={"name": "Sam", "locale": "", "timezone": "America/Knox_IN"}
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.timezone == "America/Indiana/Knox"


def test_does_a_zone_that_names_no_place_stay_on_offer_to_whoever_has_it(client, auth, make_user):
    user = auth.login_as(make_user(timezone="Etc/GMT+5"))
    html = settings(client)
    assert chosen(html) == ("Etc/GMT+5", "GMT-05:00")
    response = client.post(
        "/account/settings", data={"name": "Sam", "locale": "", "timezone": "Etc/GMT+5"}
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.timezone == "Etc/GMT+5"


def test_does_a_cohort_kept_under_an_older_zone_name_edit_as_its_zone(
    client, auth, make_user, make_programme, make_cohort, make_session
):
    lead = make_user(locale="zh_Hant")
    cohort = make_cohort(make_programme(team=[(lead, TeamRole.LEAD)]), timezone="US/Eastern")
    make_session(cohort, timezone="US/Eastern")
    auth.login_as(lead)
    urls = f"/organise/programmes/{cohort.programme_id}/cohorts/{cohort.id}"
    html = client.get(f"{urls}/edit").get_data(as_text=True)
    assert chosen(html) == ("America/New_York", chinese("美國", "紐約"))
    assert timezone_options(html)["Europe/London"] == chinese("英國", "倫敦")
    assert "紐約時間" in client.get(f"{urls}/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("en", "Times are shown in Kolkata time."),
        ("es", "Los horarios se muestran en la hora de Calcuta."),
        ("zh_Hant", "加爾各答"),
    ],
)
def test_does_a_participant_read_their_own_zone_by_its_city(
    client, auth, make_user, make_programme, make_cohort, make_session, locale, words
):
    make_session(make_cohort(make_programme(slug="robot-lab")))
    auth.login_as(make_user(locale=locale, timezone="Asia/Calcutta"))
    html = client.get("/programmes/robot-lab/").get_data(as_text=True)
    assert words in html
