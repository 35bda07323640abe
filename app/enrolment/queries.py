"""Enrolment read models: a participant's own household and places (another account's
id is a 404, as if it did not exist), a programme's page with the viewer's places,
waitlists, and the team's review queue and lists of who is coming."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app.accounts.models import User
from app.core.db import is_row_id, utcnow
from app.core.i18n import country_name
from app.core.web import get_or_404
from app.enrolment.models import (
    ACTIVE_STATUSES,
    Attendee,
    Enrolment,
    EnrolmentStatus,
    HouseholdMember,
    PersonKind,
    ReviewComment,
)
from app.enrolment.rules import ME, Party, eligibility_problems, person_key
from app.enrolment.words import YES_NO_LABELS
from app.extensions import db
from app.programmes import rules
from app.programmes.models import (
    Cohort,
    CohortQuestion,
    CohortSession,
    EnrolmentMode,
    Programme,
    ProgrammeStatus,
    QuestionKind,
)
from app.programmes.rules import (
    EnrolmentState,
    cohort_dates,
    enrolment_state,
    is_upcoming,
    upcoming_cohorts,
)
from app.programmes.words import enrolment_state_text

S = EnrolmentStatus


def waitlist(cohort: Cohort) -> list[Enrolment]:
    """The waitlist in order of arrival."""
    return list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.WAITLISTED)
            .order_by(Enrolment.waitlisted_at, Enrolment.id)
        )
    )


def waitlist_position(enrolment: Enrolment) -> int | None:
    """1 for the first party in line; None when not waitlisted."""
    if enrolment.status != EnrolmentStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(
        select(func.count(Enrolment.id)).where(
            Enrolment.cohort_id == enrolment.cohort_id,
            Enrolment.status == EnrolmentStatus.WAITLISTED,
            (Enrolment.waitlisted_at < enrolment.waitlisted_at)
            | (
                (Enrolment.waitlisted_at == enrolment.waitlisted_at) & (Enrolment.id < enrolment.id)
            ),
        )
    )
    return ahead + 1


# Loading with an owner check -----------------------------------------------------------


def own_enrolment_or_404(user: User, enrolment_id: int) -> Enrolment:
    """The user's own enrolment; anyone else's is 404, as if it did not exist."""
    enrolment = get_or_404(Enrolment, enrolment_id)
    if enrolment.user_id != user.id:
        abort(404)
    return enrolment


def own_member_or_404(user: User, member_id: int) -> HouseholdMember:
    """A member of the user's own household; anyone else's is 404."""
    member = get_or_404(HouseholdMember, member_id)
    if member.owner_id != user.id:
        abort(404)
    return member


def published_cohort_or_404(slug: str, cohort_id: int) -> Cohort:
    """A cohort with sessions of the published programme `slug`, else 404.

    One query brings the programme and the sessions along: the booking page, its
    rules and the confirmation mail all read them."""
    if not is_row_id(cohort_id):
        abort(404)
    cohort = (
        db.session.scalars(
            select(Cohort)
            .join(Cohort.programme)
            .where(
                Cohort.id == cohort_id,
                Programme.slug == slug,
                Programme.status == ProgrammeStatus.PUBLISHED,
            )
            .options(contains_eager(Cohort.programme), joinedload(Cohort.sessions))
        )
        .unique()
        .first()
    )
    if cohort is None or not cohort.sessions:
        abort(404)
    return cohort


def household(user: User) -> list[HouseholdMember]:
    """The user's household: children first, then other adults, by name."""
    return list(
        db.session.scalars(
            select(HouseholdMember)
            .where(HouseholdMember.owner_id == user.id)
            .order_by(
                case((HouseholdMember.kind == PersonKind.CHILD, 0), else_=1),
                HouseholdMember.name,
                HouseholdMember.id,
            )
        )
    )


def active_places(member: HouseholdMember) -> list[Enrolment]:
    """The active enrolments (booked, waiting, offered, applying) that include `member`."""
    return list(
        db.session.scalars(
            select(Enrolment)
            .join(Attendee, Attendee.enrolment_id == Enrolment.id)
            .where(
                Attendee.household_member_id == member.id,
                Enrolment.status.in_(ACTIVE_STATUSES),
            )
            .order_by(Enrolment.id)
        )
    )


def _place_title(enrolment: Enrolment) -> str:
    return enrolment.cohort.full_title


def already_booked(cohort: Cohort, user: User, members: list[HouseholdMember]) -> set[str]:
    """Which of these people (and the account holder) have an active place in the cohort."""
    ids = [member.id for member in members]
    rows = db.session.execute(
        select(Attendee.household_member_id, Attendee.user_id).where(
            Attendee.cohort_id == cohort.id,
            Attendee.active,
            or_(Attendee.household_member_id.in_(ids), Attendee.user_id == user.id),
        )
    )
    return {ME if user_id == user.id else str(member_id) for member_id, user_id in rows}


def people_notes(cohort: Cohort, user: User, members: list[HouseholdMember]) -> dict:
    """Why each person cannot come to the cohort (age, a place already), by choice value."""
    about_account = set(eligibility_problems(cohort, user, Party()))
    notes: dict[str, list[str]] = {}
    for member in members:
        reasons = eligibility_problems(cohort, user, Party(members=(member,)))
        if own := [reason for reason in reasons if reason not in about_account]:
            notes[person_key(member)] = own
    for key in already_booked(cohort, user, members):
        notes.setdefault(key, []).append(_("Already has a place or a request in this cohort."))
    return notes


# Places: what a participant sees and may do --------------------------------------------


@dataclass(frozen=True)
class Place:
    """An enrolment as its holder's pages show it."""

    enrolment: Enrolment
    #: The next session still to end (running or to come), if any.
    next_session: CohortSession | None
    #: 1 for the first party in line; None when not waitlisted.
    position: int | None

    @property
    def is_current(self) -> bool:
        return self.enrolment.is_active and (
            self.next_session is not None or not self.enrolment.cohort.sessions
        )


@dataclass(frozen=True)
class MyConvene:
    household: list[HouseholdMember]
    #: Active places in cohorts still to end, the soonest first.
    current: list[Place]
    #: Everything else (ended, cancelled, declined...), the latest first.
    past: list[Place]


def next_session(cohort: Cohort, now: datetime) -> CohortSession | None:
    return next((s for s in cohort.sessions if s.ends_at > now), None)


def place(enrolment: Enrolment, now: datetime | None = None) -> Place:
    now = now or utcnow()
    return Place(enrolment, next_session(enrolment.cohort, now), waitlist_position(enrolment))


def my_convene(user: User, now: datetime | None = None) -> MyConvene:
    """Everything of the user's own: their household and every enrolment, in any state."""
    now = now or utcnow()
    enrolments = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.user_id == user.id)
        .options(
            selectinload(Enrolment.cohort).selectinload(Cohort.programme),
            selectinload(Enrolment.cohort).selectinload(Cohort.sessions),
            selectinload(Enrolment.attendees),
        )
        .order_by(Enrolment.created_at.desc(), Enrolment.id.desc())
    )
    places = [place(enrolment, now) for enrolment in enrolments]
    current = [p for p in places if p.is_current]
    far_future = datetime.max.replace(tzinfo=now.tzinfo)
    current.sort(key=lambda p: p.next_session.starts_at if p.next_session else far_future)
    return MyConvene(
        household=household(user),
        current=current,
        past=[p for p in places if not p.is_current],
    )


@dataclass(frozen=True)
class CohortPlaces:
    """The viewer's active enrolments in some cohorts, the most settled first."""

    by_cohort: dict[int, list[Enrolment]] = field(default_factory=dict)

    def best(self, cohort_id: int) -> Enrolment | None:
        places = self.by_cohort.get(cohort_id)
        return places[0] if places else None


#: Which of several active places in a cohort to mention first.
_SETTLED_FIRST = [S.CONFIRMED, S.OFFERED, S.WAITLISTED, S.SUBMITTED, S.DRAFT]


def places_in(user: User, cohort_ids: list[int]) -> CohortPlaces:
    """The user's active enrolments in the given cohorts, in one query."""
    if not user.is_authenticated or not cohort_ids:
        return CohortPlaces()
    enrolments = db.session.scalars(
        select(Enrolment).where(
            Enrolment.user_id == user.id,
            Enrolment.cohort_id.in_(cohort_ids),
            Enrolment.status.in_(ACTIVE_STATUSES),
        )
    )
    by_cohort: dict[int, list[Enrolment]] = {}
    for enrolment in sorted(enrolments, key=lambda e: (_SETTLED_FIRST.index(e.status), e.id)):
        by_cohort.setdefault(enrolment.cohort_id, []).append(enrolment)
    return CohortPlaces(by_cohort)


def application_cohort_or_404(slug: str, cohort_id: int) -> Cohort:
    """A cohort taking applications, of the published programme `slug`; else 404."""
    cohort = published_cohort_or_404(slug, cohort_id)
    if cohort.enrolment_mode != EnrolmentMode.APPLICATION:
        abort(404)
    return cohort


def current_application(user: User, cohort: Cohort) -> Enrolment | None:
    """The user's application to the cohort that is still going (a draft or further)."""
    return db.session.scalar(
        select(Enrolment)
        .where(
            Enrolment.user_id == user.id,
            Enrolment.cohort_id == cohort.id,
            Enrolment.status.in_(ACTIVE_STATUSES),
        )
        .order_by(Enrolment.id.desc())
        .limit(1)
    )


def apply_blockers(user: User, cohort: Cohort, now: datetime | None = None) -> list[str]:
    """Why the user cannot apply to the cohort now, in words; empty when they can."""
    state = rules.enrolment_state(cohort, now or utcnow())
    if state in {
        rules.EnrolmentState.NOT_OPEN_YET,
        rules.EnrolmentState.CLOSED,
        rules.EnrolmentState.FINISHED,
    }:
        return [enrolment_state_text(cohort, state)]
    return eligibility_problems(cohort, user, Party(account_holder=True))


def home_countries_text(cohort: Cohort) -> str | None:
    """The countries, "Chile, Colombia, Mexico", when the cohort takes students from some only."""
    codes = rules.eligibility(cohort).home_countries
    if not codes:
        return None
    return ", ".join(sorted((country_name(code) for code in codes), key=str.casefold))


#: The states the review queue filters by, in the order a reviewer thinks of them.
QUEUE_FILTERS = (
    S.SUBMITTED,
    S.WAITLISTED,
    S.OFFERED,
    S.CONFIRMED,
    S.REJECTED,
    S.DECLINED,
    S.EXPIRED,
    S.CANCELLED,
)
SCORES = (1, 2, 3, 4, 5)


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
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(S.REVIEWABLE))
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
                Enrolment.status.in_(S.REVIEWABLE),
                Enrolment.home_country.is_not(None),
            )
            .distinct()
        )
    )


def application_of(cohort: Cohort, enrolment: Enrolment) -> bool:
    """Whether the team may see the enrolment as an application of this cohort."""
    return enrolment.cohort_id == cohort.id and enrolment.status in S.REVIEWABLE


def applications_by_ids(cohort: Cohort, ids: list[int]) -> list[Enrolment] | None:
    """The cohort's applications with these ids, in queue order; None if any id is not one."""
    wanted = set(ids)
    if not wanted or not all(is_row_id(i) for i in wanted):
        return None
    found = list(
        db.session.scalars(
            select(Enrolment)
            .where(
                Enrolment.id.in_(wanted),
                Enrolment.cohort_id == cohort.id,
                Enrolment.status.in_(S.REVIEWABLE),
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
    """`OFFER_DAYS` from now (a week unless configured), on the hour, as a wall-clock
    time where the cohort meets (naive)."""
    days = current_app.config["OFFER_DAYS"]
    later = rules.utc_to_local((now or utcnow()) + timedelta(days=days), cohort.timezone)
    return later.replace(minute=0, second=0, microsecond=0, tzinfo=None) + timedelta(hours=1)


def default_rejection_message(cohort: Cohort) -> str:
    """A kind message the team can edit before it goes, in the page's language."""
    return _(
        "Thank you for applying to %(title)s. We received many strong applications and, "
        "after careful review, we are sorry that we cannot offer you a place this time.\n\n"
        "We wish you every success with your studies, and we hope you will apply again.",
        title=cohort.full_title,
    )


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


# The programme page


@dataclass(frozen=True)
class CohortListing:
    cohort: Cohort
    state: EnrolmentState
    #: The viewer's own active enrolment in the cohort (the most settled one), if any.
    mine: Enrolment | None = None


@dataclass(frozen=True)
class ProgrammePage:
    programme: Programme
    #: Upcoming cohorts (running or still to run), soonest first.
    cohorts: list[CohortListing]
    #: How many cohorts have ended.
    past_cohorts: int


def programme_page(
    programme: Programme, viewer: User | None = None, now: datetime | None = None
) -> ProgrammePage:
    """What the programme page lists: upcoming cohorts with their state (and the
    viewer's own place in each, looked up in one query), and how many have ended."""
    now = now or utcnow()
    upcoming = upcoming_cohorts(programme, now)
    past = sum(
        1 for c in programme.cohorts if cohort_dates(c) is not None and not is_upcoming(c, now)
    )
    mine = places_in(viewer, [cohort.id for cohort in upcoming]) if viewer else None
    return ProgrammePage(
        programme=programme,
        cohorts=[
            CohortListing(
                cohort, enrolment_state(cohort, now), mine.best(cohort.id) if mine else None
            )
            for cohort in upcoming
        ],
        past_cohorts=past,
    )
