"""Can people sign up, log in and out, and manage their password?"""

import re

import pytest
from sqlalchemy import select

from app.accounts import commands
from app.accounts.models import User
from app.extensions import db
from tests.conftest import PASSWORD

NEW_PASSWORD = "a brand new passphrase"


def reset_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/account/reset/\S+)", message.body_text).group(1)


def test_can_a_visitor_sign_up_and_be_logged_in(client):
    response = client.post(
        "/account/signup",
        data={
            "name": "Amira Haddad",
            "email": " Amira@Example.org ",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User))
    assert user.email == "amira@example.org"
    assert user.password_hash.startswith("scrypt:")
    page = client.get("/").get_data(as_text=True)
    assert "Welcome to Convene, Amira Haddad." in page
    assert "Log out" in page


def test_does_a_sign_up_with_a_taken_email_keep_what_was_typed(client, make_user):
    make_user(email="taken@example.org")
    response = client.post(
        "/account/signup",
        data={
            "name": "Second Person",
            "email": "TAKEN@example.org",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "An account with this email exists already" in html
    assert 'value="Second Person"' in html
    assert 'aria-invalid="true"' in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-email"}, "Enter an email address like name@example.org."),
        ({"password": "short", "confirm": "short"}, "Use at least 10 characters."),
        ({"confirm": "something else entirely"}, "The passwords do not match."),
        ({"name": ""}, "This field is required."),
    ],
)
def test_does_sign_up_explain_each_mistake_next_to_the_field(client, data, message):
    form = {"name": "Kim", "email": "kim@example.org", "password": PASSWORD, "confirm": PASSWORD}
    response = client.post("/account/signup", data={**form, **data})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(User)) is None


def test_can_a_user_log_in_and_out(client, auth, make_user):
    make_user(email="lee@example.org", name="Lee")
    response = auth.login("LEE@example.org")
    assert response.status_code == 302
    assert "Log out" in client.get("/").get_data(as_text=True)
    auth.logout()
    assert "Log in" in client.get("/").get_data(as_text=True)
    assert client.get("/account/settings").status_code == 302


def test_does_a_wrong_password_fail_without_saying_which_part_was_wrong(client, auth, make_user):
    make_user(email="lee@example.org")
    for email in ("lee@example.org", "nobody@example.org"):
        response = auth.login(email, "wrong password")
        assert response.status_code == 422
        assert "That email and password do not match an account." in response.get_data(as_text=True)


def test_does_remember_me_set_a_lasting_cookie(client, auth, make_user):
    make_user(email="lee@example.org")
    response = auth.login("lee@example.org", remember_me="y")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_"))
    assert "Expires=" in cookie
    assert "HttpOnly" in cookie


def test_does_login_forget_me_without_remember_me(client, auth, make_user):
    make_user(email="lee@example.org")
    response = auth.login("lee@example.org")
    assert not any(c.startswith("remember_") for c in response.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize(
    ("next_url", "landing"),
    [
        ("/account/settings", "/account/settings"),
        ("https://evil.example/phish", "/"),
        ("//evil.example/phish", "/"),
        ("/\\evil.example", "/"),
    ],
)
def test_does_login_only_return_to_pages_on_this_site(client, auth, make_user, next_url, landing):
    make_user(email="lee@example.org")
    response = client.post(
        "/account/login",
        query_string={"next": next_url},
        data={"email": "lee@example.org", "password": PASSWORD},
    )
    assert response.headers["Location"] == landing


def test_is_a_protected_page_a_login_away(client):
    response = client.get("/account/settings")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login?next=")


def test_can_a_user_change_their_password(client, auth, make_user, outbox):
    user = make_user(email="lee@example.org")
    auth.login_as(user)
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    # Still logged in on this device...
    assert client.get("/account/settings").status_code == 200
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD)
    assert [m.kind for m in outbox()] == ["password_changed"]


def test_does_a_password_change_sign_out_other_devices(app, make_user):
    user = make_user(email="lee@example.org")
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        device.post("/account/login", data={"email": user.email, "password": PASSWORD})
    laptop.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert laptop.get("/account/settings").status_code == 200
    assert phone.get("/account/settings").status_code == 302


def test_is_a_wrong_current_password_refused(client, auth, make_user):
    user = make_user()
    auth.login_as(user)
    response = client.post(
        "/account/password",
        data={
            "current_password": "not it at all",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 422
    assert "That is not your current password." in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_does_the_reset_form_answer_the_same_whether_or_not_the_email_exists(
    client, make_user, outbox
):
    make_user(email="lee@example.org")
    known = client.post("/account/reset", data={"email": "lee@example.org"})
    unknown = client.post("/account/reset", data={"email": "ghost@example.org"})
    assert known.status_code == unknown.status_code == 200

    def without_email_or_token(response) -> str:
        html = response.get_data(as_text=True).replace("lee@example.org", "X")
        html = html.replace("ghost@example.org", "X")
        return re.sub(r'name="csrf_token" value="[^"]+"', "", html)

    assert without_email_or_token(known) == without_email_or_token(unknown)
    assert [m.recipient for m in outbox("password_reset")] == ["lee@example.org"]


def test_can_a_forgotten_password_be_reset_once_through_the_emailed_link(
    client, auth, make_user, outbox
):
    user = make_user(email="lee@example.org")
    client.post("/account/reset", data={"email": "lee@example.org"})
    link = reset_link(outbox("password_reset")[0])

    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.headers["Location"] == "/account/login"
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD)
    assert auth.login("lee@example.org", NEW_PASSWORD).status_code == 302

    # Single use: the same link no longer works.
    again = client.post(
        link, data={"password": "yet another passphrase", "confirm": "yet another passphrase"}
    )
    assert again.status_code == 410
    assert "This link no longer works" in again.get_data(as_text=True)


def test_does_a_reset_link_lead_to_the_site_whatever_host_the_request_named(
    app, client, make_user, outbox
):
    """A reset link built on the request's Host header would send the token to whoever
    forged that header."""
    make_user(email="lee@example.org")
    app.config["WTF_CSRF_ENABLED"] = False  # the session cookie is not sent to another host
    response = client.post(
        "/account/reset",
        data={"email": "lee@example.org"},
        headers={"Host": "evil.example"},
        csrf=False,
    )
    assert response.status_code == 200
    [message] = outbox("password_reset")
    assert "http://convene.test/account/reset/" in message.body_text
    assert "evil.example" not in message.body_text + message.body_html


def test_does_a_reset_link_expire_after_an_hour(app, make_user, monkeypatch):
    user = make_user()
    token = commands.make_reset_token(user)
    assert commands.user_for_reset_token(token) == user
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)
    assert commands.user_for_reset_token(token) is None


@pytest.mark.parametrize("token", ["garbage", "eyJpZCI6MX0.tampered.sig"])
def test_is_a_forged_reset_link_refused(client, token):
    response = client.get(f"/account/reset/{token}")
    assert response.status_code == 410
