"""Are the door and self check-in rate limited, per helper, per participant and per
device, with words a helper understands, and without one phone slowing the others?

Each test sets a small limit in the configuration (put back after the test, with
the counters) and sends requests until it is reached.
"""

import pytest

from app.attendance import rules
from app.attendance.web.limits import DEVICE_COOKIE, DEVICE_HEADER
from app.extensions import db
from tests.attendance import test_door as at_the_door
from tests.attendance.test_door import JSON, code_of, marks
from tests.conftest import counting_queries

#: The door's fixtures: a programme with a session happening now, and bookings.
door = at_the_door.door
family = at_the_door.family
self_service = at_the_door.self_service

A_LOT = "1000 per minute"


def phone(app, user, device: str | None = None):
    """A test client signed in as `user`, on a device with this id (none: only its
    address tells it apart, as a script that never opened the register)."""
    client = app.test_client()
    with client.session_transaction() as browser:
        browser["_user_id"] = user.get_id()
        browser["_fresh"] = True
    if device:
        client.set_cookie(DEVICE_COOKIE, device)
    return client


def scan(client, door, code: str, headers=None):
    """A scan as register.js sends it."""
    token = client.csrf_token()
    return client.post(
        door.url(tail="/scan"),
        data={"code": code},
        csrf=False,
        headers={**JSON, "X-CSRFToken": token, **(headers or {})},
    )


def test_does_a_helper_over_the_limit_get_the_answer_next_to_the_scan_field(app, door, family):
    app.config.update(DOOR_RATE_LIMIT="3 per minute", DOOR_DEVICE_RATE_LIMIT=A_LOT)
    helper = phone(app, door.helper, "phone-one-0123456789")
    tickets = [family(door.cohort, children=1) for _ in range(4)]
    assert [scan(helper, door, code_of(t)).status_code for t in tickets[:3]] == [200] * 3

    over = scan(helper, door, code_of(tickets[3]))
    assert over.status_code == 429
    reply = over.get_json()
    # register.js puts `answer` in the scan's live region, as any other answer.
    assert "Too many check-ins in a short time" in reply["answer"]
    assert "That one was not recorded. Try again in" in reply["answer"]
    assert "answer--bad" in reply["answer"]
    assert 0 < reply["retry_after"] <= 60
    assert int(over.headers["Retry-After"]) > 0
    assert len(marks(door.session)) == 3  # the fourth ticket is not checked in


def test_does_the_answer_come_in_the_helpers_language(app, door, family):
    app.config.update(DOOR_RATE_LIMIT="1 per minute", DOOR_DEVICE_RATE_LIMIT=A_LOT)
    door.helper.locale = "es"
    db.session.commit()
    helper = phone(app, door.helper, "phone-one-0123456789")
    scan(helper, door, code_of(family(door.cohort)))
    reply = scan(helper, door, code_of(family(door.cohort))).get_json()
    assert "Demasiados registros de entrada en poco tiempo" in reply["answer"]


def test_does_a_form_sent_without_script_get_an_error_page_that_says_why(app, door, family):
    app.config.update(DOOR_RATE_LIMIT="1 per minute", DOOR_DEVICE_RATE_LIMIT=A_LOT)
    helper = phone(app, door.helper, "phone-one-0123456789")
    helper.post(door.url(tail="/scan"), data={"code": code_of(family(door.cohort))})
    page = helper.post(door.url(tail="/scan"), data={"code": code_of(family(door.cohort))})
    assert page.status_code == 429
    html = page.get_data(as_text=True)
    assert "Too many check-ins in a short time. That one was not recorded." in html


def test_is_each_helper_limited_on_their_own(app, door, family):
    app.config.update(DOOR_RATE_LIMIT="2 per minute", DOOR_DEVICE_RATE_LIMIT=A_LOT)
    tom = phone(app, door.helper, "phone-one-0123456789")
    oscar = phone(app, door.organiser, "phone-two-0123456789")
    assert [scan(tom, door, code_of(family(door.cohort))).status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    assert scan(oscar, door, code_of(family(door.cohort))).status_code == 200
    # Taps and scans draw on the same allowance: Tom's phones are all over it.
    other_phone = phone(app, door.helper, "phone-three-0123456")
    attendee = family(door.cohort).attendees[0]
    tap = other_phone.post(door.url(tail="/tap"), data={f"p{attendee.id}": ""}, headers=JSON)
    assert tap.status_code == 429


def test_is_each_device_limited_on_its_own(app, door, family):
    app.config.update(DOOR_RATE_LIMIT=A_LOT, DOOR_DEVICE_RATE_LIMIT="2 per minute")
    flooding = phone(app, door.helper, "phone-one-0123456789")
    for _ in range(2):
        scan(flooding, door, code_of(family(door.cohort)))
    # Over its limit, the flooding phone costs the database one look-up (who is
    # signed in), nothing of the scan.
    code = code_of(family(door.cohort))
    flooding.csrf_token()  # read before, as a page that is open has it
    door.url()  # the test's own objects, read before
    with counting_queries() as statements:
        assert scan(flooding, door, code).status_code == 429
    assert len(statements) <= 1
    # The same helper on another phone, and a script that names its device in the
    # header, go on.
    assert scan(phone(app, door.helper, "phone-two-0123456789"), door, code).status_code == 200
    script = phone(app, door.organiser)
    headers = {DEVICE_HEADER: "offline-door-0123456789"}
    assert scan(script, door, code_of(family(door.cohort)), headers).status_code == 200


def test_does_the_register_give_each_browser_a_device_id_that_it_keeps(app, door):
    browser = phone(app, door.helper)
    first = browser.get(door.url())
    [cookie] = [c for c in first.headers.getlist("Set-Cookie") if c.startswith(DEVICE_COOKIE)]
    assert "SameSite=Lax" in cookie
    assert "HttpOnly" not in cookie  # the offline door's script may send it as a header
    device = browser.get_cookie(DEVICE_COOKIE).value
    assert len(device) >= 16
    browser.get(door.url())
    assert browser.get_cookie(DEVICE_COOKIE).value == device
    other = phone(app, door.organiser)
    other.get(door.url())
    assert other.get_cookie(DEVICE_COOKIE).value != device


def test_do_requests_without_a_device_id_share_their_addresss_limit(app, door, family):
    app.config.update(DOOR_RATE_LIMIT=A_LOT, DOOR_DEVICE_RATE_LIMIT="1 per minute")
    tom, oscar = phone(app, door.helper), phone(app, door.organiser)
    assert scan(tom, door, code_of(family(door.cohort))).status_code == 200
    assert scan(oscar, door, code_of(family(door.cohort))).status_code == 429


# Self check-in -------------------------------------------------------------------------


def test_is_self_check_in_limited_per_participant(app, door, self_service, family, make_user):
    app.config.update(SELF_CHECKIN_RATE_LIMIT="2 per minute", SELF_CHECKIN_DEVICE_RATE_LIMIT=A_LOT)
    guardian, _ = self_service
    url = f"/checkin/{door.session.id}/{rules.checkin_code(door.session)}"
    first = phone(app, guardian, "guardian-phone-0123456")
    assert first.get(url).status_code == 200
    assert first.get(url).status_code == 200
    over = first.post(url)
    assert over.status_code == 429
    html = over.get_data(as_text=True)
    assert "Too many check-in attempts from this phone or account. Wait" in html
    assert "then scan the code at the door again." in html
    assert marks(door.session) == []
    # Another phone of the same participant is no way round it; another family goes on.
    assert phone(app, guardian, "guardian-tablet-01234").post(url).status_code == 429
    neighbour = family(door.cohort, guardian=make_user(name="Nina Neighbour")).user
    assert phone(app, neighbour, "neighbour-phone-01234").post(url).status_code == 200


def test_is_self_check_in_limited_per_device(app, door, self_service, family, make_user):
    app.config.update(SELF_CHECKIN_RATE_LIMIT=A_LOT, SELF_CHECKIN_DEVICE_RATE_LIMIT="1 per minute")
    guardian, _ = self_service
    neighbour = family(door.cohort, guardian=make_user(name="Nina Neighbour")).user
    url = f"/checkin/{door.session.id}/{rules.checkin_code(door.session)}"
    assert phone(app, guardian, "shared-phone-0123456").get(url).status_code == 200
    assert phone(app, neighbour, "shared-phone-0123456").get(url).status_code == 429
    assert phone(app, neighbour, "own-phone-0123456789").post(url).status_code == 200


@pytest.mark.slow
def test_does_a_busy_door_stay_within_the_default_limits(app, door, family):
    """One helper on one phone: 60 people as fast as the test client goes (far more
    than a scan a second), then the register's taps for 30 of them."""
    door.cohort.capacity = 60
    helper = phone(app, door.helper, "phone-one-0123456789")
    bookings = [family(door.cohort, children=0, adults=1) for _ in range(60)]
    assert {scan(helper, door, code_of(booking)).status_code for booking in bookings} == {200}
    taps = {
        helper.post(
            door.url(tail="/tap"), data={f"l{booking.attendees[0].id}": ""}, headers=JSON
        ).status_code
        for booking in bookings[:30]
    }
    assert taps == {200}
