"""A cohort's attendance for its team: the matrix with completion and warnings, the
exports (leads and organisers only), and marking completion once the cohort has ended."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app.attendance import completion, exports, queries
from app.attendance.forms import export_form
from app.attendance.rules import has_ended
from app.core.db import utcnow
from app.core.transaction import transaction
from app.core.web import requested_page
from app.programmes.permissions import can_export_attendance, can_manage_enrolments
from app.programmes.web.access import load

bp = Blueprint("attendance_manage", __name__)


@bp.get("/attendance")
@login_required
def cohort_attendance(programme_id: int, cohort_id: int):
    """The matrix of attendees x sessions, with completion and warnings: the whole team."""
    loaded = load(programme_id, cohort_id=cohort_id)
    may_export = can_export_attendance(current_user, loaded.role)
    return render_template(
        "attendance/cohort.html",
        programme=loaded.programme,
        role=loaded.role,
        cohort=loaded.cohort,
        overview=queries.cohort_overview(loaded.cohort, page=requested_page()),
        export_form=export_form(loaded.cohort, formdata=None) if may_export else None,
    )


@bp.post("/attendance/export")
@login_required
def export_attendance(programme_id: int, cohort_id: int):
    """Stream a register or the matrix; leads and organisers only (helpers get 403)."""
    loaded = load(programme_id, can_export_attendance, cohort_id=cohort_id)
    form = export_form(loaded.cohort)
    if not form.validate_on_submit():
        abort(400)
    kind, session = form.chosen(loaded.cohort)
    with transaction():  # the export log is committed before the download starts
        export = exports.start_export(
            current_user._get_current_object(),
            loaded.cohort,
            kind=kind,
            file_format=exports.FileFormat(form.file_format.data),
            sensitive=form.sensitive.data,
            session=session,
        )
    return Response(
        stream_with_context(exports.body(export)),
        content_type=exports.CONTENT_TYPES[export.file_format],
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "Cache-Control": "no-store",
        },
    )


# After the sessions: completion, certificates, exports -----------------------------------


@bp.post("/completions")
@login_required
def mark_completions(programme_id: int, cohort_id: int):
    loaded = load(programme_id, can_manage_enrolments, cohort_id=cohort_id)
    back = redirect(
        url_for(
            "attendance_manage.cohort_attendance", programme_id=programme_id, cohort_id=cohort_id
        )
    )
    if not has_ended(loaded.cohort, utcnow()):
        flash(_("Completion is marked once the last session has ended."), "warning")
        return back
    with transaction():
        report = completion.complete_cohort(loaded.cohort)
    flash(
        _(
            "Completion is up to date: %(enrolments)s, %(certificates)s.",
            enrolments=ngettext(
                "%(num)d more enrolment completed",
                "%(num)d more enrolments completed",
                report.enrolments,
            ),
            certificates=ngettext(
                "%(num)d certificate issued", "%(num)d certificates issued", report.certificates
            ),
        ),
        "success",
    )
    return back
