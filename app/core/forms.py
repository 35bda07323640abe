"""What every area's forms share: input filters (trimming, blank to None, one newline),
select options, a decimal field that takes only numbers, and a time zone field."""

from collections.abc import Iterable

from wtforms import DecimalField, SelectField
from wtforms.fields.choices import Choice, SelectChoice

from app.core.timezones import (
    canonical_timezone,
    is_valid_timezone,
    timezone_choices,
    timezone_place,
)


class FiniteDecimalField(DecimalField):
    """A decimal number as people write it. Python reads "NaN" and "Infinity" as
    decimals too; here they are refused like any other text that is not a number."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))


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


class TimezoneField(SelectField):
    """A time zone chosen by its place in the page's language ("United Kingdom (London)"),
    with the IANA name as the value.

    A zone kept under an older name (America/Knox_IN) shows as the zone it became, and is
    saved so; a valid zone that names no place (Etc/GMT+5) stays on offer to whoever has
    it, so that saving the form keeps it.
    """

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, choices=lambda: options(timezone_choices()), **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data:
            self.data = canonical_timezone(self.data)

    def iter_choices(self):
        chosen = canonical_timezone(self.data) if self.data else self.data
        choices = [Choice(c.value, c.label, c.value == chosen, c.render_kw) for c in self.choices]
        if chosen and not any(c.selected for c in choices) and is_valid_timezone(chosen):
            choices.append(Choice(chosen, timezone_place(chosen), True, {}))
        return choices
