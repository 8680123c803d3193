"""In-app notifications over the API: the caller's list (newest first,
each text rendered in the caller's language), the unread count, and
marking read. Thin views over notifications.queries and .services."""

import marshmallow as ma
from flask import current_app, g
from flask_babel import force_locale
from flask_smorest import Blueprint

from ..extensions import db
from ..notifications import messages
from ..notifications.queries import notifications_of
from ..notifications.services import mark_read, unread_count
from ..routing import MAX_ID
from .auth import token_required
from .common import PageArgs
from .schemas import ErrorSchema

blp = Blueprint("api_notifications", __name__, description="The caller's notifications (通知)")



# -- requests ---------------------------------------------------------------

class NotificationArgs(PageArgs):
    unread = ma.fields.Boolean(load_default=False,
                               metadata={"description": "true: only the unread ones"})


class ReadIn(ma.Schema):
    ids = ma.fields.List(
        ma.fields.Integer(strict=True, validate=ma.validate.Range(1, MAX_ID)),
        validate=ma.validate.Length(1, 100),
        metadata={"description": "the notifications to mark read; all the caller's unread "
                                 "ones when not given. Ids of others are left alone."})


# -- responses --------------------------------------------------------------

class NotificationOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True, metadata={"description": 'e.g. "hours.approved"'})
    text = ma.fields.String(required=True,
                            metadata={"description": "the notice in the caller's language"})
    params = ma.fields.Dict(keys=ma.fields.String(), required=True,
                            metadata={"description": "what the text is made from (ids, "
                                                     "names), by kind"})
    read = ma.fields.Boolean(required=True)
    created_at = ma.fields.DateTime(required=True)


class NotificationPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(NotificationOut), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


class UnreadOut(ma.Schema):
    unread = ma.fields.Integer(required=True)


class MarkedOut(ma.Schema):
    marked = ma.fields.Integer(required=True,
                               metadata={"description": "how many were unread and are now "
                                                        "read"})


# -- views ------------------------------------------------------------------

def _caller_locale() -> str:
    """A token carries no session, so the language is the account's own
    choice here (else the site's default), as on the pages."""
    choice = g.api_user.locale
    if choice in current_app.config["LANGUAGES"]:
        return choice
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@blp.route("/me/notifications", methods=["GET"])
@token_required
@blp.arguments(NotificationArgs, location="query")
@blp.response(200, NotificationPage)
@blp.alt_response(422, schema=ErrorSchema, description="A bad filter or cursor.")
def my_notifications(args):
    """The caller's notifications, newest first."""
    page = notifications_of(g.api_user.id, args.get("cursor"), args["limit"],
                            unread_only=args["unread"])
    with force_locale(_caller_locale()):
        items = [{"id": note.id, "kind": note.kind, "text": messages.text(note),
                  "params": note.params, "read": note.read_at is not None,
                  "created_at": note.created_at} for note in page.items]
    return {"items": items, "next_cursor": page.next_cursor}


@blp.route("/me/notifications/unread-count", methods=["GET"])
@token_required
@blp.response(200, UnreadOut)
def my_unread_count():
    """How many of the caller's notifications are unread (the badge)."""
    return {"unread": unread_count(g.api_user.id)}


@blp.route("/me/notifications/read", methods=["POST"])
@token_required
@blp.arguments(ReadIn, required=False)
@blp.response(200, MarkedOut)
@blp.alt_response(422, schema=ErrorSchema, description="An empty or long list, a bad id.")
def mark_notifications_read(data):
    """Mark the caller's notifications read: those of `ids`, or all."""
    marked = mark_read(g.api_user.id, data.get("ids"))
    db.session.commit()
    return {"marked": marked}
