"""The register at the door, for a programme's team (organisers and helpers).

Pages load through `app.programmes.web.access.load` (404 outside the team, 403
without the right), in one query. Once a session's day is over, changing its
register is a correction, for leads and organisers only. Every action is rate
limited per helper and per device (`limits.door_limits`). Each action is a plain
form POST that works without JavaScript; with it (static/js/register.js), the
same POST asks for JSON and gets back the rows it changed, the counts and what
to announce: read for those attendees only, whatever the register's size. A
child's check-out is a small page of its own, linked from the child's row: who
may collect them, a button each.

On a phone whose browser has service workers, the register also works offline
(static/js/door.js, door-store.js and door-worker.js): the worker keeps the page
and its files, the phone keeps what the door needs (`phone_data`) and queues what
its helper does, sending it to `sync` at once or when the network is back; the
phone asks for the marks others changed (`changes`) every few seconds. The page
can be installed from its manifest. See the README's "At the door, offline"."""

import json
import re
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    get_template_attribute,
    jsonify,
    make_response,
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
    read_door_batch,
    read_tap,
)
from app.attendance.models import DoorOutcome
from app.attendance.web import limits
from app.attendance.words import (
    MARK_ORDER,
    Answer,
    RowWords,
    conflict_line,
    door_answer,
    door_words,
    scan_answer,
    state_label,
)
from app.core.assets import files_version
from app.core.db import utcnow
from app.core.errors import render_error
from app.core.qr import qr_image
from app.core.refusal import Refusal
from app.core.transaction import transaction
from app.core.web import get_or_404, show_errors
from app.enrolment import tickets
from app.enrolment.models import Attendee
from app.programmes.permissions import (
    can_correct_attendance,
    can_edit_programme,
    can_take_attendance,
)
from app.programmes.web.access import Loaded, load

bp = Blueprint("attendance_door", __name__)
bp.after_request(limits.give_device_id)
#: The door's service worker, served from above every register (see `worker`).
worker_bp = Blueprint("attendance_door_worker", __name__)


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
    page = _page(loaded)
    return render_template(
        "attendance/register.html",
        answer=Answer(**answer) if answer else None,
        scan_form=scan_form or ScanForm(formdata=None),
        walk_in_form=walk_in_form or WalkInForm(formdata=None),
        seconds_left=rules.seconds_until_next_code(),
        register=register,
        counts=register.counts,
        conflicts=_conflict_lines(loaded),
        door=_door(loaded) if _door_open(loaded) else None,
        **page,
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
        rows = queries.register_rows(loaded.session, attendee_ids)
        return jsonify(
            answer=render_template("attendance/_answer.html", answer=answer),
            counts=_counts_html(loaded),
            rows=_rows_html(loaded, rows),
        ), status
    flash(" ".join(filter(None, [answer.title, answer.detail])), _FLASH[answer.tone])
    anchor = f"attendee-{attendee_ids[0]}" if attendee_ids else None
    return redirect(_register_url(loaded, anchor))


def _rows_html(loaded: Loaded, rows) -> dict[int, str]:
    """These rows of the register as the page shows them, by attendee."""
    page = _page(loaded)
    register_row = get_template_attribute("attendance/_row.html", "register_row")
    return {
        row.id: register_row(row, page["words"], page["buttons"], page["may_mark"]) for row in rows
    }


def _counts_html(loaded: Loaded) -> str:
    return render_template(
        "attendance/_counts.html", counts=queries.register_counts(loaded.session)
    )


def _refused(loaded: Loaded, message, attendee_id: int | None = None):
    answer = Answer("bad", "✗", str(message))
    return _answer(loaded, answer, [attendee_id] if attendee_id else [], status=409)


@bp.errorhandler(429)
def too_many(error):
    """Over a door limit: nothing of what was sent is recorded. The script shows the
    answer where the one of a scan goes (next to the code box); a phone's sync keeps
    its queue and sends it again after `Retry-After`; a plain form gets the error page."""
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
    # A page with a message for this moment only is not one for the phone to keep.
    loaded = _load(programme_id, cohort_id, session_id)
    passing = bool(request.args or browser.get("_flashes") or _SCAN_ANSWER in browser)
    response = make_response(render_register(loaded))
    if _door_open(loaded) and not passing:
        response.headers[_KEEP] = "1"
    return response


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


# The door's phones -------------------------------------------------------------------

#: A register page the phone may keep for offline use (see door-worker.js): only the
#: register sends it, and not with a message meant for one moment (a flash).
_KEEP = "X-Door-Keep"
#: Where the worker serves: every register is under it.
_WORKER_SCOPE = "/organise/programmes/"
#: What the worker keeps for the register to work offline, besides the page itself.
_SHELL = (
    "css/convene.css",
    "js/register.js",
    "js/door.js",
    "js/door-store.js",
    "vendor/jsqr/jsQR.js",
    "img/favicon.svg",
    "img/logo.svg",
    "img/door-192.png",
    "img/door-512.png",
)
#: The worker's own script (in static/js): its version covers it, the shell and the store.
_WORKER = "js/door-worker.js"
#: Marks changed this long before a phone last asked are sent again: a change that
#: was stamped before the phone asked but committed after is not missed.
_OVERLAP = timedelta(seconds=10)


def _ms(moment: datetime) -> int:
    """A moment as the phones' script counts time: milliseconds since 1970."""
    return int(moment.timestamp() * 1000)


def _door_open(loaded: Loaded) -> bool:
    """Whether the phones may work this register offline: while the session's day
    lasts, for those who may mark it."""
    return not rules.register_closed(loaded.session, utcnow()) and _may_change(loaded)


def _ids(loaded: Loaded) -> dict[str, int]:
    """The ids in the addresses of a register and of everything under it."""
    return {
        "programme_id": loaded.programme.id,
        "cohort_id": loaded.cohort.id,
        "session_id": loaded.session.id,
    }


def _door(loaded: Loaded) -> dict:
    """The addresses the door's script works with, for the register page."""
    ids = _ids(loaded)
    return {
        "worker": url_for("attendance_door_worker.worker"),
        "scope": _WORKER_SCOPE,
        "data": url_for("attendance_door.phone_data", **ids),
        "changes": url_for("attendance_door.changes", **ids),
        "sync": url_for("attendance_door.sync", **ids),
        "manifest": url_for("attendance_door.manifest", **ids),
        "register": url_for("attendance_door.register", **ids),
        "helper": current_user.id,
        "rendered": _ms(utcnow()),
    }


def _conflict_lines(loaded: Loaded) -> list[str]:
    return [
        conflict_line(conflict, loaded.session.timezone)
        for conflict in queries.door_conflicts(loaded.session)
    ]


def _conflicts_html(loaded: Loaded) -> str:
    return render_template("attendance/_conflicts.html", conflicts=_conflict_lines(loaded))


def _person(row: queries.Row) -> dict:
    """One person on the register as a phone keeps them: what the door needs to
    answer a scan, a tap or a check-out by itself (the rest is on the page)."""
    return {
        "id": row.id,
        "name": row.name,
        "child": row.is_child,
        "party": row.enrolment_id,
        "state": row.state.value if row.state else None,
        "at": _ms(row.marked_at) if row.marked_at else None,
        "by": row.marked_by,
        "left": row.checked_out_at is not None,
        "collectors": row.collectors,
    }


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/phone-data")
@login_required
def phone_data(programme_id: int, cohort_id: int, session_id: int):
    """What a phone keeps to work the door offline: the people of this session only,
    the codes of their tickets (as the door matches them, see `door_key`), when the
    session's day starts and ends (the phone forgets it all then), and the words
    its script says by itself."""
    loaded = _load(programme_id, cohort_id, session_id)
    rows = queries.register_rows(loaded.session)
    parties: dict[int, list[int]] = {}
    for row in rows:
        parties.setdefault(row.enrolment_id, []).append(row.id)
    start, end = rules.day_bounds(loaded.session)
    return _no_store(
        jsonify(
            session={
                "id": loaded.session.id,
                "day": [_ms(start), _ms(end)],
                "timezone": loaded.session.timezone,
            },
            helper={"id": current_user.id, "name": current_user.name},
            people=[_person(row) for row in rows],
            tickets=[
                {"codes": sorted({door_key(code) for code in codes}), "party": parties[booking]}
                for booking, codes in queries.ticket_codes(loaded.session).items()
                if booking in parties
            ],
            prefix=tickets.PREFIX,
            #: The first letter of each mark button's name, and its state.
            letters={letter: state.value for state, letter in TAP_LETTERS.items()},
            words=door_words(),
            cursor=_ms(utcnow()),
        )
    )


#: Look-alike letters read as the digits a ticket code has (`tickets.read_ticket`).
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def door_key(code: str) -> str:
    """A ticket code as a phone matches it offline: upper case, without spaces or
    dashes, without the QR code's prefix, O read as 0 and I or L as 1. Old tokens are
    kept the same way, so they match as they are typed too. door.js reads a scanned or
    typed code the same way (`doorKey`)."""
    key = "".join(code.split()).replace("-", "").upper()
    return key.removeprefix(tickets.PREFIX).translate(_LOOK_ALIKES)


@bp.get("/changes")
@login_required
def changes(programme_id: int, cohort_id: int, session_id: int):
    """The marks changed since the phone last asked (`since`: the `cursor` of its last
    answer; without it, every mark), as rows of the page and as the phone keeps
    them, with the counts; and the conflicts, when one was found since."""
    loaded = _load(programme_id, cohort_id, session_id)
    since = max(request.args.get("since", default=0, type=int), 0)
    now = utcnow()
    since_at = datetime.fromtimestamp(since / 1000, UTC) - _OVERLAP
    changed = queries.changed_since(loaded.session, since_at)
    rows = queries.register_rows(loaded.session, changed) if changed else []
    conflicts = queries.door_conflicts(loaded.session)
    found = any(conflict.found_at >= since_at for conflict in conflicts)
    return _no_store(
        jsonify(
            cursor=_ms(now),
            rows=_rows_html(loaded, rows),
            people=[_person(row) for row in rows],
            counts=_counts_html(loaded) if rows else None,
            conflicts=_conflicts_html(loaded) if found else None,
        )
    )


@bp.post("/sync")
@login_required
@limits.door_limits
def sync(programme_id: int, cohort_id: int, session_id: int):
    """What a phone queued, sent at once or when it was back online: each action
    taken in once (`commands.receive`), in the order it was done, each in a
    transaction of its own. The answer says what became of each (by its key), with
    the rows it changed, the counts, and the conflicts when it found one."""
    loaded = _load(programme_id, cohort_id, session_id)
    batch = read_door_batch(request.get_json(silent=True))
    if batch is None:
        abort(400)
    by = current_user._get_current_object()
    may_correct = can_correct_attendance(by, loaded.role)
    received_at = utcnow()
    results, touched, conflict = [], set(), False
    *first, last = sorted(batch.actions, key=lambda sent: sent.device_time)

    def take(sent) -> None:
        nonlocal conflict
        received = commands.receive(
            loaded.session,
            batch.phone,
            sent,
            by,
            sent_at=batch.sent_at,
            received_at=received_at,
            may_correct=may_correct,
        )
        answer = door_answer(received, loaded.session)
        results.append(
            {
                "key": sent.key,
                "outcome": received.action.outcome.value,
                "answer": render_template("attendance/_answer.html", answer=answer),
            }
        )
        touched.update(received.attendee_ids)
        conflict |= received.action.outcome == DoorOutcome.CONFLICT

    for sent in first:
        with transaction():
            take(sent)
    with transaction():
        take(last)
        # Read before the commit, as the page's JSON answers are (see `_answer`).
        rows = queries.register_rows(loaded.session, touched)
        return jsonify(
            results=results,
            rows=_rows_html(loaded, rows),
            people=[_person(row) for row in rows],
            counts=_counts_html(loaded),
            conflicts=_conflicts_html(loaded) if conflict else None,
        )


@bp.get("/manifest.webmanifest")
@login_required
def manifest(programme_id: int, cohort_id: int, session_id: int):
    """This register as an app on a phone's home screen: it opens on the register."""
    loaded = _load(programme_id, cohort_id, session_id)
    address = url_for("attendance_door.register", **_ids(loaded))
    icon = "img/door-{}.png"
    body = {
        "id": address,
        "name": f"{_('Register')} · {loaded.session.title or loaded.cohort.name}",
        "short_name": _("Register"),
        "start_url": address,
        "scope": address,
        "display": "standalone",
        "background_color": "#f4f6f8",
        "theme_color": "#0b5cad",
        "icons": [
            {
                "src": url_for("static", filename=icon.format(size)),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any",
            }
            for size in (192, 512)
        ],
    }
    return Response(json.dumps(body), mimetype="application/manifest+json")


@worker_bp.get("/door-worker.js")
def worker():
    """The door's service worker: static/js/door-worker.js, with what it keeps
    written in. Its version is that of every file it keeps, so that a deploy that
    changes any of them installs a worker with a cache of its own and drops the
    old. Served above every register (its scope, `_WORKER_SCOPE`), checked by the
    browser for a new version at every visit (no-cache)."""
    settings = {
        "version": files_version((_WORKER, *_SHELL)),
        "shell": [url_for("static", filename=name) for name in _SHELL],
        "store": url_for("static", filename="js/door-store.js"),
        "registers": _register_paths(),
    }
    script = Path(current_app.static_folder, _WORKER).read_text(encoding="utf-8")
    body = f"const DOOR = {json.dumps(settings)};\n{script}"
    return Response(body, mimetype="text/javascript", headers={"Cache-Control": "no-cache"})


def _register_paths() -> str:
    """Every register's path, as a regular expression (for the worker's script)."""
    ids = {"programme_id": 9_000_001, "cohort_id": 9_000_002, "session_id": 9_000_003}
    pattern = re.escape(url_for("attendance_door.register", **ids))
    for value in ids.values():
        pattern = pattern.replace(str(value), r"\d+")
    return f"^{pattern}$"
