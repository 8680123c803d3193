"""Branch memberships over the API: asking to join (or to move one's home
branch), a lead's answer (accept one or a batch, refuse), withdrawing,
leaving or removing, appointing leads, and the lists a lead and a member
read. Thin views over branches.requests, branches.services and
branches.queries, the same functions the pages call: every rule is there.

Who may act is the domain's answer (403): a lead of another branch, a
resident, the asker answering their own request. Reading one membership is
for its member, the branch's leads (and leads above) and admins; anyone
else is told it does not exist (404)."""

import marshmallow as ma
from flask import current_app, g
from flask_smorest import Blueprint

from ..authz import can_manage_branch
from ..branches import queries
from ..branches import requests as join_requests
from ..branches import services as members
from ..branches.models import (
    Branch,
    Membership,
    MembershipKind,
    MembershipRole,
    MembershipStatus,
)
from ..exceptions import NotAllowed, NotFound
from ..extensions import db
from .auth import token_required
from .common import PageArgs, UserBrief, action_route, id_field, rate_limited
from .hours_schemas import BranchRef
from .schemas import ErrorSchema

blp = Blueprint("api_memberships", __name__,
                description="Branch memberships (组织关系, 兼合式): requests and answers")

KINDS = [k.value for k in MembershipKind]
ROLES = [r.value for r in MembershipRole]
STATUSES = [s.value for s in MembershipStatus]
# A NUL character cannot be stored in a PostgreSQL text column: refused here
# (a 422 naming the field), and the document's pattern says so to clients.
NO_NUL = ma.validate.Regexp(r"^[^\x00]*$", error="No NUL characters, please.")
MESSAGE = [ma.validate.Length(max=join_requests.MESSAGE_MAX), NO_NUL]


# -- requests ---------------------------------------------------------------

class MembershipRequestIn(ma.Schema):
    membership = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS),
                                  metadata={"description": "home (组织关系, one per person) "
                                                           "or functional (兼合式)"})
    message = ma.fields.String(allow_none=True, load_default=None, validate=MESSAGE,
                               metadata={"description": "for the leads who answer"})


class MoveHomeIn(ma.Schema):
    message = ma.fields.String(allow_none=True, load_default=None, validate=MESSAGE)


class MoveMemberHomeIn(ma.Schema):
    branch_id = id_field(required=True, metadata={"description": "the new home branch"})


class MembersArgs(PageArgs):
    status = ma.fields.String(load_default="active",
                              validate=ma.validate.OneOf(list(queries.MEMBER_LISTS)),
                              metadata={"description": "active (leads first, then by name; "
                                                       "the default), pending (oldest "
                                                       "first) or history (ended and "
                                                       "refused, newest first)"})


class RefuseIn(ma.Schema):
    reason = ma.fields.String(allow_none=True, load_default=None, validate=MESSAGE,
                              metadata={"description": "told to the asker"})


class RoleIn(ma.Schema):
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(ROLES))


class AcceptBatchIn(ma.Schema):
    ids = ma.fields.List(id_field(), required=True, validate=ma.validate.Length(1, 100))


# -- responses --------------------------------------------------------------

class MembershipOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    branch = ma.fields.Nested(BranchRef, required=True)
    user = ma.fields.Nested(UserBrief, required=True)
    membership = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS))
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(ROLES))
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(STATUSES))
    message = ma.fields.String(required=True, allow_none=True,
                               metadata={"description": "what the asker wrote"})
    created_at = ma.fields.DateTime(required=True)
    started_at = ma.fields.DateTime(required=True, allow_none=True)
    ended_at = ma.fields.DateTime(required=True, allow_none=True)


class MembershipPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(MembershipOut), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


class AcceptedOut(ma.Schema):
    accepted = ma.fields.Integer(required=True)


def _out(member: Membership) -> dict:
    return {"id": member.id, "branch": member.branch, "user": member.user,
            "membership": member.membership.value, "role": member.role.value,
            "status": member.status.value, "message": member.message,
            "created_at": member.created_at, "started_at": member.started_at,
            "ended_at": member.ended_at}


def _page(page) -> dict:
    return {"items": [_out(m) for m in page.items], "next_cursor": page.next_cursor}


def _managed(branch_id: int) -> Branch:
    branch = queries.get_branch(branch_id)
    if not can_manage_branch(g.api_user, branch):
        raise NotAllowed()
    return branch


# -- asking to join ---------------------------------------------------------------------

def _join_limit() -> str:
    return current_app.config["JOIN_RATE_LIMIT"]


@blp.route("/branches/<int:branch_id>/membership-requests", methods=["POST"])
@token_required
@rate_limited(blp, _join_limit, key_func=lambda: f"api-branch-join:{g.api_user.id}")
@blp.arguments(MembershipRequestIn)
@blp.response(201, MembershipOut)
@blp.alt_response(404, schema=ErrorSchema, description="Unknown branch.")
@blp.alt_response(409, schema=ErrorSchema,
                  description="A member or asked already, a home branch elsewhere (ask to "
                              "move it instead), a committee or a retired branch.")
@blp.alt_response(422, schema=ErrorSchema)
def request_to_join(data, branch_id: int):
    """Ask to join the branch; its leads (and leads above) are told and answer."""
    branch = queries.get_branch(branch_id)
    member = join_requests.request_to_join(branch, g.api_user,
                                           MembershipKind(data["membership"]), data["message"])
    db.session.commit()
    return _out(member)


@blp.route("/branches/<int:branch_id>/move-home-requests", methods=["POST"])
@token_required
@rate_limited(blp, _join_limit, key_func=lambda: f"api-branch-join:{g.api_user.id}")
@blp.arguments(MoveHomeIn, required=False)
@blp.response(201, MembershipOut)
@blp.alt_response(404, schema=ErrorSchema, description="Unknown branch.")
@blp.alt_response(409, schema=ErrorSchema,
                  description="The home branch already, a member or asked already, another "
                              "home request waiting, a party member's home to a volunteer "
                              "team, a committee or a retired branch.")
@blp.alt_response(422, schema=ErrorSchema)
def request_move_home(data, branch_id: int):
    """Ask to make the branch one's home branch; accepted, the old home
    membership ends (kept as history)."""
    branch = queries.get_branch(branch_id)
    member = join_requests.request_move_home(branch, g.api_user, data["message"])
    db.session.commit()
    return _out(member)


# -- the lists --------------------------------------------------------------------------

@blp.route("/branches/<int:branch_id>/membership-requests", methods=["GET"])
@token_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, MembershipPage)
@blp.alt_response(403, schema=ErrorSchema, description="Not a lead of the branch or above, "
                                                       "nor an admin.")
@blp.alt_response(404, schema=ErrorSchema, description="Unknown branch.")
@blp.alt_response(422, schema=ErrorSchema, description="A bad cursor.")
def pending_requests(args, branch_id: int):
    """The requests waiting for an answer, oldest first."""
    branch = _managed(branch_id)
    return _page(queries.members(branch.id, queries.MEMBER_LISTS["pending"], args.get("cursor"),
                                 args["limit"]))


@blp.route("/branches/<int:branch_id>/members", methods=["GET"])
@token_required
@blp.arguments(MembersArgs, location="query")
@blp.response(200, MembershipPage)
@blp.alt_response(403, schema=ErrorSchema, description="Not a lead of the branch or above, "
                                                       "nor an admin.")
@blp.alt_response(404, schema=ErrorSchema, description="Unknown branch.")
@blp.alt_response(422, schema=ErrorSchema, description="A bad status or cursor.")
def branch_members(args, branch_id: int):
    """The branch's members, requests or history (as on the members page)."""
    branch = _managed(branch_id)
    statuses = queries.MEMBER_LISTS[args["status"]]
    return _page(queries.members(branch.id, statuses, args.get("cursor"), args["limit"]))


@blp.route("/me/memberships", methods=["GET"])
@token_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, MembershipPage)
@blp.alt_response(422, schema=ErrorSchema, description="A bad cursor.")
def my_memberships(args):
    """The caller's memberships and requests, every status, newest first."""
    return _page(queries.my_memberships(g.api_user.id, args.get("cursor"), args["limit"]))


@blp.route("/memberships/<int:membership_id>", methods=["GET"])
@token_required
@blp.response(200, MembershipOut)
@blp.alt_response(404, schema=ErrorSchema,
                  description="Unknown, or neither the caller's, nor of a branch they lead.")
def detail(membership_id: int):
    """One membership or request: for its member, the branch's leads and admins."""
    member = members.get_membership(membership_id)
    if not members.can_view(member, g.api_user):
        raise NotFound()
    return _out(member)


# -- answering and ending ---------------------------------------------------------------

def _action(path: str, step, doc: str, refused: str, conflict: str):
    """Register POST /memberships/{id}/<path> running `step` (who may, and
    in which status, is the step's own rule: 403 / 409)."""

    def view(membership_id: int):
        member = step(members.get_membership(membership_id), g.api_user)
        db.session.commit()
        return _out(member)

    return action_route(blp, f"/memberships/<int:membership_id>/{path}", view, MembershipOut,
                        name=f"{path}_membership", doc=doc, refused=refused,
                        conflict=conflict)


_action("accept", join_requests.accept,
        "Accept a request: the membership starts (a home request moves the home branch "
        "here); the asker is told.",
        refused="Not a lead of the branch or above, nor an admin; or one's own request.",
        conflict="Answered already, the branch takes no members, or the home cannot move "
                 "here.")
_action("withdraw", join_requests.withdraw,
        "The asker takes back a request nobody has answered.",
        refused="Not the caller's request.", conflict="Answered already.")
_action("end", members.end_membership,
        "A lead removes a member, or a member leaves a functional branch (a home branch "
        "ends only by moving home).",
        refused="Neither the member nor a lead of the branch; a lead is removed only by an "
                "admin or a lead of the committee above.",
        conflict="Not active, or a home membership.")


@blp.route("/memberships/<int:membership_id>/refuse", methods=["POST"])
@token_required
@blp.arguments(RefuseIn, required=False)
@blp.response(200, MembershipOut)
@blp.alt_response(403, schema=ErrorSchema,
                  description="Not a lead of the branch or above, nor an admin; or one's "
                              "own request.")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="Answered already.")
@blp.alt_response(422, schema=ErrorSchema, description="A reason over 200 characters.")
def refuse(data, membership_id: int):
    """Refuse a request, with an optional reason the asker is told."""
    member = join_requests.refuse(members.get_membership(membership_id), g.api_user,
                                  data["reason"])
    db.session.commit()
    return _out(member)


@blp.route("/memberships/<int:membership_id>/role", methods=["POST"])
@token_required
@blp.arguments(RoleIn)
@blp.response(200, MembershipOut)
@blp.alt_response(403, schema=ErrorSchema,
                  description="Neither an admin nor a lead of the committee above; or "
                              "demoting oneself.")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema,
                  description="Not active, the branch is retired, or the role already.")
@blp.alt_response(422, schema=ErrorSchema)
def set_role(data, membership_id: int):
    """Appoint a member as a lead, or make a lead a member again."""
    member = members.set_role(members.get_membership(membership_id),
                              MembershipRole(data["role"]), g.api_user)
    db.session.commit()
    return _out(member)


@blp.route("/memberships/accept", methods=["POST"])
@token_required
@blp.arguments(AcceptBatchIn)
@blp.response(200, AcceptedOut)
@blp.alt_response(403, schema=ErrorSchema,
                  description="One of them is the caller's own, or of a branch they do not "
                              "lead: nothing is accepted.")
@blp.alt_response(404, schema=ErrorSchema, description="One of them is unknown: nothing is "
                                                       "accepted.")
@blp.alt_response(409, schema=ErrorSchema,
                  description="One of them is answered already: nothing is accepted.")
@blp.alt_response(422, schema=ErrorSchema)
def accept_batch(data):
    """Accept several requests at once: all of them, or none."""
    count = join_requests.accept_many(queries.memberships_by_ids(data["ids"]), g.api_user)
    db.session.commit()
    return {"accepted": count}


@blp.route("/memberships/<int:membership_id>/move-home", methods=["POST"])
@token_required
@blp.arguments(MoveMemberHomeIn)
@blp.response(200, MembershipOut)
@blp.alt_response(403, schema=ErrorSchema,
                  description="Not a lead of the membership's branch (or above) nor an "
                              "admin; or not managing both the old and the new home branch.")
@blp.alt_response(404, schema=ErrorSchema, description="Unknown membership.")
@blp.alt_response(409, schema=ErrorSchema,
                  description="The home branch already, a retired branch or a committee, or "
                              "a party member's home to a volunteer team.")
@blp.alt_response(422, schema=ErrorSchema, description="`branch_id` names no branch.")
def move_member_home(data, membership_id: int):
    """A lead moves the member's home branch (as on the members page): the old
    home membership ends (kept as history), the new one starts at once; the
    member is told. Answers the new home membership."""
    member = members.get_membership(membership_id)
    target = db.session.get(Branch, data["branch_id"])
    moved = members.move_member_home(member, target, g.api_user)
    db.session.commit()
    return _out(moved)
