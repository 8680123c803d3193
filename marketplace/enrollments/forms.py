from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional


class JoinForm(FlaskForm):
    contact = StringField(_l("Your phone (seen only by the volunteer)"),
                          validators=[DataRequired(), Length(max=200)],
                          render_kw={"inputmode": "tel", "autocomplete": "tel"})
    note = TextAreaField(_l("Note for the volunteer (optional)"),
                         validators=[Optional(), Length(max=500)], render_kw={"rows": 2})


class RateForm(FlaskForm):
    rating = RadioField(_l("Rating"), coerce=int, validators=[InputRequired()],
                        choices=[SelectChoice(n, "★" * n) for n in range(5, 0, -1)])
    # Its length is the feedback service's rule, answered with its own message.
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional()],
                            render_kw={"rows": 2})
