"""Reads about programmes: the organise pages' lists, and the catalogue's.

They change nothing; the changes are in `app.programmes.commands`.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from app.accounts.models import User
from app.core.db import utcnow
from app.extensions import db
from app.programmes.models import (
    Cohort,
    CohortQuestion,
    CohortSession,
    Organisation,
    Programme,
    ProgrammeKind,
    ProgrammeMember,
    ProgrammeStatus,
    TeamRole,
)
from app.programmes.permissions import can_see_management, team_role
from app.programmes.rules import (
    EnrolmentState,
    enrolment_state,
)


def questions_of(cohort: Cohort) -> list[CohortQuestion]:
    """The cohort's questions in the order applicants see them."""
    return list(
        db.session.scalars(
            select(CohortQuestion)
            .where(CohortQuestion.cohort_id == cohort.id)
            .order_by(CohortQuestion.position, CohortQuestion.id)
        )
    )


# Reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamProgramme:
    """A row of the organiser dashboard."""

    programme: Programme
    role: TeamRole
    cohort_count: int
    next_session: CohortSession | None


def team_programmes(user: User, now: datetime | None = None) -> list[TeamProgramme]:
    """The programmes whose team the user is on, in two queries whatever their number.

    Archived programmes come last. The next session is the first one not over yet.
    """
    now = now or utcnow()
    cohort_count = (
        select(func.count(Cohort.id))
        .where(Cohort.programme_id == Programme.id)
        .correlate(Programme)
        .scalar_subquery()
    )
    next_session_id = (
        select(CohortSession.id)
        .join(Cohort)
        .where(Cohort.programme_id == Programme.id, CohortSession.ends_at > now)
        .order_by(CohortSession.starts_at, CohortSession.id)
        .limit(1)
        .correlate(Programme)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Programme, ProgrammeMember.role, cohort_count, next_session_id)
        .join(ProgrammeMember, ProgrammeMember.programme_id == Programme.id)
        .where(ProgrammeMember.user_id == user.id)
        .order_by(
            case((Programme.status == ProgrammeStatus.ARCHIVED, 1), else_=0),
            func.lower(Programme.title),
            Programme.id,
        )
    ).all()
    session_ids = [row[3] for row in rows if row[3] is not None]
    sessions = (
        {
            s.id: s
            for s in db.session.scalars(
                select(CohortSession).where(CohortSession.id.in_(session_ids))
            )
        }
        if session_ids
        else {}
    )
    return [
        TeamProgramme(programme, role, count, sessions.get(session_id))
        for programme, role, count, session_id in rows
    ]


def cohorts_with_sessions(programme: Programme) -> list[Cohort]:
    return list(
        db.session.scalars(
            select(Cohort)
            .where(Cohort.programme_id == programme.id)
            .options(selectinload(Cohort.sessions))
            .order_by(Cohort.id)
        )
    )


def team_of(programme: Programme) -> list[ProgrammeMember]:
    """Leads first, then organisers, then helpers; by name within a role."""
    role_order = case(
        (ProgrammeMember.role == TeamRole.LEAD, 0),
        (ProgrammeMember.role == TeamRole.ORGANISER, 1),
        else_=2,
    )
    return list(
        db.session.scalars(
            select(ProgrammeMember)
            .join(User)
            .where(ProgrammeMember.programme_id == programme.id)
            .options(selectinload(ProgrammeMember.user))
            .order_by(role_order, func.lower(User.name), User.id)
        )
    )


def all_organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(func.lower(Organisation.name))))


PER_PAGE = 12


@dataclass(frozen=True)
class CatalogueFilters:
    """What a visitor is looking for; None (or "") means "any"."""

    kind: ProgrammeKind | None = None
    #: A participant's age in years: an upcoming cohort must accept it.
    age: int | None = None
    language: str | None = None
    #: Where an in-person programme happens (ISO code).
    country: str | None = None
    #: True: online only; False: in person only.
    online: bool | None = None
    #: An upcoming cohort must have a session overlapping [window_start, window_end).
    window_start: datetime | None = None
    window_end: datetime | None = None
    #: Words to find in the title or summary, case-insensitively.
    text: str = ""


@dataclass(frozen=True)
class ProgrammeCard:
    """A programme as the catalogue shows it: with the next cohort that matched."""

    programme: Programme
    next_cohort: Cohort
    state: EnrolmentState


#: The catalogue counts matches up to this many, and beyond says "more than": a count
#: that reads every matching row would make a large catalogue slow to open.
COUNT_LIMIT = 1000


@dataclass(frozen=True)
class CataloguePages:
    """Where a catalogue page is among the others."""

    page: int
    per_page: int
    #: How many programmes match, up to COUNT_LIMIT + 1.
    counted: int
    has_next: bool

    @property
    def total_is_exact(self) -> bool:
        return self.counted <= COUNT_LIMIT

    @property
    def total(self) -> int:
        return min(self.counted, COUNT_LIMIT)

    @property
    def pages(self) -> int | None:
        """How many pages there are, when the count is exact."""
        return -(-self.counted // self.per_page) if self.total_is_exact else None

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


@dataclass(frozen=True)
class CataloguePage:
    pagination: CataloguePages
    cards: list[ProgrammeCard]


@dataclass(frozen=True)
class FilterChoices:
    """The languages and countries that published programmes have, as codes."""

    languages: list[str]
    countries: list[str]


def _cohort_conditions(filters: CatalogueFilters, now: datetime) -> list[ColumnElement[bool]]:
    """Conditions on `Cohort` for a cohort that is upcoming and matches the filters.

    They refer to no other outer table, so the same list serves inside the
    programme's EXISTS and as the criteria for loading the matching cohorts.
    Sessions and programmes in the subqueries are aliased so that they never
    correlate with an enclosing query's own sessions or programmes.
    """
    conditions = [Cohort.ends_at > now]
    if filters.age is not None:
        conditions.append(_accepts_age(filters.age))
    if filters.window_start is not None or filters.window_end is not None:
        in_window = aliased(CohortSession)
        overlap = [in_window.cohort_id == Cohort.id]
        if filters.window_start is not None:
            overlap.append(in_window.ends_at > filters.window_start)
        if filters.window_end is not None:
            overlap.append(in_window.starts_at < filters.window_end)
        conditions.append(exists().where(*overlap))
    return conditions


def _accepts_age(age: int) -> ColumnElement[bool]:
    """The cohort's age range (its own, else its programme's) includes `age`, and it is
    not for teachers only (a parent looking for a 9-year-old has no use for those)."""
    owner = aliased(Programme)

    def programme_value(column):
        return (
            select(getattr(owner, column))
            .where(owner.id == Cohort.programme_id)
            .correlate(Cohort)
            .scalar_subquery()
        )

    # No limit at either end (None) compares as the age itself, so it passes.
    low = func.coalesce(Cohort.min_age, programme_value("min_age"), age)
    high = func.coalesce(Cohort.max_age, programme_value("max_age"), age)
    teachers_only = func.coalesce(Cohort.teachers_only, programme_value("teachers_only"))
    return and_(low <= age, high >= age, teachers_only.is_(False))


def _programme_conditions(filters: CatalogueFilters) -> list[ColumnElement[bool]]:
    conditions = [Programme.status == ProgrammeStatus.PUBLISHED]
    if filters.kind is not None:
        conditions.append(Programme.kind == filters.kind)
    if filters.language:
        conditions.append(Programme.language == filters.language)
    if filters.country:
        conditions.append(and_(Programme.country == filters.country, ~Programme.is_online))
    if filters.online is not None:
        conditions.append(Programme.is_online.is_(filters.online))
    if text := filters.text.strip().lower():
        conditions.append(
            or_(
                func.lower(Programme.title).contains(text, autoescape=True),
                func.lower(Programme.summary).contains(text, autoescape=True),
            )
        )
    return conditions


def _looks_at_cohorts(filters: CatalogueFilters) -> bool:
    """Whether a filter (age, dates) may let only some of a programme's cohorts match."""
    return (
        filters.age is not None
        or filters.window_start is not None
        or filters.window_end is not None
    )


def _matching(filters: CatalogueFilters, now: datetime) -> tuple[Select, ColumnElement]:
    """The ids of the matching programmes, and the start they are sorted by.

    Without a filter on cohorts, the programme's stored next start and last end answer
    (`app.programmes.listing`): the index on (status, next start) is read in order, and
    a page stops the reading. A filter on cohorts sorts by the matching cohorts' stored
    first starts instead.
    """
    if not _looks_at_cohorts(filters):
        listed = select(Programme.id).where(
            *_programme_conditions(filters),
            Programme.next_starts_at.is_not(None),
            Programme.listed_until > now,
        )
        return listed, Programme.next_starts_at
    cohort_conditions = _cohort_conditions(filters, now)
    first_start = (
        select(func.min(Cohort.starts_at))
        .where(Cohort.programme_id == Programme.id, *cohort_conditions)
        .correlate(Programme)
        .scalar_subquery()
    )
    matching = select(Cohort.id).where(Cohort.programme_id == Programme.id, *cohort_conditions)
    return select(Programme.id).where(
        *_programme_conditions(filters), exists(matching)
    ), first_start


def catalogue_statement(filters: CatalogueFilters, now: datetime) -> Select:
    """Published programmes with a matching upcoming cohort, the soonest first.

    "Soonest" is the earliest first session of the programme's matching cohorts, so
    a cohort already running sorts before one yet to start.
    """
    matching, first_start = _matching(filters, now)
    return matching.with_only_columns(Programme).order_by(first_start, Programme.id)


def _cards(programmes: list[Programme], filters: CatalogueFilters, now: datetime):
    """Each programme with its soonest matching cohort (and that cohort's sessions), so
    that its card shows the cohort the visitor was looking for."""
    if not programmes:
        return []
    cohorts = db.session.scalars(
        select(Cohort)
        .where(
            Cohort.programme_id.in_([p.id for p in programmes]), *_cohort_conditions(filters, now)
        )
        .options(selectinload(Cohort.sessions))
        .order_by(Cohort.starts_at, Cohort.id)
    )
    soonest: dict[int, Cohort] = {}
    for cohort in cohorts:
        soonest.setdefault(cohort.programme_id, cohort)
    return [
        ProgrammeCard(programme, cohort, enrolment_state(cohort, now))
        for programme in programmes
        # None when its last session ended between the two queries
        if (cohort := soonest.get(programme.id)) is not None
    ]


def catalogue_page(
    filters: CatalogueFilters, page: int, now: datetime | None = None, per_page: int = PER_PAGE
) -> CataloguePage:
    """One page of the catalogue: its cards, and where it is among the others.

    The cost does not grow with the catalogue: the page reads its rows (and one more,
    to know whether there is a next page), and the count stops at COUNT_LIMIT.
    """
    now = now or utcnow()
    page = max(page, 1)
    matching, _ = _matching(filters, now)
    counted = db.session.scalar(
        select(func.count()).select_from(matching.limit(COUNT_LIMIT + 1).subquery())
    )
    statement = catalogue_statement(filters, now).limit(per_page + 1)
    programmes = list(db.session.scalars(statement.offset((page - 1) * per_page)))
    pages = CataloguePages(page, per_page, counted, has_next=len(programmes) > per_page)
    return CataloguePage(pages, _cards(programmes[:per_page], filters, now))


def coming_up(limit: int = 3, now: datetime | None = None) -> list[ProgrammeCard]:
    """The next few programmes to start, for the home page."""
    now = now or utcnow()
    filters = CatalogueFilters()
    programmes = list(db.session.scalars(catalogue_statement(filters, now).limit(limit)))
    return _cards(programmes, filters, now)


def filter_choices() -> FilterChoices:
    """Languages of published programmes, and countries of the in-person ones."""
    published = Programme.status == ProgrammeStatus.PUBLISHED
    in_person = [published, Programme.is_online.is_(False)]
    return FilterChoices(
        languages=[code for code in _distinct(Programme.language, published) if code],
        countries=_distinct(Programme.country, *in_person),
    )


def _distinct(column, *conditions) -> list:
    """The distinct values of `column` among the rows meeting `conditions`, in order,
    with one index probe per value (a loose index scan, which PostgreSQL does not do by
    itself): a DISTINCT would read every programme of a large catalogue."""
    first = select(func.min(column)).where(*conditions).scalar_subquery()
    found = select(first.label("value")).cte("found", recursive=True)
    following = select(func.min(column)).where(*conditions, column > found.c.value)
    found = found.union_all(select(following.scalar_subquery()).where(found.c.value.is_not(None)))
    return list(db.session.scalars(select(found.c.value).where(found.c.value.is_not(None))))


def find_visible_programme(slug: str, user: User) -> Programme | None:
    """The programme with its cohorts, sessions and partners, if `user` may see it.

    Everyone sees a published programme. A draft or archived one exists only for
    its team (any role) and admins; for anyone else it is as if it did not exist.
    """
    programme = db.session.scalar(
        select(Programme)
        .where(Programme.slug == slug)
        .options(
            selectinload(Programme.cohorts).selectinload(Cohort.sessions),
            selectinload(Programme.partners),
        )
    )
    if programme is None:
        return None
    if programme.is_published or can_see_management(user, team_role(user, programme)):
        return programme
    return None


def cohort_of(programme: Programme, cohort_id: int) -> Cohort | None:
    """One of the programme's cohorts (never another programme's), if it has sessions."""
    for cohort in programme.cohorts:
        if cohort.id == cohort_id and cohort.sessions:
            return cohort
    return None
