"""The register at the door, for a programme's team (organisers and helpers).

Pages load through `app.programmes.web.access.load`: 404 outside the team, 403
without the right. Once a session's day is over, changing its register is a
correction, for leads and organisers only. Each action is a plain form POST that
works without JavaScript; with it (static/js/register.js), the same POST asks
for JSON and gets back the changed rows, the counts and what to announce."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.attendance import commands, queries, rules
from app.attendance.forms import CheckOutForm, MarkForm, ScanForm, SelfCheckInSwitchForm, WalkInForm
from app.attendance.models import AttendanceState
from app.attendance.words import (
    Answer,
    scan_answer,
    state_label,
)
from app.core.db import utcnow
from app.core.qr import qr_image
from app.core.refusal import Refusal
from app.core.transaction import transaction
from app.core.web import get_or_404, show_errors
from app.enrolment.models import Attendee
from app.programmes.permissions import (
    can_correct_attendance,
    can_edit_programme,
    can_take_attendance,
)
from app.programmes.web.access import Loaded, load

bp = Blueprint("attendance_door", __name__)


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
    closed = rules.register_closed(loaded.session, utcnow())
    return not closed or can_correct_attendance(current_user, loaded.role)


def _attendee(loaded: Loaded, attendee_id: int) -> Attendee:
    attendee = get_or_404(Attendee, attendee_id)
    if attendee.cohort_id != loaded.cohort.id:
        abort(404)
    return attendee


def _register_url(loaded: Loaded, anchor: str | None = None) -> str:
    return url_for(
        "attendance_door.register",
        programme_id=loaded.programme.id,
        cohort_id=loaded.cohort.id,
        session_id=loaded.session.id,
        q=request.values.get("q") or None,
        _anchor=anchor,
    )


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json"


def _page(loaded: Loaded, register: queries.Register) -> dict:
    """What the register page and its partials need."""
    return {
        "programme": loaded.programme,
        "cohort": loaded.cohort,
        "session": loaded.session,
        "role": loaded.role,
        "register": register,
        "q": (request.values.get("q") or "").strip(),
        "closed": rules.register_closed(loaded.session, utcnow()),
        "may_mark": _may_change(loaded),
        "may_switch": can_edit_programme(current_user, loaded.role),
    }


def render_register(loaded: Loaded, *, answer=None, scan_form=None, walk_in_form=None):
    register = queries.register(loaded.session, search=request.values.get("q"))
    refused = bool((scan_form and scan_form.errors) or (walk_in_form and walk_in_form.errors))
    return render_template(
        "attendance/register.html",
        answer=answer,
        scan_form=scan_form or ScanForm(formdata=None),
        walk_in_form=walk_in_form or WalkInForm(formdata=None),
        seconds_left=rules.seconds_until_next_code(),
        **_page(loaded, register),
    ), 422 if refused else 200


#: The flash category that shows an answer's tone on the page.
_FLASH = {"ok": "success", "again": "warning", "bad": "error"}


def _answer(loaded: Loaded, answer: Answer, attendee_ids=(), status: int = 200):
    """Tell the one who acted: JSON with the changed rows and counts for the script,
    else a message on the register, back at the row."""
    if _wants_json():
        register = queries.register(loaded.session)
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


@bp.get("")
@login_required
def register(programme_id: int, cohort_id: int, session_id: int):
    return render_register(_load(programme_id, cohort_id, session_id))


@bp.post("/attendees/<int:attendee_id>/mark")
@login_required
def mark(programme_id: int, cohort_id: int, session_id: int, attendee_id: int):
    loaded = _load_to_change(programme_id, cohort_id, session_id)
    attendee = _attendee(loaded, attendee_id)
    form = MarkForm()
    if not form.validate():
        abort(400)
    state = AttendanceState(form.state.data)
    try:
        with transaction():
            commands.mark(attendee, loaded.session, state, current_user._get_current_object())
    except Refusal as refusal:
        return _refused(loaded, refusal.message, attendee.id)
    title = _("%(name)s: %(state)s", name=attendee.name, state=state_label(state))
    return _answer(loaded, Answer("ok", "✓", title), [attendee.id])


@bp.post("/scan")
@login_required
def scan(programme_id: int, cohort_id: int, session_id: int):
    loaded = _load_to_change(programme_id, cohort_id, session_id)
    form = ScanForm()
    if not form.validate_on_submit():
        if _wants_json():
            return _refused(loaded, " ".join(map(str, form.code.errors)))
        return render_register(loaded, scan_form=form)
    try:
        with transaction():
            result = commands.check_in_by_code(
                loaded.session, form.code.data, current_user._get_current_object()
            )
    except Refusal as refusal:
        return _refused(loaded, refusal.message)
    answer = scan_answer(result, loaded.session)
    if _wants_json():
        changed = [a.id for a in result.attendees] + [m.attendee_id for m in result.earlier]
        return _answer(loaded, answer, changed)
    # Shown in place (not redirected), next to an empty box for the next code.
    return render_register(loaded, answer=answer)


@bp.post("/walk-in")
@login_required
def walk_in(programme_id: int, cohort_id: int, session_id: int):
    loaded = _load_to_change(programme_id, cohort_id, session_id)
    form = WalkInForm()
    if form.validate_on_submit():
        try:
            with transaction():
                attendance = commands.walk_in(
                    loaded.session, form.name.data, current_user._get_current_object()
                )
        except Refusal as error:
            show_errors(form, {"name": str(error.message)})
        else:
            title = _("%(name)s is added and marked present.", name=form.name.data)
            return _answer(loaded, Answer("ok", "✓", title), [attendance.attendee_id])
    return render_register(loaded, walk_in_form=form)


@bp.post("/attendees/<int:attendee_id>/check-out")
@login_required
def check_out(programme_id: int, cohort_id: int, session_id: int, attendee_id: int):
    loaded = _load_to_change(programme_id, cohort_id, session_id)
    attendee = _attendee(loaded, attendee_id)
    form = CheckOutForm()
    if not form.validate():
        return _refused(loaded, " ".join(map(str, form.collector.errors)), attendee.id)
    attendance = queries.attendance_of(loaded.session, attendee)
    if attendance is None:
        return _refused(loaded, commands.not_here(attendee).message, attendee.id)
    try:
        with transaction():
            commands.check_out(attendance, form.collector.data, current_user._get_current_object())
    except Refusal as refusal:
        return _refused(loaded, refusal.message, attendee.id)
    title = _(
        "%(name)s left with %(collector)s.", name=attendee.name, collector=attendance.collected_by
    )
    return _answer(loaded, Answer("ok", "✓", title), [attendee.id])


# Self check-in -----------------------------------------------------------------------


@bp.post("/self-check-in")
@login_required
def switch_self_checkin(programme_id: int, cohort_id: int, session_id: int):
    loaded = load(programme_id, can_edit_programme, cohort_id, session_id)
    form = SelfCheckInSwitchForm()
    if not form.validate():
        abort(400)
    enabled = form.enabled.data == "on"
    with transaction():
        commands.set_self_checkin(loaded.session, enabled)
    if enabled:
        flash(_("Self check-in is on: show the code on this screen at the door."), "success")
    else:
        flash(_("Self check-in is off."), "success")
    return redirect(_register_url(loaded, "self-check-in"))


@bp.get("/self-check-in.svg")
@login_required
def self_checkin_code(programme_id: int, cohort_id: int, session_id: int):
    """The current code as a QR image of the participants' check-in address."""
    loaded = _load(programme_id, cohort_id, session_id)
    if not loaded.session.self_checkin:
        abort(404)
    address = url_for(
        "attendance_checkin.self_checkin",
        session_id=loaded.session.id,
        code=rules.checkin_code(loaded.session),
        _external=True,
    )
    return Response(
        qr_image(address, "svg"), mimetype="image/svg+xml", headers={"Cache-Control": "no-store"}
    )
