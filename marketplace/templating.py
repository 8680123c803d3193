"""What every template can use."""

from datetime import datetime

from babel.dates import format_skeleton
from flask import Flask, current_app
from flask_babel import format_datetime, get_locale, to_user_timezone
from flask_login import current_user

from . import labels
from .authz import is_lead
from .enrollments.services import visible_contact
from .i18n import select_locale
from .notifications.services import unread_count


def init_app(app: Flask) -> None:
    app.jinja_env.filters["localdt"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else "")
    app.jinja_env.filters["timespan"] = timespan
    app.jinja_env.globals.update(label=labels.label, status_colour=labels.STATUS_COLOUR,
                                 category_name=labels.category_name,
                                 visible_contact=visible_contact)

    @app.context_processor
    def inject_globals():
        signed_in = current_user.is_authenticated
        return {
            "languages": current_app.config["LANGUAGES"],
            "current_locale": select_locale(),
            "user_is_lead": is_lead(current_user),
            "unread_notifications": unread_count(current_user.id) if signed_in else 0,
        }


def timespan(start: datetime | None, end: datetime | None = None) -> str:
    """'11月23日周一 14:00–16:00' (or 'Mon, Nov 23 14:00–16:00'), the end's
    date shown only when it differs."""
    if start is None:
        return ""
    locale = get_locale()
    start, end = to_user_timezone(start), to_user_timezone(end) if end else None

    def day(value):
        return format_skeleton("MMMEd", value, locale=locale)

    def clock(value):
        return value.strftime("%H:%M")

    text = f"{day(start)} {clock(start)}"
    if end:
        text += "–" + (clock(end) if end.date() == start.date() else f"{day(end)} {clock(end)}")
    return text
