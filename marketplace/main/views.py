"""The home page and site-wide small pages."""

from flask import Blueprint, current_app, make_response, redirect, render_template, request
from flask_login import current_user

from ..extensions import db
from ..listings.queries import active_categories, upcoming_services
from ..pagecache import public_page
from ..profiles.queries import volunteer_stars
from ..redirects import safe_next_url

bp = Blueprint("main", __name__, template_folder="templates")

LANG_COOKIE = "lang"


@bp.route("/")
@public_page
def home():
    upcoming = upcoming_services(limit=6)
    return render_template("main/home.html", categories=active_categories(), upcoming=upcoming,
                           stars=volunteer_stars(s.volunteer_id for s in upcoming))


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    """Switch the interface language; remembered on the account and the device."""
    if code not in current_app.config["LANGUAGES"]:
        code = current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    response = make_response(redirect(safe_next_url(request.form.get("next"))))
    response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax",
                        httponly=True)
    return response


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}
