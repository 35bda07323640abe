"""Forms of the register: a tap (a mark), a ticket code, a walk-in, self check-in,
and the batches of actions the door's phones send."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import InputRequired, Length

from app.attendance.commands import Phone, Sent
from app.attendance.exports import ExportKind, FileFormat
from app.attendance.models import AttendanceState, DoorActionKind
from app.core.db import is_row_id
from app.core.forms import options, strip
from app.enrolment.lifecycle import MAX_NAME
from app.programmes.models import Cohort, CohortSession
from app.programmes.words import format_moment

#: The letter of each state in the names of the register's buttons: for 500 people, the
#: names' length counts (a button's name says what and whom, "l12": late, attendee 12).
TAP_LETTERS = {
    AttendanceState.PRESENT: "p",
    AttendanceState.LATE: "l",
    AttendanceState.ABSENT: "a",
    AttendanceState.EXCUSED: "e",
}
_TAPPED = {letter: state for state, letter in TAP_LETTERS.items()}


@dataclass(frozen=True)
class Tap:
    """What a mark button of the register's list asks for."""

    attendee_id: int
    state: AttendanceState


def read_tap(data) -> Tap | None:
    """The button pressed in the register's list, which is one form: its name is
    the state's letter and the attendee's id ("l12"). None for anything else."""
    for name in data:
        state, attendee = _TAPPED.get(name[:1]), name[1:]
        if state and attendee.isascii() and attendee.isdigit() and is_row_id(int(attendee)):
            return Tap(int(attendee), state)
    return None


#: The most actions a phone sends at once (a longer queue goes in several batches).
DOOR_BATCH = 100
_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
#: Times a phone may give (milliseconds since 1970): from 2020 to 2100.
_TIMES = range(1_577_836_800_000, 4_102_444_800_000)


@dataclass(frozen=True)
class DoorBatch:
    """What a phone at the door sends: who it is, its clock at sending, its actions."""

    phone: Phone
    sent_at: datetime
    actions: list[Sent]


def read_door_batch(data) -> DoorBatch | None:
    """A batch as static/js/door.js sends it (JSON), or None when it is not one::

        {"device": {"id": "…", "name": "phone 2"}, "sent_at": 1767225600000,
         "actions": [{"key": "…", "kind": "scan", "at": 1767225500000, "helper": 7,
                      "code": "CONVENE:…", "admitted": [12, 13]}, …]}

    Times are the phone's clock in milliseconds. A mark has "attendee" and "state", a
    check-out "attendee" and "collector"; "admitted" lists those the phone itself
    told its helper were let in (it was offline).
    """
    try:
        device, actions = data["device"], data["actions"]
        phone = Phone(_text(device["id"], 64), _text(device.get("name") or "", 60) or None)
        if not (phone.id and 0 < len(actions) <= DOOR_BATCH):
            return None
        return DoorBatch(phone, _moment(data["sent_at"]), [_sent(action) for action in actions])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _sent(action: dict) -> Sent:
    kind = DoorActionKind(action["kind"])
    key = action["key"]
    if not (isinstance(key, str) and _KEY.match(key)):
        raise ValueError("not a key")
    fields = {}
    if kind == DoorActionKind.SCAN:
        fields["code"] = _text(action["code"], 200)
    else:
        fields["attendee_id"] = _row_id(action["attendee"])
    if kind == DoorActionKind.MARK:
        fields["state"] = AttendanceState(action["state"])
    if kind == DoorActionKind.CHECK_OUT:
        fields["collector"] = _text(action["collector"], 120)
    admitted = action.get("admitted") or []
    if len(admitted) > 50:
        raise ValueError("too many")
    return Sent(
        key=key,
        kind=kind,
        device_time=_moment(action["at"]),
        helper_id=_row_id(action["helper"]),
        admitted=frozenset(_row_id(i) for i in admitted),
        **fields,
    )


def _text(value, longest: int) -> str:
    if not isinstance(value, str) or len(value) > longest:
        raise ValueError("not a text")
    return value.replace("\x00", "").strip()


def _row_id(value) -> int:
    if type(value) is not int or not is_row_id(value):
        raise ValueError("not an id")
    return value


def _moment(milliseconds) -> datetime:
    if type(milliseconds) is not int or milliseconds not in _TIMES:
        raise ValueError("not a time")
    return datetime.fromtimestamp(milliseconds / 1000, UTC)


class ScanForm(FlaskForm):
    code = StringField(
        _l("Ticket code"),
        description=_l("Scan the QR code, or type the code printed under it."),
        filters=[strip],
        validators=[
            InputRequired(message=_l("Scan a ticket or type its code.")),
            Length(max=200),
        ],
    )


class WalkInForm(FlaskForm):
    name = StringField(
        lazy_pgettext("person", "Name"),
        filters=[strip],
        validators=[
            InputRequired(message=_l("Write the walk-in's name.")),
            Length(max=MAX_NAME),
        ],
    )


class SelfCheckInSwitchForm(FlaskForm):
    enabled = SelectField(choices=options([("on", _l("On")), ("off", _l("Off"))]))


class ConfirmForm(FlaskForm):
    """Only a button: the CSRF token proves the participant pressed it here."""


MATRIX = "matrix"
REGISTER_PREFIX = "register-"


class ExportForm(FlaskForm):
    """Both lists start with an empty choice, as HTML asks of a required list, and
    come with the whole cohort as CSV chosen."""

    what = SelectField(_l("What to export"), default=MATRIX, validators=[InputRequired()])
    file_format = SelectField(
        _l("Format"),
        choices=options(
            [
                ("", _l("Choose a format")),
                (FileFormat.CSV.value, _l("CSV (any spreadsheet)")),
                (FileFormat.XLSX.value, _l("Excel (XLSX)")),
            ]
        ),
        default=FileFormat.CSV.value,
        validators=[InputRequired()],
    )
    sensitive = BooleanField(_l("Include medical and access needs"))

    def chosen(self, cohort: Cohort) -> tuple[ExportKind, CohortSession | None]:
        """The kind of export asked for, and the session of a register."""
        if self.what.data == MATRIX:
            return ExportKind.MATRIX, None
        session_id = int(self.what.data.removeprefix(REGISTER_PREFIX))
        session = next(s for s in cohort.sessions if s.id == session_id)
        return ExportKind.REGISTER, session


def export_form(cohort: Cohort, **kwargs) -> ExportForm:
    form = ExportForm(**kwargs)
    form.what.choices = options(
        [
            ("", _("Choose what to export")),
            (MATRIX, _("Attendance of the whole cohort (everyone, every session)")),
        ]
        + [
            (
                f"{REGISTER_PREFIX}{session.id}",
                _(
                    "Register of %(session)s",
                    session=format_moment(session.starts_at, session.timezone),
                ),
            )
            for session in cohort.sessions
        ]
    )
    return form
