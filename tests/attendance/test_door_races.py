"""Do phones sending at the same moment ever make two marks, or apply an action twice?

Real HTTP requests, each from a logged-in session of its own, race through the
threaded live server into the sync endpoint, on this run's database: SQLite by
default, PostgreSQL when TEST_DATABASE_URL points at one.
"""

import json
import urllib.error
import urllib.request
import uuid
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from app.attendance.models import DoorAction, DoorConflict
from app.core.db import utcnow
from app.extensions import db
from app.programmes.models import ProgrammeMember, TeamRole
from tests.attendance import test_door as at_the_door
from tests.attendance.test_door import code_of, marks
from tests.conftest import CSRF_INPUT
from tests.enrolment.test_races import Browser, race

door = at_the_door.door
family = at_the_door.family


def ms(moment) -> int:
    return int(moment.timestamp() * 1000)


class Phone(Browser):
    """A helper's phone at the door: logged in, posting batches as door.js does."""

    def __init__(self, base_url: str, door, email: str, name: str):
        super().__init__(base_url)
        self.log_in(email)
        self.name = name
        self.url = door.url(tail="/sync")
        self.token = CSRF_INPUT.search(self.get(door.url())).group(1)

    def batch(self, actions) -> bytes:
        body = {
            "device": {"id": self.name, "name": self.name},
            "sent_at": ms(utcnow()),
            "actions": actions,
        }
        return json.dumps(body).encode()

    def sync(self, body: bytes):
        request = urllib.request.Request(
            self.base_url + self.url,
            data=body,
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "X-CSRFToken": self.token,
            },
        )
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, None


def scans(helper, bookings, at) -> list[dict]:
    """A phone's offline scans of these tickets, letting each party in."""
    return [
        {
            "key": uuid.uuid4().hex,
            "kind": "scan",
            "at": ms(at),
            "helper": helper.id,
            "code": code_of(booking),
            "admitted": [attendee.id for attendee in booking.attendees],
        }
        for booking in bookings
    ]


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id)))


def test_is_a_queue_sent_eight_times_at_once_applied_once(live_server, door, family):
    """A phone retrying on a flaky network: the same batch, eight times at once."""
    bookings = [family(door.cohort, children=2) for _ in range(3)]
    phone = Phone(live_server, door, door.helper.email, "Phone 1")
    body = phone.batch(scans(door.helper, bookings, utcnow() - timedelta(minutes=2)))

    replies = race([lambda: phone.sync(body) for _ in range(8)])

    assert [status for status, _ in replies] == [200] * 8
    assert count(DoorAction) == 3
    assert count(DoorConflict) == 0
    rows = Counter(mark.attendee_id for mark in marks(door.session))
    assert len(rows) == 6
    assert set(rows.values()) == {1}
    for _, reply in replies:
        assert {result["outcome"] for result in reply["results"]} == {"applied"}


def test_do_two_phones_sending_the_same_tickets_at_once_leave_one_mark_each(
    live_server, door, family, make_user
):
    """Both let the same parties in while offline, the second phone a minute later;
    they come back online at the same moment."""
    ana = make_user(name="Ana Second")
    db.session.add(ProgrammeMember(programme=door.programme, user=ana, role=TeamRole.HELPER))
    db.session.commit()
    bookings = [family(door.cohort, children=2) for _ in range(4)]
    one = Phone(live_server, door, door.helper.email, "Phone 1")
    two = Phone(live_server, door, ana.email, "Phone 2")
    first = utcnow() - timedelta(minutes=10)
    bodies = [
        (one, one.batch(scans(door.helper, bookings, first))),
        (two, two.batch(scans(ana, bookings[::-1], first + timedelta(minutes=1)))),
    ]

    for _ in range(2):  # and each sends again, its answer lost
        replies = race([lambda phone=phone, body=body: phone.sync(body) for phone, body in bodies])
        assert [status for status, _ in replies] == [200, 200]

    records = marks(door.session)
    assert Counter(mark.attendee_id for mark in records) == Counter(
        attendee.id for booking in bookings for attendee in booking.attendees
    )
    # Whoever's request came first, the register keeps Phone 1's: it was first.
    assert {(mark.marked_by_id, mark.marked_on) for mark in records} == {
        (door.helper.id, "Phone 1")
    }
    assert {abs(mark.marked_at - first) < timedelta(seconds=2) for mark in records} == {True}
    assert count(DoorAction) == 8
    db.session.expire_all()
    conflicts = db.session.scalars(select(DoorConflict)).all()
    assert sorted(c.attendee_id for c in conflicts) == sorted(m.attendee_id for m in records)
    assert {(c.first_on, c.second_on) for c in conflicts} == {("Phone 1", "Phone 2")}
