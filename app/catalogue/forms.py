"""The catalogue's filter form: read from the query string, so a search is a bookmark."""

from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SearchField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from app.catalogue.services import CatalogueFilters, FilterChoices
from app.forms import strip
from app.i18n import country_name, language_name
from app.models import ProgrammeKind
from app.programmes.labels import KIND_LABELS
from app.programmes.rules import local_to_utc

MAX_AGE = 120
#: Dates outside these years are typos (and would overflow time-zone arithmetic).
FIRST_YEAR, LAST_YEAR = 2000, 2200
MODES = {"online": True, "in_person": False}


class AgeField(IntegerField):
    """A whole number of years, with a message a person understands when it is not one."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Enter an age in whole years, like 9.")) from error


class DayField(DateField):
    """A calendar day (YYYY-MM-DD, as date inputs send it) within sensible years."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Enter a real date, like 2026-03-14.")) from error
        if self.data is not None and not FIRST_YEAR <= self.data.year <= LAST_YEAR:
            self.data = None
            raise ValueError(
                _l("Enter a date between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR)
            )


def _options(anything: str, pairs, *, sort: bool = True) -> list[SelectChoice]:
    """Select options: "any" first (empty value), then (value, label) pairs by label."""
    pairs = sorted(pairs, key=lambda pair: str(pair[1]).casefold()) if sort else list(pairs)
    return [SelectChoice("", anything), *(SelectChoice(value, label) for value, label in pairs)]


def _select(label: str, **kwargs) -> SelectField:
    return SelectField(
        label,
        validators=[Optional()],
        invalid_choice_message=_l("Choose one of the options in the list."),
        **kwargs,
    )


class CatalogueFilterForm(FlaskForm):
    """Every field is optional; a value that does not parse is reported next to
    its field and left out, while the other filters still apply."""

    q = SearchField(
        _l("Search"),
        filters=[strip],
        validators=[Optional(), Length(max=100)],
        description=_l("Words from the title or summary."),
    )
    kind = _select(_l("Kind of programme"))
    age = AgeField(
        _l("Age of the participant"),
        validators=[Optional()],
        description=_l("In years, for example 9."),
        render_kw={"min": 0, "max": MAX_AGE, "inputmode": "numeric"},
    )
    language = _select(_l("Language"))
    country = _select(_l("Country"), description=_l("Where it happens in person."))
    mode = _select(_l("Online or in person"))
    starts_on = DayField(_l("From"), name="from", validators=[Optional()])
    ends_on = DayField(_l("To"), name="to", validators=[Optional()])

    def __init__(self, *args, choices: FilterChoices, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = _options(_l("Any kind"), KIND_LABELS.items())
        self.language.choices = _options(
            _l("Any language"), ((code, language_name(code)) for code in choices.languages)
        )
        self.country.choices = _options(
            _l("Any country"), ((code, country_name(code)) for code in choices.countries)
        )
        self.mode.choices = _options(
            _l("Either"), [("online", _l("Online")), ("in_person", _l("In person"))], sort=False
        )

    def validate_age(self, field):
        if field.data is not None and not 0 <= field.data <= MAX_AGE:
            raise ValidationError(_l("Enter an age from 0 to %(max)d.", max=MAX_AGE))

    def validate_ends_on(self, field):
        start = self.starts_on.data
        if field.data and start and field.data < start:
            raise ValidationError(_l("The end date is before the start date."))

    def _valid(self, field):
        """The field's value if it parsed and passed its checks, else None."""
        return None if field.errors else field.data or None

    def filters(self, timezone: str) -> CatalogueFilters:
        """The filters that passed validation; dates are whole days in `timezone`."""
        kind = self._valid(self.kind)
        mode = self._valid(self.mode)
        starts_on, ends_on = self._valid(self.starts_on), self._valid(self.ends_on)
        return CatalogueFilters(
            kind=ProgrammeKind(kind) if kind else None,
            age=None if self.age.errors else self.age.data,
            language=self._valid(self.language),
            country=self._valid(self.country),
            online=MODES.get(mode) if mode else None,
            window_start=_start_of(starts_on, timezone),
            window_end=_start_of(ends_on + timedelta(days=1), timezone) if ends_on else None,
            text=self._valid(self.q) or "",
        )

    @property
    def filter_count(self) -> int:
        """How many filters besides the search words were given, valid or not."""
        fields = (self.kind, self.age, self.language, self.country, self.mode)
        return sum(1 for f in (*fields, self.starts_on, self.ends_on) if (f.raw_data or [""])[0])


def _start_of(day: date | None, timezone: str) -> datetime | None:
    return local_to_utc(datetime.combine(day, time()), timezone) if day else None
