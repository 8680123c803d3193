"""The district office's rules for the branch tree and alliances (admins
only): rename, move under another committee, retire (merge-safe, members
moving to a successor), and alliances (联盟) across parents."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record as audit
from ..db import utcnow
from ..exceptions import Conflict, InvalidInput, NotAllowed, NotFound
from ..extensions import db
from ..hours.models import HourRecord, HourStatus
from ..locking import lock_row
from ..notifications.services import notify
from . import services as members
from .models import (
    Alliance,
    Branch,
    BranchKind,
    Membership,
    MembershipKind,
    MembershipRole,
    MembershipStatus,
    alliance_branches,
)

PATH_MAX = 255  # Branch.path's length
DESCRIPTION_MAX = 500


class NameTaken(InvalidInput):
    status = 409
    code = "conflict"
    message = _l("Another alliance has this name already.")


class TreeConflict(InvalidInput):
    """A field names a branch the tree's current state rules out (a cycle, a
    retired branch): 409, naming the field (the pages show it beside it)."""

    status = 409
    code = "conflict"


def _require_admin(actor) -> None:
    """`actor` None is the system (CLI); a person must be an admin."""
    if actor is not None and not actor.is_admin:
        raise NotAllowed()


# -- rename and move ------------------------------------------------------------------

def rename_branch(branch: Branch, name: str, actor) -> Branch:
    _require_admin(actor)
    name = members.check_name(name)
    was, branch.name = branch.name, name
    audit(actor, "branch.rename", branch, name=name, was=was)
    return branch


def move_branch(branch: Branch, parent: Branch | None, actor) -> Branch:
    """Put a branch (and its whole subtree) under another committee, or at
    the top when `parent` is None: one UPDATE rewrites the subtree's paths."""
    _require_admin(actor)
    if parent is not None:
        if parent.id == branch.id or parent.path.startswith(branch.path):
            raise TreeConflict(_l("A branch cannot move under itself or under one of its own "
                                  "branches."), field="parent_id")
        if parent.kind != BranchKind.COMMITTEE:
            raise InvalidInput(_l("Only a party committee can have branches under it."),
                               field="parent_id")
        if parent.retired_at is not None:
            raise TreeConflict(_l("This committee is retired."), field="parent_id")
    new_parent_id = parent.id if parent is not None else None
    if branch.parent_id == new_parent_id:
        return branch
    branch = lock_row(Branch, branch.id)
    old_path = branch.path
    new_path = f"{parent.path if parent is not None else '/'}{branch.id}/"
    in_subtree = Branch.path.like(old_path + "%")
    longest = db.session.scalar(sa.select(sa.func.max(sa.func.length(Branch.path)))
                                .where(in_subtree)) or len(old_path)
    if longest - len(old_path) + len(new_path) > PATH_MAX:
        raise InvalidInput(_l("The tree would be too deep there."), field="parent_id")
    was = branch.parent_id
    branch.parent_id = new_parent_id
    db.session.flush()
    db.session.execute(
        sa.update(Branch).where(in_subtree)
        .values(path=sa.literal(new_path, sa.String)
                + sa.func.substr(Branch.path, len(old_path) + 1, type_=sa.String))
        .execution_options(synchronize_session=False))
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Branch):
            db.session.expire(obj, ["path"])
    db.session.expire(branch, ["parent"])
    audit(actor, "branch.move", branch, parent_id=new_parent_id,
          was=was)
    return branch


# -- retire ---------------------------------------------------------------------------

def retire_branch(branch: Branch, actor, successor: Branch | None = None) -> Branch:
    """Retire a branch that has no live branches under it and no hours
    awaiting review. Its pending requests are refused. With a successor (of
    the same kind, in use), its active members move there (a home membership
    moves home; people already there are skipped); without one, functional
    memberships end and home memberships stay until their members move
    home. Its leads lead it no more. Its hours stay with it as history."""
    _require_admin(actor)
    if branch.retired_at is not None:
        raise Conflict(_l("This branch is retired already."))
    if successor is not None:
        if successor.id == branch.id or successor.kind != branch.kind:
            raise InvalidInput(_l("The successor is another branch of the same kind."),
                               field="successor_id")
        if successor.retired_at is not None:
            raise TreeConflict(_l("The successor is retired itself."), field="successor_id")
    for branch_id in sorted({branch.id, *([successor.id] if successor else [])}):
        lock_row(Branch, branch_id)
    if db.session.scalar(sa.select(sa.exists().where(Branch.parent_id == branch.id,
                                                     Branch.retired_at.is_(None)))):
        raise Conflict(_l("Branches under it are still in use: move or retire them first."))
    if db.session.scalar(sa.select(sa.exists().where(HourRecord.branch_id == branch.id,
                                                     HourRecord.status == HourStatus.SUBMITTED))):
        raise Conflict(_l("Hours recorded for this branch await review: review them first."))
    now = utcnow()
    db.session.execute(
        sa.update(Membership)
        .where(Membership.branch_id == branch.id, Membership.status == MembershipStatus.PENDING)
        .values(status=MembershipStatus.REFUSED, ended_at=now)
        .execution_options(synchronize_session=False))
    _expire_memberships(branch)
    moved = _move_members(branch, successor) if successor else _keep_homes(branch)
    branch.retired_at, branch.successor_id = now, successor.id if successor else None
    audit(actor, "branch.retire", branch, successor_id=branch.successor_id, moved=moved)
    return branch


def _end_all(branch: Branch, kind: MembershipKind | None = None) -> int:
    """End the branch's active memberships (of one kind) in one UPDATE."""
    stmt = sa.update(Membership).where(Membership.branch_id == branch.id,
                                       Membership.status == MembershipStatus.ACTIVE)
    if kind is not None:
        stmt = stmt.where(Membership.membership == kind)
    ended = db.session.execute(stmt.values(status=MembershipStatus.ENDED, ended_at=utcnow())
                               .execution_options(synchronize_session=False)).rowcount
    members.count_members(branch.id, -ended)
    _expire_memberships(branch)
    return ended


def _expire_memberships(branch: Branch) -> None:
    """Loaded memberships of the branch are read again after a bulk UPDATE."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Membership) and sa.inspect(obj).dict.get("branch_id") == branch.id:
            db.session.expire(obj)


def _move_members(branch: Branch, successor: Branch) -> int:
    """Equivalent memberships start in the successor (as members; its leads
    are appointed there anew). Who is there already is skipped, except that
    a home membership moves home: it takes the place of what was there."""
    actives = db.session.execute(sa.select(Membership.user_id, Membership.membership).where(
        Membership.branch_id == branch.id, Membership.status == MembershipStatus.ACTIVE)
        .order_by(Membership.id)).all()
    there = {m.user_id: m for m in db.session.scalars(sa.select(Membership).where(
        Membership.branch_id == successor.id, Membership.status.in_(members.LIVE),
        Membership.user_id.in_(sa.select(Membership.user_id).where(
            Membership.branch_id == branch.id,
            Membership.status == MembershipStatus.ACTIVE))))}
    _end_all(branch)
    moved = 0
    for user_id, kind in actives:
        current = there.get(user_id)
        if current is not None:
            if kind != MembershipKind.HOME:
                continue
            members.close(current)
        db.session.add(Membership(user_id=user_id, branch_id=successor.id, membership=kind,
                                  role=MembershipRole.MEMBER, status=MembershipStatus.ACTIVE,
                                  started_at=utcnow()))
        moved += 1
        notify(user_id, "branch.retired", branch_id=branch.id, branch_name=branch.name,
               successor_id=successor.id, successor_name=successor.name)
    db.session.flush()
    members.count_members(successor.id, moved)
    return moved


def _keep_homes(branch: Branch) -> int:
    """Without a successor: functional memberships end, home memberships
    stay (as members) until their people move home."""
    user_ids = list(db.session.scalars(sa.select(Membership.user_id).where(
        Membership.branch_id == branch.id, Membership.status == MembershipStatus.ACTIVE)
        .order_by(Membership.id)))
    ended = _end_all(branch, MembershipKind.FUNCTIONAL)
    db.session.execute(
        sa.update(Membership)
        .where(Membership.branch_id == branch.id, Membership.status == MembershipStatus.ACTIVE)
        .values(role=MembershipRole.MEMBER).execution_options(synchronize_session=False))
    _expire_memberships(branch)
    for user_id in user_ids:
        notify(user_id, "branch.retired", branch_id=branch.id, branch_name=branch.name,
               successor_id=None, successor_name=None)
    return ended


# -- alliances ------------------------------------------------------------------------

def get_alliance(alliance_id: int) -> Alliance:
    alliance = db.session.get(Alliance, alliance_id)
    if alliance is None:
        raise NotFound()
    return alliance


def _alliance_name(name: str, alliance: Alliance | None = None) -> str:
    name = (name or "").strip()
    if not 1 <= len(name) <= 120:
        raise InvalidInput(_l("Alliance name: 1-120 characters."), field="name")
    taken = sa.select(sa.exists().where(Alliance.name == name,
                                        Alliance.id != (alliance.id if alliance else -1)))
    if db.session.scalar(taken):
        raise NameTaken(field="name")
    return name


def _description(description: str | None) -> str | None:
    description = (description or "").strip() or None
    if description and len(description) > DESCRIPTION_MAX:
        raise InvalidInput(_l("At most 500 characters."), field="description")
    return description


def create_alliance(name: str, description: str | None, actor) -> Alliance:
    _require_admin(actor)
    alliance = Alliance(name=_alliance_name(name), description=_description(description))
    db.session.add(alliance)
    audit(actor, "alliance.create", alliance, name=alliance.name)
    return alliance


def update_alliance(alliance: Alliance, actor, name: str | None = None,
                    description: str | None = None, *, set_description: bool = False
                    ) -> Alliance:
    """Rename and/or describe (`set_description` to change the description,
    an empty one clears it)."""
    _require_admin(actor)
    if name is not None:
        alliance.name = _alliance_name(name, alliance)
    if set_description:
        alliance.description = _description(description)
    audit(actor, "alliance.update", alliance, name=alliance.name)
    return alliance


def _is_in(alliance: Alliance, branch: Branch) -> bool:
    return bool(db.session.scalar(sa.select(sa.exists().where(
        alliance_branches.c.alliance_id == alliance.id,
        alliance_branches.c.branch_id == branch.id))))


def add_to_alliance(alliance: Alliance, branch: Branch, actor) -> None:
    _require_admin(actor)
    if branch.kind == BranchKind.COMMITTEE:
        raise InvalidInput(_l("An alliance joins party branches and volunteer teams, not "
                              "committees."), field="branch_id")
    if branch.retired_at is not None:
        raise TreeConflict(_l("This branch is retired."), field="branch_id")
    if _is_in(alliance, branch):
        raise Conflict(_l("This branch is in the alliance already."))
    db.session.execute(alliance_branches.insert().values(
        alliance_id=alliance.id, branch_id=branch.id, joined_at=utcnow()))
    db.session.expire(alliance, ["branches"])
    audit(actor, "alliance.add_branch", alliance, branch_id=branch.id)


def remove_from_alliance(alliance: Alliance, branch: Branch, actor) -> None:
    _require_admin(actor)
    if not _is_in(alliance, branch):
        raise NotFound()
    db.session.execute(alliance_branches.delete().where(
        alliance_branches.c.alliance_id == alliance.id,
        alliance_branches.c.branch_id == branch.id))
    db.session.expire(alliance, ["branches"])
    audit(actor, "alliance.remove_branch", alliance, branch_id=branch.id)
