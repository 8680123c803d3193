"""The admin pages' forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, Regexp, ValidationError

from ..exceptions import InvalidInput
from ..forms import OptionalChoice
from . import audit_log
from .audit_labels import TARGET_TYPES


class AuditFilterForm(FlaskForm):
    """The audit log's filters: a GET form, nothing is changed."""

    class Meta:
        csrf = False

    action = StringField(
        _l("Action"), validators=[Optional(), Length(max=60), Regexp(
            audit_log.ACTION_PATTERN, message=_l("An action looks like membership.accept, "
                                                 "or membership for all of its kind."))],
        description=_l("e.g. hour_record.approve, or hour_record for every action on hours"))
    actor = StringField(_l("Done by (username)"), validators=[Optional(), Length(max=40)])
    target_type = SelectField(_l("Record type"), validators=[OptionalChoice()], choices=[
        SelectChoice("", _l("Any")), *(SelectChoice(k, v) for k, v in TARGET_TYPES.items())])
    target_id = IntegerField(_l("Record number"),
                             validators=[Optional(), NumberRange(1, 2**31 - 1)],
                             render_kw={"inputmode": "numeric"})
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def validate_target_id(self, field):
        self._check(audit_log.AuditFilters(target_type=self.target_type.data or None,
                                           target_id=field.data))

    def validate_date_to(self, field):
        self._check(audit_log.AuditFilters(date_from=self.date_from.data, date_to=field.data))

    @staticmethod
    def _check(filters: audit_log.AuditFilters) -> None:
        """audit_log.check's rules (the API's too), shown beside the field."""
        try:
            audit_log.check(filters)
        except InvalidInput as exc:
            raise ValidationError(str(exc.message)) from exc
