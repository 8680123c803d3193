from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length


class IssueForm(FlaskForm):
    branch_id = SelectField(_l("Issuing branch"), coerce=int, validators=[InputRequired()])
    period_start = DateField(_l("From"), validators=[DataRequired()])
    period_end = DateField(_l("To"), validators=[DataRequired()],
                           description=_l("Hours of records started in these days count."))


class VerifyForm(FlaskForm):
    """The public check: a GET form, nothing is changed."""

    class Meta:
        csrf = False

    code = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "off", "autocapitalize": "characters",
                                  "spellcheck": "false", "placeholder": "ABCD-EFGH-JKLM"})
