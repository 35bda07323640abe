"""Helpers every area's forms and views share: input filters, status codes, domain errors."""

from collections.abc import Callable, Iterable
from typing import TypeVar

from flask import render_template
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def blank_to_none(value: str | None) -> str | None:
    """An optional text field left empty means "not given", not an empty string."""
    value = strip(value)
    return value or None


def options(pairs: Iterable[tuple]) -> list[SelectChoice]:
    """Select options from (value, label) pairs, in the shape WTForms 3.3 expects."""
    return [SelectChoice(value, label) for value, label in pairs]


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


T = TypeVar("T")


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
