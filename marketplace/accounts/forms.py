from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from .passwords import MAX_LENGTH, MIN_LENGTH


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=40)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    remember = BooleanField(_l("Remember me"))
    next = HiddenField()


class RegisterForm(FlaskForm):
    username = StringField(
        _l("Username"), validators=[DataRequired(), Length(min=3, max=40)],
        description=_l("3-40 letters, digits, '_', '.' or '-'; used to log in."))
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=40)])
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=20)])
    community = StringField(_l("Community (optional)"), validators=[Optional(), Length(max=60)])
    # Length and strength are the service's rules (passwords.py), checked once there.
    password = PasswordField(
        _l("Password"), validators=[DataRequired()],
        description=_l("At least %(n)d characters.", n=MIN_LENGTH))
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("Passwords do not match."))])
    is_volunteer = BooleanField(_l("I want to offer services as a volunteer"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(),
                    EqualTo("new_password", message=_l("Passwords do not match."))])
