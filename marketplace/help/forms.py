from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms import OptionalChoice
from ..labels import URGENCY
from .models import Urgency

URGENCY_CHOICES = [SelectChoice(u.value, label) for u, label in URGENCY.items()]


class HelpRequestForm(FlaskForm):
    title = StringField(_l("What do you need?"), validators=[DataRequired(), Length(max=80)],
                        description=_l("For example: 急需电焊工:蒸汽管道泄漏抢修"))
    category_id = SelectField(_l("Category"), coerce=int, validators=[InputRequired()])
    details = TextAreaField(_l("Details"), validators=[DataRequired(), Length(max=5000)],
                            render_kw={"rows": 4})
    urgency = RadioField(_l("How urgent"), choices=URGENCY_CHOICES,
                         default=Urgency.NORMAL.value, validators=[InputRequired()])
    community = StringField(_l("Community"), validators=[DataRequired(), Length(max=60)])
    preferred_time = StringField(_l("Preferred time (optional)"),
                                 validators=[Optional(), Length(max=80)],
                                 description=_l("For example: 周六上午"))
    contact = StringField(_l("Your phone (seen only by the volunteer you accept)"),
                          validators=[DataRequired(), Length(max=200)],
                          render_kw={"inputmode": "tel", "autocomplete": "tel"})


class OfferForm(FlaskForm):
    message = TextAreaField(_l("Your message"), validators=[DataRequired(), Length(max=500)],
                            render_kw={"rows": 2},
                            description=_l("When you can come and what you can do."))


class HelpFilterForm(FlaskForm):
    class Meta:
        csrf = False

    category = SelectField(_l("Category"), validators=[OptionalChoice()])
    community = StringField(_l("Community"), validators=[Optional(), Length(max=60)])
    urgency = SelectField(_l("How urgent"), validators=[OptionalChoice()],
                          choices=[SelectChoice("", _l("Any")), *URGENCY_CHOICES])
