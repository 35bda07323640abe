"""Accounts: sign up, log in and out, profile, password change and reset."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.auth import views  # noqa: E402,F401
