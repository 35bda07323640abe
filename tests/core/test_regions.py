"""Does an English reader see dates and times written the way their region writes them?

British by default ("Sat, 14 Jul 2035, 10:00-12:00"); American where the account or
the browser says so ("Sat, Jul 14, 2035, 10:00 AM-12:00 PM"); the account wins.
"""

import re
from datetime import UTC, datetime

import pytest
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from app.core.i18n import english_from_accept_language
from app.extensions import db

BRITISH = "Sat, 14 Jul 2035, 10:00\u201312:00"
AMERICAN = "Sat, Jul 14, 2035, 10:00\u202fAM\u201312:00\u202fPM"


@pytest.fixture
def london_workshop(make_programme, make_cohort, make_session):
    """A Saturday morning workshop in London, 10:00 to 12:00 (summer time)."""
    cohort = make_cohort(make_programme(slug="robot-lab"), timezone="Europe/London")
    make_session(cohort, datetime(2035, 7, 14, 9, 0, tzinfo=UTC), venue="Bush House")
    return cohort


def page(client, **headers) -> str:
    return client.get("/programmes/robot-lab/", headers=headers).get_data(as_text=True)


def html_lang(html: str) -> str:
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize(
    ("header", "english"),
    [
        ("en-US,en;q=0.9", "en_US"),
        ("en-GB,en-US;q=0.9", "en_GB"),
        ("en", "en_GB"),
        ("en, en-US;q=0.8", "en_US"),
        ("en-AU", "en_AU"),
        ("es-MX, en;q=0.5", "en_GB"),
        ("en-ZZ", "en_GB"),
        ("", "en_GB"),
    ],
)
def test_which_english_does_a_browser_read(header, english):
    accept = parse_accept_header(header, LanguageAccept)
    assert english_from_accept_language(accept) == english


def test_does_a_london_reader_see_british_dates_and_24_hour_times(
    client, auth, make_user, london_workshop
):
    auth.login_as(make_user(timezone="Europe/London"))
    html = page(client)
    assert html_lang(html) == "en-GB"
    assert BRITISH in html
    assert " AM" not in html.replace("\u202f", " ")


def test_does_an_american_browser_see_american_dates(client, london_workshop):
    html = page(client, **{"Accept-Language": "en-US,en;q=0.9"})
    assert html_lang(html) == "en-US"
    assert AMERICAN in html


def test_does_a_cached_page_keep_each_regions_dates(client, page_cache, london_workshop):
    assert BRITISH in page(client, **{"Accept-Language": "en-GB"})
    assert AMERICAN in page(client, **{"Accept-Language": "en-US"})
    assert BRITISH in page(client, **{"Accept-Language": "en-GB"})


def test_does_a_visitor_without_a_region_read_british_english(client, london_workshop):
    html = page(client, **{"Accept-Language": "fr-FR,en;q=0.5"})
    assert BRITISH in html


@pytest.mark.parametrize(
    ("chosen", "browser", "expected"),
    [("en_GB", "en-US", BRITISH), ("en_US", "en-GB", AMERICAN), ("en", "en-US", AMERICAN)],
)
def test_does_the_english_on_the_account_win_over_the_browser(
    client, auth, make_user, london_workshop, chosen, browser, expected
):
    """English kept without a region (as older accounts have it) follows the browser's."""
    auth.login_as(make_user(locale=chosen, timezone="Europe/London"))
    assert expected in page(client, **{"Accept-Language": browser})


def test_does_the_footer_mark_english_as_the_language_of_an_american_page(client, london_workshop):
    html = page(client, **{"Accept-Language": "en-US"})
    assert re.search(r'value="en"[^>]*aria-current="true"', html)


def booking_mail_body(client, auth, user, cohort, outbox, **headers) -> str:
    auth.login_as(user)
    client.post(
        f"/programmes/{cohort.programme.slug}/cohorts/{cohort.id}/enrol",
        data={"people": ["me"]},
        headers=headers,
    )
    [mail] = outbox("enrolment_confirmed")
    return mail.body_text


def test_does_a_london_reader_get_british_dates_by_mail(
    client, auth, make_user, london_workshop, outbox
):
    user = make_user(timezone="Europe/London", locale="en")
    body = booking_mail_body(client, auth, user, london_workshop, outbox)
    assert f"{BRITISH} (London time)" in body


def test_does_a_mail_follow_the_english_on_the_account_not_the_browser(
    client, auth, make_user, london_workshop, outbox
):
    user = make_user(locale="en_US")
    body = booking_mail_body(
        client, auth, user, london_workshop, outbox, **{"Accept-Language": "en-GB"}
    )
    assert f"{AMERICAN} (London time)" in body


def test_can_a_person_choose_american_english_in_their_settings(client, auth, make_user):
    user = auth.login_as(make_user())
    form = client.get("/account/settings").get_data(as_text=True)
    assert '<option value="en_GB">English (United Kingdom)</option>' in form
    assert '<option value="en_US">English (United States)</option>' in form
    client.post(
        "/account/settings", data={"name": "Sam", "locale": "en_US", "timezone": "Europe/London"}
    )
    db.session.refresh(user)
    assert user.locale == "en_US"
    form = client.get("/account/settings").get_data(as_text=True)
    assert '<option selected value="en_US">English (United States)</option>' in form


def test_does_an_account_kept_in_english_without_a_region_show_the_english_it_reads(
    client, auth, make_user
):
    auth.login_as(make_user(locale="en"))
    form = client.get("/account/settings", headers={"Accept-Language": "en-US"})
    html = form.get_data(as_text=True)
    assert '<option selected value="en_US">English (United States)</option>' in html


@pytest.mark.parametrize(
    ("kept", "browser", "stored"),
    [("en_US", "en-GB", "en_US"), ("es", "en-US", "en_US"), (None, "fr", "en_GB")],
)
def test_does_the_english_button_keep_or_take_the_readers_region(
    client, auth, make_user, kept, browser, stored
):
    user = auth.login_as(make_user(locale=kept))
    client.post("/language", data={"lang": "en", "next": "/"}, headers={"Accept-Language": browser})
    db.session.refresh(user)
    assert user.locale == stored
