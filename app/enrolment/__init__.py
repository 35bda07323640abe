"""Participants' side of enrolment: household, booking, applications, tickets (/me/)."""

from flask import Blueprint

bp = Blueprint("enrolment", __name__)

from app.enrolment import views  # noqa: E402,F401
