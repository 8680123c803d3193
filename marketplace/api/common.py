"""What the API modules share: paging arguments, brief shapes, the optional
token of public reads, reading category ids, PATCH merging, rate limits."""

from dataclasses import fields as dataclass_fields

import marshmallow as ma
import sqlalchemy as sa
from flask import abort

from ..accounts.tokens import find_token
from ..exceptions import InvalidInput
from ..extensions import db, limiter
from ..listings.models import Category
from ..localtime import local_to_utc
from ..routing import MAX_ID
from .auth import SECURITY, bearer_token, token_required
from .schemas import ErrorSchema

MAX_PAGE_SIZE = 100
OPTIONAL_TOKEN = [{}, *SECURITY]


class SiteDateTime(ma.fields.DateTime):
    """ISO 8601; a time without an offset is the site's local time (as on
    the pages, Asia/Shanghai), so a phone can send what the resident typed."""

    def _deserialize(self, value, attr, data, **kwargs):
        return local_to_utc(super()._deserialize(value, attr, data, **kwargs))


class JsonBoolean(ma.fields.Boolean):
    """A request body's JSON true or false, nothing else: marshmallow's
    Boolean also takes 0, 1, "yes" and "on", which the document's boolean
    type refuses."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def id_field(**kwargs) -> ma.fields.Integer:
    """An id in a request body: a JSON integer the id columns can hold."""
    return ma.fields.Integer(strict=True, validate=ma.validate.Range(1, MAX_ID), **kwargs)


class PageArgs(ma.Schema):
    cursor = ma.fields.String(validate=ma.validate.Length(max=500),
                              metadata={"description": "next_cursor of the previous page"})
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(1, MAX_PAGE_SIZE))


class UserBrief(ma.Schema):
    id = ma.fields.Integer(required=True)
    display_name = ma.fields.String(required=True)


class FeedbackIn(ma.Schema):
    rating = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(1, 5))
    comment = ma.fields.String(allow_none=True, load_default=None,
                               validate=ma.validate.Length(max=500))


def category_id_from(value: str | None) -> int | None:
    """Clients hold either the id or the slug of a category."""
    if not value:
        return None
    # Only ASCII digits are an id ("²".isdigit() is true, int() refuses it), and
    # one too big for the database is no category (not a driver overflow).
    if value.isascii() and value.isdigit():
        if len(value) > len(str(MAX_ID)) or int(value) > MAX_ID:
            raise InvalidInput(field="category")
        column, key = Category.id, int(value)
    else:
        column, key = Category.slug, value
    found = db.session.scalar(sa.select(Category.id).where(column == key))
    if found is None:
        raise InvalidInput(field="category")
    return found


def optional_user():
    """The caller when a token is sent; a bad token is refused, not ignored."""
    raw = bearer_token()
    if raw is None:
        return None
    token = find_token(raw)
    if token is None:
        abort(401)
    return token.user


def merged(obj, data_class, changes: dict) -> dict:
    """A PATCH names only what changes; the rules check the whole record."""
    current = {f.name: getattr(obj, f.name) for f in dataclass_fields(data_class)}
    return current | changes


def action_route(blp, rule: str, view, response_schema, *, name: str, doc: str,
                 refused: str = "Not the caller's to do.",
                 conflict: str = "Not possible in its current status.",
                 not_found: str | None = None):
    """Register `view` as POST `rule`, token-protected and documented with the
    answers every state-changing action shares (200, 403, 404, 409)."""

    view.__name__ = view.__qualname__ = name
    view.__doc__ = doc
    view = blp.alt_response(409, schema=ErrorSchema, description=conflict)(view)
    view = blp.alt_response(404, schema=ErrorSchema, description=not_found)(view)
    view = blp.alt_response(403, schema=ErrorSchema, description=refused)(view)
    view = blp.response(200, response_schema)(view)
    return blp.route(rule, methods=["POST"])(token_required(view))


def rate_limited(blp, limit, **kwargs):
    """Flask-Limiter's limit on a view, and its 429 in the document."""
    return limited_by(blp, limiter.limit(limit, **kwargs))


def limited_by(blp, limits):
    """A view under `limits` (a limiter decorator, e.g. limits.join_limits),
    with its 429 in the document."""

    def decorate(view):
        return blp.alt_response(429, schema=ErrorSchema,
                                description="Too many attempts: try again after the "
                                            "Retry-After header's seconds.")(limits(view))

    return decorate


def commit_keeping_objects() -> None:
    """Commit, and answer from the objects as committed instead of reading
    each one again (a hot write path's answer, e.g. joining in a burst)."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
