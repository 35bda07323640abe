"""Does the server take in what the door's phones send, each action once, whatever
order and however many times it arrives, and never let two phones make two marks?

The reconciliation is called directly here (`commands.receive`), with the phones'
clocks and the server's given; the pages and the sync endpoint are in
test_door_sync.py, the phones themselves in tests/browser/test_door_offline.py.
"""

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.attendance import commands, rules
from app.attendance.commands import Phone, Sent
from app.attendance.models import (
    AttendanceChange,
    AttendanceState,
    DoorAction,
    DoorActionKind,
    DoorConflict,
    DoorOutcome,
    MarkMethod,
)
from app.attendance.rules import Verdict, reconcile
from app.core.transaction import transaction
from app.enrolment.models import EnrolmentStatus
from app.extensions import db
from tests.attendance import test_door as at_the_door
from tests.attendance.test_door import code_of, marks

A = AttendanceState
K = DoorActionKind
Out = DoorOutcome

door = at_the_door.door
family = at_the_door.family

PHONE_1 = Phone("device-one", "phone 1")
PHONE_2 = Phone("device-two", "phone 2")


def at(door, minutes: float) -> datetime:
    """A moment of the session: `minutes` after it started (an hour ago)."""
    return door.session.starts_at + timedelta(minutes=minutes)


def action(kind: DoorActionKind, when: datetime, helper, **fields) -> Sent:
    fields.setdefault("key", uuid.uuid4().hex)
    return Sent(kind=kind, device_time=when, helper_id=helper.id, **fields)


def scan(door, enrolment, when, helper, *, offline=True, **fields) -> Sent:
    """A ticket scanned; `offline`: the phone let the party in on its own."""
    admitted = frozenset(a.id for a in enrolment.attendees) if offline else frozenset()
    return action(K.SCAN, when, helper, code=code_of(enrolment), admitted=admitted, **fields)


def tap(attendee, state, when, helper, *, blind=False, **fields) -> Sent:
    admitted = frozenset([attendee.id]) if blind else frozenset()
    return action(
        K.MARK, when, helper, attendee_id=attendee.id, state=state, admitted=admitted, **fields
    )


def receive(door, sent: Sent, by, phone=PHONE_1, *, clock_off=timedelta(0), may_correct=False):
    """The phone sends it now, its clock `clock_off` ahead of the server's (the
    action's time is by the phone's clock too)."""
    now = datetime.now(UTC)
    with transaction():
        return commands.receive(
            door.session,
            phone,
            sent,
            by,
            sent_at=now + clock_off,
            received_at=now,
            may_correct=may_correct,
        )


def second_helper(door, make_user):
    from app.programmes.models import ProgrammeMember, TeamRole

    ana = make_user(name="Ana Second")
    db.session.add(ProgrammeMember(programme=door.programme, user=ana, role=TeamRole.HELPER))
    db.session.commit()
    return ana


def conflicts(door) -> list[DoorConflict]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(DoorConflict)
            .where(DoorConflict.session_id == door.session.id)
            .order_by(DoorConflict.attendee_id)
        )
    )


def the_marks(door) -> dict[int, tuple]:
    """Each attendee's mark: state, when, by whom, on which phone."""
    return {
        m.attendee_id: (m.state, m.marked_at, m.marked_by_id, m.marked_on)
        for m in marks(door.session)
    }


# The rule ------------------------------------------------------------------------------

T = datetime(2030, 5, 4, 10, tzinfo=UTC)
EARLIER, LATER = T - timedelta(minutes=1), T + timedelta(minutes=1)


@pytest.mark.parametrize(
    ("mark", "wanted", "happened", "arrival", "blind", "verdict"),
    [
        (None, A.PRESENT, T, True, True, Verdict.MARK),
        (None, A.ABSENT, T, False, False, Verdict.MARK),
        # Two phones let the same person in, not knowing of each other: the first stays.
        ((A.PRESENT, T), A.PRESENT, EARLIER, True, True, Verdict.KEEP_FIRST),
        ((A.PRESENT, T), A.PRESENT, LATER, True, True, Verdict.CONFLICT),
        ((A.LATE, T), A.PRESENT, EARLIER, False, True, Verdict.KEEP_FIRST),
        # A phone that knew (online, or it showed them in) makes no conflict.
        ((A.PRESENT, T), A.PRESENT, LATER, True, False, Verdict.SAME),
        ((A.LATE, T), A.PRESENT, LATER, True, False, Verdict.SAME),
        # The latest decision stands, by when it happened.
        ((A.PRESENT, T), A.LATE, LATER, False, False, Verdict.CHANGE),
        ((A.PRESENT, T), A.ABSENT, LATER, False, False, Verdict.CHANGE),
        ((A.ABSENT, T), A.PRESENT, LATER, True, True, Verdict.CHANGE),
        ((A.ABSENT, T), A.PRESENT, EARLIER, True, True, Verdict.SUPERSEDED),
        ((A.PRESENT, T), A.ABSENT, EARLIER, False, False, Verdict.SUPERSEDED),
        ((A.ABSENT, T), A.ABSENT, EARLIER, False, False, Verdict.SAME),
    ],
)
def test_what_does_an_action_do_to_the_mark_in_effect(
    mark, wanted, happened, arrival, blind, verdict
):
    assert reconcile(mark, wanted, happened, arrival=arrival, blind=blind) == verdict


def test_is_a_phones_clock_corrected_by_how_far_it_was_off_when_it_sent():
    # Five minutes fast: done at 10:05 by its clock, sent at 10:35 by its clock,
    # which was 10:30 on the server's.
    happened = rules.clock_corrected(
        T + timedelta(minutes=5), T + timedelta(minutes=35), T + timedelta(minutes=30)
    )
    assert happened == T
    # Never after it arrived, however the phone's clock ran in between.
    assert rules.clock_corrected(LATER, T, T) == T


def test_does_a_phone_know_the_day_of_a_session_where_it_happens(door, make_session):
    late = make_session(
        door.cohort,
        datetime(2030, 5, 4, 22, 30, tzinfo=UTC),  # 23:30 in London (summer time)
        hours=2,
    )
    start, end = rules.day_bounds(late)
    assert start == datetime(2030, 5, 3, 23, tzinfo=UTC)  # midnight in London
    assert end == datetime(2030, 5, 5, 23, tzinfo=UTC)  # the end of the next day
    assert not rules.register_closed(late, end - timedelta(seconds=1))
    assert rules.register_closed(late, end)


# Duplicates and conflicts --------------------------------------------------------------


def test_do_two_phones_letting_a_ticket_in_offline_make_one_mark_and_a_conflict(
    door, family, make_user
):
    ana = second_helper(door, make_user)
    party = family(door.cohort, children=2)
    first = receive(door, scan(door, party, at(door, 2), door.helper), door.helper, PHONE_1)
    second = receive(door, scan(door, party, at(door, 3), ana), ana, PHONE_2)

    assert first.action.outcome == Out.APPLIED
    assert second.action.outcome == Out.CONFLICT
    kept = the_marks(door)
    assert len(kept) == 2  # one mark each, never two
    assert set(kept.values()) == {(A.PRESENT, at(door, 2), door.helper.id, "phone 1")}
    found = conflicts(door)
    assert [c.attendee_id for c in found] == sorted(a.id for a in party.attendees)
    for conflict in found:
        assert (conflict.first_by_id, conflict.first_at, conflict.first_on) == (
            door.helper.id,
            at(door, 2),
            "phone 1",
        )
        assert (conflict.second_by_id, conflict.second_at, conflict.second_on) == (
            ana.id,
            at(door, 3),
            "phone 2",
        )
        assert conflict.action_id == second.action.id
    # Both scans are kept.
    assert db.session.scalar(select(func.count(DoorAction.id))) == 2


def test_does_the_first_by_the_phones_time_stay_when_it_arrives_last(door, family, make_user):
    ana = second_helper(door, make_user)
    party = family(door.cohort, children=1)
    receive(door, scan(door, party, at(door, 3), ana), ana, PHONE_2)
    late_news = receive(door, scan(door, party, at(door, 2), door.helper), door.helper, PHONE_1)

    assert late_news.action.outcome == Out.CONFLICT
    [kept] = the_marks(door).values()
    assert kept == (A.PRESENT, at(door, 2), door.helper.id, "phone 1")
    [conflict] = conflicts(door)
    assert (conflict.first_by_id, conflict.first_at) == (door.helper.id, at(door, 2))
    assert (conflict.second_by_id, conflict.second_at, conflict.second_on) == (
        ana.id,
        at(door, 3),
        "phone 2",
    )


def test_does_an_online_scan_after_another_phone_make_no_conflict(door, family, make_user):
    ana = second_helper(door, make_user)
    party = family(door.cohort, children=1)
    receive(door, scan(door, party, at(door, 2), door.helper), door.helper)
    again = receive(door, scan(door, party, at(door, 3), ana, offline=False), ana, PHONE_2)
    assert again.action.outcome == Out.ALREADY
    assert again.check_in.first_earlier.marked_by_id == door.helper.id
    assert conflicts(door) == []


def test_does_a_scan_let_in_only_the_party_members_not_here_yet(door, family):
    party = family(door.cohort, children=2)
    amira = party.attendees[0]
    receive(door, tap(amira, A.PRESENT, at(door, 1), door.helper), door.helper)
    received = receive(
        door, scan(door, party, at(door, 2), door.helper, offline=False), door.helper
    )
    assert received.action.outcome == Out.APPLIED
    assert [a.name for a in received.check_in.attendees] == ["Omar"]
    assert [m.attendee.name for m in received.check_in.earlier] == ["Amira"]


# Any order, any number of times ------------------------------------------------------


def test_is_an_action_sent_three_times_applied_once(door, family):
    party = family(door.cohort, children=2)
    sent = scan(door, party, at(door, 2), door.helper)
    results = [receive(door, sent, door.helper) for _ in range(3)]
    assert [r.replay for r in results] == [False, True, True]
    assert {r.action.id for r in results} == {results[0].action.id}
    assert results[2].action.outcome == Out.APPLIED
    assert len(marks(door.session)) == 2
    assert db.session.scalar(select(func.count(DoorAction.id))) == 1
    assert conflicts(door) == []


def test_do_a_mark_tapped_twice_and_sent_twice_change_nothing_more(door, family):
    amira = family(door.cohort, children=1).attendees[0]
    receive(door, tap(amira, A.ABSENT, at(door, 1), door.helper), door.helper)
    late = tap(amira, A.LATE, at(door, 5), door.helper)
    receive(door, late, door.helper)
    receive(door, late, door.helper)
    assert db.session.scalar(select(func.count(AttendanceChange.id))) == 1
    [(state, when, *_)] = the_marks(door).values()
    assert (state, when) == (A.LATE, at(door, 5))


def test_does_an_older_mark_arriving_late_leave_the_later_one_standing(door, family):
    amira = family(door.cohort, children=1).attendees[0]
    receive(door, tap(amira, A.ABSENT, at(door, 30), door.organiser), door.organiser)
    old = receive(door, tap(amira, A.PRESENT, at(door, 5), door.helper, blind=True), door.helper)
    assert old.action.outcome == Out.SUPERSEDED
    assert [m.state for m in old.standing] == [A.ABSENT]
    [(state, when, by, _)] = the_marks(door).values()
    assert (state, when, by) == (A.ABSENT, at(door, 30), door.organiser.id)


def test_is_a_helpers_later_decision_kept_over_a_scan(door, family):
    """Present by a scan, then, knowing it, late by a tap: the tap is no conflict."""
    party = family(door.cohort, children=1)
    receive(door, scan(door, party, at(door, 2), door.helper), door.helper)
    changed = receive(door, tap(party.attendees[0], A.LATE, at(door, 4), door.helper), door.helper)
    assert changed.action.outcome == Out.APPLIED
    [(state, *_)] = the_marks(door).values()
    assert state == A.LATE
    assert conflicts(door) == []


def test_is_the_register_the_same_whatever_order_the_actions_arrive_in(door, family, make_user):
    """Three phones' actions for a family, in every order: the same marks at the end."""
    ana = second_helper(door, make_user)
    party = family(door.cohort, children=2)
    amira, omar = party.attendees
    actions = [
        (scan(door, party, at(door, 3), ana), ana, PHONE_2),
        (scan(door, party, at(door, 2), door.helper), door.helper, PHONE_1),
        (tap(omar, A.ABSENT, at(door, 20), door.organiser), door.organiser, Phone("three")),
        (tap(amira, A.LATE, at(door, 1), door.organiser, blind=True), door.organiser, Phone("t")),
    ]
    results = set()
    for order in itertools.permutations(actions):
        with transaction():
            for mark in marks(door.session):
                db.session.delete(mark)
            for received in db.session.scalars(select(DoorAction)):
                db.session.delete(received)
        for sent, by, phone in order:
            receive(door, Sent(**{**sent.__dict__, "key": uuid.uuid4().hex}), by, phone)
        results.add(tuple(sorted(the_marks(door).items())))
    assert len(results) == 1
    [final] = results
    assert dict(final) == {
        amira.id: (A.LATE, at(door, 1), door.organiser.id, None),
        omar.id: (A.ABSENT, at(door, 20), door.organiser.id, None),
    }


# Clocks --------------------------------------------------------------------------------


def test_are_two_phones_whose_clocks_disagree_put_in_the_right_order(door, family, make_user):
    """Phone 1 runs five minutes fast: its scan at 10:07 by its clock happened at 10:02,
    before phone 2's at 10:04 (a clock that is right). Without the correction phone 2
    would look first."""
    ana = second_helper(door, make_user)
    party = family(door.cohort, children=1)
    fast = timedelta(minutes=5)
    receive(door, scan(door, party, at(door, 4), ana), ana, PHONE_2)
    receive(door, scan(door, party, at(door, 2) + fast, door.helper), door.helper, clock_off=fast)
    [(state, when, by, on)] = the_marks(door).values()
    assert state == A.PRESENT
    assert abs(when - at(door, 2)) < timedelta(seconds=1)
    assert (by, on) == (door.helper.id, "phone 1")
    [conflict] = conflicts(door)
    assert conflict.second_by_id == ana.id


# Refusals ------------------------------------------------------------------------------


def test_is_a_scan_for_a_booking_cancelled_meanwhile_refused_and_kept(door, family):
    party = family(door.cohort, children=2, status=EnrolmentStatus.CANCELLED)
    received = receive(door, scan(door, party, at(door, 2), door.helper), door.helper)
    assert received.action.outcome == Out.REFUSED
    assert received.action.reason == "not_confirmed"
    assert marks(door.session) == []
    tapped = receive(
        door, tap(party.attendees[0], A.PRESENT, at(door, 3), door.helper), door.helper
    )
    assert (tapped.action.outcome, tapped.action.reason) == (Out.REFUSED, "not_on_register")
    assert marks(door.session) == []


def test_is_an_action_for_a_person_no_longer_there_refused(door, family):
    sent = action(K.MARK, at(door, 2), door.helper, attendee_id=987654, state=A.PRESENT)
    received = receive(door, sent, door.helper)
    assert (received.action.outcome, received.action.reason) == (Out.REFUSED, "not_on_register")


def test_is_an_action_done_during_the_day_applied_when_it_arrives_the_day_after(
    door, family, make_session
):
    yesterday = make_session(door.cohort, door.session.starts_at - timedelta(days=1), hours=2)
    door.session = yesterday
    amira = family(door.cohort, children=1).attendees[0]
    during = receive(door, tap(amira, A.PRESENT, at(door, 10), door.helper), door.helper)
    assert during.action.outcome == Out.APPLIED
    after = tap(amira, A.ABSENT, at(door, 60 * 24 + 10), door.helper)
    assert receive(door, after, door.helper).action.reason == "register_closed"
    corrected = tap(amira, A.ABSENT, at(door, 60 * 24 + 10), door.organiser)
    assert receive(door, corrected, door.organiser, may_correct=True).action.outcome == Out.APPLIED


def test_is_an_action_saved_by_another_helper_not_applied(door, family):
    amira = family(door.cohort, children=1).attendees[0]
    received = receive(door, tap(amira, A.PRESENT, at(door, 2), door.organiser), door.helper)
    assert (received.action.outcome, received.action.reason) == (Out.REFUSED, "saved_by_another")
    assert marks(door.session) == []


def test_is_a_refused_scan_of_a_party_undone_for_everyone(door, family, monkeypatch):
    """A refusal half way through a party leaves it as it was: Omar, marked by the
    scan first, is unmarked again when Amira's mark cannot be changed."""
    party = family(door.cohort, children=2)
    amira = party.attendees[0]
    receive(door, tap(amira, A.ABSENT, at(door, 1), door.helper), door.helper)

    def busy(*args, **kwargs):
        raise commands.mark_busy()

    monkeypatch.setattr(commands, "_change_state", busy)
    received = receive(door, scan(door, party, at(door, 2), door.helper), door.helper)
    assert (received.action.outcome, received.action.reason) == (Out.REFUSED, "mark_busy")
    assert [(m.attendee_id, m.state) for m in marks(door.session)] == [(amira.id, A.ABSENT)]


# Check-out -----------------------------------------------------------------------------


def test_can_a_phone_check_a_child_out_offline_once(door, family, make_user):
    ana = second_helper(door, make_user)
    party = family(door.cohort, children=1)
    receive(door, scan(door, party, at(door, 2), door.helper), door.helper)
    child = party.attendees[0]
    out = action(
        K.CHECK_OUT, at(door, 50), door.helper, attendee_id=child.id, collector="nadia aunt"
    )
    assert receive(door, out, door.helper).action.outcome == Out.APPLIED
    again = action(K.CHECK_OUT, at(door, 51), ana, attendee_id=child.id, collector="Gita Guardian")
    refused = receive(door, again, ana, PHONE_2)
    assert (refused.action.outcome, refused.action.reason) == (Out.REFUSED, "check_out_already")
    [mark] = marks(door.session)
    assert (mark.collected_by, mark.checked_out_at, mark.method) == (
        "Nadia Aunt",
        at(door, 50),
        MarkMethod.QR,
    )
