"""Admin forms. They parse what was typed; the rules live in `app.programmes.commands`."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, URLField
from wtforms.validators import DataRequired, Length

from app.core.forms import blank_to_none, options, strip
from app.core.i18n import country_choices


class OrganisationForm(FlaskForm):
    name = StringField(
        lazy_pgettext("organisation", "Name"),
        filters=[strip],
        validators=[DataRequired(), Length(max=200)],
        description=_l("As the partner writes it, like “Instituto Politécnico Nacional”."),
    )
    country = SelectField(_l("Country"), choices=[])
    website = URLField(
        _l("Website"),
        filters=[blank_to_none],
        validators=[Length(max=300)],
        description=_l("Optional, starting with https://."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = options([("", _l("Choose a country")), *country_choices()])
