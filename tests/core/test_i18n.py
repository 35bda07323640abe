"""Does each person see Convene in their language and time zone?"""

import pytest
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from app.core.i18n import locale_from_accept_language
from app.core.timezones import timezone_choices
from app.extensions import db

SUPPORTED = {"en": "English", "es": "Español", "zh_Hant": "繁體中文"}


def html_lang(response) -> str:
    html = response.get_data(as_text=True)
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("es-CO,es;q=0.9,en;q=0.8", "es"),
        ("zh-TW,zh;q=0.9", "zh_Hant"),
        ("zh-HK", "zh_Hant"),
        ("zh-Hant-HK", "zh_Hant"),
        ("zh-CN,en;q=0.5", "en"),
        ("fr-FR,de;q=0.8", None),
        ("de, es;q=0.3", "es"),
        ("", None),
    ],
)
def test_which_language_does_a_browser_get(header, expected):
    accept = parse_accept_header(header, LanguageAccept)
    assert locale_from_accept_language(accept, SUPPORTED) == expected


def test_does_the_browser_language_choose_the_page_language(client):
    response = client.get("/", headers={"Accept-Language": "es-CO,es;q=0.9"})
    assert html_lang(response) == "es"
    response = client.get("/", headers={"Accept-Language": "zh-HK"})
    assert html_lang(response) == "zh-Hant"
    assert html_lang(client.get("/", headers={"Accept-Language": "fr"})) == "en-GB"


def test_is_a_lang_choice_remembered_for_the_visit(client):
    assert html_lang(client.get("/account/login?lang=es")) == "es"
    assert html_lang(client.get("/", headers={"Accept-Language": "zh-TW"})) == "es"
    assert html_lang(client.get("/?lang=klingon")) == "es"


def test_does_a_users_setting_win_over_the_visit_and_the_browser(client, auth, make_user):
    auth.login_as(make_user(locale="zh_Hant"))
    client.get("/?lang=es")
    response = client.get("/", headers={"Accept-Language": "es"})
    assert html_lang(response) == "zh-Hant"


def test_are_pages_translated(client):
    spanish = client.get("/account/login?lang=es").get_data(as_text=True)
    assert "Iniciar sesión" in spanish
    chinese = client.get("/account/login?lang=zh_Hant").get_data(as_text=True)
    assert "登入" in chinese


def test_does_the_language_button_switch_and_keep_the_page(client):
    response = client.post("/language", data={"lang": "es", "next": "/account/reset"})
    assert response.headers["Location"] == "/account/reset"
    assert html_lang(client.get("/account/reset")) == "es"


def test_does_the_language_button_save_a_signed_in_users_choice(client, auth, make_user):
    user = auth.login_as(make_user())
    client.post("/language", data={"lang": "zh_Hant", "next": "/"})
    db.session.refresh(user)
    assert user.locale == "zh_Hant"


def test_does_the_language_button_ignore_a_foreign_next(client):
    response = client.post("/language", data={"lang": "es", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_can_a_user_set_language_and_time_zone(client, auth, make_user):
    user = auth.login_as(make_user())
    response = client.post(
        "/account/settings",
        data={"name": "Wong Ka-yan", "locale": "zh_Hant", "timezone": "Asia/Hong_Kong"},
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.locale, user.timezone) == ("Wong Ka-yan", "zh_Hant", "Asia/Hong_Kong")
    assert html_lang(client.get("/account/settings")) == "zh-Hant"


def test_can_a_user_go_back_to_their_browsers_language(client, auth, make_user):
    user = auth.login_as(make_user(locale="es"))
    client.post("/account/settings", data={"name": "Sam", "locale": "", "timezone": "UTC"})
    db.session.refresh(user)
    assert user.locale is None


def test_is_an_unknown_time_zone_refused_next_to_the_field(client, auth, make_user):
    auth.login_as(make_user())
    response = client.post(
        "/account/settings", data={"name": "Sam", "locale": "en", "timezone": "Mars/Olympus"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="timezone-error"' in html
    assert 'value="Sam"' in html


def test_does_the_time_zone_list_offer_real_places(app):
    values = [value for value, _label in timezone_choices()]
    assert {"UTC", "Asia/Hong_Kong", "America/Bogota", "Europe/London"} <= set(values)
    assert not any(v.startswith("Etc/") for v in values)


def test_are_times_shown_in_the_users_time_zone(app, client, auth, make_user, outbox):
    """The admin outbox shows when a message was queued, in the viewer's zone."""
    admin = auth.login_as(make_user(is_admin=True, timezone="Asia/Hong_Kong", locale="en"))
    client.post("/account/reset", data={"email": admin.email})
    queued = outbox()[0].created_at
    html = client.get(f"/admin/outbox/{outbox()[0].id}").get_data(as_text=True)
    hong_kong_hour = (queued.hour + 8) % 24
    hour_text = f"{hong_kong_hour:02d}:{queued.minute:02d}"
    assert hour_text in html


def test_is_a_time_zone_of_ten_thousand_characters_refused_next_to_the_field(
    client, auth, make_user
):
    user = auth.login_as(make_user(name="Sam"))
    response = client.post(
        "/account/settings", data={"name": "Samuel", "locale": "", "timezone": "A" * 10_000}
    )
    assert response.status_code == 422
    assert "field__error" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert (user.name, user.timezone) != ("Samuel", "A" * 10_000)


@pytest.mark.parametrize(
    ("lang", "words"),
    [("es", "Inicia sesión para ver esta página."), ("zh_Hant", "請先登入才能查看此頁面。")],
)
def test_is_the_log_in_request_in_the_visitors_language(client, lang, words):
    client.get(f"/?lang={lang}")
    response = client.get("/me/", follow_redirects=True)
    assert words in response.get_data(as_text=True)


def test_do_log_in_and_sign_up_in_the_header_keep_where_the_visitor_was_going(client):
    page = client.get("/programmes/?q=robots").get_data(as_text=True)
    assert 'href="/account/login?next=/programmes/?q%3Drobots"' in page
    assert 'href="/account/signup?next=/programmes/?q%3Drobots"' in page
