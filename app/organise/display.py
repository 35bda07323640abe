"""Words and times for the organise pages, available to their templates.

Organisers see each session on the clock of the place where it happens, with that
time zone's name, since that is the time they announce and plan for.
"""

from datetime import datetime

from flask_babel import format_time
from flask_babel import gettext as _

from app.enrolment.labels import enrolment_status_label, question_kind_label, study_level_label
from app.models import Enrolment
from app.programmes.display import format_day, format_moment
from app.programmes.labels import ENROLMENT_MODE_LABELS, ENROLMENT_STATE_LABELS, team_role_label
from app.programmes.rules import utc_to_local


def local_span(start: datetime, end: datetime, timezone: str) -> str:
    """Start and end on the clock where it happens: "Sat, Oct 25, 10:00 AM-12:00 PM"."""
    local_start, local_end = utc_to_local(start, timezone), utc_to_local(end, timezone)
    if local_start.date() != local_end.date():
        return _(
            "%(start)s \u2013 %(end)s",
            start=format_moment(start, timezone),
            end=format_moment(end, timezone),
        )
    end_time = format_time(local_end, "short", rebase=False)
    return _("%(start)s\u2013%(end)s", start=format_moment(start, timezone), end=end_time)


def zone_label(timezone: str) -> str:
    """An IANA zone as people read it: "America/Mexico_City" -> "America/Mexico City"."""
    return timezone.replace("_", " ")


def party(enrolment: Enrolment) -> str:
    """The names of the people of an enrolment: "Ana Ruiz, Leo Ruiz"."""
    return ", ".join(attendee.name for attendee in enrolment.attendees)


#: Template globals of the organise blueprint's pages.
ORGANISE_HELPERS = {
    "role_label": team_role_label,
    "mode_label": lambda mode: str(ENROLMENT_MODE_LABELS[mode]),
    "state_label": lambda state: str(ENROLMENT_STATE_LABELS[state]),
    "local_span": local_span,
    "local_day": format_day,
    "local_moment": format_moment,
    "zone_label": zone_label,
    "team_status_label": enrolment_status_label,
    "study_level_label": study_level_label,
    "question_kind_label": question_kind_label,
    "party": party,
}
