"""Participant pages under /me/ and the enrol pages of a cohort."""

from flask import render_template
from flask_login import current_user, login_required

from app.enrolment import bp
from app.enrolment.services import own_enrolment_or_404


@bp.get("/me/enrolments/<int:enrolment_id>")
@login_required
def detail(enrolment_id: int):
    enrolment = own_enrolment_or_404(current_user, enrolment_id)
    return render_template("enrolment/detail.html", enrolment=enrolment)


@bp.get("/me/enrolments/<int:enrolment_id>/ticket")
@login_required
def ticket(enrolment_id: int):
    enrolment = own_enrolment_or_404(current_user, enrolment_id)
    return render_template("enrolment/ticket.html", enrolment=enrolment)
