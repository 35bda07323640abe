"""Enrolment changes beyond the lifecycle's state machine: the household, teacher
details, booking and applying from a form, and the team's review (scores, comments,
decisions, cancelling and moving places).

Each function flushes its change and the caller commits (`app.core.transaction`);
refusals are `Refusal`s whose messages stand next to the fields they are about."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.core.actions import record
from app.core.db import utcnow
from app.core.refusal import Refusal
from app.enrolment import lifecycle
from app.enrolment.models import (
    Attendee,
    Enrolment,
    EnrolmentStatus,
    HouseholdMember,
    PersonKind,
    ReviewComment,
)
from app.enrolment.queries import (
    SCORES,
    _place_title,
    active_places,
    already_booked,
    home_countries_text,
    move_targets,
    people_notes,
    waitlist_position,
)
from app.enrolment.rules import (
    ACCEPT,
    ANSWER_MAX_LENGTH,
    MAX_INSTITUTION_LENGTH,
    ME,
    REJECT,
    STATEMENT_MAX_LENGTH,
    STATEMENT_MIN_LENGTH,
    WAITLIST,
    BookingDetails,
    MemberDetails,
    Party,
    TeacherDetails,
    answer_field,
    booking_problems,
    member_problems,
    person_key,
)
from app.enrolment.words import STUDY_LEVEL_LABELS, YES_NO_LABELS
from app.extensions import db
from app.programmes import rules
from app.programmes.models import Cohort, CohortQuestion, QuestionKind

S = EnrolmentStatus


def _member_has_places(member: HouseholdMember, places: list[Enrolment]) -> Refusal:
    """Like "already_enrolled": the person is in an active booking or application."""
    return Refusal(
        "member_has_places",
        _(
            "%(name)s has a place or a request in %(cohorts)s. Cancel it first, "
            "then remove %(name)s.",
            name=member.name,
            cohorts=", ".join(_place_title(place) for place in places),
        ),
    )


def _booking_refused(
    code: str, errors: dict[str, str], people: dict[str, list[str]] | None = None
) -> Refusal:
    """A booking the rules refuse.

    `errors` maps field names ("" for the booking as a whole) to messages;
    `people` maps the choices of who comes (`ME` or a member id as a string) to
    the reasons that person cannot come, shown next to their name.
    """
    return Refusal(code, errors=errors, detail={"people": people or {}})


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
        raise Refusal("member_invalid", errors=problems)
    member = HouseholdMember(owner_id=user.id)
    _fill_member(member, details)
    db.session.add(member)
    db.session.flush()
    return member


def update_member(member: HouseholdMember, details: MemberDetails) -> HouseholdMember:
    """Save new details. Names already on bookings stay as booked (registers keep them)."""
    if problems := member_problems(details):
        raise Refusal("member_invalid", errors=problems)
    if details.kind != member.kind and active_places(member):
        # A child turned "adult" could otherwise take a family booking's adult place.
        message = _("This cannot change while %(name)s has a place or a request.", name=member.name)
        raise Refusal("member_kind_locked", message, field="kind")
    _fill_member(member, details)
    db.session.flush()
    return member


def remove_member(member: HouseholdMember) -> None:
    """Remove someone from the household, unless an active enrolment includes them.

    Past and cancelled places keep the name they were booked under, so the
    registers and certificates of past cohorts still read right.
    """
    if places := active_places(member):
        raise _member_has_places(member, places)
    try:
        # A savepoint survives the IntegrityError, so the places can still be read.
        with db.session.begin_nested():
            db.session.execute(
                update(Attendee)
                .where(Attendee.household_member_id == member.id)
                .values(household_member_id=None)
                .execution_options(synchronize_session=False)
            )
            db.session.delete(member)
            db.session.flush()
    except IntegrityError as error:  # booked in the very moment: the new place wins
        raise _member_has_places(member, active_places(member)) from error


def _fill_teacher_details(user: User, details: TeacherDetails) -> None:
    user.school_name = details.school_name
    user.school_phase = details.school_phase
    user.school_subject = details.school_subject
    user.professional_ref = details.professional_ref


def save_teacher_details(user: User, details: TeacherDetails) -> None:
    _fill_teacher_details(user, details)
    db.session.flush()


def _own_members(household: list[HouseholdMember], ids: tuple[int, ...]) -> list[HouseholdMember]:
    by_id = {member.id: member for member in household}
    if not by_id.keys() >= set(ids):
        raise Refusal("not_household", _("Choose people from your household."), field="people")
    return [by_id[member_id] for member_id in sorted(set(ids))]


def book_place(
    user: User, cohort: Cohort, details: BookingDetails, household: list[HouseholdMember]
) -> Enrolment:
    """Book the chosen people into a booking-mode cohort (confirmed, or waitlisted as one
    unit); a teacher's school details are saved to their profile in the same commit.

    `household` is the user's household (`queries.household`) that the form offered:
    the chosen members are taken from it, without reading them again.
    Raises a `Refusal` with every reason next to its field, and `people`: by person.
    """
    members = _own_members(household, details.member_ids)
    party = Party(members=tuple(members), account_holder=details.account_holder)
    chosen = {person_key(member) for member in members} | ({ME} if party.account_holder else set())
    if problems := booking_problems(cohort.programme, party, details):
        # Everything at once: who may come together, and who cannot come at all.
        people = _notes_of(cohort, user, members, chosen)
        if people:
            problems.setdefault("people", _not_everyone())
        raise _booking_refused("party_not_allowed", problems, people)
    try:
        if details.teacher is not None:
            _fill_teacher_details(user, details.teacher)  # committed with the booking
        return lifecycle.book(
            user,
            cohort,
            party,
            emergency_contact_name=details.emergency_contact_name,
            emergency_contact_phone=details.emergency_contact_phone,
            photo_consent=details.photo_consent,
            authorised_collectors=details.authorised_collectors,
        )
    except Refusal as refusal:
        if refusal.code == "not_eligible":
            raise _explain(refusal, cohort, user, members, chosen, details) from refusal
        if refusal.code == "already_enrolled":
            booked = already_booked(cohort, user, members) & chosen
            reason = _("Already has a place or a request in this cohort.")
            raise _booking_refused(
                refusal.code, {"people": refusal.message}, {key: [reason] for key in booked}
            ) from refusal
        raise _booking_refused(refusal.code, {"": refusal.message}) from refusal


def _not_everyone() -> str:
    return _("Not everyone you chose can take part: see the reason by each name.")


def _notes_of(cohort, user, members, chosen: set[str]) -> dict[str, list[str]]:
    """`people_notes` of the people chosen."""
    notes = people_notes(cohort, user, members)
    return {key: reasons for key, reasons in notes.items() if key in chosen}


def _explain(refusal, cohort, user, members, chosen, details) -> Refusal:
    """Each reason next to the person it is about; the account's own next to the school."""
    people = _notes_of(cohort, user, members, chosen)
    per_person = {reason for reasons in people.values() for reason in reasons}
    general = [reason for reason in refusal.detail["reasons"] if reason not in per_person]
    errors = {}
    if people:
        errors["people"] = _not_everyone()
    if general:
        errors["school_name" if details.teacher is not None else ""] = " ".join(general)
    return _booking_refused(refusal.code, errors, people)


def booked_message(enrolment: Enrolment) -> str:
    if enrolment.status == S.WAITLISTED:
        return _(
            "You are on the waitlist, number %(position)d in line. If seats free up for "
            "your whole party, your place is confirmed and we will email you.",
            position=waitlist_position(enrolment),
        )
    return _("Confirmed: your place is booked. We have emailed you the details.")


def cancel_place(enrolment: Enrolment, user: User, reason: str | None) -> Enrolment:
    """Cancel the user's own place; freed seats go to the waitlist at once."""
    return lifecycle.cancel(enrolment, by=user, reason=reason)


def answer_offer(enrolment: Enrolment, *, accept: bool) -> Enrolment:
    if accept:
        return lifecycle.accept_offer(enrolment)
    return lifecycle.decline_offer(enrolment)


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
    if details.home_country:
        require(
            rules.eligibility(cohort).accepts_country(details.home_country),
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
        raise Refusal("application_invalid", errors=problems)
    return lifecycle.save_application(user, cohort, details, submit=submit)


MAX_COMMENT_LENGTH = 4000
MAX_MESSAGE_LENGTH = 4000
MAX_REASON_LENGTH = 1000


# Scores and comments -------------------------------------------------------------------


def set_score(enrolment: Enrolment, score: int | None) -> Enrolment:
    """The team's score from 1 to 5, or None to clear it."""
    if score is not None and score not in SCORES:
        raise Refusal("score_invalid", _l("Choose a score from 1 to 5."), field="score")
    if score != enrolment.score:
        record(
            "score",
            cohort_id=enrolment.cohort_id,
            enrolment_id=enrolment.id,
            old=enrolment.score,
            new=score,
        )
    enrolment.score = score
    db.session.flush()
    return enrolment


def add_comment(enrolment: Enrolment, author: User, body: str | None) -> ReviewComment:
    """A note for the team; the applicant never sees it."""
    body = (body or "").strip()
    if not body:
        raise Refusal("comment_empty", _l("Write a comment."), field="body")
    if len(body) > MAX_COMMENT_LENGTH:
        raise Refusal(
            "comment_too_long",
            _l("Keep a comment to %(max)d characters.", max=MAX_COMMENT_LENGTH),
            field="body",
        )
    comment = ReviewComment(enrolment=enrolment, author=author, body=body)
    db.session.add(comment)
    db.session.flush()
    return comment


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
        raise Refusal("none_chosen", _l("Choose at least one application."), field="enrolment_ids")
    try:
        # A savepoint: the seats of offers made before the cohort ran out are given
        # back at once, so that the message counts the seats that are really free.
        with db.session.begin_nested():
            return _decide(cohort, enrolments, decision, now)
    except Refusal as refusal:
        if refusal.code == "cohort_full":
            raise Refusal(refusal.code, _not_enough_seats(cohort, enrolments)) from refusal
        if refusal.code == "invalid_transition":
            message = _cannot_change(enrolments, decision.action)
            raise Refusal(refusal.code, message) from refusal
        raise


def _decide(
    cohort: Cohort, enrolments: list[Enrolment], decision: Decision, now: datetime
) -> list[Enrolment]:
    if decision.action == ACCEPT:
        if decision.offer_deadline is None:
            raise Refusal(
                "deadline_missing",
                _l("Give the date and time to answer by."),
                field="offer_deadline",
            )
        deadline = rules.local_to_utc(decision.offer_deadline, cohort.timezone)
        return lifecycle.make_offers(enrolments, deadline=deadline, now=now)
    if decision.action == WAITLIST:
        return lifecycle.waitlist_applications(enrolments, now=now)
    if decision.action == REJECT:
        message = (decision.message or "").strip()
        if not message:
            raise Refusal(
                "message_empty",
                _l("Write the message the applicants will receive."),
                field="message",
            )
        if len(message) > MAX_MESSAGE_LENGTH:
            raise Refusal(
                "message_too_long",
                _l("Keep the message to %(max)d characters.", max=MAX_MESSAGE_LENGTH),
                field="message",
            )
        return lifecycle.reject_applications(enrolments, message=message, now=now)
    raise Refusal("action_invalid", _l("Choose what to do with the applications."), field="action")


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


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Refusal(
            "reason_missing", _l("Give a reason: it is sent to the participant."), field="reason"
        )
    if len(reason) > MAX_REASON_LENGTH:
        raise Refusal(
            "reason_too_long",
            _l("Keep the reason to %(max)d characters.", max=MAX_REASON_LENGTH),
            field="reason",
        )
    return reason


def cancel_place_for_team(enrolment: Enrolment, *, by: User, reason: str | None) -> Enrolment:
    """Cancel a place for the team, with a reason the participant is emailed."""
    reason = _reason(reason)
    return lifecycle.cancel(enrolment, by=by, reason=reason)


def move_place(
    enrolment: Enrolment, target: Cohort | None, *, by: User, reason: str | None
) -> Enrolment:
    """Move a place to another cohort of the programme, with a reason the participant is
    emailed. The new place is confirmed, or waitlisted when the target is full."""
    if target is None or target not in move_targets(enrolment):
        raise Refusal(
            "target_invalid",
            _l("Choose a cohort of this programme from the list."),
            field="target",
        )
    reason = _reason(reason)
    return lifecycle.move(enrolment, target, by=by, reason=reason)
