"""A participant's own certificates: the printable page and the PDF."""

from flask import Blueprint, Response, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.models import User
from app.attendance import certificates, queries
from app.core.qr import qr_inline_svg
from app.enrolment.web.participant import MY_CONVENE_SECTIONS

bp = Blueprint("attendance_participant", __name__)


def my_attendance_section(user: User) -> tuple[str, dict]:
    """The participant's attendance and certificates, on the My Convene page."""
    return "attendance/_my_attendance.html", {"records": queries.my_attendance(user)}


MY_CONVENE_SECTIONS.append(my_attendance_section)


def _certificate_page(certificate_id: int) -> tuple:
    certificate = certificates.own_certificate_or_404(current_user, certificate_id)
    verify_url = url_for(
        "attendance_public.verify_certificate", code=certificate.code, _external=True
    )
    return certificate, verify_url


@bp.get("/<int:certificate_id>")
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
        qr=qr_inline_svg(verify_url, _("Link to check this certificate"), border=2),
    )


@bp.get("/<int:certificate_id>.pdf")
@login_required
def my_certificate_pdf(certificate_id: int):
    certificate, verify_url = _certificate_page(certificate_id)
    return Response(
        certificates.certificate_pdf(certificate, verify_url),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="certificate-{certificate.id}.pdf"'},
    )
