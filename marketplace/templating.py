"""What every template can use."""

import functools
from datetime import datetime

from babel.dates import format_skeleton
from flask import Flask, current_app, g, url_for
from flask_babel import format_datetime, get_locale, to_user_timezone
from flask_login import current_user
from markupsafe import Markup

from . import labels
from .accounts.preferences import elder_mode
from .authz import is_lead
from .enrollments.services import visible_contact
from .i18n import select_locale
from .listings.services import has_ended
from .notifications.services import unread_count
from .privacy import mask_contact


def init_app(app: Flask) -> None:
    app.jinja_env.filters["localdt"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else "")
    app.jinja_env.filters["timespan"] = timespan
    app.jinja_env.filters["mask_contact"] = mask_contact
    app.jinja_env.globals.update(label=page_label, status_colour=labels.STATUS_COLOUR,
                                 category_name=labels.category_name,
                                 visible_contact=visible_contact, render_icon=render_icon,
                                 service_ended=has_ended)

    @app.context_processor
    def inject_globals():
        signed_in = current_user.is_authenticated
        return {
            "languages": current_app.config["LANGUAGES"],
            "current_locale": select_locale(),
            "elder_mode": elder_mode(),
            "user_is_lead": is_lead(current_user),
            "unread_notifications": unread_count(current_user.id) if signed_in else 0,
        }


def page_label(value) -> str:
    """A stored value's word on a page: plain words in elder mode."""
    return labels.label(value, plain=elder_mode())


def render_icon(name: str, size: str = "1em") -> Markup:
    """A Bootstrap icon from the local sprite: Bootstrap-Flask's macro of
    the same name, as a function (the macro's url_for on every icon was a
    good part of a page's rendering time). Decorative: the words beside it
    say what it means."""
    if "icon_sprite" not in g:
        g.icon_sprite = url_for("bootstrap.static", filename="icons/bootstrap-icons.svg")
    return _icon(g.icon_sprite, name, size)


@functools.lru_cache(maxsize=1024)
def _icon(sprite: str, name: str, size: str) -> Markup:
    return Markup('<svg class="bi" width="{size}" height="{size}" fill="currentColor" '
                  'aria-hidden="true"><use xlink:href="{sprite}#{name}"/></svg>'
                  ).format(size=size, sprite=sprite, name=name)


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
