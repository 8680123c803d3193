"""Branches (党支部) over the API: create (admins), the public list, one
branch and its figures, adding members, and the tree's administration
(rename, move, retire: admins). Thin views over branches.services,
branches.tree and branches.queries; who may manage a branch is
authz.can_manage_branch."""

import marshmallow as ma
from flask import g
from flask_smorest import Blueprint

from ..accounts.models import User
from ..authz import can_manage_branch
from ..branches import queries, tree
from ..branches import services as branches
from ..branches.models import Branch, BranchKind, MembershipKind, MembershipRole
from ..exceptions import InvalidInput, NotAllowed, NotFound
from ..extensions import db
from ..routing import MAX_ID
from .auth import token_required
from .common import PageArgs, id_field
from .schemas import ErrorSchema

blp = Blueprint("api_branches", __name__, description="Branches (党支部) and their members")

KINDS = [k.value for k in BranchKind]
MEMBERSHIPS = [m.value for m in MembershipKind]
ROLES = [r.value for r in MembershipRole]


# -- requests ---------------------------------------------------------------

class BranchIn(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 120))
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS))
    parent_id = ma.fields.Integer(allow_none=True, load_default=None, strict=True,
                                  validate=ma.validate.Range(1, MAX_ID),
                                  metadata={"description": "a committee (党委)"})
    code = ma.fields.String(allow_none=True, load_default=None,
                            validate=ma.validate.Length(1, 40),
                            metadata={"description": "an external code, unique"})
    community = ma.fields.String(allow_none=True, load_default=None,
                                 validate=ma.validate.Length(1, 60))


class BranchSearchArgs(PageArgs):
    q = ma.fields.String(load_default="", validate=ma.validate.Length(max=120),
                         metadata={"description": "a part of the name"})


class MemberIn(ma.Schema):
    user_id = ma.fields.Integer(required=True, strict=True,
                                validate=ma.validate.Range(1, MAX_ID))
    membership = ma.fields.String(required=True, validate=ma.validate.OneOf(MEMBERSHIPS))
    role = ma.fields.String(load_default=MembershipRole.MEMBER.value,
                            validate=ma.validate.OneOf(ROLES))


class RenameIn(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 120))


class MoveIn(ma.Schema):
    parent_id = id_field(required=True, allow_none=True,
                         metadata={"description": "the committee (党委) to move under, "
                                                  "with everything below the branch; null "
                                                  "for the top of the tree"})


class RetireIn(ma.Schema):
    successor_id = id_field(allow_none=True, load_default=None,
                            metadata={"description": "a branch of the same kind, in use, "
                                                     "that the active members move to"})


# -- responses --------------------------------------------------------------

class BranchBrief(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS))
    parent_id = ma.fields.Integer(required=True, allow_none=True)
    member_count = ma.fields.Integer(required=True, metadata={"description": "active members"})


class BranchOut(BranchBrief):
    code = ma.fields.String(required=True, allow_none=True)
    community = ma.fields.String(required=True, allow_none=True)
    created_at = ma.fields.DateTime(required=True)


class BranchPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(BranchBrief), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


class MemberOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    branch_id = ma.fields.Integer(required=True)
    user_id = ma.fields.Integer(required=True)
    membership = ma.fields.String(required=True, validate=ma.validate.OneOf(MEMBERSHIPS))
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(ROLES))
    status = ma.fields.String(required=True)
    started_at = ma.fields.DateTime(required=True, allow_none=True)


class BranchRefOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)


class BranchDetailOut(ma.Schema):
    """What the public branch page shows: no names of people."""

    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS))
    parent = ma.fields.Nested(BranchRefOut, required=True, allow_none=True,
                              metadata={"description": "the committee above"})
    community = ma.fields.String(required=True, allow_none=True)
    retired = ma.fields.Boolean(required=True)
    retired_at = ma.fields.DateTime(required=True, allow_none=True)
    successor = ma.fields.Nested(BranchRefOut, required=True, allow_none=True,
                                 metadata={"description": "where its members moved when it "
                                                          "was retired"})
    alliances = ma.fields.List(ma.fields.Nested(BranchRefOut), required=True,
                               metadata={"description": "the alliances (联盟) it is in"})
    members = ma.fields.Integer(required=True, metadata={"description": "active members"})
    approved_hours = ma.fields.Float(required=True,
                                     metadata={"description": "net of corrections"})


class BranchSummaryOut(ma.Schema):
    """Public figures: no names, no personal data."""

    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS))
    parent_id = ma.fields.Integer(required=True, allow_none=True)
    members = ma.fields.Integer(required=True, metadata={"description": "active members"})
    approved_hours = ma.fields.Float(required=True,
                                     metadata={"description": "net of corrections"})
    records_approved = ma.fields.Integer(required=True,
                                         metadata={"description": "approved records not "
                                                                  "replaced by a correction"})
    volunteers_active = ma.fields.Integer(required=True,
                                          metadata={"description": "members with approved "
                                                                   "hours here"})


# -- views ------------------------------------------------------------------

@blp.route("/branches", methods=["POST"])
@token_required
@blp.arguments(BranchIn)
@blp.response(201, BranchOut)
@blp.alt_response(403, schema=ErrorSchema, description="Only admins create branches.")
@blp.alt_response(409, schema=ErrorSchema, description="The code is taken.")
@blp.alt_response(422, schema=ErrorSchema,
                  description="A field fails a rule; a parent must be a committee.")
def create(data):
    """Create a branch, volunteer team or committee (admins)."""
    if not g.api_user.is_admin:
        raise NotAllowed()
    parent = None
    if data["parent_id"] is not None:
        parent = db.session.get(Branch, data["parent_id"])
        if parent is None:
            raise InvalidInput(field="parent_id")
    branch = branches.create_branch(data["name"], BranchKind(data["kind"]), parent=parent,
                                    actor=g.api_user, code=data["code"],
                                    community=data["community"])
    db.session.commit()
    return branch


@blp.route("/branches", methods=["GET"])
@blp.arguments(BranchSearchArgs, location="query")
@blp.response(200, BranchPage)
@blp.alt_response(422, schema=ErrorSchema, description="A bad filter or cursor.")
def search(args):
    """Branches whose name contains `q` (public), by name."""
    page = queries.search(args["q"], args.get("cursor"), args["limit"])
    return {"items": page.items, "next_cursor": page.next_cursor}


@blp.route("/branches/<int:branch_id>/summary", methods=["GET"])
@blp.response(200, BranchSummaryOut)
@blp.alt_response(404, schema=ErrorSchema)
def summary(branch_id: int):
    """A branch's public figures, from the points ledger and its memberships."""
    result = queries.branch_summary(branch_id)
    return {"id": result.id, "name": result.name, "kind": result.kind.value,
            "parent_id": result.parent_id, "members": result.members,
            "approved_hours": result.approved_hours,
            "records_approved": result.records_approved,
            "volunteers_active": result.volunteers_active}


@blp.route("/branches/<int:branch_id>/members", methods=["POST"])
@token_required
@blp.arguments(MemberIn)
@blp.response(201, MemberOut)
@blp.alt_response(403, schema=ErrorSchema,
                  description="Neither an admin nor a lead of the branch or a committee "
                              "above it.")
@blp.alt_response(404, schema=ErrorSchema, description="Unknown branch or user.")
@blp.alt_response(409, schema=ErrorSchema,
                  description="Already a member, or a second home branch.")
@blp.alt_response(422, schema=ErrorSchema)
def add_member(data, branch_id: int):
    """Add an active member or lead to the branch."""
    branch = queries.get_branch(branch_id)
    if not can_manage_branch(g.api_user, branch):
        raise NotAllowed()
    user = db.session.get(User, data["user_id"])
    if user is None:
        raise NotFound()
    member = branches.add_member(branch, user, MembershipKind(data["membership"]),
                                 MembershipRole(data["role"]), actor=g.api_user)
    db.session.commit()
    return {"id": member.id, "branch_id": member.branch_id, "user_id": member.user_id,
            "membership": member.membership.value, "role": member.role.value,
            "status": member.status.value, "started_at": member.started_at}


# -- one branch, and the tree's administration (admins) ---------------------------------

def _ref(branch: Branch | None) -> dict | None:
    return {"id": branch.id, "name": branch.name} if branch is not None else None


def _detail(branch_id: int) -> dict:
    """The branch as its public page shows it (queries.branch_summary's figures)."""
    branch = queries.branch_for_page(branch_id)
    figures = queries.branch_summary(branch.id)
    successor = db.session.get(Branch, branch.successor_id) if branch.successor_id else None
    return {"id": branch.id, "name": branch.name, "kind": branch.kind.value,
            "parent": _ref(branch.parent), "community": branch.community,
            "retired": branch.retired_at is not None, "retired_at": branch.retired_at,
            "successor": _ref(successor),
            "alliances": [_ref(a) for a in queries.alliances_of(branch.id)],
            "members": figures.members, "approved_hours": figures.approved_hours}


def _admin_branch(branch_id: int) -> Branch:
    """Admins only (403 before 404, as on the admin pages), then the branch."""
    if not g.api_user.is_admin:
        raise NotAllowed()
    return queries.get_branch(branch_id)


def _branch_named(branch_id: int | None, field: str) -> Branch | None:
    """The branch a body field names (None for null), or a 422 naming the field."""
    if branch_id is None:
        return None
    branch = db.session.get(Branch, branch_id)
    if branch is None:
        raise InvalidInput(field=field)
    return branch


@blp.route("/branches/<int:branch_id>", methods=["GET"])
@blp.response(200, BranchDetailOut)
@blp.alt_response(404, schema=ErrorSchema, description="Unknown branch.")
def detail(branch_id: int):
    """One branch as its public page shows it (public): kind, committee above,
    retired or not, active members and approved hours."""
    return _detail(branch_id)


@blp.route("/branches/<int:branch_id>", methods=["PATCH"])
@token_required
@blp.arguments(RenameIn)
@blp.response(200, BranchDetailOut)
@blp.alt_response(403, schema=ErrorSchema, description="Only admins rename branches.")
@blp.alt_response(404, schema=ErrorSchema, description="Unknown branch.")
@blp.alt_response(422, schema=ErrorSchema, description="A name of 1-120 characters.")
def rename(data, branch_id: int):
    """Rename a branch (admins); the audit log keeps the old name."""
    branch = _admin_branch(branch_id)
    tree.rename_branch(branch, data["name"], g.api_user)
    db.session.commit()
    return _detail(branch.id)


@blp.route("/branches/<int:branch_id>/move", methods=["POST"])
@token_required
@blp.arguments(MoveIn)
@blp.response(200, BranchDetailOut)
@blp.alt_response(403, schema=ErrorSchema, description="Only admins move branches.")
@blp.alt_response(404, schema=ErrorSchema, description="Unknown branch.")
@blp.alt_response(409, schema=ErrorSchema,
                  description="The new parent is the branch itself or below it (a cycle), "
                              "or is retired (`parent_id` named).")
@blp.alt_response(422, schema=ErrorSchema,
                  description="An unknown parent, a parent that is not a committee, or a "
                              "tree too deep there (`parent_id` named).")
def move(data, branch_id: int):
    """Move a branch, with everything under it, under another committee
    (admins); `parent_id` null puts it at the top."""
    branch = _admin_branch(branch_id)
    parent = _branch_named(data["parent_id"], "parent_id")
    tree.move_branch(branch, parent, g.api_user)
    db.session.commit()
    return _detail(branch.id)


@blp.route("/branches/<int:branch_id>/retire", methods=["POST"])
@token_required
@blp.arguments(RetireIn, required=False)
@blp.response(200, BranchDetailOut)
@blp.alt_response(403, schema=ErrorSchema, description="Only admins retire branches.")
@blp.alt_response(404, schema=ErrorSchema, description="Unknown branch.")
@blp.alt_response(409, schema=ErrorSchema,
                  description="Retired already, branches in use under it, hours awaiting "
                              "review, or a retired successor (`successor_id` named).")
@blp.alt_response(422, schema=ErrorSchema,
                  description="An unknown successor, or one of another kind or the branch "
                              "itself (`successor_id` named).")
def retire(data, branch_id: int):
    """Retire a branch (admins): pending requests are refused; with a successor
    the active members move there, without one functional memberships end and
    home memberships stay until their members move home. Hours stay with it."""
    branch = _admin_branch(branch_id)
    successor = _branch_named((data or {}).get("successor_id"), "successor_id")
    tree.retire_branch(branch, g.api_user, successor)
    db.session.commit()
    return _detail(branch.id)
