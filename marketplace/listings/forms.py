from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms import OptionalChoice
from ..labels import SERVICE_MODE
from .models import ServiceMode
from .queries import SORTS

MODE_CHOICES = [SelectChoice(mode.value, label) for mode, label in SERVICE_MODE.items()]
SORT_CHOICES = [SelectChoice(sort, label) for sort, label in zip(
    SORTS, (_l("Soonest"), _l("Newest"), _l("Most joined")), strict=True)]


class ServiceForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=80)],
                        description=_l("For example: 义务理发(上门)"))
    category_id = SelectField(_l("Category"), coerce=int, validators=[InputRequired()])
    description = TextAreaField(_l("Description"), validators=[DataRequired(), Length(max=5000)],
                                render_kw={"rows": 5})
    community = StringField(_l("Community"), validators=[DataRequired(), Length(max=60)])
    mode = RadioField(_l("Where"), choices=MODE_CHOICES, default=ServiceMode.HOME.value,
                      validators=[InputRequired()])
    place = StringField(_l("Place (for services at a place)"), validators=[Optional(),
                                                                           Length(max=120)])
    starts_at = DateTimeLocalField(_l("Starts (optional)"), validators=[Optional()],
                                   format="%Y-%m-%dT%H:%M",
                                   description=_l("Leave empty for an open-ended offer."))
    ends_at = DateTimeLocalField(_l("Ends (optional)"), validators=[Optional()],
                                 format="%Y-%m-%dT%H:%M")
    capacity = IntegerField(_l("Places"), default=1,
                            validators=[InputRequired(), NumberRange(min=1, max=10_000)])
    auto_confirm = BooleanField(_l("Confirm everyone who joins automatically"))
    publish = SubmitField(_l("Publish"))
    save_draft = SubmitField(_l("Save as draft"))


class HideForm(FlaskForm):
    # Checked by the moderation rule (validation.check_reason), not here.
    reason = StringField(_l("Reason"))


class BrowseForm(FlaskForm):
    """The browse filters: a GET form, so no CSRF token and nothing is changed."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=40)])
    category = SelectField(_l("Category"), validators=[OptionalChoice()])
    community = StringField(_l("Community"), validators=[Optional(), Length(max=60)])
    mode = SelectField(_l("Where"), choices=[SelectChoice("", _l("Anywhere")), *MODE_CHOICES],
                       validators=[OptionalChoice()])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    has_places = BooleanField(_l("Places left"))
    sort = SelectField(_l("Sort"), choices=SORT_CHOICES, default="soonest",
                       validators=[OptionalChoice()])
