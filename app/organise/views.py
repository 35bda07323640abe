"""Organise pages."""

from app.organise import bp  # noqa: F401
