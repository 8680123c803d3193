"""The district office's audit log over the API (admins only, 403 for anyone
else): the list of /admin/audit with its filters, newest first, keyset-
paginated. A thin view over admin.audit_log, the page's own queries and
rules; the words come from admin.audit_labels."""

import marshmallow as ma
from flask import g
from flask_smorest import Blueprint

from ..admin import audit_labels, audit_log
from ..exceptions import NotAllowed
from ..routing import MAX_ID
from .auth import token_required
from .common import PageArgs
from .schemas import ErrorSchema

blp = Blueprint("api_admin", __name__, description="The audit log (admins)")

TARGET_TYPES = list(audit_labels.TARGET_TYPES)


class AuditArgs(PageArgs):
    action = ma.fields.String(
        validate=[ma.validate.Length(max=60), ma.validate.Regexp(audit_log.ACTION_PATTERN)],
        metadata={"description": "an action (membership.accept), or a kind of actions "
                                 "(membership)"})
    actor = ma.fields.String(validate=ma.validate.Length(1, 40),
                             metadata={"description": "the username of who did it"})
    target_type = ma.fields.String(validate=ma.validate.OneOf(TARGET_TYPES),
                                   metadata={"description": "the kind of record"})
    target_id = ma.fields.Integer(validate=ma.validate.Range(1, MAX_ID),
                                  metadata={"description": "the record's id (with "
                                                           "target_type)"})
    date_from = ma.fields.Date(metadata={"description": "a local day (Asia/Shanghai), "
                                                        "included"})
    date_to = ma.fields.Date(metadata={"description": "a local day, included; not before "
                                                      "date_from"})


class ActorOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    username = ma.fields.String(required=True)
    display_name = ma.fields.String(required=True)


class DetailOut(ma.Schema):
    label = ma.fields.String(required=True)
    text = ma.fields.String(required=True)


class AuditEntryOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    action = ma.fields.String(required=True)
    action_label = ma.fields.String(required=True,
                                    metadata={"description": "in the reader's language"})
    actor = ma.fields.Nested(ActorOut, required=True, allow_none=True,
                             metadata={"description": "null: the system or the command line"})
    target_type = ma.fields.String(required=True)
    target_label = ma.fields.String(required=True)
    target_id = ma.fields.Integer(required=True, allow_none=True)
    details = ma.fields.Dict(required=True, metadata={"description": "as stored"})
    details_text = ma.fields.List(ma.fields.Nested(DetailOut), required=True,
                                  metadata={"description": "as the page shows them"})
    ip_address = ma.fields.String(required=True, allow_none=True)
    created_at = ma.fields.DateTime(required=True)


class AuditPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AuditEntryOut), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


@blp.route("/admin/audit", methods=["GET"])
@token_required
@blp.arguments(AuditArgs, location="query")
@blp.response(200, AuditPage)
@blp.alt_response(403, schema=ErrorSchema, description="Admins only.")
@blp.alt_response(422, schema=ErrorSchema,
                  description="A bad filter or cursor, an unknown `actor`, a `target_id` "
                              "without `target_type`, or `date_to` before `date_from`.")
def audit(args):
    """The audit log, newest first, filtered as on /admin/audit."""
    if not g.api_user.is_admin:
        raise NotAllowed()
    filters = audit_log.check(audit_log.AuditFilters(
        action=args.get("action") or None,
        actor_id=audit_log.actor_id(args["actor"]) if args.get("actor") else None,
        target_type=args.get("target_type"), target_id=args.get("target_id"),
        date_from=args.get("date_from"), date_to=args.get("date_to")))
    page = audit_log.entries(filters, args.get("cursor"), args["limit"])
    actors = audit_log.actors(page)
    items = []
    for entry in page.items:
        actor = actors.get(entry.actor_id)
        items.append({
            "id": entry.id, "action": entry.action,
            "action_label": audit_labels.action_label(entry.action),
            "actor": ({"id": actor.id, "username": actor.username,
                       "display_name": actor.display_name} if actor else None),
            "target_type": entry.target_type,
            "target_label": audit_labels.target_label(entry.target_type),
            "target_id": entry.target_id, "details": entry.details or {},
            "details_text": [{"label": label, "text": text}
                             for label, text in audit_labels.details(entry.details)],
            "ip_address": entry.ip_address, "created_at": entry.created_at})
    return {"items": items, "next_cursor": page.next_cursor}
