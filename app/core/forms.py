"""What every area's forms share: input filters (trimming, blank to None, one newline),
select options, and a decimal field that takes only numbers."""

from collections.abc import Iterable

from wtforms import DecimalField
from wtforms.fields.choices import SelectChoice


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
