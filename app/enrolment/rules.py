"""Enrolment rules as plain functions: who may come together, what a booking or an
application must hold, which decisions apply to an application in which state."""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from app.accounts.models import User
from app.core.db import utcnow
from app.enrolment.models import Enrolment, EnrolmentStatus, HouseholdMember, PersonKind
from app.programmes import rules
from app.programmes.models import Cohort, CohortQuestion, Programme, ProgrammeKind
from app.programmes.words import age_range_text

S = EnrolmentStatus


@dataclass(frozen=True)
class Party:
    """The people one enrolment is for: household members and/or the account holder."""

    members: tuple[HouseholdMember, ...] = ()
    account_holder: bool = False

    @property
    def size(self) -> int:
        return len(self.members) + int(self.account_holder)


def eligibility_problems(cohort: Cohort, user: User, party: Party) -> list[str]:
    """Why each person does not fit the cohort, in words; empty when everyone does."""
    rules_ = rules.eligibility(cohort)
    problems = []
    if rules_.teachers_only and not user.has_school_details:
        problems.append(_("This cohort is for teachers: add your school and phase to enrol."))
    dates = rules.cohort_dates(cohort)
    first_day = dates[0].date() if dates else utcnow().date()
    for member in party.members:
        if member.is_child and rules_.has_age_limit:
            if member.date_of_birth is None:
                problems.append(_("%(name)s needs a date of birth.", name=member.name))
                continue
            age = rules.age_on(member.date_of_birth, first_day)
            if not rules.age_fits(age, rules_):
                problems.append(
                    _(
                        "%(name)s will be %(age)d on the first day, outside this cohort's "
                        "age range (%(ages)s).",
                        name=member.name,
                        age=age,
                        ages=age_range_text(rules_),
                    )
                )
    return problems


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


# Booking -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeacherDetails:
    school_name: str | None = None
    school_phase: str | None = None
    school_subject: str | None = None
    professional_ref: str | None = None


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


# Teacher details -----------------------------------------------------------------------


#: The choice that stands for the account holder among the household's members.
ME = "me"
#: The oldest date of birth taken as real (and the youngest age a guardian is).
MAX_AGE_YEARS = 120


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


def has_ticket(enrolment: Enrolment) -> bool:
    """Only a confirmed place is shown at the door."""
    return enrolment.status == S.CONFIRMED


def shows_online_links(enrolment: Enrolment) -> bool:
    """Joining links of online sessions are for people with a confirmed place."""
    return enrolment.status in {S.CONFIRMED, S.COMPLETED}


# Applications ----------------------------------------------------------------------------

#: Length of a personal statement, in characters, for a submitted application.
STATEMENT_MIN_LENGTH = 200
STATEMENT_MAX_LENGTH = 4000
#: Longest answer to a cohort's own text question.
ANSWER_MAX_LENGTH = 2000
MAX_INSTITUTION_LENGTH = 200


def answer_field(question: CohortQuestion) -> str:
    """The form field, and error key, of the answer to `question`."""
    return f"answer_{question.id}"


#: Every change of state the lifecycle makes, and the states it may start from. The
#: lifecycle refuses any other ("invalid_transition"); the review queue offers exactly
#: the decisions these allow.
TRANSITIONS: dict[str, frozenset[EnrolmentStatus]] = {
    "offer": frozenset({S.SUBMITTED, S.WAITLISTED}),
    "waitlist": frozenset({S.SUBMITTED}),
    "reject": frozenset({S.SUBMITTED, S.WAITLISTED}),
    "accept_offer": frozenset({S.OFFERED}),
    "decline_offer": frozenset({S.OFFERED}),
    "expire": frozenset({S.OFFERED}),
    "cancel": S.ACTIVE,
    "move": frozenset({S.CONFIRMED, S.WAITLISTED}),
    "complete": frozenset({S.CONFIRMED}),
}

#: The decisions the team makes in the review queue (form values), and the
#: transition each one is.
ACCEPT, WAITLIST, REJECT = "accept", "waitlist", "reject"
DECISIONS = {ACCEPT: "offer", WAITLIST: "waitlist", REJECT: "reject"}


def may(transition: str, status: EnrolmentStatus) -> bool:
    """Does the lifecycle allow `transition` from `status`?"""
    return status in TRANSITIONS[transition]


def possible_actions(enrolment: Enrolment) -> set[str]:
    """The decisions the team can still make about one application."""
    return {
        decision for decision, transition in DECISIONS.items() if may(transition, enrolment.status)
    }
