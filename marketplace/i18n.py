"""Language: the account's choice (a page's login or an API token), else the
device's cookie, else Chinese."""

from flask import Flask, current_app, g, has_request_context, request
from flask_login import current_user

from .extensions import babel


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the CLI and background work speak the default
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user = g.get("api_user") or current_user
    if user and user.is_authenticated and user.locale in languages:
        return user.locale
    cookie = request.cookies.get("lang")
    if cookie in languages:
        return cookie
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
