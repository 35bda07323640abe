"""Input filters every area's forms share: trimming, blank to None, select options."""

from collections.abc import Iterable
from typing import TypeVar

from wtforms.fields.choices import SelectChoice

T = TypeVar("T")


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def blank_to_none(value: str | None) -> str | None:
    """An optional text field left empty means "not given", not an empty string."""
    value = strip(value)
    return value or None


def options(pairs: Iterable[tuple]) -> list[SelectChoice]:
    """Select options from (value, label) pairs, in the shape WTForms 3.3 expects."""
    return [SelectChoice(value, label) for value, label in pairs]


def one_newline(value: str | None) -> str | None:
    """Browsers send a textarea's line breaks as CR LF; keep (and count) each as one character."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value
