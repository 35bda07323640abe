"""Forms of the register: a mark, a ticket code, a walk-in, a check-out, self check-in."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length

from app.attendance.display import MARK_ORDER, STATE_LABELS
from app.enrolment.lifecycle import MAX_NAME
from app.forms import options, strip


class MarkForm(FlaskForm):
    """Sent by one of a row's buttons (Present, Late, Absent, Excused)."""

    state = SelectField(
        _l("Mark"),
        choices=options((state.value, STATE_LABELS[state]) for state in MARK_ORDER),
        validators=[InputRequired()],
    )


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
        _l("Name"),
        filters=[strip],
        validators=[
            InputRequired(message=_l("Write the walk-in's name.")),
            Length(max=MAX_NAME),
        ],
    )


class CheckOutForm(FlaskForm):
    #: The choices differ per child and are checked by the rules, not here.
    collector = SelectField(
        _l("Collected by"),
        validate_choice=False,
        validators=[InputRequired(message=_l("Choose who collects."))],
    )


class SelfCheckInSwitchForm(FlaskForm):
    enabled = SelectField(choices=options([("on", _l("On")), ("off", _l("Off"))]))


class ConfirmForm(FlaskForm):
    """Only a button: the CSRF token proves the participant pressed it here."""
