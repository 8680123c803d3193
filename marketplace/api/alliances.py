"""Alliances (联盟) over the API, for admins as on /admin/branches/alliances:
the list, create, one alliance with its branches, rename or describe it,
add a branch, remove one. Thin views over branches.tree (the rules) and
branches.queries (the lists); anyone but an admin gets 403."""

import marshmallow as ma
from flask import g
from flask_smorest import Blueprint

from ..branches import queries, tree
from ..branches.models import Alliance, Branch
from ..exceptions import InvalidInput, NotAllowed
from ..extensions import db
from .auth import token_required
from .branches import KINDS
from .common import PageArgs, id_field
from .schemas import ErrorSchema

blp = Blueprint("api_alliances", __name__,
                description="Alliances (联盟): branches across committees, ranked together "
                            "(admins)")

NAME = ma.validate.Length(1, 120)
DESCRIPTION = ma.validate.Length(max=tree.DESCRIPTION_MAX)


# -- requests ---------------------------------------------------------------

class AllianceSearchArgs(PageArgs):
    q = ma.fields.String(load_default="", validate=ma.validate.Length(max=120),
                         metadata={"description": "a part of the name"})


class AllianceIn(ma.Schema):
    name = ma.fields.String(required=True, validate=NAME, metadata={"description": "unique"})
    description = ma.fields.String(allow_none=True, load_default=None, validate=DESCRIPTION)


class AlliancePatchIn(ma.Schema):
    name = ma.fields.String(validate=NAME, metadata={"description": "unique"})
    description = ma.fields.String(allow_none=True, validate=DESCRIPTION,
                                   metadata={"description": "empty or null clears it"})


class AllianceBranchIn(ma.Schema):
    branch_id = id_field(required=True,
                         metadata={"description": "a party branch or volunteer team in use"})


# -- responses --------------------------------------------------------------

class AllianceOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    description = ma.fields.String(required=True, allow_none=True)
    created_at = ma.fields.DateTime(required=True)
    branch_count = ma.fields.Integer(required=True)


class AlliancePage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AllianceOut), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


class AllianceBranchOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS))
    parent_id = ma.fields.Integer(required=True, allow_none=True)
    member_count = ma.fields.Integer(required=True, metadata={"description": "active members"})
    retired = ma.fields.Boolean(required=True)


class AllianceDetailOut(AllianceOut):
    branches = ma.fields.List(ma.fields.Nested(AllianceBranchOut), required=True,
                              metadata={"description": "one page of its branches, by name"})
    next_cursor = ma.fields.String(required=True, allow_none=True,
                                   metadata={"description": "the next page of its branches"})


# -- views ------------------------------------------------------------------

def _admin() -> None:
    if not g.api_user.is_admin:
        raise NotAllowed()


def _out(alliance: Alliance, size: int | None = None) -> dict:
    if size is None:
        size = queries.alliance_sizes([alliance.id]).get(alliance.id, 0)
    return {"id": alliance.id, "name": alliance.name, "description": alliance.description,
            "created_at": alliance.created_at, "branch_count": size}


def _branch(branch: Branch) -> dict:
    return {"id": branch.id, "name": branch.name, "kind": branch.kind.value,
            "parent_id": branch.parent_id, "member_count": branch.member_count,
            "retired": branch.retired_at is not None}


def _detail(alliance: Alliance, cursor: str | None = None, limit: int = 20) -> dict:
    page = queries.alliance_branch_page(alliance.id, cursor, limit)
    return {**_out(alliance), "branches": [_branch(b) for b in page.items],
            "next_cursor": page.next_cursor}


@blp.route("/alliances", methods=["GET"])
@token_required
@blp.arguments(AllianceSearchArgs, location="query")
@blp.response(200, AlliancePage)
@blp.alt_response(403, schema=ErrorSchema, description="Admins only.")
@blp.alt_response(422, schema=ErrorSchema, description="A bad filter or cursor.")
def alliances(args):
    """Alliances whose name contains `q`, by name, with their sizes."""
    _admin()
    page = queries.search_alliances(args["q"], args.get("cursor"), args["limit"])
    sizes = queries.alliance_sizes([a.id for a in page.items])
    return {"items": [_out(a, sizes.get(a.id, 0)) for a in page.items],
            "next_cursor": page.next_cursor}


@blp.route("/alliances", methods=["POST"])
@token_required
@blp.arguments(AllianceIn)
@blp.response(201, AllianceOut)
@blp.alt_response(403, schema=ErrorSchema, description="Admins only.")
@blp.alt_response(409, schema=ErrorSchema, description="The name is taken (`name` named).")
@blp.alt_response(422, schema=ErrorSchema,
                  description="A name of 1-120 characters, a description of at most 500.")
def create(data):
    """Create an alliance."""
    _admin()
    alliance = tree.create_alliance(data["name"], data["description"], g.api_user)
    db.session.commit()
    return _out(alliance, 0)


@blp.route("/alliances/<int:alliance_id>", methods=["GET"])
@token_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, AllianceDetailOut)
@blp.alt_response(403, schema=ErrorSchema, description="Admins only.")
@blp.alt_response(404, schema=ErrorSchema, description="Unknown alliance.")
@blp.alt_response(422, schema=ErrorSchema, description="A bad cursor.")
def detail(args, alliance_id: int):
    """One alliance with a page of its branches (`cursor`, `limit`), by name."""
    _admin()
    return _detail(tree.get_alliance(alliance_id), args.get("cursor"), args["limit"])


@blp.route("/alliances/<int:alliance_id>", methods=["PATCH"])
@token_required
@blp.arguments(AlliancePatchIn, required=False)
@blp.response(200, AllianceDetailOut)
@blp.alt_response(403, schema=ErrorSchema, description="Admins only.")
@blp.alt_response(404, schema=ErrorSchema, description="Unknown alliance.")
@blp.alt_response(409, schema=ErrorSchema, description="The name is taken (`name` named).")
@blp.alt_response(422, schema=ErrorSchema,
                  description="A name of 1-120 characters, a description of at most 500.")
def update(data, alliance_id: int):
    """Rename an alliance and/or change its description (only what is sent)."""
    _admin()
    alliance = tree.get_alliance(alliance_id)
    if data:  # an empty PATCH changes nothing, and logs nothing
        tree.update_alliance(alliance, g.api_user, data.get("name"), data.get("description"),
                             set_description="description" in data)
        db.session.commit()
    return _detail(alliance)


@blp.route("/alliances/<int:alliance_id>/branches", methods=["POST"])
@token_required
@blp.arguments(AllianceBranchIn)
@blp.response(201, AllianceDetailOut)
@blp.alt_response(403, schema=ErrorSchema, description="Admins only.")
@blp.alt_response(404, schema=ErrorSchema, description="Unknown alliance.")
@blp.alt_response(409, schema=ErrorSchema,
                  description="The branch is in the alliance already, or retired "
                              "(`branch_id` named).")
@blp.alt_response(422, schema=ErrorSchema,
                  description="`branch_id` names no branch, or a committee.")
def add_branch(data, alliance_id: int):
    """Add a party branch or volunteer team to the alliance."""
    _admin()
    alliance = tree.get_alliance(alliance_id)
    branch = db.session.get(Branch, data["branch_id"])
    if branch is None:
        raise InvalidInput(field="branch_id")
    tree.add_to_alliance(alliance, branch, g.api_user)
    db.session.commit()
    return _detail(alliance)


@blp.route("/alliances/<int:alliance_id>/branches/<int:branch_id>", methods=["DELETE"])
@token_required
@blp.response(200, AllianceDetailOut)
@blp.alt_response(403, schema=ErrorSchema, description="Admins only.")
@blp.alt_response(404, schema=ErrorSchema,
                  description="Unknown alliance or branch, or the branch is not in it.")
def remove_branch(alliance_id: int, branch_id: int):
    """Take a branch out of the alliance."""
    _admin()
    alliance = tree.get_alliance(alliance_id)
    tree.remove_from_alliance(alliance, queries.get_branch(branch_id), g.api_user)
    db.session.commit()
    return _detail(alliance)
