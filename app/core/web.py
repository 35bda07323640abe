"""Helpers every web module shares: loading what a URL names, running a form
through a command, answering with the form and its errors."""

from collections.abc import Callable
from typing import TypeVar

from flask import Response, abort, render_template, request
from flask_wtf import FlaskForm

from app.core.db import MAX_INTEGER, is_row_id
from app.core.refusal import Refusal
from app.core.transaction import transaction
from app.extensions import db

T = TypeVar("T")


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


def run_form(form: FlaskForm, command: Callable[[], T]) -> T | None:
    """Run `command` for a submitted, valid form, in one transaction: its result, or
    None when the form is not valid or the rules refuse (then every message stands
    next to its field, and nothing was changed)."""
    if not form.validate_on_submit():
        return None
    try:
        with transaction():
            return command()
    except Refusal as refusal:
        show_errors(form, refusal.errors)
        return None


def render_form(template: str, form: FlaskForm, **context):
    """Render a page with a form, answering 422 when the submission was refused."""
    return render_template(template, form=form, **context), form_status(form)


def requested_page() -> int:
    """The page of a list asked for in `?page=`: the first when it is missing or not a
    number, and at most the largest integer, so that no page number makes the query's
    offset overflow the database's integers (a page past the last one is empty)."""
    return min(max(request.args.get("page", 1, type=int), 1), MAX_INTEGER)


def get_or_404(model, object_id: int):
    """The row with this id, else 404: also for ids too large for any row, which
    would otherwise make the database driver fail with a 500."""
    if not is_row_id(object_id):
        abort(404)
    return db.get_or_404(model, object_id)


def child_or_404(model, object_id: int, parent_field: str, parent_id: int):
    """The row if it belongs to the given parent (`row.<parent_field> == parent_id`),
    else 404: another programme's cohort id in a URL is as if it did not exist."""
    found = get_or_404(model, object_id)
    if getattr(found, parent_field) != parent_id:
        abort(404)
    return found


def calendar_response(calendar, filename: str) -> Response:
    """An iCalendar file to download (an `icalendar.Calendar`)."""
    return Response(
        calendar.to_ical(),
        content_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
