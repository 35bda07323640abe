"""Can admins run the platform, and nobody else?"""

from datetime import UTC, datetime

import pytest

from app.extensions import db

ADMIN_PAGES = ["/admin/", "/admin/users", "/admin/outbox"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_are_admin_pages_closed_to_visitors(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_are_admin_pages_closed_to_participants_and_organisers(client, auth, make_user, path):
    auth.login_as(make_user(may_create_programmes=True))
    response = client.get(path)
    assert response.status_code == 403
    assert "You do not have access to this page" in response.get_data(as_text=True)


def test_is_the_admin_link_shown_only_to_admins(client, auth, make_user):
    auth.login_as(make_user())
    assert 'href="/admin/"' not in client.get("/").get_data(as_text=True)
    auth.login_as(make_user(is_admin=True))
    assert 'href="/admin/"' in client.get("/").get_data(as_text=True)


def test_does_the_overview_count_people_and_mail(client, auth, make_user):
    auth.login_as(make_user(is_admin=True))
    make_user(may_create_programmes=True)
    client.post("/account/reset", data={"email": "person2@example.org"})
    html = client.get("/admin/").get_data(as_text=True)
    assert '<span class="stat__value">2</span> <span class="stat__label">accounts' in html
    assert '<span class="stat__value">1</span> <span class="stat__label">may create' in html


def test_can_an_admin_allow_and_revoke_creating_programmes(client, auth, make_user):
    auth.login_as(make_user(is_admin=True))
    teacher = make_user(name="Wong Ka-yan")
    response = client.post(
        f"/admin/users/{teacher.id}/programme-creator",
        data={"allowed": "1", "next": "/admin/users?q=wong"},
    )
    assert response.headers["Location"] == "/admin/users?q=wong"
    db.session.refresh(teacher)
    assert teacher.may_create_programmes
    assert "Wong Ka-yan may now create programmes." in client.get("/").get_data(as_text=True)

    client.post(f"/admin/users/{teacher.id}/programme-creator", data={"allowed": "0"})
    db.session.refresh(teacher)
    assert not teacher.may_create_programmes


def test_can_a_non_admin_not_grant_rights(client, auth, make_user):
    me = auth.login_as(make_user())
    response = client.post(f"/admin/users/{me.id}/programme-creator", data={"allowed": "1"})
    assert response.status_code == 403
    db.session.refresh(me)
    assert not me.may_create_programmes


def test_does_granting_rights_to_an_unknown_account_give_404(client, auth, make_user):
    auth.login_as(make_user(is_admin=True))
    response = client.post("/admin/users/9999/programme-creator", data={"allowed": "1"})
    assert response.status_code == 404


def test_can_an_admin_find_people_by_name_or_email(client, auth, make_user):
    auth.login_as(make_user(is_admin=True, name="Ada Admin"))
    make_user(name="Valentina Rojas", email="vrojas@example.org")
    make_user(name="Tom Price", email="tom@example.org")
    html = client.get("/admin/users?q=ROJAS").get_data(as_text=True)
    assert "Valentina Rojas" in html
    assert "Tom Price" not in html
    assert "Tom Price" in client.get("/admin/users?q=tom@").get_data(as_text=True)


def test_does_the_people_list_paginate(client, auth, make_user):
    auth.login_as(make_user(is_admin=True, name="Aaron Admin"))
    for n in range(30):
        make_user(name=f"Zed {n:02d}")
    first = client.get("/admin/users").get_data(as_text=True)
    assert "Page 1 of 2" in first
    second = client.get("/admin/users?page=2").get_data(as_text=True)
    assert "Zed 29" in second
    assert "Zed 29" not in first


@pytest.mark.parametrize("path", ["/admin/users", "/admin/outbox"])
def test_is_a_page_number_past_any_integer_an_empty_list(client, auth, make_user, path):
    auth.login_as(make_user(is_admin=True, name="Aaron Admin"))
    response = client.get(f"{path}?page={10**30}")
    assert response.status_code == 200
    assert "Aaron Admin" not in response.get_data(as_text=True).split("</header>")[1]


def test_does_the_outbox_list_messages_with_their_status(client, auth, make_user, outbox):
    auth.login_as(make_user(is_admin=True))
    make_user(email="lee@example.org")
    client.post("/account/reset", data={"email": "lee@example.org"})
    html = client.get("/admin/outbox").get_data(as_text=True)
    assert "lee@example.org" in html
    assert "Reset your Convene password" in html
    assert "badge--sent" in html
    assert "lee@example.org" not in client.get("/admin/outbox?status=failed").get_data(as_text=True)
    message = outbox()[0]
    detail = client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert "/account/reset/" in detail


def test_are_the_outbox_times_valid_html(client, auth, make_user, outbox):
    """A `<time datetime>` may give at most three digits of a second; Python writes six."""
    auth.login_as(make_user(is_admin=True))
    make_user(email="lee@example.org")
    client.post("/account/reset", data={"email": "lee@example.org"})
    message = outbox()[0]
    message.created_at = datetime(2026, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)
    db.session.commit()
    html = client.get("/admin/outbox").get_data(as_text=True)
    assert '<time datetime="2026-03-14T09:26:53Z">' in html


def test_is_an_unknown_message_a_404(client, auth, make_user):
    auth.login_as(make_user(is_admin=True))
    assert client.get("/admin/outbox/12345").status_code == 404
