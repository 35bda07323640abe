"""Enrolment forms: household members, teacher details, booking a place, applying, and the
team's review and place forms. They parse what was typed; the rules live in
`app.enrolment.rules` and the commands."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    Field,
    RadioField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from app.accounts.models import User
from app.core.forms import blank_to_none, one_newline, options, strip
from app.core.i18n import country_choices, country_name
from app.enrolment import commands, queries
from app.enrolment.commands import BookingDetails, MemberDetails
from app.enrolment.lifecycle import ApplicationDetails
from app.enrolment.models import Enrolment, HouseholdMember, PersonKind
from app.enrolment.rules import ME, TeacherDetails, answer_field, person_key
from app.enrolment.words import (
    ENROLMENT_STATUS_LABELS,
    PERSON_KIND_LABELS,
    SCHOOL_PHASES,
    STUDY_LEVEL_LABELS,
    YES_NO_LABELS,
)
from app.programmes.forms import LOCAL_DATETIME_FORMATS
from app.programmes.models import CohortQuestion, QuestionKind

#: Digits, spaces and the usual phone punctuation, with an optional leading +.
PHONE = r"^\+?[0-9 ()./-]{6,40}$"


class BirthDateField(DateField):
    """A date of birth as date inputs send it (YYYY-MM-DD), with a message people follow."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Enter a real date, like 2016-05-01.")) from error


def _needs(label):
    return TextAreaField(
        label,
        filters=[blank_to_none],
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 3},
    )


class MemberForm(FlaskForm):
    kind = RadioField(
        _l("Child or adult"),
        choices=options((kind.value, label) for kind, label in PERSON_KIND_LABELS.items()),
        default=PersonKind.CHILD.value,
    )
    name = StringField(
        lazy_pgettext("person", "Name"),
        filters=[strip],
        validators=[DataRequired(message=_l("Enter their name.")), Length(max=120)],
        description=_l("As it should appear on tickets and registers."),
        render_kw={"autocomplete": "off"},
    )
    date_of_birth = BirthDateField(
        _l("Date of birth"),
        validators=[Optional()],
        description=_l("Needed for children: cohorts are for set ages."),
    )
    school_year = StringField(
        _l("School year (optional)"),
        filters=[blank_to_none],
        validators=[Optional(), Length(max=40)],
        description=_l("For children, like Year 4 or Grade 3."),
    )
    medical_needs = _needs(_l("Medical needs (optional)"))
    dietary_needs = _needs(_l("Dietary needs (optional)"))
    access_needs = _needs(_l("Access needs (optional)"))
    photo_consent = BooleanField(_l("They may appear in photos taken at our sessions"))

    def details(self) -> MemberDetails:
        return MemberDetails(
            kind=PersonKind(self.kind.data),
            name=self.name.data,
            date_of_birth=self.date_of_birth.data,
            school_year=self.school_year.data,
            medical_needs=self.medical_needs.data,
            dietary_needs=self.dietary_needs.data,
            access_needs=self.access_needs.data,
            photo_consent=self.photo_consent.data,
        )


def member_data(member: HouseholdMember) -> dict:
    return {
        "kind": member.kind.value,
        "name": member.name,
        "date_of_birth": member.date_of_birth,
        "school_year": member.school_year,
        "medical_needs": member.medical_needs,
        "dietary_needs": member.dietary_needs,
        "access_needs": member.access_needs,
        "photo_consent": member.photo_consent,
    }


def _phase_choices(current: str | None):
    pairs = [("", _l("Choose a phase")), *SCHOOL_PHASES.items()]
    if current and current not in SCHOOL_PHASES:  # an older free-text value stays choosable
        pairs.append((current, current))
    return options(pairs)


def _given(message, required: bool):
    """Required (with `message`) when booking a teacher course; optional on the profile."""
    return DataRequired(message=message) if required else Optional()


def _school_fields(required: bool) -> dict:
    return {
        "school_name": StringField(
            _l("School"),
            filters=[blank_to_none],
            validators=[
                _given(_l("This course is for teachers: enter your school."), required),
                Length(max=200),
            ],
            description=_l("The school or college where you teach."),
            render_kw={"autocomplete": "organization"},
        ),
        "school_phase": SelectField(
            _l("Phase"),
            choices=[],
            validators=[_given(_l("Choose the phase you teach."), required)],
        ),
        "school_subject": StringField(
            lazy_pgettext("school subject", "Subject"),
            filters=[blank_to_none],
            validators=[_given(_l("Enter the subject you teach."), required), Length(max=120)],
            description=_l("What you teach, like science or mathematics."),
        ),
    }


class TeacherDetailsForm(FlaskForm):
    """The teacher profile, every field optional; a teacher course's booking requires them."""

    school_name, school_phase, school_subject = _school_fields(required=False).values()
    professional_ref = StringField(
        _l("Professional reference number (optional)"),
        filters=[blank_to_none],
        validators=[Optional(), Length(max=60)],
        description=_l("Your teacher registration number, if you have one, for CPD records."),
        render_kw={"autocapitalize": "characters", "spellcheck": "false"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.school_phase.choices = _phase_choices(self.school_phase.object_data)

    def teacher_details(self) -> TeacherDetails:
        return TeacherDetails(
            school_name=self.school_name.data,
            school_phase=self.school_phase.data or None,
            school_subject=self.school_subject.data,
            professional_ref=self.professional_ref.data,
        )


def teacher_data(user: User) -> dict:
    return {
        "school_name": user.school_name,
        "school_phase": user.school_phase or "",
        "school_subject": user.school_subject,
        "professional_ref": user.professional_ref,
    }


class TeacherBookingForm(TeacherDetailsForm):
    """One seat for the account holder, with their school (saved to their profile)."""

    school_name, school_phase, school_subject = _school_fields(required=True).values()

    def details(self) -> BookingDetails:
        return BookingDetails(account_holder=True, teacher=self.teacher_details())


class PeopleField(SelectMultipleField):
    """Checkboxes for who comes: the account holder and household members.

    Rendered by the booking template, which puts each person's notes by their name.
    """

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class PartyBookingForm(FlaskForm):
    people = PeopleField(
        _l("Who is coming"),
        choices=[],
        description=_l("Each person takes one seat."),
    )
    photo_consent = BooleanField(_l("Photos of our party may be taken at this workshop"))
    emergency_contact_name = StringField(
        _l("Emergency contact"),
        filters=[blank_to_none],
        validators=[Optional(), Length(max=120)],
        description=_l("Someone we can call while the children are with us. Needed for children."),
        render_kw={"autocomplete": "off"},
    )
    emergency_contact_phone = TelField(
        _l("Emergency contact's phone"),
        filters=[blank_to_none],
        validators=[
            Optional(),
            Regexp(PHONE, message=_l("Enter a phone number, like +44 20 7946 0000.")),
        ],
        render_kw={"autocomplete": "off", "inputmode": "tel"},
    )

    authorised_collectors = TextAreaField(
        _l("Other adults who may collect the children"),
        filters=[blank_to_none],
        validators=[Optional(), Length(max=600)],
        description=_l(
            "One name per line. At the end, children leave only with an adult of your "
            "party or someone named here."
        ),
        render_kw={"rows": 3},
    )

    def __init__(self, *args, user: User, members: list[HouseholdMember], **kwargs):
        super().__init__(*args, **kwargs)
        self.people.choices = options(
            [(ME, _l("Me (%(name)s)", name=user.name))]
            + [(person_key(member), member.name) for member in members]
        )

    def validate_people(self, field):
        if not field.data:
            raise ValidationError(_l("Choose who is coming."))

    def details(self) -> BookingDetails:
        chosen = self.people.data or []
        return BookingDetails(
            member_ids=tuple(int(value) for value in chosen if value != ME),
            account_holder=ME in chosen,
            photo_consent=self.photo_consent.data,
            emergency_contact_name=self.emergency_contact_name.data,
            emergency_contact_phone=self.emergency_contact_phone.data,
            authorised_collectors=tuple(
                name.strip()
                for name in (self.authorised_collectors.data or "").splitlines()
                if name.strip()
            ),
        )


def party_data(members: list[HouseholdMember], unavailable: dict) -> dict:
    """The booking form to start with: the account holder ticked (unless they have a
    place already), and photo consent ticked when every child's profile gives it."""
    children = [member for member in members if member.is_child]
    return {
        "people": [] if ME in unavailable else [ME],
        "photo_consent": bool(children) and all(child.photo_consent for child in children),
    }


class CancelForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (optional)"),
        filters=[blank_to_none],
        validators=[Optional(), Length(max=1000)],
        description=_l("It helps the organisers plan; they see it with the cancellation."),
        render_kw={"rows": 3},
    )


class ConfirmForm(FlaskForm):
    """A confirmation step: only the CSRF token."""


# Applications ----------------------------------------------------------------------------

#: The value of the button that submits an application (the other saves a draft).
SUBMIT = "submit"


class ApplicationForm(FlaskForm):
    """The fixed part of an application; `application_form` adds the cohort's questions."""

    home_institution = StringField(
        _l("Home institution"),
        filters=[blank_to_none],
        description=_l("The university or school where you study now."),
        render_kw={"autocomplete": "organization"},
    )
    # Optional(): left unchosen is no error here; the rules decide when it must be.
    home_country = SelectField(_l("Home country"), choices=[], validators=[Optional()])
    study_level = SelectField(_l("Level of study"), choices=[], validators=[Optional()])
    statement = TextAreaField(
        _l("Personal statement"), filters=[one_newline, strip], render_kw={"rows": 14}
    )
    #: Which button was pressed: "submit", or anything else for "save draft".
    action = StringField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.home_country.choices = options([("", _l("Choose a country")), *country_choices()])
        self.study_level.choices = options(
            [("", _l("Choose a level")), *STUDY_LEVEL_LABELS.items()]
        )
        self.questions: list[tuple[CohortQuestion, Field]] = []

    @property
    def submitting(self) -> bool:
        return self.action.data == SUBMIT

    def details(self) -> ApplicationDetails:
        answers = {str(question.id): field.data for question, field in self.questions if field.data}
        return ApplicationDetails(
            home_institution=self.home_institution.data,
            home_country=self.home_country.data or None,
            study_level=self.study_level.data or None,
            statement=self.statement.data or None,
            answers=answers,
        )


def _question_field(question: CohortQuestion) -> Field:
    hint = None if question.required else _l("Optional.")
    if question.kind == QuestionKind.TEXT:
        return TextAreaField(
            question.prompt,
            filters=[one_newline, strip],
            description=hint,
            render_kw={"rows": 4},
        )
    if question.kind == QuestionKind.CHOICE:
        choices = [(choice, choice) for choice in question.choices]
    else:
        choices = list(YES_NO_LABELS.items())
    return RadioField(
        question.prompt, choices=options(choices), validators=[Optional()], description=hint
    )


def application_form(questions: list[CohortQuestion], **kwargs) -> ApplicationForm:
    """The application form of a cohort: its fixed fields, then its own questions in order."""

    class CohortApplicationForm(ApplicationForm):
        pass

    for question in questions:
        setattr(CohortApplicationForm, answer_field(question), _question_field(question))
    form = CohortApplicationForm(**kwargs)
    form.questions = [(question, form[answer_field(question)]) for question in questions]
    return form


def application_data(enrolment: Enrolment | None, questions: list[CohortQuestion]) -> dict:
    """A saved draft's values as the form shows them."""
    if enrolment is None:
        return {}
    answers = enrolment.answers or {}
    return {
        "home_institution": enrolment.home_institution,
        "home_country": enrolment.home_country or "",
        "study_level": enrolment.study_level or "",
        "statement": enrolment.statement,
        **{answer_field(q): answers.get(str(q.id)) for q in questions},
    }


# Reviewing applications ----------------------------------------------------------------


class ApplicationFilterForm(FlaskForm):
    """The review queue's filters, in the query string. A value that does not parse is
    reported next to its field and left out; the other filters still apply."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=[], validators=[Optional()])
    country = SelectField(_l("Home country"), choices=[], validators=[Optional()])
    score = SelectField(_l("Score"), choices=[], validators=[Optional()])
    q = SearchField(
        _l("Name or institution"),
        filters=[strip],
        validators=[Optional(), Length(max=100)],
    )

    def __init__(self, *args, countries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = options(
            [("", _l("Any status"))]
            + [(status.value, ENROLMENT_STATUS_LABELS[status]) for status in queries.QUEUE_FILTERS]
        )
        named = sorted(((code, country_name(code)) for code in countries), key=lambda c: c[1])
        self.country.choices = options([("", _l("Any country")), *named])
        self.score.choices = options(
            [("", _l("Any score")), ("none", _l("Not scored yet")), ("5", "5")]
            + [(str(n), _l("%(num)d or more", num=n)) for n in (4, 3, 2, 1)]
        )

    def _value(self, field) -> str | None:
        """What the field filters by: None when it was left blank (spaces too) or was
        not one of its choices."""
        return None if field.errors else ((field.data or "").strip() or None)

    def filters(self) -> queries.QueueFilters:
        status = self._value(self.status)
        return queries.QueueFilters(
            status=commands.S(status) if status else None,
            country=self._value(self.country),
            score=self._value(self.score),
            text=self._value(self.q) or "",
        )

    @property
    def active(self) -> bool:
        return any(self._value(field) for field in (self.status, self.country, self.score, self.q))


class DecisionForm(FlaskForm):
    """A decision on one application or on those ticked in the queue; the button pressed
    says which (`action`)."""

    #: The ticked rows of the queue (checkboxes drawn by the table itself).
    enrolment_ids = SelectMultipleField(coerce=int, validate_choice=False)
    action = StringField()
    offer_deadline = DateTimeLocalField(
        _l("Answer by"),
        format=LOCAL_DATETIME_FORMATS,
        validators=[Optional()],
    )
    message = TextAreaField(
        _l("Message to the applicants"),
        filters=[one_newline],
        description=_l("Sent by email with the decision. Edit it as you wish."),
        render_kw={"rows": 7},
    )

    def decision(self) -> commands.Decision:
        return commands.Decision(
            action=self.action.data or "",
            offer_deadline=self.offer_deadline.data,
            message=self.message.data,
        )


class ScoreForm(FlaskForm):
    score = SelectField(
        _l("Score"),
        choices=options([("", _l("Not scored")), *((str(n), str(n)) for n in queries.SCORES)]),
        description=_l("From 1 (weakest) to 5 (strongest). Only the team sees it."),
    )

    def value(self) -> int | None:
        return int(self.score.data) if self.score.data else None


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Add a comment"),
        filters=[one_newline],
        description=_l("Only the team sees comments, never the applicant."),
        render_kw={"rows": 3},
    )


# Cancelling and moving places ----------------------------------------------------------


def _reason_field():
    return TextAreaField(
        _l("Reason"),
        filters=[one_newline],
        description=_l("Sent to the participant in the email that tells them."),
        render_kw={"rows": 4},
    )


class CancelPlaceForm(FlaskForm):
    reason = _reason_field()


class MovePlaceForm(FlaskForm):
    target = SelectField(_l("Move to"), coerce=int, choices=[])
    reason = _reason_field()

    def __init__(self, *args, targets: list[tuple[int, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.target.choices = options(targets)
