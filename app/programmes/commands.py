"""Changes to programmes, their teams, cohorts and sessions, and to partner organisations.

Each public function checks the rules, makes its change and flushes it; the caller
commits (`app.core.transaction.transaction`). A rule that refuses raises a
`Refusal`, whose `errors` name the field each problem is about, so that a form can
show every message next to its field.

The read helpers at the end serve the organise pages.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import IO

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User, user_by_email
from app.core.actions import record
from app.core.db import is_row_id
from app.core.i18n import DELIVERY_LANGUAGES, country_codes
from app.core.refusal import Refusal
from app.core.security import is_web_address
from app.core.timezones import is_valid_timezone
from app.core.transaction import lock_row
from app.extensions import db
from app.programmes import images, rules, signals
from app.programmes.models import (
    Cohort,
    CohortQuestion,
    CohortSession,
    EnrolmentMode,
    Organisation,
    Programme,
    ProgrammeKind,
    ProgrammeMember,
    ProgrammeStatus,
    QuestionKind,
    TeamRole,
)
from app.programmes.permissions import may_create_programmes
from app.programmes.queries import questions_of

#: Longest gap between repeated sessions, in weeks.
MAX_EVERY_WEEKS = 12
MAX_AGE = 120
MAX_CAPACITY = 100_000
MAX_CPD_HOURS = Decimal("9999.9")
#: Dates outside these years are typos (and would overflow time-zone arithmetic).
FIRST_YEAR, LAST_YEAR = 2000, 2200


# Refusals ----------------------------------------------------------------------------

#: The refusals raised in more than one place or with a fixed message: code -> (the
#: field the message stands next to, "" for the change as a whole; the message).
REFUSALS = {
    "not_allowed": ("", _l("Only people an admin has allowed may create programmes.")),
    "slug_taken": ("slug", _l("Another programme uses this web address. Choose another.")),
    "capacity_below_seats_taken": (
        "capacity",
        _l("Capacity cannot be below the seats already taken."),
    ),
    "invalid_image": ("image", _l("Upload a PNG, JPEG or WebP image of at most 2 MB.")),
    "organisation_name_taken": ("name", _l("An organisation with this name exists already.")),
    "status_change_refused": (
        "",
        _l("The programme cannot move to that status from its current one."),
    ),
    "unknown_user": (
        "email",
        _l("No account uses this email. Ask them to sign up, then add them."),
    ),
    "already_on_team": ("email", _l("This person is on the team already.")),
    "last_lead": (
        "role",
        _l("A programme needs at least one lead. Make someone else lead first."),
    ),
}


def refusal(code: str, message=None) -> Refusal:
    """The refusal `code`, with its usual message unless another is given, next to its field."""
    field, usual = REFUSALS[code]
    return Refusal(code, message or usual, field=field)


class _Checks:
    """Collects every broken rule of one change, so that all are reported at once.

    The refusal's code is the first specific one found (such as "slug_taken"), else
    "invalid"; either way it carries every message.
    """

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}
        self.code = "invalid"

    def require(self, ok: bool, field: str, message=None, code: str = "invalid"):
        if ok or field in self.errors:
            return
        self.errors[field] = message or REFUSALS[code][1]
        if self.code == "invalid":
            self.code = code

    def raise_any(self) -> None:
        if self.errors:
            raise Refusal(self.code, errors=self.errors)


def _has_text(value: str | None) -> bool:
    return bool(value and value.strip())


def _text_or_none(value: str | None) -> str | None:
    return value.strip() if _has_text(value) else None


def _check_web_url(checks: _Checks, field: str, url: str | None) -> None:
    if url:
        checks.require(
            is_web_address(url), field, _l("Enter a full web address starting with https://.")
        )


def _check_ages(checks: _Checks, min_age: int | None, max_age: int | None) -> None:
    for field, age in (("min_age", min_age), ("max_age", max_age)):
        if age is not None:
            checks.require(
                0 <= age <= MAX_AGE, field, _l("Enter an age from 0 to %(max)d.", max=MAX_AGE)
            )
    if min_age is not None and max_age is not None:
        checks.require(
            min_age <= max_age, "max_age", _l("The maximum age cannot be below the minimum.")
        )


def _check_countries(checks: _Checks, field: str, codes: Sequence[str] | None) -> None:
    if codes:
        checks.require(set(codes) <= country_codes(), field, _l("Choose countries from the list."))


def _check_year(checks: _Checks, field: str, day: date | None) -> bool:
    ok = day is None or FIRST_YEAR <= day.year <= LAST_YEAR
    checks.require(
        ok,
        field,
        _l("Enter a date between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR),
    )
    return ok


def _check_timezone(checks: _Checks, timezone: str) -> bool:
    ok = is_valid_timezone(timezone or "")
    checks.require(ok, "timezone", _l("Choose a time zone from the list."))
    return ok


# Programmes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Signatory:
    """Who signs a programme's certificates: a name as printed, and a role or title."""

    name: str | None = None
    title: str | None = None


@dataclass
class ProgrammeDetails:
    """What an organiser says about a programme (everything but status, team, image)."""

    title: str
    kind: ProgrammeKind
    language: str
    summary: str = ""
    #: The web address name; None or "" suggests one from the title.
    slug: str | None = None
    description: str = ""
    audience: str = ""
    min_age: int | None = None
    max_age: int | None = None
    teachers_only: bool = False
    home_countries: Sequence[str] = ()
    is_online: bool = False
    #: Where it happens; needed when in person, dropped when online.
    country: str | None = None
    city: str | None = None
    partner_ids: Sequence[int] = ()
    #: Who signs its certificates; None leaves it as it is (a lead chooses it: the
    #: form of anyone else does not ask).
    signatory: Signatory | None = None


def suggest_slug(title: str, programme: Programme | None = None) -> str:
    """A free slug made from the title: "Robotics Week" -> "robotics-week" (or "-2", ...)."""
    base = rules.slugify(title) or "programme"
    statement = select(Programme.slug).where(Programme.slug.startswith(base))
    if programme is not None:
        statement = statement.where(Programme.id != programme.id)
    taken = set(db.session.scalars(statement))
    slug, n = base, 1
    while slug in taken:
        n += 1
        suffix = f"-{n}"
        slug = base[: 80 - len(suffix)].rstrip("-") + suffix
    return slug


def _slug_is_free(slug: str, programme: Programme | None) -> bool:
    statement = select(Programme.id).where(Programme.slug == slug)
    if programme is not None:
        statement = statement.where(Programme.id != programme.id)
    return db.session.scalar(statement) is None


def _read_image(upload: IO[bytes] | bytes, checks: _Checks) -> tuple[bytes, str] | None:
    data = upload if isinstance(upload, bytes) else upload.read(images.MAX_IMAGE_BYTES + 1)
    extension = images.sniff(data)
    if len(data) > images.MAX_IMAGE_BYTES:
        checks.require(False, "image", _l("The image is larger than 2 MB."), "invalid_image")
    elif extension is None:
        checks.require(
            False, "image", _l("This file is not a PNG, JPEG or WebP image."), "invalid_image"
        )
    return (data, extension) if extension else None


def _checked_programme(
    details: ProgrammeDetails,
    programme: Programme | None,
    image: IO[bytes] | bytes | None,
) -> tuple[str, list[Organisation], tuple[bytes, str] | None]:
    """Check every rule; return the slug to use, the partners and the image read."""
    checks = _Checks()
    checks.require(_has_text(details.title), "title", _l("Give the programme a title."))
    if details.slug:
        slug = details.slug
        checks.require(
            rules.is_valid_slug(slug),
            "slug",
            _l("Use lower-case letters, digits and single hyphens, like summer-school-2026."),
        )
        checks.require(_slug_is_free(slug, programme), "slug", code="slug_taken")
    else:
        slug = suggest_slug(details.title, programme)
    current_language = programme.language if programme else None
    checks.require(
        details.language in DELIVERY_LANGUAGES or details.language == current_language,
        "language",
        _l("Choose a language from the list."),
    )
    _check_ages(checks, details.min_age, details.max_age)
    _check_countries(checks, "home_countries", details.home_countries)
    if not details.is_online:
        checks.require(
            details.country in country_codes(),
            "country",
            _l("Choose the country where it happens, or make it online."),
        )
        checks.require(
            _has_text(details.city),
            "city",
            _l("Enter the city where it happens, or make it online."),
        )
    partner_ids = {i for i in details.partner_ids if is_row_id(i)}
    partners = (
        list(db.session.scalars(select(Organisation).where(Organisation.id.in_(partner_ids))))
        if partner_ids
        else []
    )
    checks.require(
        len(partners) == len(set(details.partner_ids)),
        "partner_ids",
        _l("Choose partners from the list."),
    )
    if details.signatory is not None:
        checks.require(
            _has_text(details.signatory.name) or not _has_text(details.signatory.title),
            "signatory_name",
            _l("Give the name of who signs, or leave the role blank too."),
        )
    upload = _read_image(image, checks) if image is not None else None
    checks.raise_any()
    return slug, partners, upload


def _apply_programme(
    programme: Programme, details: ProgrammeDetails, slug: str, partners: list[Organisation]
) -> None:
    # No flush half-way (loading the partners would): a slug taken meanwhile is then
    # found by `_flush_programme`.
    with db.session.no_autoflush:
        programme.title = details.title.strip()
        programme.slug = slug
        programme.kind = details.kind
        programme.summary = (details.summary or "").strip()
        programme.description = (details.description or "").strip()
        programme.audience = (details.audience or "").strip()
        programme.min_age = details.min_age
        programme.max_age = details.max_age
        programme.teachers_only = details.teachers_only
        programme.home_countries = sorted(set(details.home_countries))
        programme.language = details.language
        programme.is_online = details.is_online
        programme.country = None if details.is_online else details.country
        programme.city = None if details.is_online else details.city.strip()
        programme.partners = partners
        if details.signatory is not None:
            programme.signatory_name = _text_or_none(details.signatory.name)
            programme.signatory_title = _text_or_none(details.signatory.title)


def _flush_programme() -> None:
    """Flush; a slug taken meanwhile by someone else is reported like any other."""
    try:
        db.session.flush()
    except IntegrityError as error:
        raise refusal("slug_taken") from error


def create_programme(
    creator: User, details: ProgrammeDetails, image: IO[bytes] | bytes | None = None
) -> Programme:
    """A new draft programme, with its creator as the team's lead."""
    if not may_create_programmes(creator):
        raise refusal("not_allowed")
    slug, partners, upload = _checked_programme(details, None, image)
    programme = Programme(status=ProgrammeStatus.DRAFT)
    _apply_programme(programme, details, slug, partners)
    programme.image = images.save(*upload) if upload else None
    images.delete_after_rollback(programme.image)
    programme.members.append(ProgrammeMember(user=creator, role=TeamRole.LEAD))
    db.session.add(programme)
    _flush_programme()
    return programme


def update_programme(
    programme: Programme,
    details: ProgrammeDetails,
    image: IO[bytes] | bytes | None = None,
    remove_image: bool = False,
) -> Programme:
    """Change what the programme says. A new image replaces the old; the old file goes
    once the change is committed (and the new one if it is rolled back)."""
    slug, partners, upload = _checked_programme(details, programme, image)
    _apply_programme(programme, details, slug, partners)
    old_image = programme.image
    if upload:
        programme.image = images.save(*upload)
        images.delete_after_rollback(programme.image)
    elif remove_image:
        programme.image = None
    if programme.image != old_image:
        images.delete_after_commit(old_image)
    _flush_programme()
    return programme


def set_status(programme: Programme, status: ProgrammeStatus) -> Programme:
    """Publish, archive, or bring back to draft; publishing needs a title and summary."""
    if not rules.may_change_status(programme.status, status):
        raise refusal("status_change_refused")
    if status == ProgrammeStatus.PUBLISHED and rules.missing_for_publishing(programme):
        raise refusal("status_change_refused", _l("Add a title and a summary before publishing."))
    programme.status = status
    db.session.flush()
    return programme


# Team ---------------------------------------------------------------------------------


def _lock_team(programme: Programme) -> None:
    """Serialise team changes of one programme, so that two leads demoting each other
    cannot leave none."""
    lock_row(Programme, programme.id)


def _other_leads(member: ProgrammeMember) -> int:
    return db.session.scalar(
        select(func.count(ProgrammeMember.id)).where(
            ProgrammeMember.programme_id == member.programme_id,
            ProgrammeMember.role == TeamRole.LEAD,
            ProgrammeMember.id != member.id,
        )
    )


def add_member(programme: Programme, email: str, role: TeamRole) -> ProgrammeMember:
    """Put an existing account on the team, found by its email."""
    user = user_by_email(email)
    if user is None:
        raise refusal("unknown_user")
    already = db.session.scalar(
        select(ProgrammeMember.id).where(
            ProgrammeMember.programme_id == programme.id, ProgrammeMember.user_id == user.id
        )
    )
    if already is not None:
        raise refusal("already_on_team")
    member = ProgrammeMember(programme=programme, user=user, role=TeamRole(role))
    db.session.add(member)
    try:
        db.session.flush()
    except IntegrityError as error:  # added by another lead at the same moment
        raise refusal("already_on_team") from error
    return member


def change_role(member: ProgrammeMember, role: TeamRole) -> ProgrammeMember:
    role = TeamRole(role)
    _lock_team(member.programme)
    if member.role == TeamRole.LEAD and role != TeamRole.LEAD and not _other_leads(member):
        raise refusal("last_lead")
    member.role = role
    db.session.flush()
    return member


def remove_member(member: ProgrammeMember) -> None:
    _lock_team(member.programme)
    if member.role == TeamRole.LEAD and not _other_leads(member):
        raise refusal(
            "last_lead",
            _l(
                "%(name)s is the only lead. Make someone else lead before removing them.",
                name=member.user.name,
            ),
        )
    db.session.delete(member)
    db.session.flush()


# Cohorts ------------------------------------------------------------------------------


@dataclass
class CohortDetails:
    """A cohort's settings. Naive enrolment dates are wall-clock times in `timezone`."""

    name: str
    capacity: int
    timezone: str
    enrolment_mode: EnrolmentMode = EnrolmentMode.BOOKING
    enrol_opens_at: datetime | None = None
    enrol_closes_at: datetime | None = None
    #: Eligibility overrides; None keeps the programme's rule.
    min_age: int | None = None
    max_age: int | None = None
    teachers_only: bool | None = None
    home_countries: Sequence[str] | None = None
    #: Share of sessions to attend for completion, from 0 to 1.
    completion_share: Decimal = Decimal("0.75")
    cpd_hours: Decimal | None = None
    waitlist_enabled: bool = True


def _to_utc(moment: datetime | None, timezone: str) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        return rules.local_to_utc(moment, timezone)
    return moment.astimezone(UTC)


def _checked_cohort(details: CohortDetails, cohort: Cohort | None):
    """Check every rule; return the enrolment window in UTC."""
    checks = _Checks()
    checks.require(_has_text(details.name), "name", _l("Give the cohort a name."))
    checks.require(details.capacity >= 1, "capacity", _l("A cohort needs at least one seat."))
    checks.require(
        details.capacity <= MAX_CAPACITY,
        "capacity",
        _l("Enter at most %(max)d seats.", max=MAX_CAPACITY),
    )
    seats_taken = cohort.seats_taken if cohort is not None else 0
    checks.require(
        details.capacity >= seats_taken,
        "capacity",
        _seats_taken_message(seats_taken),
        "capacity_below_seats_taken",
    )
    opens = closes = None
    years_ok = all(
        [
            _check_year(checks, "enrol_opens_at", details.enrol_opens_at),
            _check_year(checks, "enrol_closes_at", details.enrol_closes_at),
        ]
    )
    if _check_timezone(checks, details.timezone) and years_ok:
        opens = _to_utc(details.enrol_opens_at, details.timezone)
        closes = _to_utc(details.enrol_closes_at, details.timezone)
    if opens and closes:
        checks.require(
            closes > opens, "enrol_closes_at", _l("Enrolment must close after it opens.")
        )
    _check_ages(checks, details.min_age, details.max_age)
    _check_countries(checks, "home_countries", details.home_countries)
    checks.require(
        Decimal(0) <= details.completion_share <= Decimal(1),
        "completion_share",
        _l("Enter a share from 0 to 100 percent."),
    )
    if details.cpd_hours is not None:
        checks.require(
            Decimal(0) <= details.cpd_hours <= MAX_CPD_HOURS,
            "cpd_hours",
            _l("Enter CPD hours from 0 to 9999.9."),
        )
    checks.raise_any()
    return opens, closes


def _apply_cohort(cohort: Cohort, details: CohortDetails, opens, closes) -> None:
    cohort.name = details.name.strip()
    cohort.capacity = details.capacity
    cohort.timezone = details.timezone
    cohort.enrolment_mode = EnrolmentMode(details.enrolment_mode)
    cohort.enrol_opens_at = opens
    cohort.enrol_closes_at = closes
    cohort.min_age = details.min_age
    cohort.max_age = details.max_age
    cohort.teachers_only = details.teachers_only
    cohort.home_countries = (
        None if details.home_countries is None else sorted(set(details.home_countries))
    )
    cohort.completion_share = details.completion_share.quantize(Decimal("0.01"))
    cohort.cpd_hours = (
        None if details.cpd_hours is None else details.cpd_hours.quantize(Decimal("0.1"))
    )
    cohort.waitlist_enabled = details.waitlist_enabled


def create_cohort(programme: Programme, details: CohortDetails) -> Cohort:
    opens, closes = _checked_cohort(details, None)
    cohort = Cohort(programme=programme)
    _apply_cohort(cohort, details, opens, closes)
    db.session.add(cohort)
    db.session.flush()
    return cohort


def _seats_taken_message(seats_taken: int):
    return _l(
        "%(taken)d seats are taken already, so capacity must be at least %(taken)d.",
        taken=seats_taken,
    )


def update_cohort(cohort: Cohort, details: CohortDetails) -> Cohort:
    """Change a cohort's settings; seats added go to its waitlist at once.

    Capacity is checked against the seats taken under the cohort's lock (the one
    enrolment takes its seats under), so the message always says how many are taken;
    the database's `seats_taken <= capacity` constraint backs it. Then
    `signals.capacity_changed` lets enrolment give any seats added to the waitlist,
    in the same transaction.
    """
    lock_row(Cohort, cohort.id)
    db.session.refresh(cohort)
    opens, closes = _checked_cohort(details, cohort)
    old_capacity = cohort.capacity
    _apply_cohort(cohort, details, opens, closes)
    try:
        db.session.flush()
    except IntegrityError as error:  # a seat was taken meanwhile
        raise refusal("capacity_below_seats_taken") from error
    if cohort.capacity != old_capacity:
        record("capacity", cohort_id=cohort.id, old=old_capacity, new=cohort.capacity)
        signals.capacity_changed.send(cohort)
    return cohort


# Application questions ----------------------------------------------------------------

MAX_PROMPT = 300
MAX_CHOICE = 200
MAX_CHOICES = 20


@dataclass
class QuestionDetails:
    """A question of a cohort's own that applicants answer."""

    prompt: str
    kind: QuestionKind
    required: bool = True
    #: The options of a choice question, in order; ignored for other kinds.
    choices: Sequence[str] = ()


def _clean_choices(choices: Sequence[str]) -> list[str]:
    """Trimmed, without blanks or repeats, in the order given."""
    cleaned = (choice.strip() for choice in choices)
    return list(dict.fromkeys(choice for choice in cleaned if choice))


def _checked_question(details: QuestionDetails) -> list[str]:
    """Check every rule; return the choices to store."""
    checks = _Checks()
    checks.require(_has_text(details.prompt), "prompt", _l("Write the question."))
    checks.require(
        len((details.prompt or "").strip()) <= MAX_PROMPT,
        "prompt",
        _l("Keep the question to %(max)d characters.", max=MAX_PROMPT),
    )
    if QuestionKind(details.kind) != QuestionKind.CHOICE:
        checks.raise_any()
        return []
    choices = _clean_choices(details.choices)
    checks.require(len(choices) >= 2, "choices", _l("Give at least two choices, one per line."))
    checks.require(
        len(choices) <= MAX_CHOICES,
        "choices",
        _l("Give at most %(max)d choices.", max=MAX_CHOICES),
    )
    checks.require(
        all(len(choice) <= MAX_CHOICE for choice in choices),
        "choices",
        _l("Keep each choice to %(max)d characters.", max=MAX_CHOICE),
    )
    checks.raise_any()
    return choices


def _apply_question(question: CohortQuestion, details: QuestionDetails, choices) -> None:
    question.prompt = details.prompt.strip()
    question.kind = QuestionKind(details.kind)
    question.required = bool(details.required)
    question.choices = choices


def _renumber(questions: Sequence[CohortQuestion]) -> None:
    for position, question in enumerate(questions):
        question.position = position


def add_question(cohort: Cohort, details: QuestionDetails) -> CohortQuestion:
    """Add a question after the cohort's others."""
    choices = _checked_question(details)
    questions = questions_of(cohort)
    question = CohortQuestion(cohort_id=cohort.id)
    _apply_question(question, details, choices)
    _renumber([*questions, question])
    db.session.add(question)
    db.session.flush()
    return question


def update_question(question: CohortQuestion, details: QuestionDetails) -> CohortQuestion:
    """Change a question. Answers given already are kept as they were written."""
    choices = _checked_question(details)
    _apply_question(question, details, choices)
    db.session.flush()
    return question


def remove_question(question: CohortQuestion) -> None:
    """Remove a question; answers given to it stay with the applications."""
    cohort_id = question.cohort_id
    db.session.delete(question)
    db.session.flush()
    _renumber(questions_of(db.session.get(Cohort, cohort_id)))
    db.session.flush()


def move_question(question: CohortQuestion, offset: int) -> None:
    """Move a question up (-1) or down (+1) among its cohort's; at either end, nothing moves."""
    questions = questions_of(db.session.get(Cohort, question.cohort_id))
    index = questions.index(question)
    target = index + offset
    if 0 <= target < len(questions):
        questions[index], questions[target] = questions[target], questions[index]
    _renumber(questions)
    db.session.flush()


# Sessions -----------------------------------------------------------------------------


@dataclass
class SessionDetails:
    """One meeting: a day, start and end as wall-clock times where it happens."""

    day: date
    starts: time
    ends: time
    timezone: str
    title: str = ""
    venue: str | None = None
    online_url: str | None = None


def _check_place_and_time(
    checks: _Checks,
    starts: time,
    ends: time,
    timezone: str,
    venue: str | None,
    online_url: str | None,
) -> None:
    """The rules every session follows, alone or repeated."""
    checks.require(ends > starts, "ends", _l("The session must end after it starts."))
    _check_timezone(checks, timezone)
    checks.require(
        _has_text(venue) or _has_text(online_url),
        "venue",
        _l("Give a venue, an online link, or both."),
    )
    _check_web_url(checks, "online_url", online_url)


def _fill_session(
    session: CohortSession,
    starts_at: datetime,
    ends_at: datetime,
    timezone: str,
    title: str | None,
    venue: str | None,
    online_url: str | None,
) -> None:
    session.starts_at, session.ends_at = starts_at, ends_at
    session.timezone = timezone
    session.title = (title or "").strip()
    session.venue = (venue or "").strip() or None
    session.online_url = (online_url or "").strip() or None


def _apply_session(session: CohortSession, details: SessionDetails) -> None:
    ((starts_at, ends_at),) = rules.weekly_occurrences(
        details.day, details.starts, details.ends, details.timezone, count=1
    )
    _fill_session(
        session,
        starts_at,
        ends_at,
        details.timezone,
        details.title,
        details.venue,
        details.online_url,
    )


def _checked_session(details: SessionDetails) -> None:
    checks = _Checks()
    _check_year(checks, "day", details.day)
    _check_place_and_time(
        checks, details.starts, details.ends, details.timezone, details.venue, details.online_url
    )
    checks.raise_any()


def add_session(cohort: Cohort, details: SessionDetails) -> CohortSession:
    _checked_session(details)
    session = CohortSession(cohort=cohort)
    _apply_session(session, details)
    db.session.add(session)
    db.session.flush()
    return session


def update_session(session: CohortSession, details: SessionDetails) -> CohortSession:
    _checked_session(details)
    _apply_session(session, details)
    db.session.flush()
    return session


def delete_session(session: CohortSession) -> None:
    db.session.delete(session)
    db.session.flush()


def add_weekly_sessions(
    cohort: Cohort,
    first_day: date,
    start_time: time,
    end_time: time,
    timezone: str,
    count: int,
    every_weeks: int = 1,
    venue: str | None = None,
    online_url: str | None = None,
    title: str = "",
) -> list[CohortSession]:
    """Several sessions in one go ("every Saturday 10:00-12:00 for 6 weeks"), each at
    the same local time, across daylight-saving changes."""
    checks = _Checks()
    checks.require(
        1 <= count <= rules.MAX_REPEATS,
        "count",
        _l("Enter a number of sessions from 1 to %(max)d.", max=rules.MAX_REPEATS),
    )
    checks.require(
        1 <= every_weeks <= MAX_EVERY_WEEKS,
        "every_weeks",
        _l("Enter a number of weeks from 1 to %(max)d.", max=MAX_EVERY_WEEKS),
    )
    _check_year(checks, "first_day", first_day)
    _check_place_and_time(checks, start_time, end_time, timezone, venue, online_url)
    checks.raise_any()
    occurrences = rules.weekly_occurrences(
        first_day, start_time, end_time, timezone, count, every_weeks
    )
    sessions = []
    for starts_at, ends_at in occurrences:
        session = CohortSession(cohort=cohort)
        _fill_session(session, starts_at, ends_at, timezone, title, venue, online_url)
        sessions.append(session)
    db.session.add_all(sessions)
    db.session.flush()
    return sessions


# Organisations ------------------------------------------------------------------------


def _checked_organisation(
    name: str, country: str, website: str | None, organisation: Organisation | None
) -> None:
    checks = _Checks()
    checks.require(_has_text(name), "name", _l("Enter the organisation's name."))
    if _has_text(name):
        statement = select(Organisation.id).where(
            func.lower(Organisation.name) == name.strip().lower()
        )
        if organisation is not None:
            statement = statement.where(Organisation.id != organisation.id)
        checks.require(db.session.scalar(statement) is None, "name", code="organisation_name_taken")
    checks.require(country in country_codes(), "country", _l("Choose a country from the list."))
    _check_web_url(checks, "website", website)
    checks.raise_any()


def _save_organisation(
    organisation: Organisation, name: str, country: str, website: str | None
) -> Organisation:
    organisation.name = name.strip()
    organisation.country = country
    organisation.website = (website or "").strip() or None
    db.session.add(organisation)
    try:
        db.session.flush()
    except IntegrityError as error:  # the same name saved by someone else meanwhile
        raise refusal("organisation_name_taken") from error
    return organisation


def create_organisation(name: str, country: str, website: str | None = None) -> Organisation:
    _checked_organisation(name, country, website, None)
    return _save_organisation(Organisation(), name, country, website)


def update_organisation(
    organisation: Organisation, name: str, country: str, website: str | None = None
) -> Organisation:
    _checked_organisation(name, country, website, organisation)
    return _save_organisation(organisation, name, country, website)
