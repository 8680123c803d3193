from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..exceptions import DomainError
from ..extensions import db, limiter
from ..forms import apply_domain_error
from ..redirects import safe_next_url
from . import preferences, services
from .forms import ChangePasswordForm, LoginForm, RegisterForm

bp = Blueprint("accounts", __name__, url_prefix="/account", template_folder="templates")
bp.after_app_request(preferences.match_device_to_account)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_username_key() -> str:
    return "login-user:" + services.normalize_username(request.form.get("username", ""))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"], methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        data = services.Registration(
            username=form.username.data, password=form.password.data,
            display_name=form.display_name.data, phone=form.phone.data,
            community=form.community.data, is_volunteer=form.is_volunteer.data)
        try:
            user = services.register(data)
            preferences.adopt_device_mode(user)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            db.session.commit()
            login_user(user)
            flash(_("Welcome, %(name)s! Your account is ready.", name=user.display_name),
                  "success")
            return redirect(url_for("main.home"))
    return render_template("accounts/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_login_username_key)
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated:
        return redirect(safe_next_url(form.next.data))
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data)
        except DomainError as exc:
            flash(str(exc.message), "danger")
        else:
            db.session.commit()
            session.clear()  # a new session: nothing (nor the CSRF secret) from before the login
            login_user(user, remember=form.remember.data)
            return redirect(safe_next_url(form.next.data))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    services.end_sessions(current_user)
    db.session.commit()
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data,
                                     form.new_password.data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # this session stays valid
            flash(_("Your password has been changed. Other sessions are logged out."),
                  "success")
            return redirect(url_for("main.home"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/volunteer", methods=["POST"])
@login_required
def become_volunteer():
    services.become_volunteer(current_user)
    db.session.commit()
    flash(_("Thank you! You can now publish services."), "success")
    return redirect(url_for("listings.create"))


@bp.route("/elder-mode", methods=["POST"])
def elder_mode():
    """The header's 长辈模式 开/关 switch; back to the page it was pressed on."""
    response = make_response(redirect(safe_next_url(request.form.get("next"))))
    preferences.switch_elder_mode(request.form.get("on") == "1", response)
    db.session.commit()
    return response
