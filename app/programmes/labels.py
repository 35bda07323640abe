"""Words for the programme domain, in one place for every page and email.

Enum values are stored as English identifiers; people see these translatable
labels instead. (Names of languages and countries come from Babel, through
`app.i18n.language_name` and `app.i18n.country_name`.)
"""

from flask_babel import lazy_gettext as _l

from app.models import EnrolmentMode, ProgrammeKind, ProgrammeStatus, TeamRole
from app.programmes.rules import EnrolmentState

KIND_LABELS = {
    ProgrammeKind.FAMILY_WORKSHOP: _l("Family workshop"),
    ProgrammeKind.TEACHER_TRAINING: _l("Teacher training"),
    ProgrammeKind.SUMMER_SCHOOL: _l("Summer school"),
    ProgrammeKind.EXCHANGE_COHORT: _l("Exchange cohort"),
    ProgrammeKind.TASTER: _l("Taster course"),
    ProgrammeKind.COMMUNITY: _l("Community programme"),
}

STATUS_LABELS = {
    ProgrammeStatus.DRAFT: _l("Draft"),
    ProgrammeStatus.PUBLISHED: _l("Published"),
    ProgrammeStatus.ARCHIVED: _l("Archived"),
}

TEAM_ROLE_LABELS = {
    TeamRole.LEAD: _l("Lead"),
    TeamRole.ORGANISER: _l("Organiser"),
    TeamRole.HELPER: _l("Helper"),
}

ENROLMENT_MODE_LABELS = {
    EnrolmentMode.BOOKING: _l("Booking (first come, first served)"),
    EnrolmentMode.APPLICATION: _l("Application (reviewed, with offers)"),
}

#: Short, date-free words for an enrolment state (badges, filters, exports).
#: Sentences with dates and seat counts are built by `display.enrolment_state_text`.
ENROLMENT_STATE_LABELS = {
    EnrolmentState.NOT_OPEN_YET: _l("Not open yet"),
    EnrolmentState.OPEN: _l("Open"),
    EnrolmentState.WAITLIST: _l("Waitlist open"),
    EnrolmentState.FULL: _l("Full"),
    EnrolmentState.CLOSED: _l("Enrolment closed"),
    EnrolmentState.FINISHED: _l("Finished"),
}


def kind_label(kind: ProgrammeKind | str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def status_label(status: ProgrammeStatus | str) -> str:
    return str(STATUS_LABELS.get(status, status))


def team_role_label(role: TeamRole | str) -> str:
    return str(TEAM_ROLE_LABELS.get(role, role))
