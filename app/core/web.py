"""Helpers every area's forms and views share: input filters, status codes, domain errors."""

from collections.abc import Callable
from typing import TypeVar

from flask import render_template
from flask_wtf import FlaskForm

T = TypeVar("T")

from flask import abort

from app.core.db import MAX_INTEGER
from app.extensions import db


def form_status(form: FlaskForm) -> int:
    """A submitted form that failed validation answers 422, with what was typed kept."""
    return 422 if form.is_submitted() and form.errors else 200


def show_errors(form: FlaskForm, errors: dict[str, str]) -> None:
    """Put a service's errors next to the fields they are about.

    A key that names no field of the form (or "") is shown above the form, by the
    `form_errors` macro, so that no message is lost.
    """
    for name, message in errors.items():
        field = form._fields.get(name) if name else None
        if field is None:
            form.form_errors.append(message)
        else:
            # Errors are a tuple until validation has run on the field.
            field.errors = [*field.errors, message]


def attempt(form: FlaskForm, change: Callable[[], T], refused: type[Exception]) -> T | None:
    """Make a change from a submitted form: `change()`'s result when the form is valid
    and the rules allow it, else None with every message next to its field.

    `refused` is the area's domain error, whose `errors` map field names to messages.
    """
    if not form.validate_on_submit():
        return None
    try:
        return change()
    except refused as error:
        show_errors(form, error.errors)
        return None


def render_form(template: str, form: FlaskForm, **context):
    """Render a page with a form, answering 422 when the submission was refused."""
    return render_template(template, form=form, **context), form_status(form)


def get_or_404(model, object_id: int):
    """The row with this id, else 404: also for ids too large for any row, which
    would otherwise make the database driver fail with a 500."""
    if not 0 < object_id <= MAX_INTEGER:
        abort(404)
    return db.get_or_404(model, object_id)
