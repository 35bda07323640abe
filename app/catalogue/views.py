"""Catalogue pages."""

from app.catalogue import bp  # noqa: F401
