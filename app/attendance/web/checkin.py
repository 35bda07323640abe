"""Self check-in: a participant scans the rotating code shown on the register's screen
at the door and checks in their own party; rate limited per participant and per
device (`limits.self_checkin_limits`)."""

from datetime import UTC, datetime

from flask import Blueprint, current_app, render_template
from flask import session as browser_session
from flask_babel import gettext as _
from flask_login import current_user

from app.attendance import commands, rules
from app.attendance.forms import ConfirmForm
from app.attendance.web import limits
from app.attendance.words import self_check_in_answer
from app.core.db import utcnow
from app.core.errors import render_error
from app.core.transaction import transaction
from app.core.web import get_or_404
from app.programmes.models import CohortSession

bp = Blueprint("attendance_checkin", __name__)
bp.after_request(limits.give_device_id)

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
        if now.timestamp() - stamp <= rules.SELF_CHECKIN_GRACE.total_seconds()
    }
    if key not in seen and rules.code_is_valid(session, code, now):
        seen[key] = now.timestamp()
    if seen != kept:
        browser_session[_SEEN] = seen
    return datetime.fromtimestamp(seen[key], UTC) if key in seen else None


@bp.errorhandler(429)
def too_many(error):
    wait = limits.wait()[1]
    return render_error(
        429,
        _(
            "Too many check-in attempts from this phone or account. Wait %(wait)s, "
            "then scan the code at the door again.",
            wait=wait,
        ),
    )


@bp.route("/<int:session_id>/<code>", methods=["GET", "POST"])
@limits.self_checkin_limits
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
    with transaction():
        result = commands.self_check_in(
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
