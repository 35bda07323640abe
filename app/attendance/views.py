"""The register at the door, for a programme's team (organisers and helpers), and
self check-in for participants.

Register pages load through `organise.views.load`: 404 outside the team, 403
without the right. Once a session's day is over, changing its register is a
correction, for leads and organisers only. Each action is a plain form POST that
works without JavaScript; with it (static/js/register.js), the same POST asks
for JSON and gets back the changed rows, the counts and what to announce.
"""

from datetime import UTC, datetime

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask import session as browser_session
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app.attendance import bp, certificates, completion, exports, overview, services
from app.attendance.display import (
    ATTENDANCE_HELPERS,
    Answer,
    qr_svg,
    scan_answer,
    self_check_in_answer,
    state_label,
)
from app.attendance.export_forms import export_form
from app.attendance.forms import (
    CheckOutForm,
    ConfirmForm,
    MarkForm,
    ScanForm,
    SelfCheckInSwitchForm,
    WalkInForm,
)
from app.attendance.overview import AFTER_HELPERS
from app.attendance.records import has_ended
from app.enrolment.lifecycle import EnrolmentError
from app.errors import get_or_404
from app.forms import show_errors
from app.models import AttendanceState, Attendee, CohortSession
from app.models.types import utcnow
from app.organise.display import ORGANISE_HELPERS
from app.organise.views import Loaded, load
from app.permissions import (
    can_correct_attendance,
    can_edit_programme,
    can_export_attendance,
    can_manage_enrolments,
    can_take_attendance,
)

bp.context_processor(lambda: {**ORGANISE_HELPERS, **ATTENDANCE_HELPERS})

REGISTER = (
    "/organise/programmes/<int:programme_id>/cohorts/<int:cohort_id>"
    "/sessions/<int:session_id>/register"
)


# Loading and answering ---------------------------------------------------------------


def _load(programme_id: int, cohort_id: int, session_id: int) -> Loaded:
    return load(programme_id, can_take_attendance, cohort_id, session_id)


def _load_to_change(programme_id: int, cohort_id: int, session_id: int) -> Loaded:
    """As `_load`, and 403 for a helper once the register is closed."""
    loaded = _load(programme_id, cohort_id, session_id)
    if not _may_change(loaded):
        abort(403)
    return loaded


def _may_change(loaded: Loaded) -> bool:
    closed = services.register_closed(loaded.session, utcnow())
    return not closed or can_correct_attendance(current_user, loaded.role)


def _attendee(loaded: Loaded, attendee_id: int) -> Attendee:
    attendee = get_or_404(Attendee, attendee_id)
    if attendee.cohort_id != loaded.cohort.id:
        abort(404)
    return attendee


def _register_url(loaded: Loaded, anchor: str | None = None) -> str:
    return url_for(
        "attendance.register",
        programme_id=loaded.programme.id,
        cohort_id=loaded.cohort.id,
        session_id=loaded.session.id,
        q=request.values.get("q") or None,
        _anchor=anchor,
    )


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json"


def _page(loaded: Loaded, register: services.Register) -> dict:
    """What the register page and its partials need."""
    return {
        "programme": loaded.programme,
        "cohort": loaded.cohort,
        "session": loaded.session,
        "role": loaded.role,
        "register": register,
        "q": (request.values.get("q") or "").strip(),
        "closed": services.register_closed(loaded.session, utcnow()),
        "may_mark": _may_change(loaded),
        "may_switch": can_edit_programme(current_user, loaded.role),
    }


def render_register(loaded: Loaded, *, answer=None, scan_form=None, walk_in_form=None):
    register = services.register(loaded.session, search=request.values.get("q"))
    refused = bool((scan_form and scan_form.errors) or (walk_in_form and walk_in_form.errors))
    return render_template(
        "attendance/register.html",
        answer=answer,
        scan_form=scan_form or ScanForm(formdata=None),
        walk_in_form=walk_in_form or WalkInForm(formdata=None),
        seconds_left=services.seconds_until_next_code(),
        **_page(loaded, register),
    ), 422 if refused else 200


#: The flash category that shows an answer's tone on the page.
_FLASH = {"ok": "success", "again": "warning", "bad": "error"}


def _answer(loaded: Loaded, answer: Answer, attendee_ids=(), status: int = 200):
    """Tell the one who acted: JSON with the changed rows and counts for the script,
    else a message on the register, back at the row."""
    if _wants_json():
        register = services.register(loaded.session)
        page = _page(loaded, register)
        rows = {}
        for attendee_id in dict.fromkeys(attendee_ids):
            if (row := register.row(attendee_id)) is not None:
                rows[attendee_id] = render_template("attendance/_row.html", row=row, **page)
        return jsonify(
            answer=render_template("attendance/_answer.html", answer=answer),
            counts=render_template("attendance/_counts.html", **page),
            rows=rows,
        ), status
    flash(" ".join(filter(None, [answer.title, answer.detail])), _FLASH[answer.tone])
    anchor = f"attendee-{attendee_ids[0]}" if attendee_ids else None
    return redirect(_register_url(loaded, anchor))


def _refused(loaded: Loaded, message, attendee_id: int | None = None):
    answer = Answer("bad", "✗", str(message))
    return _answer(loaded, answer, [attendee_id] if attendee_id else [], status=409)


# The register ------------------------------------------------------------------------


@bp.get(REGISTER)
@login_required
def register(programme_id: int, cohort_id: int, session_id: int):
    return render_register(_load(programme_id, cohort_id, session_id))


@bp.post(f"{REGISTER}/attendees/<int:attendee_id>/mark")
@login_required
def mark(programme_id: int, cohort_id: int, session_id: int, attendee_id: int):
    loaded = _load_to_change(programme_id, cohort_id, session_id)
    attendee = _attendee(loaded, attendee_id)
    form = MarkForm()
    if not form.validate():
        abort(400)
    state = AttendanceState(form.state.data)
    try:
        services.mark(attendee, loaded.session, state, current_user._get_current_object())
    except services.AttendanceError as error:
        return _refused(loaded, error.message, attendee.id)
    title = _("%(name)s: %(state)s", name=attendee.name, state=state_label(state))
    return _answer(loaded, Answer("ok", "✓", title), [attendee.id])


@bp.post(f"{REGISTER}/scan")
@login_required
def scan(programme_id: int, cohort_id: int, session_id: int):
    loaded = _load_to_change(programme_id, cohort_id, session_id)
    form = ScanForm()
    if not form.validate_on_submit():
        if _wants_json():
            return _refused(loaded, " ".join(map(str, form.code.errors)))
        return render_register(loaded, scan_form=form)
    try:
        result = services.check_in_by_code(
            loaded.session, form.code.data, current_user._get_current_object()
        )
    except services.AttendanceError as error:
        return _refused(loaded, error.message)
    answer = scan_answer(result, loaded.session)
    if _wants_json():
        changed = [a.id for a in result.attendees] + [m.attendee_id for m in result.earlier]
        return _answer(loaded, answer, changed)
    # Shown in place (not redirected), next to an empty box for the next code.
    return render_register(loaded, answer=answer)


@bp.post(f"{REGISTER}/walk-in")
@login_required
def walk_in(programme_id: int, cohort_id: int, session_id: int):
    loaded = _load_to_change(programme_id, cohort_id, session_id)
    form = WalkInForm()
    if form.validate_on_submit():
        try:
            attendance = services.walk_in(
                loaded.session, form.name.data, current_user._get_current_object()
            )
        except (EnrolmentError, services.AttendanceError) as error:
            show_errors(form, {"name": str(error.message)})
        else:
            title = _("%(name)s is added and marked present.", name=form.name.data)
            return _answer(loaded, Answer("ok", "✓", title), [attendance.attendee_id])
    return render_register(loaded, walk_in_form=form)


@bp.post(f"{REGISTER}/attendees/<int:attendee_id>/check-out")
@login_required
def check_out(programme_id: int, cohort_id: int, session_id: int, attendee_id: int):
    loaded = _load_to_change(programme_id, cohort_id, session_id)
    attendee = _attendee(loaded, attendee_id)
    form = CheckOutForm()
    if not form.validate():
        return _refused(loaded, " ".join(map(str, form.collector.errors)), attendee.id)
    attendance = services.attendance_of(loaded.session, attendee)
    if attendance is None:
        return _refused(
            loaded, _("%(name)s is not marked as here.", name=attendee.name), attendee.id
        )
    try:
        services.check_out(attendance, form.collector.data, current_user._get_current_object())
    except services.AttendanceError as error:
        return _refused(loaded, error.message, attendee.id)
    title = _(
        "%(name)s left with %(collector)s.", name=attendee.name, collector=attendance.collected_by
    )
    return _answer(loaded, Answer("ok", "✓", title), [attendee.id])


# Self check-in -----------------------------------------------------------------------


@bp.post(f"{REGISTER}/self-check-in")
@login_required
def switch_self_checkin(programme_id: int, cohort_id: int, session_id: int):
    loaded = load(programme_id, can_edit_programme, cohort_id, session_id)
    form = SelfCheckInSwitchForm()
    if not form.validate():
        abort(400)
    enabled = form.enabled.data == "on"
    services.set_self_checkin(loaded.session, enabled)
    if enabled:
        flash(_("Self check-in is on: show the code on this screen at the door."), "success")
    else:
        flash(_("Self check-in is off."), "success")
    return redirect(_register_url(loaded, "self-check-in"))


@bp.get(f"{REGISTER}/self-check-in.svg")
@login_required
def self_checkin_code(programme_id: int, cohort_id: int, session_id: int):
    """The current code as a QR image of the participants' check-in address."""
    loaded = _load(programme_id, cohort_id, session_id)
    if not loaded.session.self_checkin:
        abort(404)
    address = url_for(
        "attendance.self_checkin",
        session_id=loaded.session.id,
        code=services.checkin_code(loaded.session),
        _external=True,
    )
    return Response(
        qr_svg(address), mimetype="image/svg+xml", headers={"Cache-Control": "no-store"}
    )


_SEEN = "self_checkin_seen"


def _remember_code(session: CohortSession, code: str, now: datetime) -> datetime | None:
    """When this browser first opened this code while it was valid.

    Kept in the signed session cookie, so that someone who must log in first can
    still check in a few minutes later, after the code on the screen has changed.
    """
    key = f"{session.id}:{code}"
    kept = browser_session.get(_SEEN, {})
    seen = {
        k: stamp
        for k, stamp in kept.items()
        if now.timestamp() - stamp <= services.SELF_CHECKIN_GRACE.total_seconds()
    }
    if key not in seen and services.code_is_valid(session, code, now):
        seen[key] = now.timestamp()
    if seen != kept:
        browser_session[_SEEN] = seen
    return datetime.fromtimestamp(seen[key], UTC) if key in seen else None


@bp.route("/checkin/<int:session_id>/<code>", methods=["GET", "POST"])
def self_checkin(session_id: int, code: str):
    """Opened from the QR code on the register: GET says who will be checked in,
    the button (POST) does it."""
    session = get_or_404(CohortSession, session_id)
    now = utcnow()
    seen_at = _remember_code(session, code, now)
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    form = ConfirmForm()
    confirm = form.validate_on_submit()
    result = services.self_check_in(
        session, current_user, code, confirm=confirm, now=now, seen_at=seen_at
    )
    answer = self_check_in_answer(result, session)
    refused = answer.tone == "bad"
    return render_template(
        "attendance/self_checkin.html",
        session=session,
        result=result,
        answer=answer,
        form=form,
    ), 403 if refused else 200


# After the sessions: completion, certificates, exports -----------------------------------

bp.app_context_processor(lambda: AFTER_HELPERS)

COHORT = "/organise/programmes/<int:programme_id>/cohorts/<int:cohort_id>"


@bp.get(f"{COHORT}/attendance")
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
        overview=overview.cohort_overview(loaded.cohort, page=request.args.get("page", 1, int)),
        export_form=export_form(loaded.cohort, formdata=None) if may_export else None,
    )


@bp.post(f"{COHORT}/attendance/export")
@login_required
def export_attendance(programme_id: int, cohort_id: int):
    """Stream a register or the matrix; leads and organisers only (helpers get 403)."""
    loaded = load(programme_id, can_export_attendance, cohort_id=cohort_id)
    form = export_form(loaded.cohort)
    if not form.validate_on_submit():
        abort(400)
    kind, session = form.chosen(loaded.cohort)
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
        mimetype=exports.MIMETYPES[export.file_format],
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.post(f"{COHORT}/completions")
@login_required
def mark_completions(programme_id: int, cohort_id: int):
    loaded = load(programme_id, can_manage_enrolments, cohort_id=cohort_id)
    back = redirect(
        url_for("attendance.cohort_attendance", programme_id=programme_id, cohort_id=cohort_id)
    )
    if not has_ended(loaded.cohort, utcnow()):
        flash(_("Completion is marked once the last session has ended."), "warning")
        return back
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


def _certificate_page(certificate_id: int) -> tuple:
    certificate = certificates.own_certificate_or_404(current_user, certificate_id)
    verify_url = url_for("attendance.verify_certificate", code=certificate.code, _external=True)
    return certificate, verify_url


@bp.get("/me/certificates/<int:certificate_id>")
@login_required
def my_certificate(certificate_id: int):
    """The owner's certificate, designed to print (static/css/convene.css, Certificates)."""
    certificate, verify_url = _certificate_page(certificate_id)
    stated = certificates.facts(certificate)
    return render_template(
        "attendance/certificate.html",
        certificate=certificate,
        stated=stated,
        days=certificates.days_text(stated),
        verify_url=verify_url,
        qr=certificates.qr_svg(verify_url, _("Link to check this certificate")),
    )


@bp.get("/me/certificates/<int:certificate_id>.pdf")
@login_required
def my_certificate_pdf(certificate_id: int):
    certificate, verify_url = _certificate_page(certificate_id)
    return Response(
        certificates.certificate_pdf(certificate, verify_url),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="certificate-{certificate.id}.pdf"'},
    )


@bp.get("/certificates/verify/<code>")
def verify_certificate(code: str):
    """Public: anyone holding the link may check that a certificate is genuine."""
    certificate = certificates.certificate_by_code(code)
    if certificate is None:
        return render_template("attendance/verify_unknown.html"), 404
    stated = certificates.facts(certificate)
    response = make_response(
        render_template(
            "attendance/verify.html", stated=stated, days=certificates.days_text(stated)
        )
    )
    response.headers["X-Robots-Tag"] = "noindex"
    return response
