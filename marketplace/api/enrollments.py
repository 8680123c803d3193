"""Enrollments over the API: join a service, what follows, and the lists.
Thin views over enrollments.services and enrollments.queries."""

import marshmallow as ma
from flask import g
from flask_smorest import Blueprint

from ..db import writes_on_get
from ..enrollments import queries
from ..enrollments import services as enrollments
from ..enrollments.models import Enrollment, EnrollmentStatus
from ..exceptions import NotAllowed, NotFound
from ..extensions import db
from ..limits import join_limits
from ..listings import queries as listing_queries
from ..listings import services as listings
from .auth import token_required
from .common import (
    FeedbackIn,
    PageArgs,
    UserBrief,
    action_route,
    commit_keeping_objects,
    limited_by,
)
from .schemas import ErrorSchema

blp = Blueprint("api_enrollments", __name__, description="Joining services (加入该项目)")

STATUSES = [s.value for s in EnrollmentStatus]


# -- requests ---------------------------------------------------------------

class JoinIn(ma.Schema):
    contact = ma.fields.String(required=True, validate=ma.validate.Length(5, 200),
                               metadata={"description": "a phone number; seen only by the "
                                                        "service's volunteer while live"})
    note = ma.fields.String(allow_none=True, load_default=None,
                            validate=ma.validate.Length(max=500))


class ServiceEnrollmentArgs(PageArgs):
    status = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(STATUSES)),
                            metadata={"description": "repeat to ask for several; all when "
                                                     "not given"})



# -- responses --------------------------------------------------------------

class ServiceBrief(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    starts_at = ma.fields.DateTime(required=True, allow_none=True)


class EnrollmentOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(STATUSES))
    waitlist_position = ma.fields.Integer(required=True, allow_none=True,
                                          metadata={"description": "1 is next; null unless "
                                                                   "waitlisted"})
    service = ma.fields.Nested(ServiceBrief, required=True)
    resident = ma.fields.Nested(UserBrief, required=True)
    note = ma.fields.String(
        required=True, allow_none=True,
        metadata={"description": "the resident's note (often where they live): seen by "
                                 "whoever may see `contact`, null for everyone else"})
    contact = ma.fields.String(
        required=True, allow_none=True,
        metadata={"description": "for the resident, admins, and the service's volunteer "
                                 "while the enrollment is live; null for everyone else. "
                                 "Whole for the resident; for the volunteer and admins "
                                 "masked (138****0000) in lists and action answers, and "
                                 "whole only from GET /enrollments/{id}, which writes the "
                                 "look to the audit log"})
    contact_masked = ma.fields.Boolean(
        required=True,
        metadata={"description": "true when `contact` is the masked form; "
                                 "GET /enrollments/{id} has the whole one"})
    visit_code = ma.fields.String(
        required=True, allow_none=True,
        metadata={"description": "the resident's one-time visit code (for the resident only)"})
    rated = ma.fields.Boolean(required=True)
    created_at = ma.fields.DateTime(required=True)
    confirmed_at = ma.fields.DateTime(required=True, allow_none=True)
    ended_at = ma.fields.DateTime(required=True, allow_none=True)
    resident_confirmed_at = ma.fields.DateTime(required=True, allow_none=True)


class EnrollmentPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(EnrollmentOut), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


class FeedbackOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    enrollment_id = ma.fields.Integer(required=True)
    rating = ma.fields.Integer(required=True)
    comment = ma.fields.String(required=True, allow_none=True)
    created_at = ma.fields.DateTime(required=True)


# -- what a caller may see (the rules: enrollments.services) ------------------

def _out(enrollment: Enrollment, user, positions: dict, rated: set,
         contact: str | None = None, whole: bool = False) -> dict:
    """`whole`: the caller revealed `contact` on purpose (and audited it);
    otherwise the contact is the listed, masked one."""
    if not whole:
        contact = enrollments.listed_contact(enrollment, user)
    return {
        "id": enrollment.id, "status": enrollment.status.value,
        "waitlist_position": positions.get(enrollment.id), "service": enrollment.service,
        "resident": enrollment.resident, "note": enrollments.visible_note(enrollment, user),
        "contact": contact,
        "contact_masked": contact is not None and contact != enrollment.contact,
        # The resident's own: told to the volunteer at the door, never shown to them.
        "visit_code": enrollment.visit_code if user.id == enrollment.resident_id else None,
        "rated": enrollment.id in rated,
        "created_at": enrollment.created_at, "confirmed_at": enrollment.confirmed_at,
        "ended_at": enrollment.ended_at,
        "resident_confirmed_at": enrollment.resident_confirmed_at,
    }


def _one(enrollment: Enrollment) -> dict:
    return _out(enrollment, g.api_user, enrollments.waitlist_positions([enrollment]),
                queries.rated_ids([enrollment.id]))


def _page(page, positions: dict) -> dict:
    """A page of enrollments: positions and ratings in one query each."""
    rated = queries.rated_ids([e.id for e in page.items])
    return {"items": [_out(e, g.api_user, positions, rated) for e in page.items],
            "next_cursor": page.next_cursor}


def _visible_enrollment(enrollment_id: int) -> Enrollment:
    """Strangers are not told that an enrollment exists."""
    enrollment = enrollments.get_enrollment(enrollment_id)
    if not enrollments.can_view(enrollment, g.api_user):
        raise NotFound()
    return enrollment


# -- a service's enrollments ---------------------------------------------------

@blp.route("/services/<int:service_id>/enrollments", methods=["POST"])
@token_required
@limited_by(blp, join_limits)
@blp.arguments(JoinIn)
@blp.response(201, EnrollmentOut)
@blp.alt_response(403, schema=ErrorSchema, description="One's own service.")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema,
                  description="Joined already, or the service is not open.")
@blp.alt_response(422, schema=ErrorSchema, description="No usable contact, or a long note.")
def join(data, service_id: int):
    """Take a place, or the next place on the waitlist when all are taken."""
    enrollment = enrollments.join(service_id, g.api_user, data["contact"], data["note"])
    position = enrollments.joined_position(enrollment)
    # The lock ends at this commit; the answer is read after it from the
    # objects as committed (a new enrollment is never rated yet).
    commit_keeping_objects()
    return _out(enrollment, g.api_user, position, set())


@blp.route("/services/<int:service_id>/enrollments", methods=["GET"])
@token_required
@blp.arguments(ServiceEnrollmentArgs, location="query")
@blp.response(200, EnrollmentPage)
@blp.alt_response(403, schema=ErrorSchema, description="Not the service's volunteer.")
@blp.alt_response(404, schema=ErrorSchema)
def service_enrollments(args, service_id: int):
    """Who joined, oldest first (the waitlist's order): its volunteer and admins,
    with the contacts of live enrollments masked; GET /enrollments/{id} has
    the whole contact (and audits the read)."""
    service = listing_queries.service_for_page(service_id)
    user = g.api_user
    if service is None or not listings.can_view(service, user):
        raise NotFound()
    if not (listings.is_owner(service, user) or user.is_admin):
        raise NotAllowed()
    page = queries.service_enrollments(service.id, args.get("status") or STATUSES,
                                       args.get("cursor"), args["limit"])
    return _page(page, page.positions)


# -- one enrollment --------------------------------------------------------------

@blp.route("/enrollments/<int:enrollment_id>", methods=["GET"])
@token_required
@writes_on_get
@blp.response(200, EnrollmentOut)
@blp.alt_response(404, schema=ErrorSchema,
                  description="Unknown, or the caller is not its resident, its volunteer "
                              "or an admin.")
def detail(enrollment_id: int):
    """One enrollment, with the whole contact for whom the rules allow: the
    only answer where the volunteer or an admin gets it unmasked, and each
    such read is written to the audit log."""
    enrollment = _visible_enrollment(enrollment_id)
    contact = enrollments.reveal_contact(enrollment, g.api_user, "api")
    answer = _out(enrollment, g.api_user, enrollments.waitlist_positions([enrollment]),
                  queries.rated_ids([enrollment.id]), contact, whole=True)
    commit_keeping_objects()  # the audit row; the answer is read as it was
    return answer


def _act(enrollment_id: int, step) -> dict:
    """One domain step on a visible enrollment, committed; the rules (who,
    which status) are the step's own and answer 403 / 409."""
    enrollment = _visible_enrollment(enrollment_id)
    step(enrollment, g.api_user)
    db.session.commit()
    return _one(enrollment)


def _action(path: str, step, doc: str):
    """Register POST /enrollments/{id}/<path> running `step`."""

    def view(enrollment_id: int):
        return _act(enrollment_id, step)

    return action_route(blp, f"/enrollments/<int:enrollment_id>/{path}", view, EnrollmentOut,
                        name=path.replace("-", "_"), doc=doc)


_action("cancel", enrollments.cancel,
        "The resident withdraws; a freed place goes to the first on the waitlist.")
_action("confirm", enrollments.confirm, "The volunteer confirms a pending place.")
_action("decline", enrollments.decline,
        "The volunteer declines; a freed place goes to the first on the waitlist.")
_action("complete", enrollments.complete, "The volunteer marks a confirmed place as served.")
_action("no-show", enrollments.no_show,
        "The volunteer marks a confirmed place as not taken place.")
_action("confirm-happened", enrollments.confirm_happened,
        "The resident confirms that a completed service really took place (once).")


@blp.route("/enrollments/<int:enrollment_id>/feedback", methods=["POST"])
@token_required
@blp.arguments(FeedbackIn)
@blp.response(201, FeedbackOut)
@blp.alt_response(403, schema=ErrorSchema, description="Not the enrollment's resident.")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="Not completed, or rated already.")
@blp.alt_response(422, schema=ErrorSchema)
def feedback(data, enrollment_id: int):
    """Rate a completed enrollment 1-5 with an optional comment, once."""
    enrollment = _visible_enrollment(enrollment_id)
    result = enrollments.rate(enrollment, g.api_user, data["rating"], data["comment"])
    db.session.commit()
    return result


# -- the caller's own ---------------------------------------------------------------

@blp.route("/me/enrollments", methods=["GET"])
@token_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, EnrollmentPage)
def my_enrollments(args):
    """The caller's enrollments, newest first."""
    page = queries.my_enrollments(g.api_user.id, args.get("cursor"), args["limit"])
    return _page(page, enrollments.waitlist_positions(page.items))
