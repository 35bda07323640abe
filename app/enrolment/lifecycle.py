"""The enrolment lifecycle: every state change, its seat accounting and its message.

    booking:      (request) -> confirmed | waitlisted; waitlisted -> confirmed
    application:  draft -> submitted -> offered | waitlisted | rejected
                  offered -> confirmed | declined | expired
    any active:   -> cancelled

The invariant: `Cohort.seats_taken` equals the seats of its offered and confirmed
enrolments and never exceeds `capacity`. Every change here first locks the
cohort (a row lock on PostgreSQL, the database write lock on SQLite), then moves
seats with a conditional UPDATE, so that the check and the write are one atomic
step whatever the concurrency; a CHECK constraint backs it up. A booking that
finds its seats free needs no lock before: it writes its place and message first
and takes the seats last, with the conditional UPDATE that then holds the row (or
the write lock) until the commit, as the lock would. Each function
writes its emails to the outbox and flushes; the caller commits once with
`app.core.transaction.transaction()`, so the change and its messages land
together or not at all. A refusal is an `app.core.refusal.Refusal` (`MESSAGES`
lists the codes). The jobs at the end commit themselves.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts.models import User
from app.core.actions import record
from app.core.db import utcnow
from app.core.refusal import Refusal
from app.core.transaction import lock_row, transaction
from app.enrolment import rules as enrolment_rules
from app.enrolment.models import Attendee, Enrolment, EnrolmentStatus
from app.enrolment.notifications import notify
from app.enrolment.queries import waitlist
from app.enrolment.rules import Party, eligibility_problems
from app.extensions import db
from app.programmes import rules
from app.programmes.models import Cohort, EnrolmentMode
from app.programmes.rules import EnrolmentState
from app.programmes.signals import capacity_changed

S = EnrolmentStatus

#: The longest name an attendee may have (the column's size).
MAX_NAME = 120


#: The lifecycle's refusals with their usual message, by code (`refusal(code)`).
MESSAGES = {
    "enrolment_closed": _l("Enrolment for this cohort is not open."),
    "already_enrolled": _l(
        "Someone in this party already has a place or a request in this cohort."
    ),
    "cohort_full": _l("There are not enough seats left, and this cohort has no waitlist."),
    "invalid_transition": _l("This enrolment cannot change that way any more."),
    "capacity_too_small": _l("Capacity cannot go below the seats already taken."),
    "deadline_past": _l("The answer deadline must be in the future."),
}


def refusal(code: str, message=None) -> Refusal:
    """A refusal of the lifecycle, for the change as a whole; `message` replaces the
    usual one of its code."""
    return Refusal(code, message if message is not None else MESSAGES[code])


def not_eligible(reasons: list[str]) -> Refusal:
    """Code "not_eligible"; `reasons` keeps one reason per person who does not fit."""
    return Refusal("not_eligible", " ".join(reasons), detail={"reasons": reasons})


# Seats ---------------------------------------------------------------------------------


def lock_cohort(cohort_id: int) -> None:
    """Serialise enrolment changes of one cohort until the transaction ends."""
    lock_row(Cohort, cohort_id)


def _take_seats(cohort: Cohort, seats: int) -> bool:
    """Take `seats` if they are free; the check and the write are one statement."""
    taken = db.session.scalar(
        update(Cohort)
        .where(Cohort.id == cohort.id, Cohort.seats_taken + seats <= Cohort.capacity)
        .values(seats_taken=Cohort.seats_taken + seats)
        .returning(Cohort.seats_taken)
        .execution_options(synchronize_session=False)
    )
    _seats_now(cohort, taken)
    return taken is not None


def _release_seats(cohort: Cohort, seats: int) -> None:
    _seats_now(
        cohort,
        db.session.scalar(
            update(Cohort)
            .where(Cohort.id == cohort.id)
            .values(seats_taken=Cohort.seats_taken - seats)
            .returning(Cohort.seats_taken)
            .execution_options(synchronize_session=False)
        ),
    )


def _seats_now(cohort: Cohort, seats_taken: int | None) -> None:
    """Keep the count an UPDATE returned, so that reading it costs no query; without
    one (nothing was taken) the count is read again when next needed."""
    if seats_taken is None:
        db.session.expire(cohort, ["seats_taken"])
    else:
        set_committed_value(cohort, "seats_taken", seats_taken)


def _leave(enrolment: Enrolment, status: EnrolmentStatus, now: datetime) -> bool:
    """Move to an inactive state; frees the party's seats. True if seats were freed."""
    freed = enrolment.holds_seats
    enrolment.status = status
    enrolment.offer_expires_at = None
    for attendee in enrolment.attendees:
        attendee.active = False
    if freed:
        _release_seats(enrolment.cohort, enrolment.seats)
    return freed


def _attendees(cohort: Cohort, user: User, party: Party) -> list[Attendee]:
    # Every row with the same columns given: PostgreSQL then inserts them all in one
    # statement.
    people = [
        Attendee(
            cohort_id=cohort.id,
            household_member_id=member.id,
            user_id=None,
            name=member.name,
            is_child=member.is_child,
        )
        for member in party.members
    ]
    if party.account_holder:
        me = Attendee(
            cohort_id=cohort.id,
            household_member_id=None,
            user_id=user.id,
            name=user.name,
            is_child=False,
        )
        people.insert(0, me)
    return people


def _check_open(cohort: Cohort, now: datetime) -> None:
    state = rules.enrolment_state(cohort, now)
    if state in {EnrolmentState.NOT_OPEN_YET, EnrolmentState.CLOSED, EnrolmentState.FINISHED}:
        raise refusal("enrolment_closed")


def _insert(enrolment: Enrolment) -> None:
    """Add the enrolment; a person with an active place in the cohort is refused
    (by the partial unique indexes on attendees). The caller's transaction rolls back.

    The savepoint survives the IntegrityError of a double tap (the unique index
    refuses the second row): only the insert is undone, so the session can still
    be read to explain the refusal, and the cohort lock is kept until the end.
    """
    try:
        with db.session.begin_nested():
            db.session.add(enrolment)
            db.session.flush()
    except IntegrityError as error:
        raise refusal("already_enrolled") from error


# Booking mode --------------------------------------------------------------------------


def book(
    user: User,
    cohort: Cohort,
    party: Party,
    *,
    now: datetime | None = None,
    emergency_contact_name: str | None = None,
    emergency_contact_phone: str | None = None,
    photo_consent: bool | None = None,
    authorised_collectors: tuple[str, ...] = (),
) -> Enrolment:
    """Confirm the party if its seats are free, else put it on the waitlist as one unit.

    When the cohort looks to have room, the confirmed place and its message are
    written first and the seats taken last (`_confirm_with_free_seats`): the seat
    UPDATE holds the cohort's row from then until the commit, so people booking the
    same cohort wait for one another only that long. A party that finds no seats
    takes the cohort lock and tries again (seats may have been freed in between),
    and is then inserted while the lock is held, so the waitlist, ordered by arrival
    at the lock, has its `waitlisted_at` and ids in that order (unless a test passes
    `now`).
    """
    given_now, now = now, now or utcnow()
    if cohort.enrolment_mode != EnrolmentMode.BOOKING:
        raise refusal("enrolment_closed")
    if party.size == 0:
        raise Refusal("party_empty", _l("Choose who is coming."))
    _check_open(cohort, now)
    if problems := eligibility_problems(cohort, user, party):
        raise not_eligible(problems)

    def enrolment(status: EnrolmentStatus) -> Enrolment:
        return Enrolment(
            cohort=cohort,
            user=user,
            status=status,
            waitlisted_at=(given_now or utcnow()) if status == S.WAITLISTED else None,
            seats=party.size,
            attendees=_attendees(cohort, user, party),
            emergency_contact_name=emergency_contact_name,
            emergency_contact_phone=emergency_contact_phone,
            photo_consent=photo_consent,
            authorised_collectors=list(authorised_collectors),
        )

    if cohort.seats_left >= party.size:
        confirmed = _confirm_with_free_seats(cohort, enrolment(S.CONFIRMED))
        if confirmed is not None:
            return confirmed
    lock_cohort(cohort.id)
    place = enrolment(S.CONFIRMED if _take_seats(cohort, party.size) else S.WAITLISTED)
    _insert(place)  # first: a double tap is told it has a place, not that it is full
    if place.status == S.WAITLISTED and not cohort.waitlist_enabled:
        raise refusal("cohort_full")
    _notify(place, "confirmed" if place.status == S.CONFIRMED else "waitlisted")
    return place


def _confirm_with_free_seats(cohort: Cohort, enrolment: Enrolment) -> Enrolment | None:
    """Insert the confirmed place and queue its message, then take the seats: the
    enrolment if they were still free, else None with everything undone.

    All of it happens in one savepoint, which also keeps a double tap's refusal by the
    unique index from spoiling the transaction (see `_insert`)."""
    try:
        with db.session.begin_nested() as attempt:
            db.session.add(enrolment)
            db.session.flush()
            _notify(enrolment, "confirmed")
            if _take_seats(cohort, enrolment.seats):
                return enrolment
            attempt.rollback()
            return None
    except IntegrityError as error:
        raise refusal("already_enrolled") from error


def promote_waitlist(cohort: Cohort, now: datetime) -> list[Enrolment]:
    """Give freed seats to the waitlist in order; a party that does not fit keeps its place.

    Booking cohorts confirm; application cohorts make an offer with a deadline.
    The caller holds the cohort lock and commits.
    """
    promoted = []
    for enrolment in waitlist(cohort):
        if enrolment.seats > cohort.capacity - cohort.seats_taken:
            continue
        if not _take_seats(cohort, enrolment.seats):
            continue
        if cohort.enrolment_mode == EnrolmentMode.BOOKING:
            enrolment.status = S.CONFIRMED
            _notify(enrolment, "promoted")
        else:
            enrolment.status = S.OFFERED
            enrolment.offer_expires_at = now + timedelta(days=current_app.config["OFFER_DAYS"])
            _notify(enrolment, "offered")
        enrolment.waitlisted_at = None
        record(
            "promote",
            cohort_id=cohort.id,
            enrolment_id=enrolment.id,
            automatic=True,
            status=enrolment.status.value,
        )
        promoted.append(enrolment)
    return promoted


# Any mode ------------------------------------------------------------------------------


def cancel(
    enrolment: Enrolment,
    *,
    by: User,
    reason: str | None = None,
    now: datetime | None = None,
) -> Enrolment:
    """Cancel an active enrolment (by its holder or the team); the waitlist moves at once."""
    now = now or utcnow()
    lock_cohort(enrolment.cohort_id)
    db.session.refresh(enrolment)
    if not enrolment_rules.may("cancel", enrolment.status):
        raise refusal("invalid_transition")
    was_draft = enrolment.status == S.DRAFT
    freed = _leave(enrolment, S.CANCELLED, now)
    enrolment.cancelled_at = now
    enrolment.cancelled_by_id = by.id
    enrolment.cancel_reason = reason
    by_team = by.id != enrolment.user_id
    record(
        "cancel_by_team" if by_team else "cancel_by_participant",
        cohort_id=enrolment.cohort_id,
        enrolment_id=enrolment.id,
        actor_id=by.id,
        reason=reason,
    )
    if not was_draft:
        _notify(enrolment, "cancelled", by_team=by_team, reason=reason)
    if freed:
        promote_waitlist(enrolment.cohort, now)
    return enrolment


def move(
    enrolment: Enrolment,
    target: Cohort,
    *,
    by: User,
    reason: str,
    now: datetime | None = None,
) -> Enrolment:
    """Move a booking to another cohort of the same programme, with the same party.

    The old place is cancelled (its seats go to that waitlist) and the party is
    confirmed in the target cohort, or waitlisted there when it is full.
    """
    now = now or utcnow()
    if target.programme_id != enrolment.cohort.programme_id or target.id == enrolment.cohort_id:
        raise refusal("invalid_transition")
    for cohort_id in sorted({enrolment.cohort_id, target.id}):  # one order: no deadlock
        lock_cohort(cohort_id)
    db.session.refresh(enrolment)
    if not enrolment_rules.may("move", enrolment.status):
        raise refusal("invalid_transition")
    party = [(a.household_member_id, a.user_id, a.name, a.is_child) for a in enrolment.attendees]
    if _leave(enrolment, S.CANCELLED, now):
        promote_waitlist(enrolment.cohort, now)
    enrolment.cancelled_at, enrolment.cancelled_by_id = now, by.id
    enrolment.cancel_reason = reason
    moved = Enrolment(
        cohort=target,
        user=enrolment.user,
        status=S.CONFIRMED,
        seats=enrolment.seats,
        emergency_contact_name=enrolment.emergency_contact_name,
        emergency_contact_phone=enrolment.emergency_contact_phone,
        photo_consent=enrolment.photo_consent,
        authorised_collectors=list(enrolment.authorised_collectors),
        attendees=[
            Attendee(
                cohort_id=target.id,
                household_member_id=member_id,
                user_id=user_id,
                name=name,
                is_child=is_child,
            )
            for member_id, user_id, name, is_child in party
        ],
    )
    _insert(moved)
    if not _take_seats(target, moved.seats):
        moved.status, moved.waitlisted_at = S.WAITLISTED, now
    record(
        "move",
        cohort_id=enrolment.cohort_id,
        enrolment_id=enrolment.id,
        actor_id=by.id,
        from_cohort=enrolment.cohort.name,
        to_cohort=target.name,
        to_cohort_id=target.id,
        to_enrolment_id=moved.id,
        status=moved.status.value,
        reason=reason,
    )
    _notify(moved, "moved", reason=reason, previous=enrolment.cohort)
    return moved


def complete(enrolment: Enrolment, now: datetime) -> bool:
    """A confirmed enrolment of an ended cohort becomes completed: its seats go back
    and its people's places end. The caller holds the cohort lock and commits.
    False when it was not confirmed (nothing changes)."""
    if not enrolment_rules.may("complete", enrolment.status):
        return False
    _leave(enrolment, S.COMPLETED, now)
    return True


def change_capacity(cohort: Cohort, capacity: int, now: datetime | None = None) -> list[Enrolment]:
    """Set a new capacity (never below the seats taken); more seats go to the waitlist."""
    now = now or utcnow()
    lock_cohort(cohort.id)
    db.session.refresh(cohort)
    if capacity < cohort.seats_taken:
        raise refusal("capacity_too_small")
    if capacity != cohort.capacity:
        record("capacity", cohort_id=cohort.id, old=cohort.capacity, new=capacity)
    cohort.capacity = capacity
    db.session.flush()
    promoted = promote_waitlist(cohort, now)
    return promoted


@capacity_changed.connect
def _give_added_seats_to_the_waitlist(cohort: Cohort, **_) -> None:
    """A cohort's capacity was set (`programmes.commands.update_cohort`): seats it
    added go to the waitlist, under the cohort lock, in the same transaction."""
    lock_cohort(cohort.id)
    db.session.refresh(cohort)
    promote_waitlist(cohort, utcnow())


def add_walk_in(cohort: Cohort, name: str, by: User) -> Enrolment:
    """Give a seat to someone who turns up at the door without a booking.

    The seat is taken under the cohort lock like any booking's, or "cohort_full" is
    raised; the walk-in has no account, so no message is sent.
    """
    name = (name or "").strip()
    if not name:
        raise Refusal("walk_in_name_missing", _l("Write the walk-in's name."))
    if len(name) > MAX_NAME:
        raise Refusal(
            "walk_in_name_too_long", _l("Keep the name to %(max)d characters.", max=MAX_NAME)
        )
    lock_cohort(cohort.id)
    if not _take_seats(cohort, 1):
        raise refusal("cohort_full", _l("There are no seats left for a walk-in."))
    enrolment = Enrolment(
        cohort=cohort,
        user=None,
        status=S.CONFIRMED,
        seats=1,
        is_walk_in=True,
        added_by_id=by.id,
        attendees=[Attendee(cohort_id=cohort.id, name=name)],
    )
    _insert(enrolment)
    return enrolment


# Application mode ----------------------------------------------------------------------


@dataclass
class ApplicationDetails:
    home_institution: str | None
    home_country: str | None
    study_level: str | None
    statement: str | None
    answers: dict[str, str]


def _fill_application(enrolment: Enrolment, details: ApplicationDetails) -> None:
    enrolment.home_institution = details.home_institution
    enrolment.home_country = details.home_country
    enrolment.study_level = details.study_level
    enrolment.statement = details.statement
    enrolment.answers = dict(details.answers)


def save_application(
    user: User,
    cohort: Cohort,
    details: ApplicationDetails,
    *,
    submit: bool,
    now: datetime | None = None,
) -> Enrolment:
    """Save the user's application to the cohort as a draft, or submit it.

    Drafts can be reopened and changed until enrolment closes.
    """
    now = now or utcnow()
    party = Party(account_holder=True)
    if cohort.enrolment_mode != EnrolmentMode.APPLICATION:
        raise refusal("enrolment_closed")
    _check_open(cohort, now)
    if problems := eligibility_problems(cohort, user, party):
        raise not_eligible(problems)
    if submit and not rules.eligibility(cohort).accepts_country(details.home_country):
        raise not_eligible([_("This cohort is for students from the countries listed.")])
    enrolment = draft_application(user, cohort)
    if enrolment is None:
        enrolment = Enrolment(
            cohort=cohort,
            user=user,
            status=S.DRAFT,
            seats=1,
            attendees=_attendees(cohort, user, party),
        )
        _insert(enrolment)
    _fill_application(enrolment, details)
    if submit:
        enrolment.status = S.SUBMITTED
        enrolment.submitted_at = now
        _notify(enrolment, "submitted")
    return enrolment


def draft_application(user: User, cohort: Cohort) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment).where(
            Enrolment.user_id == user.id,
            Enrolment.cohort_id == cohort.id,
            Enrolment.status == S.DRAFT,
        )
    )


def _decide(enrolments: Iterable[Enrolment], transition: str, change) -> list:
    """Apply `change` to each enrolment under the cohort lock; all of them or none."""
    changed = []
    for enrolment in enrolments:
        lock_cohort(enrolment.cohort_id)
        db.session.refresh(enrolment)
        if not enrolment_rules.may(transition, enrolment.status):
            raise refusal("invalid_transition")
        change(enrolment)
        changed.append(enrolment)
    return changed


def make_offers(
    enrolments: Iterable[Enrolment], *, deadline: datetime, now: datetime | None = None
) -> list[Enrolment]:
    """Accept applications: each offer holds a seat until the deadline.

    All or nothing: when the seats run out, no offer of the batch is made.
    """
    now = now or utcnow()
    if deadline <= now:
        raise Refusal("deadline_past", MESSAGES["deadline_past"], field="offer_deadline")

    def offer(enrolment: Enrolment) -> None:
        if not _take_seats(enrolment.cohort, enrolment.seats):
            raise refusal("cohort_full", _l("There are not enough seats left for these offers."))
        enrolment.status = S.OFFERED
        enrolment.waitlisted_at = None
        enrolment.offer_expires_at = deadline
        record(
            "offer",
            cohort_id=enrolment.cohort_id,
            enrolment_id=enrolment.id,
            deadline=deadline.isoformat(),
        )
        _notify(enrolment, "offered")

    return _decide(enrolments, "offer", offer)


def waitlist_applications(
    enrolments: Iterable[Enrolment], now: datetime | None = None
) -> list[Enrolment]:
    now = now or utcnow()

    def to_waitlist(enrolment: Enrolment) -> None:
        enrolment.status = S.WAITLISTED
        enrolment.waitlisted_at = now
        record("waitlist", cohort_id=enrolment.cohort_id, enrolment_id=enrolment.id)
        _notify(enrolment, "waitlisted")

    return _decide(enrolments, "waitlist", to_waitlist)


def reject_applications(
    enrolments: Iterable[Enrolment], *, message: str, now: datetime | None = None
) -> list[Enrolment]:
    now = now or utcnow()

    def reject(enrolment: Enrolment) -> None:
        _leave(enrolment, S.REJECTED, now)
        enrolment.decision_message = message
        record("reject", cohort_id=enrolment.cohort_id, enrolment_id=enrolment.id, reason=message)
        _notify(enrolment, "rejected", message=message)

    return _decide(enrolments, "reject", reject)


def accept_offer(enrolment: Enrolment, now: datetime | None = None) -> Enrolment:
    now = now or utcnow()

    def accept(enrolment: Enrolment) -> None:
        if enrolment.offer_expires_at <= now:
            raise refusal("invalid_transition", _l("This offer has expired."))
        enrolment.status = S.CONFIRMED
        enrolment.offer_expires_at = None
        record("accept_offer", cohort_id=enrolment.cohort_id, enrolment_id=enrolment.id)
        _notify(enrolment, "confirmed")

    return _decide([enrolment], "accept_offer", accept)[0]


def decline_offer(enrolment: Enrolment, now: datetime | None = None) -> Enrolment:
    now = now or utcnow()

    def decline(enrolment: Enrolment) -> None:
        _leave(enrolment, S.DECLINED, now)
        record("decline_offer", cohort_id=enrolment.cohort_id, enrolment_id=enrolment.id)
        promote_waitlist(enrolment.cohort, now)

    return _decide([enrolment], "decline_offer", decline)[0]


def expire_offers(now: datetime | None = None) -> int:
    """Expire every offer past its deadline and pass the seats on. For cron or RQ."""
    now = now or utcnow()
    overdue = db.session.scalars(
        select(Enrolment).where(Enrolment.status == S.OFFERED, Enrolment.offer_expires_at <= now)
    ).all()
    expired = 0
    for enrolment in overdue:
        # One transaction per offer: one that fails does not undo those expired before.
        with transaction():
            lock_cohort(enrolment.cohort_id)
            db.session.refresh(enrolment)
            if (
                enrolment_rules.may("expire", enrolment.status)
                and enrolment.offer_expires_at <= now
            ):
                _leave(enrolment, S.EXPIRED, now)
                record(
                    "expire_offer",
                    cohort_id=enrolment.cohort_id,
                    enrolment_id=enrolment.id,
                    automatic=True,
                )
                _notify(enrolment, "expired")
                promote_waitlist(enrolment.cohort, now)
                expired += 1
    return expired


def remind_expiring_offers(now: datetime | None = None) -> int:
    """One reminder per offer whose deadline is within OFFER_REMINDER_HOURS."""
    now = now or utcnow()
    soon = now + timedelta(hours=current_app.config["OFFER_REMINDER_HOURS"])
    with transaction():
        offers = db.session.scalars(
            select(Enrolment).where(
                Enrolment.status == S.OFFERED,
                Enrolment.offer_expires_at > now,
                Enrolment.offer_expires_at <= soon,
                Enrolment.offer_reminded_at.is_(None),
            )
        ).all()
        for enrolment in offers:
            enrolment.offer_reminded_at = now
            _notify(enrolment, "offer_reminder")
    return len(offers)


# Messages ------------------------------------------------------------------------------


def _notify(enrolment: Enrolment, event: str, **context) -> None:
    notify(enrolment, event, **context)
