"""The export form of a cohort's attendance page: which file, which format, and
whether medical and access needs go in it."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.validators import InputRequired

from app.attendance.exports import ExportKind, FileFormat
from app.forms import options
from app.models import Cohort, CohortSession
from app.programmes.display import format_moment

MATRIX = "matrix"
REGISTER_PREFIX = "register-"


class ExportForm(FlaskForm):
    what = SelectField(_l("What to export"), validators=[InputRequired()])
    file_format = SelectField(
        _l("Format"),
        choices=options(
            [
                (FileFormat.CSV.value, _l("CSV (any spreadsheet)")),
                (FileFormat.XLSX.value, _l("Excel (XLSX)")),
            ]
        ),
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
        [(MATRIX, _("Attendance of the whole cohort (everyone, every session)"))]
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
