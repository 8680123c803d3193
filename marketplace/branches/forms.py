"""Forms of the branch pages: asking to join, a lead's answers, the admin's tree."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms import OptionalChoice
from ..routing import MAX_ID


def _branch_number(label, required: bool = False, description=None):
    return IntegerField(label, description=description, validators=[
        InputRequired() if required else Optional(), NumberRange(1, MAX_ID)],
        render_kw={"inputmode": "numeric"})


# -- volunteers -----------------------------------------------------------------------

class JoinForm(FlaskForm):
    membership = RadioField(_l("Join as"), default="functional", validators=[InputRequired()],
                            choices=[
                                SelectChoice("functional", _l("A functional member (兼合式)")),
                                SelectChoice("home", _l("My home branch (组织关系)"))])
    message = TextAreaField(_l("A word to the branch lead (optional)"),
                            validators=[Optional(), Length(max=200)],
                            render_kw={"rows": 2, "maxlength": 200})


class MoveHomeForm(FlaskForm):
    message = TextAreaField(_l("A word to the branch lead (optional)"),
                            validators=[Optional(), Length(max=200)],
                            render_kw={"rows": 2, "maxlength": 200})


# -- leads ----------------------------------------------------------------------------

class RefuseForm(FlaskForm):
    reason = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=200)],
                         render_kw={"maxlength": 200})


class RoleForm(FlaskForm):
    role = HiddenField(validators=[AnyOf(["member", "lead"])])


class MoveMemberForm(FlaskForm):
    branch_id = _branch_number(_l("New home branch number"), required=True)


class AddMemberForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=40)])
    membership = SelectField(_l("Membership"), choices=[
        SelectChoice("functional", _l("Functional (兼合式)")),
        SelectChoice("home", _l("Home branch (组织关系)"))])
    role = SelectField(_l("Role"), choices=[SelectChoice("member", _l("Member")),
                                            SelectChoice("lead", _l("Lead"))])


# -- admins ---------------------------------------------------------------------------

KIND_CHOICES = [SelectChoice("party_branch", _l("Party branch")),
                SelectChoice("volunteer_team", _l("Volunteer team")),
                SelectChoice("committee", _l("Party committee"))]


class BranchForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES)
    parent_id = _branch_number(_l("Committee above (number, optional)"))
    code = StringField(_l("Code (optional)"), validators=[Optional(), Length(max=40)],
                       description=_l("An external code, e.g. from the provincial roster."))
    community = StringField(_l("Community (optional)"), validators=[Optional(), Length(max=60)])


class RenameForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])


class MoveForm(FlaskForm):
    parent_id = _branch_number(_l("Committee above (number)"),
                               description=_l("Leave empty to put it at the top."))


class RetireForm(FlaskForm):
    successor_id = _branch_number(
        _l("Successor branch number (optional)"),
        description=_l("Its members move there; hours stay with this branch as history."))


class BranchFilterForm(FlaskForm):
    """The admin list's filters: a GET form, nothing is changed."""

    class Meta:
        csrf = False

    q = StringField(_l("Name contains"), validators=[Optional(), Length(max=120)])
    parent = _branch_number(_l("Under committee number"))
    kind = SelectField(_l("Kind"), validators=[OptionalChoice()],
                       choices=[SelectChoice("", _l("Any")), *KIND_CHOICES])
    status = SelectField(_l("Status"), validators=[OptionalChoice()], choices=[
        SelectChoice("live", _l("In use")), SelectChoice("retired", _l("Retired")),
        SelectChoice("all", _l("All"))])


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name contains"), validators=[Optional(), Length(max=120)])


class AllianceForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description (optional)"),
                                validators=[Optional(), Length(max=500)],
                                render_kw={"rows": 3})


class AllianceBranchForm(FlaskForm):
    branch_id = _branch_number(_l("Branch number"), required=True)
