"""What every template can use."""

from flask import Flask, current_app
from flask_babel import format_datetime
from flask_login import current_user

from .authz import is_lead
from .i18n import select_locale


def init_app(app: Flask) -> None:
    app.jinja_env.filters["localdt"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else "")

    @app.context_processor
    def inject_globals():
        return {
            "languages": current_app.config["LANGUAGES"],
            "current_locale": select_locale(),
            "user_is_lead": is_lead(current_user),
        }
