"""Attendance: the register and check-in at the door, self check-in, and what
builds on the marks (completion, certificates, exports)."""

from flask import Blueprint

bp = Blueprint("attendance", __name__)

from app.attendance import views  # noqa: E402,F401
