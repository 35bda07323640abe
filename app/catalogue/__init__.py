"""The public catalogue: published programmes, their cohorts and sessions."""

from flask import Blueprint

bp = Blueprint("catalogue", __name__)

from app.catalogue import views  # noqa: E402,F401
