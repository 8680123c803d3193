from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import Optional


class ExportForm(FlaskForm):
    """The range of the CSV export: a GET form, nothing is changed. The
    fields accept an empty value; export.check_range says what is missing."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
