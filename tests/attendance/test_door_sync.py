"""Can the door's phones get what they need from the server, and send what they did?

The register's data for a phone, the marks changed since it last asked, the sync
endpoint for its queue, the manifest, the service worker, and what a log-out
clears: through the test client, as door.js and door-worker.js call them.
"""

import json
import re
import shutil
import time
import uuid
from datetime import timedelta

import pytest
from flask_babel import force_locale

from app.attendance.models import AttendanceState, DoorActionKind
from app.attendance.web.door import door_key
from app.core.db import utcnow
from app.extensions import db
from tests.attendance import test_door as at_the_door
from tests.attendance.test_door import JSON, code_of, marks
from tests.conftest import counting_queries

A = AttendanceState

door = at_the_door.door
family = at_the_door.family


def ms(moment) -> int:
    return int(moment.timestamp() * 1000)


def sent(kind: DoorActionKind, helper, *, at=None, key=None, **fields) -> dict:
    """An action as door.js sends it."""
    return {
        "key": key or str(uuid.uuid4()),
        "kind": kind.value,
        "at": ms(at or utcnow()),
        "helper": helper.id,
        "admitted": [],
        **fields,
    }


def sync(client, door, actions, *, device="phone-one", name="Phone 1", sent_at=None, **options):
    """POST a batch to the sync endpoint as door.js does (JSON, the token in a header)."""
    body = {
        "device": {"id": device, "name": name},
        "sent_at": ms(sent_at or utcnow()),
        "actions": actions,
    }
    headers = {**JSON, "X-CSRFToken": client.csrf_token()}
    if options.pop("csrf", True) is False:
        headers.pop("X-CSRFToken")
    return client.post(door.url(tail="/sync"), json=body, headers=headers, csrf=False)


# What a phone keeps --------------------------------------------------------------------


def test_does_a_phone_get_this_sessions_people_and_their_ticket_codes_only(
    client, auth, door, family, make_cohort, make_user
):
    lewis = family(door.cohort, children=2)
    family(door.cohort, children=1, status=at_the_door.S.CANCELLED)
    family(make_cohort(door.programme, name="Autumn"), children=1)
    auth.login_as(door.helper)
    response = client.get(door.url(tail="/phone-data"))
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()

    assert [person["name"] for person in data["people"]] == ["Amira", "Omar"]
    amira = data["people"][0]
    # What the door needs to answer by itself, and no more: needs stay on the page.
    assert set(amira) == {"id", "name", "child", "party", "state", "at", "by", "left", "collectors"}
    assert amira["collectors"] == ["Gita Guardian", "Nadia Aunt"]
    assert "Asthma" not in response.get_data(as_text=True)
    # The ticket's code, and the token of tickets from before codes, as phones match them.
    codes = sorted({door_key(lewis.ticket_code), door_key(lewis.ticket_token)})
    assert data["tickets"] == [{"codes": codes, "party": [a.id for a in lewis.attendees]}]
    assert data["helper"] == {"id": door.helper.id, "name": "Tom Helper"}
    start, end = data["session"]["day"]
    assert start <= ms(door.session.starts_at) < ms(door.session.ends_at) <= end
    assert end - start == 24 * 3600 * 1000
    assert data["letters"] == {"p": "present", "l": "late", "a": "absent", "e": "excused"}


def test_does_a_phone_get_its_words_in_the_helpers_language(client, auth, door, family):
    family(door.cohort, children=1)
    door.helper.locale = "es"
    db.session.commit()
    auth.login_as(door.helper)
    words = client.get(door.url(tail="/phone-data")).get_json()["words"]
    with force_locale("es"):
        from flask_babel import gettext

        assert words["checked_in"] == gettext("Checked in: %(names)s", names="{names}")
    assert words["checked_in"] != "Checked in: {names}"
    assert "{n}" in words["waiting"]
    assert words["states"]["present"] != "Present"


@pytest.mark.parametrize(
    "typed",
    [
        lambda token: f"CONVENE:{token}",
        lambda token: f"convene:{token.lower()}",
        lambda token: " ".join(token[i : i + 4] for i in range(0, len(token), 4)),
        lambda token: token.upper(),
    ],
    ids=["scanned", "lower case", "in groups", "upper case"],
)
def test_does_a_code_as_typed_match_the_tickets_code_on_a_phone(typed):
    """door.js reads what is typed as door_key does (tested typed in the browser too)."""
    token = "aB3-_xYz09QrStUvWxYz1234"
    assert door_key(typed(token)) == door_key(token)


def test_does_a_ticket_code_typed_with_look_alike_letters_match_on_a_phone():
    """O for 0 and I or l for 1, in any case and grouping, as the server reads them."""
    assert door_key("7ok3-m9qx-d2hl-i") == door_key("70K3M9QXD2H11")


# Sending the queue ------------------------------------------------------------------------


def test_does_a_sync_apply_each_action_once_and_answer_each_by_its_key(client, auth, door, family):
    lewis = family(door.cohort, children=2)
    auth.login_as(door.helper)
    before = utcnow() - timedelta(seconds=30)
    scan = sent(DoorActionKind.SCAN, door.helper, code=code_of(lewis), at=before)
    tap = sent(DoorActionKind.MARK, door.helper, attendee=lewis.attendees[1].id, state="late")
    reply = sync(client, door, [tap, scan]).get_json()

    by_key = {result["key"]: result for result in reply["results"]}
    # In the order they were done: the scan first, then Omar marked late.
    assert by_key[scan["key"]]["outcome"] == "applied"
    assert "Checked in: Amira, Omar" in by_key[scan["key"]]["answer"]
    assert by_key[tap["key"]]["outcome"] == "applied"
    assert "Omar: Late" in by_key[tap["key"]]["answer"]
    assert sorted(reply["rows"]) == sorted(str(a.id) for a in lewis.attendees)
    assert re.search(r"Late</dt><dd>1</dd>", reply["counts"])
    assert [p["state"] for p in reply["people"]] == ["present", "late"]
    assert reply["conflicts"] is None

    again = sync(client, door, [tap, scan]).get_json()
    assert {r["outcome"] for r in again["results"]} == {"applied"}
    assert all("received before" in r["answer"] for r in again["results"])
    assert [(m.state, m.marked_on) for m in marks(door.session)] == [
        (A.PRESENT, "Phone 1"),
        (A.LATE, "Phone 1"),
    ]


def test_does_a_sync_that_finds_a_conflict_say_so_and_send_the_list(client, auth, door, family):
    lewis = family(door.cohort, children=1)
    auth.login_as(door.helper)
    first = sent(
        DoorActionKind.SCAN,
        door.helper,
        code=code_of(lewis),
        at=utcnow() - timedelta(minutes=5),
        admitted=[lewis.attendees[0].id],
    )
    sync(client, door, [first], device="phone-one", name="Phone 1")
    second = sent(
        DoorActionKind.SCAN,
        door.helper,
        code=code_of(lewis),
        at=utcnow() - timedelta(minutes=4),
        admitted=[lewis.attendees[0].id],
    )
    reply = sync(client, door, [second], device="phone-two", name="Phone 2").get_json()
    [result] = reply["results"]
    assert result["outcome"] == "conflict"
    assert "Checked in twice: Amira" in result["answer"]
    assert "Also checked in by Tom Helper on Phone 1 at" in result["answer"]
    assert "Amira: checked in by Tom Helper on Phone 1 at" in reply["conflicts"]
    assert "also checked in by Tom Helper on Phone 2 at" in reply["conflicts"]
    page = client.get(door.url()).get_data(as_text=True)
    assert "Amira: checked in by Tom Helper on Phone 1 at" in page


def test_is_a_helpers_action_done_after_the_sessions_day_refused_with_a_reason(
    client, auth, door, family, make_session
):
    amira = family(door.cohort, children=1).attendees[0]
    auth.login_as(door.helper)
    tomorrow = utcnow() + timedelta(days=1, hours=1)
    late = sent(DoorActionKind.MARK, door.helper, attendee=amira.id, state="present", at=tomorrow)
    # The phone's clock says tomorrow, and so it is for it: sent "tomorrow" as well.
    reply = sync(client, door, [late], sent_at=tomorrow).get_json()
    [result] = reply["results"]
    assert result["outcome"] == "applied"  # the clock is corrected: it happened now
    yesterday = make_session(door.cohort, door.session.starts_at - timedelta(days=1))
    closed = sent(DoorActionKind.MARK, door.helper, attendee=amira.id, state="absent")
    url = door.url(yesterday, "/sync")
    response = client.post(
        url,
        json={"device": {"id": "p"}, "sent_at": ms(utcnow()), "actions": [closed]},
        headers={**JSON, "X-CSRFToken": client.csrf_token()},
        csrf=False,
    )
    [result] = response.get_json()["results"]
    assert result["outcome"] == "refused"
    assert "organisers can change its register now." in result["answer"]


def test_is_an_action_saved_by_another_account_refused_not_applied(client, auth, door, family):
    amira = family(door.cohort, children=1).attendees[0]
    auth.login_as(door.helper)
    other = sent(DoorActionKind.MARK, door.organiser, attendee=amira.id, state="present")
    [result] = sync(client, door, [other]).get_json()["results"]
    assert result["outcome"] == "refused"
    assert "saved on this phone by another account" in result["answer"]
    assert marks(door.session) == []


BROKEN = {
    "no actions": lambda body: body.update(actions=[]),
    "not a list": lambda body: body.update(actions="scan"),
    "no device": lambda body: body.pop("device"),
    "a bad key": lambda body: body["actions"][0].update(key="not a key!"),
    "an unknown kind": lambda body: body["actions"][0].update(kind="dance"),
    "a time as text": lambda body: body["actions"][0].update(at="10:02"),
    "a time in 1970": lambda body: body["actions"][0].update(at=5),
    "a state unknown": lambda body: body["actions"][0].update(state="asleep"),
    "an id too big": lambda body: body["actions"][0].update(attendee=2**40),
    "too many": lambda body: body.update(actions=body["actions"] * 101),
}


@pytest.mark.parametrize("broken", BROKEN.values(), ids=BROKEN.keys())
def test_is_a_batch_that_is_not_one_refused_whole(client, auth, door, family, broken):
    amira = family(door.cohort, children=1).attendees[0]
    auth.login_as(door.helper)
    body = {
        "device": {"id": "phone-one"},
        "sent_at": ms(utcnow()),
        "actions": [sent(DoorActionKind.MARK, door.helper, attendee=amira.id, state="present")],
    }
    broken(body)
    response = client.post(
        door.url(tail="/sync"),
        json=body,
        headers={**JSON, "X-CSRFToken": client.csrf_token()},
        csrf=False,
    )
    assert response.status_code == 400
    assert marks(door.session) == []


def test_is_a_sync_without_the_token_refused(client, auth, door, family):
    amira = family(door.cohort, children=1).attendees[0]
    auth.login_as(door.helper)
    action = sent(DoorActionKind.MARK, door.helper, attendee=amira.id, state="present")
    assert sync(client, door, [action], csrf=False).status_code == 400
    assert marks(door.session) == []


@pytest.mark.parametrize(
    "tail", ["/sync", "/phone-data", "/changes?since=0", "/manifest.webmanifest"]
)
def test_are_the_phones_addresses_closed_to_people_outside_the_team(
    client, auth, door, family, tail
):
    enrolment = family(door.cohort, children=1)
    url = door.url(tail=tail)
    if tail == "/sync":
        token = {"X-CSRFToken": client.csrf_token()}
        response = client.post(url, json={}, headers=token, csrf=False)
    else:
        response = client.get(url)
    assert response.status_code == 302  # to the login page
    for outsider in (door.outsider, enrolment.user):
        auth.login_as(outsider)
        if tail == "/sync":
            action = sent(DoorActionKind.SCAN, outsider, code=code_of(enrolment))
            response = sync(client, door, [action])
        else:
            response = client.get(url)
        assert response.status_code == 404
    assert marks(door.session) == []


def test_does_a_scan_sent_by_a_phone_take_as_many_queries_for_50_people_as_for_5(
    client, auth, door, family
):
    """The user; the session, cohort, programme and role; the action's key; the ticket
    with its party; their marks, held; the marks written; the action's outcome; the
    rows; the counts. The register's own scan (six) stays as it was."""
    auth.login_as(door.helper)
    url, token, helper = door.url(tail="/sync"), client.csrf_token(), door.helper.id
    at_the_door.bulk_families(door.cohort, door.session, door.helper, 5)
    codes = [code_of(family(door.cohort, children=2)) for _ in range(2)]

    def scan(code):
        body = {
            "device": {"id": "phone-one"},
            "sent_at": ms(utcnow()),
            "actions": [
                {"key": uuid.uuid4().hex, "kind": "scan", "at": ms(utcnow()), "helper": helper}
                | {"code": code}
            ],
        }
        headers = {**JSON, "X-CSRFToken": token}
        return client.post(url, json=body, headers=headers, csrf=False).get_json()

    with counting_queries() as five:
        reply = scan(codes[0])
    assert "Checked in: Amira, Omar" in reply["results"][0]["answer"]
    at_the_door.bulk_families(door.cohort, door.session, door.helper, 45)
    with counting_queries() as fifty:
        reply = scan(codes[1])
    assert len(reply["rows"]) == 2
    assert len(fifty) == len(five) <= 9, fifty


# Others' changes ------------------------------------------------------------------------


def test_does_a_phone_get_the_marks_changed_since_it_last_asked(client, auth, door, family):
    lewis = family(door.cohort, children=2)
    auth.login_as(door.helper)
    cursor = client.get(door.url(tail="/phone-data")).get_json()["cursor"]
    nothing = client.get(door.url(tail=f"/changes?since={cursor}")).get_json()
    assert (nothing["rows"], nothing["people"], nothing["counts"]) == ({}, [], None)

    tap = sent(DoorActionKind.MARK, door.organiser, attendee=lewis.attendees[0].id, state="late")
    auth.login_as(door.organiser)
    sync(client, door, [tap], device="phone-two")
    auth.login_as(door.helper)
    reply = client.get(door.url(tail=f"/changes?since={cursor}")).get_json()
    assert list(reply["rows"]) == [str(lewis.attendees[0].id)]
    assert "aria-pressed=true>Late" in reply["rows"][str(lewis.attendees[0].id)]
    assert [p["state"] for p in reply["people"]] == ["late"]
    assert re.search(r"Late</dt><dd>1</dd>", reply["counts"])
    assert reply["cursor"] >= cursor
    # Long after, the change is not sent again.
    later = reply["cursor"] + 60_000
    assert client.get(door.url(tail=f"/changes?since={later}")).get_json()["rows"] == {}


@pytest.mark.parametrize("since", ["", "?since=yesterday", "?since=-5"])
def test_does_a_phone_asking_without_a_time_get_every_mark(client, auth, door, family, since):
    amira = family(door.cohort, children=1).attendees[0]
    auth.login_as(door.helper)
    sync(client, door, [sent(DoorActionKind.MARK, door.helper, attendee=amira.id, state="late")])
    reply = client.get(door.url(tail=f"/changes{since}")).get_json()
    assert list(reply["rows"]) == [str(amira.id)]


def test_does_every_change_of_a_mark_move_its_change_time(door, family):
    """The phones ask by this time: a change of state, a check-out, a mark made
    again by an online tap all move it."""
    from app.attendance import commands
    from app.core.transaction import transaction

    amira = family(door.cohort, children=1).attendees[0]
    stamps = []
    with transaction():
        commands.mark(amira, door.session, A.PRESENT, door.helper)
    stamps.append(marks(door.session)[0].updated_at)
    for change in (
        lambda m: commands.mark(amira, door.session, A.LATE, door.helper),
        lambda m: commands.check_out(m, "Nadia Aunt", door.helper),
    ):
        time.sleep(0.01)
        with transaction():
            change(marks(door.session)[0])
        stamps.append(marks(door.session)[0].updated_at)
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 3


# The page, the app, the worker -------------------------------------------------------------


def test_does_the_register_offer_itself_to_the_phone(client, auth, door, family):
    family(door.cohort, children=1)
    auth.login_as(door.helper)
    response = client.get(door.url())
    html = response.get_data(as_text=True)
    assert response.headers["X-Door-Keep"] == "1"
    manifest = door.url(tail="/manifest.webmanifest")
    assert f'<link rel="manifest" href="{manifest}" crossorigin="use-credentials">' in html
    settings = json.loads(re.search(r"data-door='([^']+)'", html).group(1))
    assert settings["sync"] == door.url(tail="/sync")
    assert settings["helper"] == door.helper.id
    assert '<script src="/static/js/door.js" defer></script>' in html
    # A search, or a page with a message for the moment, is not one to keep.
    assert "X-Door-Keep" not in client.get(door.url() + "?q=amira").headers


def test_does_a_closed_register_stay_off_the_phones(client, auth, door, family, make_session):
    yesterday = make_session(door.cohort, door.session.starts_at - timedelta(days=1))
    family(door.cohort, children=1)
    for user in (door.helper, door.organiser):
        auth.login_as(user)
        response = client.get(door.url(yesterday))
        assert "X-Door-Keep" not in response.headers
        html = response.get_data(as_text=True)
        assert "data-door=" not in html
        assert 'rel="manifest"' not in html


def test_is_the_register_an_app_for_the_home_screen(client, auth, door):
    auth.login_as(door.helper)
    response = client.get(door.url(tail="/manifest.webmanifest"))
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert manifest["start_url"] == manifest["scope"] == manifest["id"] == door.url()
    assert manifest["name"] == "Register · Build a robot arm"
    assert manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        with client.get(icon["src"]) as image:
            assert image.status_code == 200
            assert image.mimetype == "image/png"


def test_is_the_worker_served_over_every_register_with_its_version(client, door):
    with client.get("/organise/door-worker.js") as response:
        script = response.get_data(as_text=True)
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    settings = json.loads(re.match(r"const DOOR = (\{.*\});\n", script).group(1))
    assert re.match(settings["registers"], door.url())
    assert not re.match(settings["registers"], door.url(tail="/manifest.webmanifest"))
    assert not re.match(settings["registers"], f"/organise/programmes/{door.programme.id}/")
    assert "/static/js/door.js" in settings["shell"]
    assert "importScripts(DOOR.store)" in script
    # Its scope, the programmes' pages, is within the folder it is served from.
    assert door.url().startswith("/organise/programmes/")


def test_does_the_workers_version_change_with_any_file_it_keeps(app, client, tmp_path):
    static = tmp_path / "static"
    shutil.copytree(app.static_folder, static)
    app.static_folder = str(static)

    def version() -> str:
        with client.get("/organise/door-worker.js") as response:
            return json.loads(response.get_data(as_text=True).split(";\n")[0][13:])["version"]

    first = version()
    assert version() == first
    css = static / "css" / "convene.css"
    css.write_text(css.read_text() + "\n/* a deploy */\n")
    assert version() != first


def test_does_logging_out_clear_what_the_device_kept(client, auth, door):
    auth.login_as(door.helper)
    response = auth.logout()
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
