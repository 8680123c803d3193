"""Field rules that several domains share (a listing and a help request
both have a title, a category and a community; moderation and rejections
both need a reason). Each raises InvalidInput naming its field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .exceptions import InvalidInput
from .extensions import db
from .listings.models import Category


def check_title(title: str) -> None:
    if not 2 <= len(title.strip()) <= 80:
        raise InvalidInput(_l("Title: 2-80 characters."), field="title")


def check_category(category_id: int) -> Category:
    category = db.session.get(Category, category_id)
    if category is None or category.retired_at is not None:
        raise InvalidInput(_l("Please choose a category."), field="category_id")
    return category


def check_community(community: str) -> None:
    if not 1 <= len(community.strip()) <= 60:
        raise InvalidInput(_l("Please enter the community (at most 60 characters)."),
                           field="community")


def check_reason(reason: str | None) -> str:
    """A reason given to a person (moderation, a rejection); returned cleaned."""
    reason = (reason or "").strip()
    if not 2 <= len(reason) <= 200:
        raise InvalidInput(_l("Please give a reason (2-200 characters)."), field="reason")
    return reason

