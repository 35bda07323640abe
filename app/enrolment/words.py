"""Enrolment as people read it: place states for participants and for the team, calls
to action, cancel questions, and the action log's verbs."""

from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.actions import action_verbs
from app.core.i18n import N_
from app.core.templating import template_helpers
from app.enrolment.models import Enrolment, EnrolmentStatus, PersonKind
from app.enrolment.rules import asks_for_school, has_ticket, shows_online_links
from app.programmes.models import Cohort, EnrolmentMode, Programme, ProgrammeKind
from app.programmes.rules import EnrolmentState
from app.programmes.words import format_moment

S = EnrolmentStatus


ENROLMENT_STATUS_LABELS = {
    S.DRAFT: _l("Draft"),
    S.SUBMITTED: _l("Submitted"),
    S.OFFERED: _l("Offered"),
    S.CONFIRMED: _l("Confirmed"),
    S.WAITLISTED: _l("Waitlisted"),
    S.DECLINED: _l("Offer declined"),
    S.EXPIRED: _l("Offer expired"),
    S.REJECTED: _l("Rejected"),
    S.CANCELLED: _l("Cancelled"),
    S.COMPLETED: _l("Completed"),
}

#: Levels of study an applicant chooses from (stored as the key).
STUDY_LEVEL_LABELS = {
    "undergraduate": _l("Undergraduate"),
    "masters": _l("Master's"),
    "doctoral": _l("Doctoral"),
    "other": _l("Other"),
}

#: How a yes/no answer is stored, and read.
YES_NO_LABELS = {"yes": _l("Yes"), "no": _l("No")}


def enrolment_status_label(status: EnrolmentStatus | str) -> str:
    return str(ENROLMENT_STATUS_LABELS.get(status, status))


def study_level_label(level: str | None) -> str:
    return str(STUDY_LEVEL_LABELS.get(level, level or ""))


#: An enrolment's state as its holder reads it (organisers see `labels.ENROLMENT_STATUS_LABELS`).
PLACE_STATUS_LABELS = {
    S.DRAFT: _l("Application not sent yet"),
    S.SUBMITTED: _l("Application sent"),
    S.OFFERED: _l("Offer waiting for your answer"),
    S.CONFIRMED: _l("Confirmed"),
    S.WAITLISTED: _l("On the waitlist"),
    S.DECLINED: _l("Offer declined"),
    S.EXPIRED: _l("Offer expired"),
    S.REJECTED: _l("Not offered a place"),
    S.CANCELLED: _l("Cancelled"),
    S.COMPLETED: _l("Completed"),
}

PERSON_KIND_LABELS = {PersonKind.CHILD: _l("Child"), PersonKind.ADULT: _l("Adult")}

#: Stored in `User.school_phase`; the labels are what people see.
SCHOOL_PHASES = {
    "early_years": _l("Early years"),
    "primary": _l("Primary"),
    "secondary": _l("Secondary"),
    "all_through": _l("All-through (primary and secondary)"),
    "post_16": _l("Sixth form or college (16 to 19)"),
    "special": _l("Special school"),
    "higher": _l("University or higher education"),
    "other": _l("Other"),
}

#: "3rd in line": one message per CLDR ordinal category, so that each language
#: words its own ordinals (English has four; Spanish and Chinese need only "other").
_IN_LINE = {
    "one": N_("%(num)dst in line"),
    "two": N_("%(num)dnd in line"),
    "few": N_("%(num)drd in line"),
    "other": N_("%(num)dth in line"),
}

#: Programme kinds whose participants "book"; the others "enrol".
_BOOKING_KINDS = {ProgrammeKind.FAMILY_WORKSHOP, ProgrammeKind.TASTER, ProgrammeKind.COMMUNITY}


def place_status_label(status: EnrolmentStatus) -> str:
    return str(PLACE_STATUS_LABELS.get(status, status))


def person_kind_label(kind: PersonKind) -> str:
    return str(PERSON_KIND_LABELS.get(kind, kind))


def school_phase_label(phase: str | None) -> str:
    return str(SCHOOL_PHASES.get(phase, phase or ""))


def place_in_line(position: int) -> str:
    """The position as an ordinal: "3rd in line" in English, as each language words it."""
    category = get_locale().ordinal_form(position)
    return _(_IN_LINE.get(category, _IN_LINE["other"]), num=position)


def seat_count(count: int) -> str:
    return ngettext("%(num)d seat", "%(num)d seats", count)


def seat_count_labels(most: int) -> list[str]:
    """The seat counts from "0 seats" up to `most`, for the booking form's live count."""
    return [seat_count(n) for n in range(most + 1)]


def party_names(enrolment: Enrolment) -> str:
    return ", ".join(attendee.name for attendee in enrolment.attendees)


def cancel_question(enrolment: Enrolment) -> str:
    """The question the cancel page asks, in the words of the enrolment's state."""
    if enrolment.status in {S.DRAFT, S.SUBMITTED}:
        return _("Withdraw your application?")
    if enrolment.status == S.WAITLISTED:
        return ngettext(
            "Leave the waitlist (%(num)d person)?",
            "Leave the waitlist (%(num)d people)?",
            enrolment.seats,
        )
    return ngettext(
        "Cancel your place for %(num)d person?",
        "Cancel your place for %(num)d people?",
        enrolment.seats,
    )


def cancel_label(enrolment: Enrolment) -> str:
    """The words of the cancel button."""
    if enrolment.status in {S.DRAFT, S.SUBMITTED}:
        return _("Withdraw the application")
    if enrolment.status == S.WAITLISTED:
        return _("Leave the waitlist")
    return _("Cancel the place")


def cancelled_message(status_before: EnrolmentStatus) -> str:
    if status_before in {S.DRAFT, S.SUBMITTED}:
        return _("Your application is withdrawn.")
    if status_before == S.WAITLISTED:
        return _("You have left the waitlist.")
    return _("Your place is cancelled. Thank you for letting us know: it goes to the next in line.")


@dataclass(frozen=True)
class CohortAction:
    """What the viewer can do about a cohort, for the programme page."""

    #: The viewer's own active place, in words ("You are booked"), and its page.
    yours: str | None = None
    yours_url: str | None = None
    #: The button ("Book", "Join the waitlist", "Apply"); None when there is nothing to do.
    label: str | None = None
    url: str | None = None


_YOURS = {
    S.CONFIRMED: _l("You are booked"),
    S.WAITLISTED: _l("You are on the waitlist"),
    S.OFFERED: _l("You have an offer: please answer it"),
    S.SUBMITTED: _l("Your application is sent"),
    S.DRAFT: _l("Your application is not sent yet"),
}


def cohort_action(
    programme: Programme, cohort: Cohort, state: EnrolmentState, mine: Enrolment | None
) -> CohortAction:
    """The call to action for one upcoming cohort, given the viewer's own place in it."""
    yours = yours_url = None
    if mine is not None:
        yours = str(_YOURS.get(mine.status, place_status_label(mine.status)))
        yours_url = url_for("enrolment_participant.detail", enrolment_id=mine.id)
    if cohort.enrolment_mode == EnrolmentMode.APPLICATION:
        apply_url = url_for("enrolment_public.apply", slug=programme.slug, cohort_id=cohort.id)
        if state != EnrolmentState.OPEN:
            return CohortAction(yours, yours_url)
        if mine is None:
            return CohortAction(label=_("Apply"), url=apply_url)
        if mine.status == S.DRAFT:
            return CohortAction(yours, yours_url, _("Continue your application"), apply_url)
        return CohortAction(yours, yours_url)
    if state not in {EnrolmentState.OPEN, EnrolmentState.WAITLIST}:
        return CohortAction(yours, yours_url)
    if mine is not None and asks_for_school(cohort):
        return CohortAction(yours, yours_url)  # a teacher's one seat is taken already
    enrol_url = url_for("enrolment_public.enrol", slug=programme.slug, cohort_id=cohort.id)
    if state == EnrolmentState.WAITLIST:
        label = _("Join the waitlist") if mine is None else _("Add others to the waitlist")
    elif mine is not None:
        label = _("Book for others too")
    else:
        label = _("Book") if programme.kind in _BOOKING_KINDS else _("Enrol")
    return CohortAction(yours, yours_url, label, enrol_url)


#: Template globals of the enrolment pages.
template_helpers(
    {
        "place_status_label": place_status_label,
        "person_kind_label": person_kind_label,
        "school_phase_label": school_phase_label,
        "place_in_line": place_in_line,
        "seat_count": seat_count,
        "party_names": party_names,
        "cancel_question": cancel_question,
        "cancel_label": cancel_label,
        "cohort_action": cohort_action,
        "has_ticket": has_ticket,
        "shows_online_links": shows_online_links,
    }
)


template_helpers(
    {
        "team_status_label": enrolment_status_label,
        "study_level_label": study_level_label,
    }
)


template_helpers({"EnrolmentStatus": EnrolmentStatus})


#: The decisions enrolment records in the action log (`app.core.actions.record`).
action_verbs(
    {
        "offer": _l("Offered a place, to answer by %(deadline)s"),
        "waitlist": _l("Put on the waitlist"),
        "reject": _l("Rejected"),
        "cancel_by_participant": _l("Cancelled by the participant"),
        "cancel_by_team": _l("Cancelled by the team"),
        "move": _l("Moved from %(from_cohort)s to %(to_cohort)s"),
        "score": _l("Score changed from %(old)s to %(new)s"),
        "accept_offer": _l("Offer accepted"),
        "decline_offer": _l("Offer declined"),
        "expire_offer": _l("Offer expired unanswered"),
        "promote": _l("Given a place from the waitlist"),
    },
    shown={
        "offer": lambda detail: {
            **detail,
            "deadline": format_moment(datetime.fromisoformat(detail["deadline"])),
        },
        "score": lambda detail: {
            "old": detail["old"] or _("none"),
            "new": detail["new"] or _("none"),
        },
    },
)
