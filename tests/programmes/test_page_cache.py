"""Do visitors get public pages fast, and never a page that is out of date or someone
else's?"""

from datetime import timedelta

import pytest
from redis import Redis, RedisError

from app.core.db import utcnow
from app.core.page_cache import PageCache
from app.core.transaction import transaction
from app.enrolment import lifecycle
from app.enrolment.rules import Party
from app.extensions import db
from tests.conftest import counting_queries


@pytest.fixture
def workshop(make_programme, make_cohort, make_session):
    programme = make_programme(slug="robot-lab", title="Robot Lab")
    cohort = make_cohort(programme, capacity=3)
    make_session(cohort, utcnow() + timedelta(days=5))
    return cohort


def queries_of(client, path: str) -> int:
    with counting_queries() as statements:
        assert client.get(path).status_code == 200
    return len(statements)


@pytest.mark.parametrize("path", ["/", "/programmes/", "/programmes/robot-lab/"])
def test_is_a_public_page_rendered_once_for_every_visitor(client, page_cache, workshop, path):
    first = client.get(path)
    with counting_queries() as statements:
        again = client.get(path)
    assert statements == []
    assert again.get_data() == first.get_data()
    assert "Robot Lab" in again.get_data(as_text=True)


def test_does_a_visitors_browser_get_not_modified_while_the_page_is_unchanged(
    client, page_cache, workshop
):
    first = client.get("/programmes/")
    assert first.headers["ETag"]
    assert "no-cache" in first.headers["Cache-Control"]
    assert {"Cookie", "Accept-Language"} <= set(first.headers["Vary"].replace(" ", "").split(","))
    again = client.get("/programmes/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""


def test_does_an_edit_show_at_once(client, page_cache, workshop):
    assert "Robot Lab" in client.get("/programmes/").get_data(as_text=True)
    with transaction():
        workshop.programme.title = "Robot Lab Live"
    assert "Robot Lab Live" in client.get("/programmes/").get_data(as_text=True)
    assert "Robot Lab Live" in client.get("/programmes/robot-lab/").get_data(as_text=True)


def test_does_a_booking_show_in_the_places_left_at_once(client, page_cache, workshop, make_user):
    assert "3 of 3 seats left" in client.get("/programmes/robot-lab/").get_data(as_text=True)
    with transaction():
        lifecycle.book(make_user(), workshop, Party(account_holder=True))
    assert "2 of 3 seats left" in client.get("/programmes/robot-lab/").get_data(as_text=True)


def test_does_a_new_session_move_the_programme_in_the_catalogue_at_once(
    client, page_cache, workshop, make_programme, make_cohort, make_session
):
    later = make_programme(slug="star-gazing", title="Star Gazing")
    make_session(make_cohort(later), utcnow() + timedelta(days=20))
    html = client.get("/programmes/").get_data(as_text=True)
    assert html.index("Robot Lab") < html.index("Star Gazing")
    make_session(later.cohorts[0], utcnow() + timedelta(days=2))
    html = client.get("/programmes/").get_data(as_text=True)
    assert html.index("Star Gazing") < html.index("Robot Lab")


def test_is_a_change_that_rolls_back_no_reason_to_render_again(client, page_cache, workshop):
    client.get("/programmes/")

    def refused_edit():
        with transaction():
            workshop.programme.title = "Never shown"
            db.session.flush()
            raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        refused_edit()
    assert queries_of(client, "/programmes/") == 0


def test_does_a_logged_in_person_get_their_own_page(client, page_cache, workshop, auth, make_user):
    client.get("/programmes/robot-lab/")  # a visitor's page, now cached
    auth.login_as(make_user(name="Ada Lovelace"))
    html = client.get("/programmes/robot-lab/").get_data(as_text=True)
    assert "Log out" in html
    client.post("/account/logout")
    assert "Log out" not in client.get("/programmes/robot-lab/").get_data(as_text=True)


def test_is_a_page_kept_per_language(client, page_cache, workshop):
    assert "Programmes" in client.get("/programmes/").get_data(as_text=True)
    spanish = client.get("/programmes/", headers={"Accept-Language": "es"})
    assert "Programas" in spanish.get_data(as_text=True)
    client.get("/programmes/?lang=zh_Hant")
    assert "課程" in client.get("/programmes/").get_data(as_text=True)


def test_is_a_page_with_a_message_for_the_visitor_never_kept(client, page_cache, workshop):
    client.get("/programmes/robot-lab/")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Only for you")]
    assert "Only for you" in client.get("/programmes/robot-lab/").get_data(as_text=True)
    assert "Only for you" not in client.get("/programmes/robot-lab/").get_data(as_text=True)


def test_is_a_missing_programme_never_kept(client, page_cache):
    assert client.get("/programmes/not-yet/").status_code == 404
    assert queries_of_status(client, "/programmes/not-yet/") > 0


def queries_of_status(client, path: str) -> int:
    with counting_queries() as statements:
        client.get(path)
    return len(statements)


def test_is_nothing_cached_without_redis_to_share_changes(app, client, workshop):
    assert app.extensions["page_cache"].mode == "off"  # TestingConfig: no REDIS_URL
    client.get("/programmes/")
    assert queries_of(client, "/programmes/") > 0


REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_or_skip() -> Redis:
    redis = Redis.from_url(REDIS_URL)
    try:
        redis.ping()
    except RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379 to share the version through")
    return redis


def test_does_a_change_on_one_web_process_reach_the_others_through_redis(app, workshop):
    """Two processes (two PageCache objects) share the version in Redis."""
    redis_or_skip()
    app.config.update(REDIS_URL=REDIS_URL, PUBLIC_PAGE_CACHE="auto")
    app.extensions.pop("redis", None)
    try:
        one, other = PageCache(app), PageCache(app)
        assert one.mode == other.mode == "redis"
        before = other.version()
        one.bump()
        assert other.version() == before + 1
    finally:
        app.config.update(REDIS_URL=None, PUBLIC_PAGE_CACHE="off")
        app.extensions.pop("redis", None)
