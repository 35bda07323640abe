"""The register at the door, for a programme's team (organisers and helpers), and
self check-in for participants.

Register pages load through `organise.views.load`: 404 outside the team, 403
without the right. Once a session's day is over, changing its register is a
correction, for leads and organisers only. Each action is a plain form POST that
works without JavaScript; with it (static/js/register.js), the same POST asks
for JSON and gets back the changed rows, the counts and what to announce.
"""

from flask import (
    Blueprint,
    make_response,
    render_template,
)

from app.attendance import certificates

bp = Blueprint("attendance_public", __name__)


@bp.get("/verify/<code>")
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
