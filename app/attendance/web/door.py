"""The register at the door, for a programme's team (organisers and helpers).

Pages load through `app.programmes.web.access.load` (404 outside the team, 403
without the right), in one query. Once a session's day is over, changing its
register is a correction, for leads and organisers only. Every action is rate
limited per helper and per device (`limits.door_limits`). Each action is a plain
form POST that works without JavaScript; with it (static/js/register.js), the
same POST asks for JSON and gets back the rows it changed, the counts and what
to announce: read for those attendees only, whatever the register's size. A
child's check-out is a small page of its own, linked from the child's row: who
may collect them, a button each."""

from dataclasses import asdict

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    get_template_attribute,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as browser
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.attendance import commands, queries, rules
from app.attendance.forms import (
    TAP_LETTERS,
    ScanForm,
    SelfCheckInSwitchForm,
    WalkInForm,
    read_tap,
)
from app.attendance.web import limits
from app.attendance.words import MARK_ORDER, Answer, RowWords, scan_answer, state_label
from app.core.db import utcnow
from app.core.errors import render_error
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
bp.after_request(limits.give_device_id)


# Loading and answering ---------------------------------------------------------------


def _load(programme_id: int, cohort_id: int, session_id: int, rule=can_take_attendance) -> Loaded:
    return load(programme_id, rule, cohort_id, session_id)


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


def _page(loaded: Loaded) -> dict:
    """What the register page and its partials need, besides the rows and counts."""
    words = RowWords(loaded.session.timezone)
    return {
        "programme": loaded.programme,
        "cohort": loaded.cohort,
        "session": loaded.session,
        "role": loaded.role,
        "q": (request.values.get("q") or "").strip(),
        "closed": rules.register_closed(loaded.session, utcnow()),
        "may_mark": _may_change(loaded),
        "may_switch": can_edit_programme(current_user, loaded.role),
        "words": words,
        #: Each mark button: its state, its name without the attendee's id, its label.
        "buttons": [(state, TAP_LETTERS[state], words.states[state]) for state in MARK_ORDER],
    }


#: Where a scan's answer waits for the register page, after a form post without script.
_SCAN_ANSWER = "door_scan_answer"


def render_register(loaded: Loaded, *, scan_form=None, walk_in_form=None):
    register = queries.register(loaded.session, search=request.values.get("q"))
    refused = bool((scan_form and scan_form.errors) or (walk_in_form and walk_in_form.errors))
    answer = browser.pop(_SCAN_ANSWER, None)
    return render_template(
        "attendance/register.html",
        answer=Answer(**answer) if answer else None,
        scan_form=scan_form or ScanForm(formdata=None),
        walk_in_form=walk_in_form or WalkInForm(formdata=None),
        seconds_left=rules.seconds_until_next_code(),
        register=register,
        counts=register.counts,
        **_page(loaded),
    ), 422 if refused else 200


#: The flash category that shows an answer's tone on the page.
_FLASH = {"ok": "success", "again": "warning", "bad": "error"}


def _answer(loaded: Loaded, answer: Answer, attendee_ids=(), status: int = 200):
    """Tell the one who acted: JSON with the rows of these attendees and the counts
    for the script (however long the register), else a message on the register,
    back at the row.

    Called before the transaction commits, when the change succeeded: what it reads
    then is what the change wrote, and nothing has been expired (read again) yet."""
    if _wants_json():
        page = _page(loaded)
        register_row = get_template_attribute("attendance/_row.html", "register_row")
        rows = {
            row.id: register_row(row, page["words"], page["buttons"], page["may_mark"])
            for row in queries.register_rows(loaded.session, attendee_ids)
        }
        counts = queries.register_counts(loaded.session)
        return jsonify(
            answer=render_template("attendance/_answer.html", answer=answer),
            counts=render_template("attendance/_counts.html", counts=counts),
            rows=rows,
        ), status
    flash(" ".join(filter(None, [answer.title, answer.detail])), _FLASH[answer.tone])
    anchor = f"attendee-{attendee_ids[0]}" if attendee_ids else None
    return redirect(_register_url(loaded, anchor))


def _refused(loaded: Loaded, message, attendee_id: int | None = None):
    answer = Answer("bad", "✗", str(message))
    return _answer(loaded, answer, [attendee_id] if attendee_id else [], status=409)


@bp.errorhandler(429)
def too_many(error):
    """Over a door limit: nothing of what was sent is recorded. The script shows the
    answer where the one of a scan goes (next to the code box); a sync call reads
    `retry_after`; a plain form gets the error page."""
    seconds, wait = limits.wait()
    title = _("Too many check-ins in a short time")
    detail = _("That one was not recorded. Try again in %(wait)s.", wait=wait)
    if not _wants_json():
        return render_error(429, f"{title}. {detail}")
    answer = Answer("bad", "⏸", title, detail)
    return jsonify(
        error="rate_limited",
        message=f"{title}. {detail}",
        retry_after=seconds,
        answer=render_template("attendance/_answer.html", answer=answer),
    ), 429


# The register ------------------------------------------------------------------------


@bp.get("")
@login_required
def register(programme_id: int, cohort_id: int, session_id: int):
    return render_register(_load(programme_id, cohort_id, session_id))


@bp.post("/tap")
@login_required
@limits.door_limits
def tap(programme_id: int, cohort_id: int, session_id: int):
    """A mark button of the register's list."""
    loaded = _load_to_change(programme_id, cohort_id, session_id)
    tapped = read_tap(request.form)
    if tapped is None:
        abort(400)
    attendee = _attendee(loaded, tapped.attendee_id)
    try:
        with transaction():
            by = current_user._get_current_object()
            commands.mark(attendee, loaded.session, tapped.state, by)
            title = _("%(name)s: %(state)s", name=attendee.name, state=state_label(tapped.state))
            return _answer(loaded, Answer("ok", "✓", title), [attendee.id])
    except Refusal as refusal:
        return _refused(loaded, refusal.message, attendee.id)


@bp.route("/<int:attendee_id>/check-out", methods=["GET", "POST"])
@login_required
@limits.door_limits
def check_out(programme_id: int, cohort_id: int, session_id: int, attendee_id: int):
    """A child leaves: the page lists who may collect them, a button each (linked
    from the child's row while they are on site); the button records who did."""
    loaded = _load_to_change(programme_id, cohort_id, session_id)
    attendee = _attendee(loaded, attendee_id)
    if request.method == "POST":
        return _check_out(loaded, attendee, request.form.get("collector", ""))
    [row] = queries.register_rows(loaded.session, [attendee.id]) or abort(404)
    return render_template(
        "attendance/check_out.html",
        row=row,
        not_here=commands.not_here(attendee).message,
        back=_register_url(loaded, f"attendee-{attendee.id}"),
        **_page(loaded),
    )


def _check_out(loaded: Loaded, attendee: Attendee, collector: str):
    attendance = queries.attendance_of(loaded.session, attendee)
    if attendance is None:
        return _refused(loaded, commands.not_here(attendee).message, attendee.id)
    try:
        with transaction():
            commands.check_out(attendance, collector, current_user._get_current_object())
            title = _(
                "%(name)s left with %(collector)s.",
                name=attendee.name,
                collector=attendance.collected_by,
            )
            return _answer(loaded, Answer("ok", "✓", title), [attendee.id])
    except Refusal as refusal:
        return _refused(loaded, refusal.message, attendee.id)


@bp.post("/scan")
@login_required
@limits.door_limits
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
            answer = scan_answer(result, loaded.session)
            if _wants_json():
                # The rows of those marked now: a ticket scanned again changed none.
                return _answer(loaded, answer, [a.id for a in result.attendees])
    except Refusal as refusal:
        return _refused(loaded, refusal.message)
    # Shown on the register in the scan's live region, next to an empty box for the next code.
    browser[_SCAN_ANSWER] = asdict(answer)
    return redirect(_register_url(loaded, "scan"))


@bp.post("/walk-in")
@login_required
@limits.door_limits
def walk_in(programme_id: int, cohort_id: int, session_id: int):
    loaded = _load_to_change(programme_id, cohort_id, session_id)
    form = WalkInForm()
    if form.validate_on_submit():
        try:
            with transaction():
                attendance = commands.walk_in(
                    loaded.session, form.name.data, current_user._get_current_object()
                )
                title = _("%(name)s is added and marked present.", name=form.name.data)
                return _answer(loaded, Answer("ok", "✓", title), [attendance.attendee_id])
        except Refusal as error:
            show_errors(form, {"name": str(error.message)})
    return render_register(loaded, walk_in_form=form)


# Self check-in -----------------------------------------------------------------------


@bp.post("/self-check-in")
@login_required
def switch_self_checkin(programme_id: int, cohort_id: int, session_id: int):
    loaded = _load(programme_id, cohort_id, session_id, can_edit_programme)
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
