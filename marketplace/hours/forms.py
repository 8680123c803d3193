from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms import OptionalChoice


class HourForm(FlaskForm):
    branch_id = SelectField(_l("Counts for branch"), coerce=int, validators=[InputRequired()])
    day = DateField(_l("Date"), validators=[DataRequired()])
    start = TimeField(_l("Start"), validators=[DataRequired()])
    end = TimeField(_l("End"), validators=[DataRequired()],
                    description=_l("Service time only; travel is not counted."))
    description = TextAreaField(_l("What was done"), validators=[DataRequired(), Length(max=500)],
                                render_kw={"rows": 2})
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=120)])
    served_person = StringField(_l("Who was served (optional)"),
                                validators=[Optional(), Length(max=60)])
    activity_lead = StringField(_l("The activity's lead (optional)"),
                                validators=[Optional(), Length(max=60)])
    visit_code = StringField(_l("The resident's visit code (optional)"),
                             validators=[Optional(), Length(max=8)],
                             render_kw={"inputmode": "numeric", "autocomplete": "off"})
    enrollment_id = HiddenField()
    help_request_id = HiddenField()


class ReviewFilterForm(FlaskForm):
    """The review queue's filters: a GET form, nothing is changed."""

    class Meta:
        csrf = False

    member = SelectField(_l("Member"), validators=[OptionalChoice()])
    month = StringField(_l("Month"), validators=[Optional(), Length(max=7)],
                        render_kw={"type": "month"})
    linked = SelectField(_l("Served"), validators=[OptionalChoice()], choices=[
        SelectChoice("", _l("Any")), SelectChoice("yes", _l("A service or help request")),
        SelectChoice("no", _l("Other volunteer work"))])
