"""The public check that a certificate is genuine: anyone holding its link may see the
minimum it states."""

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
