"""The team's side of enrolments: a cohort's review queue, scores, comments and
decisions on applications, and the list of who is coming, with cancel and move.

Every change of state goes through `lifecycle`; this module reads for the pages,
checks what they sent, and puts the rules' refusals into words for the field
they are about (`ReviewRefused.errors`, "" for the request as a whole).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.enrolment import lifecycle
from app.enrolment.labels import YES_NO_LABELS
from app.enrolment.queries import waitlist
from app.extensions import db
from app.models import (
    Cohort,
    CohortQuestion,
    Enrolment,
    EnrolmentStatus,
    QuestionKind,
    ReviewComment,
    User,
)
from app.models.types import MAX_INTEGER, utcnow
from app.programmes import rules

S = EnrolmentStatus

#: The states of an application the team sees; drafts are the applicant's own business.
REVIEW_STATUSES = (
    S.SUBMITTED,
    S.WAITLISTED,
    S.OFFERED,
    S.CONFIRMED,
    S.REJECTED,
    S.DECLINED,
    S.EXPIRED,
    S.CANCELLED,
    S.COMPLETED,
)
#: The states the review queue filters by, in the order a reviewer thinks of them.
QUEUE_FILTERS = (S.SUBMITTED, S.WAITLISTED, S.OFFERED, S.CONFIRMED, S.REJECTED, S.DECLINED)
QUEUE_FILTERS += (S.EXPIRED, S.CANCELLED)
SCORES = (1, 2, 3, 4, 5)
#: Default time to answer an offer.
OFFER_DAYS = 7
MAX_COMMENT_LENGTH = 4000
MAX_MESSAGE_LENGTH = 4000
MAX_REASON_LENGTH = 1000

ACCEPT, WAITLIST, REJECT = "accept", "waitlist", "reject"


class ReviewRefused(Exception):
    """A review or a change the rules refuse; `errors` maps field names to messages."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(errors)


def _refuse(field: str, message) -> ReviewRefused:
    return ReviewRefused({field: message})


# Seats ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seats:
    """Where a cohort's seats are: held by confirmed and offered places, free, waiting."""

    capacity: int
    confirmed: int
    offered: int
    free: int
    #: Seats the waitlist would need (parties, not people, wait together).
    waiting: int


def seats(cohort: Cohort) -> Seats:
    counted = dict(
        db.session.execute(
            select(Enrolment.status, func.sum(Enrolment.seats))
            .where(
                Enrolment.cohort_id == cohort.id,
                Enrolment.status.in_([S.CONFIRMED, S.OFFERED, S.WAITLISTED]),
            )
            .group_by(Enrolment.status)
        )
        .tuples()
        .all()
    )
    return Seats(
        capacity=cohort.capacity,
        confirmed=counted.get(S.CONFIRMED, 0),
        offered=counted.get(S.OFFERED, 0),
        free=cohort.seats_left,
        waiting=counted.get(S.WAITLISTED, 0),
    )


# The queue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    status: EnrolmentStatus | None = None
    #: An ISO country code.
    country: str | None = None
    #: "none" for applications not scored yet, or "1" to "5" for that score or more.
    score: str | None = None
    #: Words searched in the applicant's name and home institution.
    text: str = ""


def applications(cohort: Cohort, filters: QueueFilters = QueueFilters()) -> list[Enrolment]:
    """The cohort's applications that match, first submitted first."""
    statement = (
        select(Enrolment)
        .outerjoin(User, Enrolment.user_id == User.id)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(REVIEW_STATUSES))
        .options(selectinload(Enrolment.user))
        .order_by(Enrolment.submitted_at, Enrolment.id)
    )
    if filters.status:
        statement = statement.where(Enrolment.status == filters.status)
    if filters.country:
        statement = statement.where(Enrolment.home_country == filters.country)
    if filters.score == "none":
        statement = statement.where(Enrolment.score.is_(None))
    elif filters.score:
        statement = statement.where(Enrolment.score >= int(filters.score))
    for word in filters.text.lower().split():
        statement = statement.where(
            or_(
                func.lower(User.name).contains(word, autoescape=True),
                func.lower(Enrolment.home_institution).contains(word, autoescape=True),
            )
        )
    return list(db.session.scalars(statement))


def applicant_countries(cohort: Cohort) -> list[str]:
    """The home countries among the cohort's applications, for the queue's filter."""
    return list(
        db.session.scalars(
            select(Enrolment.home_country)
            .where(
                Enrolment.cohort_id == cohort.id,
                Enrolment.status.in_(REVIEW_STATUSES),
                Enrolment.home_country.is_not(None),
            )
            .distinct()
        )
    )


def application_of(cohort: Cohort, enrolment: Enrolment) -> bool:
    """Whether the team may see the enrolment as an application of this cohort."""
    return enrolment.cohort_id == cohort.id and enrolment.status in REVIEW_STATUSES


def applications_by_ids(cohort: Cohort, ids: list[int]) -> list[Enrolment] | None:
    """The cohort's applications with these ids, in queue order; None if any id is not one."""
    wanted = set(ids)
    if not wanted or not all(0 < i <= MAX_INTEGER for i in wanted):
        return None
    found = list(
        db.session.scalars(
            select(Enrolment)
            .where(
                Enrolment.id.in_(wanted),
                Enrolment.cohort_id == cohort.id,
                Enrolment.status.in_(REVIEW_STATUSES),
            )
            .order_by(Enrolment.submitted_at, Enrolment.id)
        )
    )
    return found if len(found) == len(wanted) else None


@dataclass(frozen=True)
class Answer:
    prompt: str
    answer: str


def answers(enrolment: Enrolment, questions: list[CohortQuestion]) -> list[Answer]:
    """The applicant's answers with the questions' prompts, in the cohort's order.

    Answers to questions removed since are kept, under a note that says so.
    """
    given = dict(enrolment.answers or {})
    shown = []
    for question in questions:
        answer = given.pop(str(question.id), None)
        if question.kind == QuestionKind.YES_NO and answer in YES_NO_LABELS:
            answer = str(YES_NO_LABELS[answer])
        shown.append(Answer(question.prompt, answer or ""))
    shown.extend(Answer(_("(A question removed since)"), answer) for answer in given.values())
    return shown


# Scores and comments -------------------------------------------------------------------


def set_score(enrolment: Enrolment, score: int | None) -> Enrolment:
    """The team's score from 1 to 5, or None to clear it."""
    if score is not None and score not in SCORES:
        raise _refuse("score", _l("Choose a score from 1 to 5."))
    enrolment.score = score
    db.session.commit()
    return enrolment


def add_comment(enrolment: Enrolment, author: User, body: str | None) -> ReviewComment:
    """A note for the team; the applicant never sees it."""
    body = (body or "").strip()
    if not body:
        raise _refuse("body", _l("Write a comment."))
    if len(body) > MAX_COMMENT_LENGTH:
        raise _refuse("body", _l("Keep a comment to %(max)d characters.", max=MAX_COMMENT_LENGTH))
    comment = ReviewComment(enrolment=enrolment, author=author, body=body)
    db.session.add(comment)
    db.session.commit()
    return comment


def comments(enrolment: Enrolment) -> list[ReviewComment]:
    return list(
        db.session.scalars(
            select(ReviewComment)
            .where(ReviewComment.enrolment_id == enrolment.id)
            .options(selectinload(ReviewComment.author))
            .order_by(ReviewComment.created_at, ReviewComment.id)
        )
    )


# Decisions -----------------------------------------------------------------------------


def default_offer_deadline(cohort: Cohort, now: datetime | None = None) -> datetime:
    """A week from now, on the hour, as a wall-clock time where the cohort meets (naive)."""
    later = rules.utc_to_local((now or utcnow()) + timedelta(days=OFFER_DAYS), cohort.timezone)
    return later.replace(minute=0, second=0, microsecond=0, tzinfo=None) + timedelta(hours=1)


def default_rejection_message(cohort: Cohort) -> str:
    """A kind message the team can edit before it goes, in the page's language."""
    return _(
        "Thank you for applying to %(title)s. We received many strong applications and, "
        "after careful review, we are sorry that we cannot offer you a place this time.\n\n"
        "We wish you every success with your studies, and we hope you will apply again.",
        title=cohort.full_title,
    )


@dataclass(frozen=True)
class Decision:
    """What the team decided for some applications."""

    action: str
    #: When an offer must be answered by: a wall-clock time in the cohort's time zone.
    offer_deadline: datetime | None = None
    #: The words sent with a rejection.
    message: str | None = None


def decide(
    cohort: Cohort,
    enrolments: list[Enrolment],
    decision: Decision,
    now: datetime | None = None,
) -> list[Enrolment]:
    """Offer places to, waitlist or reject the applications, all of them or none."""
    now = now or utcnow()
    if not enrolments:
        raise _refuse("enrolment_ids", _l("Choose at least one application."))
    try:
        if decision.action == ACCEPT:
            if decision.offer_deadline is None:
                raise _refuse("offer_deadline", _l("Give the date and time to answer by."))
            deadline = rules.local_to_utc(decision.offer_deadline, cohort.timezone)
            if deadline <= now:
                raise _refuse("offer_deadline", _l("The answer deadline must be in the future."))
            return lifecycle.make_offers(enrolments, deadline=deadline, now=now)
        if decision.action == WAITLIST:
            return lifecycle.waitlist_applications(enrolments, now=now)
        if decision.action == REJECT:
            message = (decision.message or "").strip()
            if not message:
                raise _refuse("message", _l("Write the message the applicants will receive."))
            if len(message) > MAX_MESSAGE_LENGTH:
                raise _refuse(
                    "message", _l("Keep the message to %(max)d characters.", max=MAX_MESSAGE_LENGTH)
                )
            return lifecycle.reject_applications(enrolments, message=message, now=now)
    except lifecycle.CohortFull as error:
        raise _refuse("", _not_enough_seats(cohort, enrolments)) from error
    except lifecycle.InvalidTransition as error:
        raise _refuse("", _cannot_change(enrolments, decision.action)) from error
    except lifecycle.EnrolmentError as error:
        raise _refuse("", error.message) from error
    raise _refuse("action", _l("Choose what to do with the applications."))


def _not_enough_seats(cohort: Cohort, enrolments: list[Enrolment]) -> str:
    db.session.refresh(cohort)
    needed = sum(enrolment.seats for enrolment in enrolments)
    return " ".join(
        [
            ngettext(
                "These offers need %(num)d seat,",
                "These offers need %(num)d seats,",
                needed,
            ),
            ngettext(
                "but only %(num)d seat is free.",
                "but only %(num)d seats are free.",
                cohort.seats_left,
            ),
            _("No offer was made. Choose fewer applications, or add seats to the cohort."),
        ]
    )


#: The states each decision applies to (as `lifecycle` allows them).
DECIDABLE = {
    ACCEPT: {S.SUBMITTED, S.WAITLISTED},
    WAITLIST: {S.SUBMITTED},
    REJECT: {S.SUBMITTED, S.WAITLISTED},
}


def possible_actions(enrolment: Enrolment) -> set[str]:
    """The decisions the team can still make about one application."""
    return {action for action, states in DECIDABLE.items() if enrolment.status in states}


def _cannot_change(enrolments: list[Enrolment], action: str) -> str:
    if action == ACCEPT:
        allowed = _("Offers can be made to submitted and waitlisted applications only.")
    elif action == WAITLIST:
        allowed = _("Only submitted applications can go on the waitlist.")
    else:
        allowed = _("Only submitted and waitlisted applications can be rejected.")
    if len(enrolments) == 1:
        return allowed
    return _("%(rule)s Nothing was changed.", rule=allowed)


# Who is coming -------------------------------------------------------------------------


@dataclass(frozen=True)
class Roster:
    """A cohort's places by state; the waitlist in line order with each party's position."""

    confirmed: list[Enrolment]
    offered: list[Enrolment]
    #: In line order; `positions` maps each one's id to its place in line (1 first).
    waitlisted: list[Enrolment]
    positions: dict[int, int]
    cancelled: list[Enrolment]


def roster(cohort: Cohort) -> Roster:
    listed = list(
        db.session.scalars(
            select(Enrolment)
            .where(
                Enrolment.cohort_id == cohort.id,
                Enrolment.status.in_(
                    [S.CONFIRMED, S.COMPLETED, S.OFFERED, S.WAITLISTED, S.CANCELLED]
                ),
            )
            .options(selectinload(Enrolment.attendees), selectinload(Enrolment.user))
            .order_by(Enrolment.created_at, Enrolment.id)
        )
    )

    def having(*statuses: EnrolmentStatus) -> list[Enrolment]:
        return [enrolment for enrolment in listed if enrolment.status in statuses]

    cancelled = sorted(having(S.CANCELLED), key=lambda e: e.cancelled_at or e.updated_at)
    # The same rows, loaded above with their people; `waitlist` knows the line's order.
    line = waitlist(cohort)
    return Roster(
        confirmed=having(S.CONFIRMED, S.COMPLETED),
        offered=having(S.OFFERED),
        waitlisted=line,
        positions={enrolment.id: n for n, enrolment in enumerate(line, start=1)},
        cancelled=cancelled[::-1],
    )


def place_of(cohort: Cohort, enrolment: Enrolment) -> bool:
    """Whether the enrolment is a place (or a request for one) the team may change."""
    return enrolment.cohort_id == cohort.id and enrolment.status in {
        S.CONFIRMED,
        S.OFFERED,
        S.WAITLISTED,
    }


def may_move(enrolment: Enrolment) -> bool:
    return enrolment.status in {S.CONFIRMED, S.WAITLISTED}


def move_targets(enrolment: Enrolment, now: datetime | None = None) -> list[Cohort]:
    """Where a place may move: the programme's other cohorts that have not ended and
    enrol the same way (a booking never lands in a reviewed cohort, nor the reverse)."""
    now = now or utcnow()
    here = enrolment.cohort
    return [
        cohort
        for cohort in here.programme.cohorts
        if cohort.id != here.id
        and cohort.enrolment_mode == here.enrolment_mode
        and rules.enrolment_state(cohort, now) != rules.EnrolmentState.FINISHED
    ]


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise _refuse("reason", _l("Give a reason: it is sent to the participant."))
    if len(reason) > MAX_REASON_LENGTH:
        raise _refuse("reason", _l("Keep the reason to %(max)d characters.", max=MAX_REASON_LENGTH))
    return reason


def cancel_place_for_team(enrolment: Enrolment, *, by: User, reason: str | None) -> Enrolment:
    """Cancel a place for the team, with a reason the participant is emailed."""
    reason = _reason(reason)
    try:
        return lifecycle.cancel(enrolment, by=by, reason=reason)
    except lifecycle.EnrolmentError as error:
        raise _refuse("", error.message) from error


def move_place(
    enrolment: Enrolment, target: Cohort | None, *, by: User, reason: str | None
) -> Enrolment:
    """Move a place to another cohort of the programme, with a reason the participant is
    emailed. The new place is confirmed, or waitlisted when the target is full."""
    if target is None or target not in move_targets(enrolment):
        raise _refuse("target", _l("Choose a cohort of this programme from the list."))
    reason = _reason(reason)
    try:
        return lifecycle.move(enrolment, target, by=by, reason=reason)
    except lifecycle.EnrolmentError as error:
        raise _refuse("", error.message) from error
