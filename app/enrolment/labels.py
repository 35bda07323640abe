"""Words for enrolments and applications, in one place for every page and email.

States, levels and question kinds are stored as English identifiers; people see
these translatable labels instead.
"""

from flask_babel import lazy_gettext as _l

from app.models import EnrolmentStatus, QuestionKind

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

QUESTION_KIND_LABELS = {
    QuestionKind.TEXT: _l("Text answer"),
    QuestionKind.CHOICE: _l("One of several choices"),
    QuestionKind.YES_NO: _l("Yes or no"),
}

#: How a yes/no answer is stored, and read.
YES_NO_LABELS = {"yes": _l("Yes"), "no": _l("No")}


def enrolment_status_label(status: EnrolmentStatus | str) -> str:
    return str(ENROLMENT_STATUS_LABELS.get(status, status))


def study_level_label(level: str | None) -> str:
    return str(STUDY_LEVEL_LABELS.get(level, level or ""))


def question_kind_label(kind: QuestionKind | str) -> str:
    return str(QUESTION_KIND_LABELS.get(kind, kind))
