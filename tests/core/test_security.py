"""Is Convene safe by default: CSRF, headers, cookies, rate limits, secrets?"""

from urllib.parse import unquote

import pytest
from werkzeug.exceptions import NotFound

from app import create_app
from app.core.security import is_safe_next, is_web_address
from app.extensions import db, limiter
from app.programmes.models import EnrolmentMode
from config import DEV_SECRET_KEY, ProductionConfig, TestingConfig
from tests.links import HOSTILE_ADDRESSES


@pytest.mark.parametrize(
    "path",
    ["/account/login", "/account/signup", "/account/reset", "/account/logout"],
)
def test_is_a_form_post_without_a_csrf_token_refused(client, path):
    response = client.post(path, data={"email": "a@example.org"}, csrf=False)
    assert response.status_code == 400
    assert "The form had expired or was sent from elsewhere" in response.get_data(as_text=True)


def test_is_a_logged_in_persons_language_change_without_a_token_refused(client, auth, make_user):
    user = auth.login_as(make_user(locale="en"))
    response = client.post("/language", data={"lang": "es", "next": "/"}, csrf=False)
    assert response.status_code == 400
    db.session.refresh(user)
    assert user.locale == "en"


def test_can_a_visitor_switch_language_from_a_page_without_a_token(
    client, make_programme, make_cohort, make_session
):
    """Public pages carry no token for visitors (so that they can be cached)."""
    for mode in EnrolmentMode:
        make_session(make_cohort(make_programme(slug=f"robot-lab-{mode}"), enrolment_mode=mode))
    for path in (
        "/",
        "/programmes/",
        *(f"/programmes/robot-lab-{mode}/" for mode in EnrolmentMode),
    ):
        html = client.get(path).get_data(as_text=True)
        assert 'name="csrf_token"' not in html, path
        assert "session=" not in client.get(path).headers.get("Set-Cookie", ""), path
    response = client.post("/language", data={"lang": "es", "next": "/"}, csrf=False)
    assert response.status_code == 302
    assert "Programas" in client.get("/").get_data(as_text=True)


def test_does_every_page_carry_the_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_do_pages_have_no_inline_script_or_style(client, auth, make_user):
    auth.login_as(make_user(is_admin=True))
    for path in ("/", "/account/settings", "/admin/", "/admin/users", "/admin/outbox"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html
        assert " style=" not in html, path
        assert " onclick=" not in html


def test_is_the_session_cookie_httponly_and_samesite(client, auth, make_user):
    make_user(email="lee@example.org")
    response = auth.login("lee@example.org")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http in tests; production sets Secure


def test_are_production_cookies_secure():
    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.REMEMBER_COOKIE_SECURE is True


@pytest.mark.parametrize("secret", [None, "", "short", DEV_SECRET_KEY])
def test_does_production_refuse_to_start_without_a_real_secret_key(monkeypatch, secret):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", secret)
    with pytest.raises(RuntimeError, match=r"^Refusing to start: set SECRET_KEY"):
        create_app(ProductionConfig)


def test_does_production_start_with_a_real_secret_key(monkeypatch, database_url):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 48)
    monkeypatch.setattr(ProductionConfig, "PUBLIC_BASE_URL", "https://convene.example.org")
    app = create_app(ProductionConfig, SQLALCHEMY_DATABASE_URI=database_url)
    assert app.config["SESSION_COOKIE_SECURE"]


@pytest.mark.parametrize("address", [None, "", "convene.example.org", "https://"])
def test_does_production_refuse_to_start_without_the_sites_address(monkeypatch, address):
    """Every link in mail is built on it; without it they would lead nowhere."""
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 48)
    monkeypatch.setattr(ProductionConfig, "PUBLIC_BASE_URL", address)
    with pytest.raises(RuntimeError, match=r"^Refusing to start: set PUBLIC_BASE_URL"):
        create_app(ProductionConfig)


def test_does_the_login_form_slow_down_password_guessing(client, make_user):
    make_user(email="lee@example.org")
    statuses = [
        client.post(
            "/account/login", data={"email": "lee@example.org", "password": f"guess {n}"}
        ).status_code
        for n in range(11)
    ]
    assert statuses[:10] == [422] * 10
    assert statuses[10] == 429
    page = client.post("/account/login", data={"email": "lee@example.org", "password": "x"})
    assert page.status_code == 429
    assert "Too many attempts" in page.get_data(as_text=True)
    # Reading pages is not limited.
    assert client.get("/account/login").status_code == 200


def test_is_the_reset_form_rate_limited(client):
    statuses = [
        client.post("/account/reset", data={"email": f"p{n}@example.org"}).status_code
        for n in range(11)
    ]
    assert statuses[-1] == 429


def test_do_rate_limits_use_redis_when_configured(database_url):
    app = create_app(
        TestingConfig, SQLALCHEMY_DATABASE_URI=database_url, REDIS_URL="redis://127.0.0.1:6379/15"
    )
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/15"
    assert type(limiter.storage).__name__ == "RedisStorage"


def test_do_rate_limits_stay_in_memory_without_redis(app):
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/account/settings", True),
        ("/programmes/?kind=summer_school", True),
        ("", False),
        (None, False),
        ("https://evil.example/", False),
        ("//evil.example", False),
        ("/\\evil.example", False),
        ("javascript:alert(1)", False),
        ("account", False),
    ],
)
def test_which_next_targets_are_safe(target, safe):
    assert is_safe_next(target) is safe


def test_is_the_client_address_taken_from_a_trusted_proxy(database_url):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url, TRUSTED_PROXY_COUNT=1)

    @app.get("/whoami")
    def whoami():
        from flask import request

        return f"{request.remote_addr} {request.scheme}"

    response = app.test_client().get(
        "/whoami", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    )
    assert response.get_data(as_text=True) == "203.0.113.9 https"


def test_are_nul_characters_taken_out_of_what_a_form_or_query_sends(client, auth, make_user):
    """No one types a NUL, and PostgreSQL cannot store one: it must never reach a query."""
    user = auth.login_as(make_user(name="Sam"))
    response = client.post(
        "/account/settings", data={"name": "Ana\x00 Ruiz", "locale": "", "timezone": "UTC"}
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.name == "Ana Ruiz"
    assert client.get("/programmes/?q=%00robots").status_code == 200


@pytest.mark.parametrize(
    "path", ["/programmes/robot-lab%00/", "/certificates/verify/%00code", "/account/reset/%00"]
)
def test_does_an_address_with_a_nul_character_name_no_page(app, client, path):
    """A NUL in a slug, code or token must not reach a query (PostgreSQL refuses it)."""
    assert client.get(path).status_code == 404
    with pytest.raises(NotFound):
        app.url_map.bind("localhost").match(unquote(path))


@pytest.mark.parametrize(
    ("address", "web"),
    [
        ("https://meet.example.org/j/123", True),
        ("HTTP://Example.org", True),
        *((hostile, False) for hostile in HOSTILE_ADDRESSES),
        ("https:javascript:alert(1)", False),
        ("//evil.example.org", False),
        ("meet.example.org", False),
        ("https://[example.org", False),
        ("https://exa mple.org", False),
        (None, False),
    ],
)
def test_which_addresses_are_web_addresses(address, web):
    """Only these become links (and only these are accepted as websites or joining links)."""
    assert is_web_address(address) is web
