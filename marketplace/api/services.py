"""Services over the API: browse, publish, read, change. Thin views over
listings.services and listings.queries: every rule lives there."""


import marshmallow as ma
from flask import g
from flask_smorest import Blueprint

from ..exceptions import NotAllowed, NotFound
from ..extensions import db
from ..limits import post_limits
from ..listings import queries
from ..listings import services as listings
from ..listings.models import ServiceMode, ServiceStatus
from ..pagecache import public_page
from ..routing import MAX_ID
from .auth import token_required
from .catalog import CategoryOut
from .common import (
    OPTIONAL_TOKEN,
    JsonBoolean,
    PageArgs,
    SiteDateTime,
    UserBrief,
    action_route,
    category_id_from,
    limited_by,
    merged,
    optional_user,
)
from .schemas import ErrorSchema

blp = Blueprint("api_services", __name__, description="Service listings (服务项目)")

MODES = [m.value for m in ServiceMode]


class RatingOut(ma.Schema):
    average = ma.fields.Float(required=True, allow_none=True)
    count = ma.fields.Integer(required=True)


class RatingField(ma.fields.Nested):
    """A service's rating counters as {average, count}."""

    def __init__(self, **kwargs):
        super().__init__(RatingOut, **kwargs)

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        count = obj.rating_count
        return {"average": round(obj.rating_sum / count, 1) if count else None, "count": count}


class HiddenField(ma.fields.Boolean):
    """Whether an admin has hidden it (moderation)."""

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        return obj.hidden_at is not None


class HiddenReasonField(ma.fields.String):
    """The moderator's reason while it is hidden; null otherwise (the reason
    stays in the audit log after an unhide)."""

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        return obj.hidden_reason if obj.hidden_at is not None else None


# -- requests ---------------------------------------------------------------

class BrowseArgs(PageArgs):
    category = ma.fields.String(validate=ma.validate.Length(max=40),
                                metadata={"description": "a category id or slug"})
    q = ma.fields.String(validate=ma.validate.Length(max=200))
    community = ma.fields.String(validate=ma.validate.Length(max=60))
    mode = ma.fields.String(validate=ma.validate.OneOf(MODES))
    date_from = ma.fields.Date()
    date_to = ma.fields.Date()
    has_places = ma.fields.Boolean(load_default=False)
    sort = ma.fields.String(load_default="soonest", validate=ma.validate.OneOf(queries.SORTS))


class ServiceIn(ma.Schema):
    title = ma.fields.String(required=True, validate=ma.validate.Length(2, 80))
    description = ma.fields.String(required=True, validate=ma.validate.Length(1, 5000))
    category_id = ma.fields.Integer(required=True, validate=ma.validate.Range(1, MAX_ID))
    community = ma.fields.String(required=True, validate=ma.validate.Length(1, 60))
    mode = ma.fields.String(required=True, validate=ma.validate.OneOf(MODES))
    capacity = ma.fields.Integer(required=True,
                                 validate=ma.validate.Range(1, listings.MAX_CAPACITY))
    auto_confirm = JsonBoolean(load_default=False)
    place = ma.fields.String(allow_none=True, load_default=None,
                             validate=ma.validate.Length(max=120),
                             metadata={"description": "required when mode is place"})
    starts_at = SiteDateTime(allow_none=True, load_default=None)
    ends_at = SiteDateTime(allow_none=True, load_default=None)


class HideIn(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(2, 200),
                              metadata={"description": "why it is hidden; its volunteer "
                                                       "is shown it"})


class ServicePatch(ServiceIn):
    status = ma.fields.String(validate=ma.validate.OneOf(["published", "paused", "closed"]))
    call_off = ma.fields.Boolean(
        metadata={"description": "with status closed: the activity is cancelled, so "
                                 "confirmed residents are let go too"})


# -- responses --------------------------------------------------------------

class ServiceSummary(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.String(required=True,
                              validate=ma.validate.OneOf([s.value for s in ServiceStatus]))
    category = ma.fields.Nested(CategoryOut, required=True)
    community = ma.fields.String(required=True)
    mode = ma.fields.String(required=True, validate=ma.validate.OneOf(MODES))
    starts_at = ma.fields.DateTime(required=True, allow_none=True)
    ends_at = ma.fields.DateTime(required=True, allow_none=True)
    capacity = ma.fields.Integer(required=True)
    places_left = ma.fields.Integer(required=True)
    waitlist_length = ma.fields.Integer(required=True, attribute="waitlisted")
    volunteer = ma.fields.Nested(UserBrief, required=True)
    rating = RatingField(required=True)
    hidden = HiddenField(required=True, metadata={
        "description": "hidden by an admin: out of every list, seen only by its "
                       "volunteer and admins"})


class ServiceOut(ServiceSummary):
    description = ma.fields.String(required=True)
    place = ma.fields.String(required=True, allow_none=True)
    auto_confirm = ma.fields.Boolean(required=True)
    completed_count = ma.fields.Integer(required=True)
    published_at = ma.fields.DateTime(required=True, allow_none=True)
    created_at = ma.fields.DateTime(required=True)
    hidden_at = ma.fields.DateTime(required=True, allow_none=True)
    hidden_reason = HiddenReasonField(required=True, allow_none=True)


class ServicePage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ServiceSummary), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


# -- views ------------------------------------------------------------------

@blp.route("/services", methods=["GET"])
@public_page
@blp.arguments(BrowseArgs, location="query")
@blp.response(200, ServicePage)
@blp.alt_response(422, schema=ErrorSchema, description="A bad filter or cursor.")
def browse(args):
    """Open services (public), soonest first unless `sort` says otherwise."""
    filters = queries.BrowseFilters(
        q=args.get("q", ""), category_id=category_id_from(args.get("category")),
        community=args.get("community", ""),
        mode=ServiceMode(args["mode"]) if args.get("mode") else None,
        date_from=args.get("date_from"), date_to=args.get("date_to"),
        has_places=args["has_places"], sort=args["sort"])
    page = queries.browse(filters, args.get("cursor"), args["limit"])
    return {"items": page.items, "next_cursor": page.next_cursor}



@blp.route("/services", methods=["POST"])
@token_required
@limited_by(blp, post_limits)
@blp.arguments(ServiceIn)
@blp.response(201, ServiceOut)
@blp.alt_response(403, schema=ErrorSchema, description="Only volunteers publish services.")
@blp.alt_response(422, schema=ErrorSchema, description="A field fails a rule.")
def create(data):
    """Publish a service (volunteers only)."""
    service = listings.create_service(g.api_user, _service_data(data))
    db.session.commit()
    return service


@blp.route("/services/<int:service_id>", methods=["GET"])
@public_page
@blp.doc(security=OPTIONAL_TOKEN)
@blp.response(200, ServiceOut)
@blp.alt_response(404, schema=ErrorSchema,
                  description="Unknown, or not public (only its volunteer and admins see it).")
def detail(service_id: int):
    """One service (public while open or closed). Never any resident's contact."""
    service = queries.service_for_page(service_id)
    if service is None or not listings.can_view(service, optional_user()):
        raise NotFound()
    return service



@blp.route("/services/<int:service_id>", methods=["PATCH"])
@token_required
@blp.arguments(ServicePatch(partial=True), required=False)
@blp.response(200, ServiceOut)
@blp.alt_response(403, schema=ErrorSchema, description="Not the service's volunteer.")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="Not possible in the current status.")
@blp.alt_response(422, schema=ErrorSchema, description="A field fails a rule.")
def update(changes, service_id: int):
    """Change some fields and/or the status (its volunteer only); no body
    changes nothing."""
    service = listings.get_service(service_id)
    user = g.api_user
    if not listings.can_view(service, user):
        raise NotFound()
    if not listings.is_owner(service, user):  # also for a body that changes nothing
        raise NotAllowed()
    status, call_off = changes.pop("status", None), changes.pop("call_off", False)
    if changes:
        data = merged(service, listings.ServiceData, changes)
        listings.update_service(service, user, _service_data(data))
    if status and status != service.status:  # already there: nothing to do
        _change_status(service, user, status, call_off)
    db.session.commit()
    return service



@blp.route("/services/<int:service_id>/hide", methods=["POST"])
@token_required
@blp.arguments(HideIn)
@blp.response(200, ServiceOut)
@blp.alt_response(403, schema=ErrorSchema, description="Not an admin.")
@blp.alt_response(404, schema=ErrorSchema, description="Unknown service.")
@blp.alt_response(409, schema=ErrorSchema, description="Hidden already.")
@blp.alt_response(422, schema=ErrorSchema, description="No reason, or a long one.")
def hide(data, service_id: int):
    """Moderation (admins only): take a service out of every list, with a
    reason its volunteer is shown; the audit log keeps it."""
    service = listings.get_service(service_id)
    listings.hide_service(service, g.api_user, data["reason"])
    db.session.commit()
    return service


def _unhide(service_id: int):
    service = listings.get_service(service_id)
    listings.unhide_service(service, g.api_user)
    db.session.commit()
    return service


action_route(blp, "/services/<int:service_id>/unhide", _unhide, ServiceOut, name="unhide",
             doc="Moderation (admins only): a hidden service is visible again.",
             refused="Not an admin.", conflict="Not hidden.", not_found="Unknown service.")


def _service_data(data: dict) -> listings.ServiceData:
    return listings.ServiceData(**(data | {"mode": ServiceMode(data["mode"])}))


def _change_status(service, user, status: str, call_off: bool) -> None:
    if status == ServiceStatus.PUBLISHED:
        listings.publish_service(service, user)
    elif status == ServiceStatus.PAUSED:
        listings.pause_service(service, user)
    else:
        listings.close_service(service, user, call_off=call_off)


@blp.route("/me/services", methods=["GET"])
@token_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, ServicePage)
def my_services(args):
    """The caller's own services, newest first, drafts and paused ones too."""
    page = queries.services_of(g.api_user.id, include_unlisted=True, cursor=args.get("cursor"),
                               limit=args["limit"])
    return {"items": page.items, "next_cursor": page.next_cursor}
