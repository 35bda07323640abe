"""Management pages for programme teams: programmes, team, cohorts, sessions."""

from flask import Blueprint

bp = Blueprint("organise", __name__)

from app.organise import enrolments, views  # noqa: E402,F401
