"""Participant-side rules and changes: the household, teacher details, bookings, places.

Every object a participant's URL names is loaded through an owner check here
(`own_enrolment_or_404`, `own_member_or_404`): another account's id is a 404, as
if it did not exist. Seat accounting, eligibility and the state machine stay in
`app.enrolment.lifecycle`; this module adds the rules about who may come
together and turns the lifecycle's refusals into messages next to the fields
they are about.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.enrolment import lifecycle
from app.enrolment.labels import STUDY_LEVEL_LABELS, YES_NO_LABELS
from app.enrolment.lifecycle import AlreadyEnrolled, EnrolmentError, NotEligible, Party
from app.enrolment.queries import waitlist_position
from app.extensions import db
from app.i18n import country_name
from app.models import (
    ACTIVE_STATUSES,
    Attendee,
    Cohort,
    CohortQuestion,
    CohortSession,
    Enrolment,
    EnrolmentMode,
    EnrolmentStatus,
    HouseholdMember,
    PersonKind,
    Programme,
    ProgrammeKind,
    ProgrammeStatus,
    QuestionKind,
    User,
)
from app.models.types import MAX_INTEGER, utcnow
from app.programmes import rules
from app.programmes.display import enrolment_state_text

S = EnrolmentStatus

#: The choice that stands for the account holder among the household's members.
ME = "me"
#: The oldest date of birth taken as real (and the youngest age a guardian is).
MAX_AGE_YEARS = 120


class HouseholdError(EnrolmentError):
    """A household change the rules refuse; `errors` maps field names ("" for the
    change as a whole) to messages, for `app.forms.show_errors`."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(" ".join(str(message) for message in errors.values()))


class MemberHasPlaces(HouseholdError):
    """Like `AlreadyEnrolled`: the person is in an active booking or application."""

    def __init__(self, member: HouseholdMember, places: list[Enrolment]):
        self.places = places
        super().__init__(
            {
                "": _(
                    "%(name)s has a place or a request in %(cohorts)s. Cancel it first, "
                    "then remove %(name)s.",
                    name=member.name,
                    cohorts=", ".join(_place_title(place) for place in places),
                )
            }
        )


class BookingRefused(EnrolmentError):
    """A booking the rules refuse.

    `errors` maps field names ("" for the booking as a whole) to messages;
    `people` maps the choices of who comes (`ME` or a member id as a string) to
    the reasons that person cannot come, shown next to their name.
    """

    def __init__(self, errors: dict[str, str], people: dict[str, list[str]] | None = None):
        self.errors = errors
        self.people = people or {}
        super().__init__(" ".join(str(message) for message in errors.values()))


# Loading with an owner check -----------------------------------------------------------


def _check_id(object_id: int) -> None:
    # Ids beyond any integer column would make the database driver fail with a 500.
    if not 0 < object_id <= MAX_INTEGER:
        abort(404)


def own_enrolment_or_404(user: User, enrolment_id: int) -> Enrolment:
    """The user's own enrolment; anyone else's is 404, as if it did not exist."""
    _check_id(enrolment_id)
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.user_id != user.id:
        abort(404)
    return enrolment


def own_member_or_404(user: User, member_id: int) -> HouseholdMember:
    """A member of the user's own household; anyone else's is 404."""
    _check_id(member_id)
    member = db.session.get(HouseholdMember, member_id)
    if member is None or member.owner_id != user.id:
        abort(404)
    return member


def published_cohort_or_404(slug: str, cohort_id: int) -> Cohort:
    """A cohort with sessions of the published programme `slug`, else 404."""
    _check_id(cohort_id)
    cohort = db.session.scalar(
        select(Cohort)
        .join(Cohort.programme)
        .where(
            Cohort.id == cohort_id,
            Programme.slug == slug,
            Programme.status == ProgrammeStatus.PUBLISHED,
        )
        .options(selectinload(Cohort.sessions))
    )
    if cohort is None or not cohort.sessions:
        abort(404)
    return cohort


# The household -------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberDetails:
    kind: PersonKind
    name: str
    date_of_birth: date | None = None
    school_year: str | None = None
    medical_needs: str | None = None
    dietary_needs: str | None = None
    access_needs: str | None = None
    photo_consent: bool = False


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


def member_problems(details: MemberDetails, today: date | None = None) -> dict[str, str]:
    """What is wrong with a household member's details, by field."""
    today = today or utcnow().date()
    born = details.date_of_birth
    if details.kind == PersonKind.CHILD and born is None:
        return {"date_of_birth": _("Enter the child's date of birth: places depend on age.")}
    if born is not None and born > today:
        return {"date_of_birth": _("The date of birth cannot be in the future.")}
    if born is not None and rules.age_on(born, today) > MAX_AGE_YEARS:
        return {"date_of_birth": _("Enter a real date of birth, like 2016-05-01.")}
    return {}


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


def _fill_member(member: HouseholdMember, details: MemberDetails) -> None:
    member.kind = details.kind
    member.name = details.name
    member.date_of_birth = details.date_of_birth
    member.school_year = details.school_year if details.kind == PersonKind.CHILD else None
    member.medical_needs = details.medical_needs
    member.dietary_needs = details.dietary_needs
    member.access_needs = details.access_needs
    member.photo_consent = details.photo_consent


def add_member(user: User, details: MemberDetails) -> HouseholdMember:
    if problems := member_problems(details):
        raise HouseholdError(problems)
    member = HouseholdMember(owner_id=user.id)
    _fill_member(member, details)
    db.session.add(member)
    db.session.commit()
    return member


def update_member(member: HouseholdMember, details: MemberDetails) -> HouseholdMember:
    """Save new details. Names already on bookings stay as booked (registers keep them)."""
    if problems := member_problems(details):
        raise HouseholdError(problems)
    if details.kind != member.kind and active_places(member):
        # A child turned "adult" could otherwise take a family booking's adult place.
        message = _("This cannot change while %(name)s has a place or a request.", name=member.name)
        raise HouseholdError({"kind": message})
    _fill_member(member, details)
    db.session.commit()
    return member


def remove_member(member: HouseholdMember) -> None:
    """Remove someone from the household, unless an active enrolment includes them.

    Past and cancelled places keep the name they were booked under, so the
    registers and certificates of past cohorts still read right.
    """
    if places := active_places(member):
        raise MemberHasPlaces(member, places)
    try:
        db.session.execute(
            update(Attendee)
            .where(Attendee.household_member_id == member.id)
            .values(household_member_id=None)
            .execution_options(synchronize_session=False)
        )
        db.session.delete(member)
        db.session.commit()
    except IntegrityError as error:  # booked in the very moment: the new place wins
        db.session.rollback()
        raise MemberHasPlaces(member, active_places(member)) from error


# Teacher details -----------------------------------------------------------------------


@dataclass(frozen=True)
class TeacherDetails:
    school_name: str | None = None
    school_phase: str | None = None
    school_subject: str | None = None
    professional_ref: str | None = None


def teacher_details_of(user: User) -> TeacherDetails:
    return TeacherDetails(
        school_name=user.school_name,
        school_phase=user.school_phase,
        school_subject=user.school_subject,
        professional_ref=user.professional_ref,
    )


def _fill_teacher_details(user: User, details: TeacherDetails) -> None:
    user.school_name = details.school_name
    user.school_phase = details.school_phase
    user.school_subject = details.school_subject
    user.professional_ref = details.professional_ref


def save_teacher_details(user: User, details: TeacherDetails) -> None:
    _fill_teacher_details(user, details)
    db.session.commit()


# Booking -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BookingDetails:
    member_ids: tuple[int, ...] = ()
    account_holder: bool = False
    photo_consent: bool | None = None
    emergency_contact_name: str | None = None
    emergency_contact_phone: str | None = None
    #: Other adults, by name, who may collect the children at the end.
    authorised_collectors: tuple[str, ...] = ()
    #: Asked of teachers; saved to their profile with the booking.
    teacher: TeacherDetails | None = None


def asks_for_school(cohort: Cohort) -> bool:
    """Teacher courses (and any teachers-only cohort) book one seat for the account
    holder and ask for their school instead of the household."""
    return (
        cohort.programme.kind == ProgrammeKind.TEACHER_TRAINING
        or rules.eligibility(cohort).teachers_only
    )


def needs_an_adult(programme: Programme, party: Party) -> bool:
    """True when children would come to a family workshop without an adult of the party."""
    if programme.kind != ProgrammeKind.FAMILY_WORKSHOP:
        return False
    has_child = any(member.is_child for member in party.members)
    has_adult = party.account_holder or any(not member.is_child for member in party.members)
    return has_child and not has_adult


def booking_problems(programme: Programme, party: Party, details: BookingDetails) -> dict:
    """Who may come together, and what a booking with children needs, by field."""
    problems = {}
    if party.size == 0:
        problems["people"] = _("Choose who is coming.")
    elif needs_an_adult(programme, party):
        problems["people"] = _(
            "Children come with at least one adult: choose yourself or another adult "
            "of your household."
        )
    if any(member.is_child for member in party.members):
        if not details.emergency_contact_name:
            problems["emergency_contact_name"] = _(
                "Enter who we can call in an emergency while the children are with us."
            )
        if not details.emergency_contact_phone:
            problems["emergency_contact_phone"] = _("Enter their phone number.")
    return problems


def person_key(member: HouseholdMember | None) -> str:
    """The form value for a member, or for the account holder (None)."""
    return ME if member is None else str(member.id)


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
    about_account = set(lifecycle.eligibility_problems(cohort, user, Party()))
    notes: dict[str, list[str]] = {}
    for member in members:
        reasons = lifecycle.eligibility_problems(cohort, user, Party(members=(member,)))
        if own := [reason for reason in reasons if reason not in about_account]:
            notes[person_key(member)] = own
    for key in already_booked(cohort, user, members):
        notes.setdefault(key, []).append(_("Already has a place or a request in this cohort."))
    return notes


def _own_members(user: User, ids: tuple[int, ...]) -> list[HouseholdMember]:
    if not ids:
        return []
    members = list(
        db.session.scalars(
            select(HouseholdMember)
            .where(HouseholdMember.owner_id == user.id, HouseholdMember.id.in_(ids))
            .order_by(HouseholdMember.id)
        )
    )
    if len(members) != len(set(ids)):
        raise BookingRefused({"people": _("Choose people from your household.")})
    return members


def book_place(user: User, cohort: Cohort, details: BookingDetails) -> Enrolment:
    """Book the chosen people into a booking-mode cohort (confirmed, or waitlisted as one
    unit); a teacher's school details are saved to their profile in the same commit.

    Raises `BookingRefused` with every reason next to its field or person.
    """
    members = _own_members(user, details.member_ids)
    party = Party(members=tuple(members), account_holder=details.account_holder)
    chosen = {person_key(member) for member in members} | ({ME} if party.account_holder else set())
    if problems := booking_problems(cohort.programme, party, details):
        # Everything at once: who may come together, and who cannot come at all.
        people = _notes_of(cohort, user, members, chosen)
        if people:
            problems.setdefault("people", _not_everyone())
        raise BookingRefused(problems, people)
    try:
        if details.teacher is not None:
            _fill_teacher_details(user, details.teacher)  # committed by the booking
        return lifecycle.book(
            user,
            cohort,
            party,
            emergency_contact_name=details.emergency_contact_name,
            emergency_contact_phone=details.emergency_contact_phone,
            photo_consent=details.photo_consent,
            authorised_collectors=details.authorised_collectors,
        )
    except NotEligible as refusal:
        raise _explain(refusal, cohort, user, members, chosen, details) from refusal
    except AlreadyEnrolled as refusal:
        booked = already_booked(cohort, user, members) & chosen
        db.session.rollback()
        reason = _("Already has a place or a request in this cohort.")
        raise BookingRefused(
            {"people": str(refusal.message)}, {key: [reason] for key in booked}
        ) from refusal
    except EnrolmentError as refusal:
        db.session.rollback()
        raise BookingRefused({"": str(refusal.message)}) from refusal
    except Exception:
        db.session.rollback()
        raise


def _not_everyone() -> str:
    return _("Not everyone you chose can take part: see the reason by each name.")


def _notes_of(cohort, user, members, chosen: set[str]) -> dict[str, list[str]]:
    """`people_notes` of the people chosen."""
    notes = people_notes(cohort, user, members)
    return {key: reasons for key, reasons in notes.items() if key in chosen}


def _explain(refusal, cohort, user, members, chosen, details) -> BookingRefused:
    """Each reason next to the person it is about; the account's own next to the school."""
    people = _notes_of(cohort, user, members, chosen)
    per_person = {reason for reasons in people.values() for reason in reasons}
    general = [reason for reason in refusal.reasons if reason not in per_person]
    db.session.rollback()  # the eligibility check raised before the lifecycle's own try
    errors = {}
    if people:
        errors["people"] = _not_everyone()
    if general:
        errors["school_name" if details.teacher is not None else ""] = " ".join(general)
    return BookingRefused(errors, people)


def booked_message(enrolment: Enrolment) -> str:
    if enrolment.status == S.WAITLISTED:
        return _(
            "You are on the waitlist, number %(position)d in line. If seats free up for "
            "your whole party, your place is confirmed and we will email you.",
            position=waitlist_position(enrolment),
        )
    return _("Confirmed: your place is booked. We have emailed you the details.")


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


def has_ticket(enrolment: Enrolment) -> bool:
    """Only a confirmed place is shown at the door."""
    return enrolment.status == S.CONFIRMED


def shows_online_links(enrolment: Enrolment) -> bool:
    """Joining links of online sessions are for people with a confirmed place."""
    return enrolment.status in {S.CONFIRMED, S.COMPLETED}


def cancel_place(enrolment: Enrolment, user: User, reason: str | None) -> Enrolment:
    """Cancel the user's own place; freed seats go to the waitlist at once."""
    return lifecycle.cancel(enrolment, by=user, reason=reason)


def answer_offer(enrolment: Enrolment, *, accept: bool) -> Enrolment:
    if accept:
        return lifecycle.accept_offer(enrolment)
    return lifecycle.decline_offer(enrolment)


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


# Applications ----------------------------------------------------------------------------

#: Length of a personal statement, in characters, for a submitted application.
STATEMENT_MIN_LENGTH = 200
STATEMENT_MAX_LENGTH = 4000
#: Longest answer to a cohort's own text question.
ANSWER_MAX_LENGTH = 2000
MAX_INSTITUTION_LENGTH = 200


class ApplicationRefused(EnrolmentError):
    """An application the rules refuse to save; `errors` maps field names to messages
    ("" for the application as a whole), so that a form shows each next to its field."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(" ".join(str(message) for message in errors.values()))


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


def answer_field(question: CohortQuestion) -> str:
    """The form field, and error key, of the answer to `question`."""
    return f"answer_{question.id}"


def apply_blockers(user: User, cohort: Cohort, now: datetime | None = None) -> list[str]:
    """Why the user cannot apply to the cohort now, in words; empty when they can."""
    state = rules.enrolment_state(cohort, now or utcnow())
    if state in {
        rules.EnrolmentState.NOT_OPEN_YET,
        rules.EnrolmentState.CLOSED,
        rules.EnrolmentState.FINISHED,
    }:
        return [enrolment_state_text(cohort, state)]
    return lifecycle.eligibility_problems(cohort, user, Party(account_holder=True))


def home_countries_text(cohort: Cohort) -> str | None:
    """The countries, "Chile, Colombia, Mexico", when the cohort takes students from some only."""
    codes = rules.eligibility(cohort).home_countries
    if not codes:
        return None
    return ", ".join(sorted((country_name(code) for code in codes), key=str.casefold))


def application_problems(
    cohort: Cohort,
    details: lifecycle.ApplicationDetails,
    questions: list[CohortQuestion],
    *,
    submit: bool,
) -> dict[str, str]:
    """What keeps the application from being saved (lengths and choices) or, when
    `submit`, from being submitted (everything required, a home country that fits)."""
    problems: dict[str, str] = {}

    def require(ok: bool, field: str, message) -> None:
        if not ok and field not in problems:
            problems[field] = message

    statement = details.statement or ""
    require(
        len(details.home_institution or "") <= MAX_INSTITUTION_LENGTH,
        "home_institution",
        _l("Keep the name to %(max)d characters.", max=MAX_INSTITUTION_LENGTH),
    )
    require(
        details.study_level in {None, "", *STUDY_LEVEL_LABELS},
        "study_level",
        _l("Choose a level from the list."),
    )
    require(
        len(statement) <= STATEMENT_MAX_LENGTH,
        "statement",
        _l(
            "Your statement has %(count)d characters; shorten it to %(max)d at most.",
            count=len(statement),
            max=STATEMENT_MAX_LENGTH,
        ),
    )
    for question in questions:
        answer = details.answers.get(str(question.id)) or ""
        field_name = answer_field(question)
        if question.kind == QuestionKind.TEXT:
            require(
                len(answer) <= ANSWER_MAX_LENGTH,
                field_name,
                _l("Keep your answer to %(max)d characters.", max=ANSWER_MAX_LENGTH),
            )
        elif answer:
            allowed = question.choices if question.kind == QuestionKind.CHOICE else YES_NO_LABELS
            require(answer in allowed, field_name, _l("Choose one of the options."))
    if not submit:
        return problems
    require(bool(details.home_institution), "home_institution", _l("Name your home institution."))
    require(bool(details.home_country), "home_country", _l("Choose your home country."))
    require(bool(details.study_level), "study_level", _l("Choose your level of study."))
    require(
        len(statement) >= STATEMENT_MIN_LENGTH,
        "statement",
        _l(
            "Your statement has %(count)d characters; it needs at least %(min)d.",
            count=len(statement),
            min=STATEMENT_MIN_LENGTH,
        ),
    )
    countries = rules.eligibility(cohort).home_countries
    if details.home_country and countries:
        require(
            details.home_country in countries,
            "home_country",
            _l(
                "This cohort is for students from %(countries)s only.",
                countries=home_countries_text(cohort),
            ),
        )
    for question in questions:
        if question.required:
            require(
                bool(details.answers.get(str(question.id))),
                answer_field(question),
                _l("Answer this question to submit your application."),
            )
    return problems


def apply(
    user: User,
    cohort: Cohort,
    details: lifecycle.ApplicationDetails,
    questions: list[CohortQuestion],
    *,
    submit: bool,
) -> Enrolment:
    """Save the user's application as a draft, or submit it, once the rules allow it."""
    if problems := application_problems(cohort, details, questions, submit=submit):
        raise ApplicationRefused(problems)
    try:
        return lifecycle.save_application(user, cohort, details, submit=submit)
    except NotEligible as error:
        raise ApplicationRefused({"": " ".join(map(str, error.reasons))}) from error
    except EnrolmentError as error:
        raise ApplicationRefused({"": error.message}) from error
