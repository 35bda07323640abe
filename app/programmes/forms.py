"""Programme forms: the catalogue's filters (read from the query string, so a search is
a bookmark) and the team's programme, cohort, session, team and question forms."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from app.core.forms import (
    FiniteDecimalField,
    TimezoneField,
    blank_to_none,
    one_newline,
    options,
    strip,
)
from app.core.i18n import country_choices, country_name, language_choices, language_name
from app.programmes.commands import (
    CohortDetails,
    ProgrammeDetails,
    QuestionDetails,
    SessionDetails,
    Signatory,
)
from app.programmes.models import (
    Cohort,
    CohortQuestion,
    CohortSession,
    EnrolmentMode,
    Programme,
    ProgrammeKind,
    QuestionKind,
    TeamRole,
)
from app.programmes.queries import CatalogueFilters, FilterChoices
from app.programmes.rules import local_to_utc, utc_to_local
from app.programmes.words import (
    ENROLMENT_MODE_LABELS,
    KIND_LABELS,
    QUESTION_KIND_LABELS,
    TEAM_ROLE_LABELS,
)

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
    starts_on = DayField(lazy_pgettext("date range", "From"), name="from", validators=[Optional()])
    ends_on = DayField(lazy_pgettext("date range", "To"), name="to", validators=[Optional()])

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


def _choices(labels: dict):
    return options((member.value, label) for member, label in labels.items())


def lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


#: datetime-local inputs show and send "2026-03-14T10:00"; the first format is the one shown.
LOCAL_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def _optional_age(label):
    return IntegerField(label, validators=[Optional()], render_kw={"inputmode": "numeric"})


def _countries_field(label, description):
    return SelectMultipleField(label, choices=[], description=description, render_kw={"size": 8})


#: (value, meaning) of the "online or in person" select.
IN_PERSON, ONLINE = "in_person", "online"


class ProgrammeForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Web address name"),
        filters=[strip, lower],
        validators=[Length(max=80)],
        description=_l(
            "Lower-case letters, digits and hyphens, like robotics-summer-school-2026. "
            "Leave blank to make one from the title."
        ),
        render_kw={"autocapitalize": "none", "spellcheck": "false"},
    )
    kind = SelectField(_l("Kind of programme"), choices=_choices(KIND_LABELS))
    summary = TextAreaField(
        _l("Summary"),
        filters=[strip],
        validators=[Length(max=400)],
        description=_l("One or two sentences for the catalogue. Needed before publishing."),
        render_kw={"rows": 3},
    )
    description = TextAreaField(
        _l("Description"),
        filters=[strip],
        description=_l(
            "What happens, what to bring, what participants get. Blank lines start a new paragraph."
        ),
        render_kw={"rows": 8},
    )
    audience = StringField(
        _l("Who it is for"),
        filters=[strip],
        validators=[Length(max=200)],
        description=_l("In words, like “Families with children aged 7 to 11”."),
    )
    min_age = _optional_age(_l("Youngest age"))
    max_age = _optional_age(_l("Oldest age"))
    teachers_only = BooleanField(_l("Teachers only"))
    home_countries = _countries_field(
        _l("Participants must come from"),
        _l("Leave empty for anywhere. Hold Ctrl (or ⌘) to choose several."),
    )
    language = SelectField(_l("Language of delivery"), choices=[])
    mode = SelectField(
        _l("Where it happens"),
        choices=options([(IN_PERSON, _l("In person")), (ONLINE, _l("Online"))]),
    )
    country = SelectField(_l("Country"), choices=[], description=_l("Needed when in person."))
    city = StringField(
        _l("City"),
        filters=[strip],
        validators=[Length(max=120)],
        description=_l("Needed when in person."),
    )
    partner_ids = SelectMultipleField(
        _l("Partner organisations"),
        coerce=int,
        choices=[],
        description=_l("Hold Ctrl (or ⌘) to choose several."),
        render_kw={"size": 6},
    )
    image = FileField(
        _l("Image"),
        description=_l("Optional. A PNG, JPEG or WebP image of at most 2 MB."),
        render_kw={"accept": "image/png,image/jpeg,image/webp"},
    )
    remove_image = BooleanField(_l("Remove the current image"))
    signatory_name = StringField(
        _l("Signed by"),
        filters=[strip],
        validators=[Length(max=120)],
        description=_l("The name as printed, like “Dr Jane Smith”. Leave blank for none."),
    )
    signatory_title = StringField(
        _l("Their role"),
        filters=[strip],
        validators=[Length(max=200)],
        description=_l("Printed under the name, like “Director of Outreach”."),
    )

    def __init__(
        self,
        *args,
        organisations=(),
        current_language=None,
        may_choose_signatory=False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        if not may_choose_signatory:  # a lead's choice: anyone else's form does not ask
            del self.signatory_name
            del self.signatory_title
        countries = country_choices()
        self.home_countries.choices = options(countries)
        self.country.choices = options([("", _l("Choose a country")), *countries])
        languages = language_choices()
        if current_language and current_language not in dict(languages):
            languages.append((current_language, current_language))
        self.language.choices = options(languages)
        self.partner_ids.choices = options((o.id, o.name) for o in organisations)

    def details(self) -> ProgrammeDetails:
        return ProgrammeDetails(
            title=self.title.data,
            slug=self.slug.data or None,
            kind=ProgrammeKind(self.kind.data),
            summary=self.summary.data or "",
            description=self.description.data or "",
            audience=self.audience.data or "",
            min_age=self.min_age.data,
            max_age=self.max_age.data,
            teachers_only=self.teachers_only.data,
            home_countries=self.home_countries.data or [],
            language=self.language.data,
            is_online=self.mode.data == ONLINE,
            country=self.country.data or None,
            city=self.city.data or None,
            partner_ids=self.partner_ids.data or [],
            signatory=(
                Signatory(self.signatory_name.data, self.signatory_title.data)
                if "signatory_name" in self
                else None
            ),
        )

    def uploaded_image(self):
        """The uploaded file's stream, or None when no file was chosen."""
        return self.image.data.stream if self.image.data else None


def programme_data(programme: Programme) -> dict:
    """A programme's values as its form shows them."""
    return {
        "title": programme.title,
        "slug": programme.slug,
        "kind": programme.kind.value,
        "summary": programme.summary,
        "description": programme.description,
        "audience": programme.audience,
        "min_age": programme.min_age,
        "max_age": programme.max_age,
        "teachers_only": programme.teachers_only,
        "home_countries": list(programme.home_countries or []),
        "language": programme.language,
        "mode": ONLINE if programme.is_online else IN_PERSON,
        "country": programme.country or "",
        "city": programme.city or "",
        "partner_ids": [organisation.id for organisation in programme.partners],
        "signatory_name": programme.signatory_name or "",
        "signatory_title": programme.signatory_title or "",
    }


class CohortForm(FlaskForm):
    name = StringField(
        lazy_pgettext("cohort", "Name"),
        filters=[strip],
        validators=[DataRequired(), Length(max=200)],
        description=_l("Like “Spring 2026” or “Saturday 14 March”."),
    )
    capacity = IntegerField(
        _l("Seats"),
        validators=[InputRequired()],
        render_kw={"inputmode": "numeric"},
        description=_l("Each attendee takes one seat."),
    )
    enrolment_mode = SelectField(_l("Enrolment"), choices=_choices(ENROLMENT_MODE_LABELS))
    waitlist_enabled = BooleanField(_l("Offer a waitlist when it is full"), default=True)
    timezone = TimezoneField(
        _l("Time zone"),
        description=_l("Where the cohort meets. Enrolment dates below are in this time zone."),
    )
    enrol_opens_at = DateTimeLocalField(
        _l("Enrolment opens"),
        format=LOCAL_DATETIME_FORMATS,
        validators=[Optional()],
        description=_l("Leave blank to open it at once."),
    )
    enrol_closes_at = DateTimeLocalField(
        _l("Enrolment closes"),
        format=LOCAL_DATETIME_FORMATS,
        validators=[Optional()],
        description=_l("Leave blank to close it when the first session starts."),
    )
    min_age = _optional_age(_l("Youngest age"))
    max_age = _optional_age(_l("Oldest age"))
    teachers_only = SelectField(
        _l("Teachers only"),
        choices=options(
            [
                ("", _l("As the programme says")),
                ("yes", _l("Yes, teachers only")),
                ("no", _l("No, anyone")),
            ]
        ),
    )
    countries_rule = SelectField(
        _l("Home countries"),
        choices=options(
            [
                ("", _l("As the programme says")),
                ("anywhere", _l("Anywhere")),
                ("listed", _l("Only the countries chosen below")),
            ]
        ),
    )
    home_countries = _countries_field(
        _l("Countries"),
        _l("Used when “Only the countries chosen below” is selected."),
    )
    completion_share = IntegerField(
        _l("Attendance needed to complete (percent)"),
        validators=[InputRequired()],
        default=75,
        render_kw={"inputmode": "numeric"},
        description=_l("Share of the sessions a participant must attend, like 75."),
    )
    cpd_hours = FiniteDecimalField(
        _l("CPD hours"),
        places=1,
        validators=[Optional()],
        render_kw={"inputmode": "decimal"},
        description=_l("Continuing professional development hours earned on completion."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.home_countries.choices = options(country_choices())

    def validate_home_countries(self, field):
        if self.countries_rule.data == "listed" and not field.data:
            raise ValidationError(_l("Choose at least one country, or another option above."))

    def details(self) -> CohortDetails:
        rule = self.countries_rule.data
        return CohortDetails(
            name=self.name.data,
            capacity=self.capacity.data,
            enrolment_mode=EnrolmentMode(self.enrolment_mode.data),
            waitlist_enabled=self.waitlist_enabled.data,
            timezone=self.timezone.data,
            enrol_opens_at=self.enrol_opens_at.data,
            enrol_closes_at=self.enrol_closes_at.data,
            min_age=self.min_age.data,
            max_age=self.max_age.data,
            teachers_only=_OVERRIDE_VALUES[self.teachers_only.data],
            home_countries=None
            if not rule
            else (self.home_countries.data if rule == "listed" else []),
            completion_share=Decimal(self.completion_share.data) / 100,
            cpd_hours=self.cpd_hours.data,
        )


_OVERRIDE_VALUES = {"": None, "yes": True, "no": False}


def _local_naive(moment, timezone: str):
    """A UTC moment as the wall-clock time a datetime-local input shows."""
    return utc_to_local(moment, timezone).replace(tzinfo=None) if moment else None


def cohort_data(cohort: Cohort) -> dict:
    countries = cohort.home_countries
    return {
        "name": cohort.name,
        "capacity": cohort.capacity,
        "enrolment_mode": cohort.enrolment_mode.value,
        "waitlist_enabled": cohort.waitlist_enabled,
        "timezone": cohort.timezone,
        "enrol_opens_at": _local_naive(cohort.enrol_opens_at, cohort.timezone),
        "enrol_closes_at": _local_naive(cohort.enrol_closes_at, cohort.timezone),
        "min_age": cohort.min_age,
        "max_age": cohort.max_age,
        "teachers_only": {None: "", True: "yes", False: "no"}[cohort.teachers_only],
        "countries_rule": "" if countries is None else ("listed" if countries else "anywhere"),
        "home_countries": list(countries or []),
        "completion_share": int(cohort.completion_share * 100),
        "cpd_hours": cohort.cpd_hours,
    }


def _timezone_field():
    return TimezoneField(_l("Time zone"), description=_l("Where the session happens."))


def _venue_fields():
    venue = StringField(
        _l("Venue"),
        filters=[blank_to_none],
        validators=[Length(max=300)],
        description=_l("Room, building and address. Leave blank when online only."),
    )
    online_url = URLField(
        _l("Online link"),
        filters=[blank_to_none],
        validators=[Length(max=500)],
        description=_l("Shown to enrolled participants only."),
    )
    return venue, online_url


class _SessionPlaceForm(FlaskForm):
    starts = TimeField(_l("Starts at"), validators=[InputRequired()])
    ends = TimeField(_l("Ends at"), validators=[InputRequired()])
    timezone = _timezone_field()
    title = StringField(
        _l("Title"),
        filters=[strip],
        validators=[Length(max=200)],
        description=_l("Optional, like “Week 1: forces and motion”."),
    )
    venue, online_url = _venue_fields()


class SessionForm(_SessionPlaceForm):
    day = DateField(_l("Date"), validators=[InputRequired()])

    def details(self) -> SessionDetails:
        return SessionDetails(
            day=self.day.data,
            starts=self.starts.data,
            ends=self.ends.data,
            timezone=self.timezone.data,
            title=self.title.data or "",
            venue=self.venue.data,
            online_url=self.online_url.data,
        )


def session_data(session: CohortSession) -> dict:
    starts = utc_to_local(session.starts_at, session.timezone)
    return {
        "day": starts.date(),
        "starts": starts.time(),
        "ends": utc_to_local(session.ends_at, session.timezone).time(),
        "timezone": session.timezone,
        "title": session.title,
        "venue": session.venue,
        "online_url": session.online_url,
    }


class WeeklySessionsForm(_SessionPlaceForm):
    first_day = DateField(_l("Date of the first session"), validators=[InputRequired()])
    count = IntegerField(
        _l("Number of sessions"),
        validators=[InputRequired()],
        default=6,
        render_kw={"inputmode": "numeric"},
    )
    every_weeks = IntegerField(
        _l("Every how many weeks"),
        validators=[InputRequired()],
        default=1,
        render_kw={"inputmode": "numeric"},
        description=_l("1 for every week, 2 for every other week."),
    )

    def repeat(self) -> dict:
        """The arguments of `commands.add_weekly_sessions`."""
        return {
            "first_day": self.first_day.data,
            "start_time": self.starts.data,
            "end_time": self.ends.data,
            "timezone": self.timezone.data,
            "count": self.count.data,
            "every_weeks": self.every_weeks.data,
            "title": self.title.data or "",
            "venue": self.venue.data,
            "online_url": self.online_url.data,
        }


class AddMemberForm(FlaskForm):
    email = EmailField(
        _l("Email of their Convene account"),
        filters=[strip],
        validators=[
            DataRequired(),
            Email(message=_l("Enter an email address like name@example.org.")),
            Length(max=320),
        ],
        render_kw={"autocomplete": "off", "inputmode": "email"},
    )
    role = SelectField(
        _l("Role"),
        choices=_choices(TEAM_ROLE_LABELS),
        default=TeamRole.ORGANISER.value,
        description=_l(
            "Leads manage the team. Organisers edit the programme, cohorts and sessions. "
            "Helpers check people in and take registers."
        ),
    )


class RoleForm(FlaskForm):
    """One team member's role, in their row of the team table (prefixed by member).

    Its CSRF token is the page's plain `csrf_token` field, which `CSRFProtect`
    checks on every POST; a prefixed copy per row would only repeat it.
    """

    class Meta:
        csrf = False

    role = SelectField(_l("Role"), choices=_choices(TEAM_ROLE_LABELS))


# Application questions -----------------------------------------------------------------


class QuestionForm(FlaskForm):
    prompt = TextAreaField(
        _l("Question"),
        filters=[one_newline, strip],
        description=_l("As applicants will read it, like “Have you used Python before?”."),
        render_kw={"rows": 2},
    )
    kind = SelectField(_l("Kind of answer"), choices=_choices(QUESTION_KIND_LABELS))
    choices = TextAreaField(
        _l("Choices"),
        filters=[one_newline],
        description=_l("For “One of several choices” only: one choice per line."),
        render_kw={"rows": 5},
    )
    required = BooleanField(_l("Applicants must answer it to submit"), default=True)

    def details(self) -> QuestionDetails:
        return QuestionDetails(
            prompt=self.prompt.data or "",
            kind=QuestionKind(self.kind.data),
            required=self.required.data,
            choices=(self.choices.data or "").split("\n"),
        )


def question_data(question: CohortQuestion) -> dict:
    return {
        "prompt": question.prompt,
        "kind": question.kind.value,
        "choices": "\n".join(question.choices or []),
        "required": question.required,
    }
