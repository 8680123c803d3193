"""Who may do what: the role and ownership checks used by pages, API and CLI.

Roles add to each other (DESIGN.md): every account is a resident; a
volunteer publishes; a branch lead leads one or more branches (and, through
them, their sub-branches); an admin runs the district.
"""

from __future__ import annotations

from functools import wraps

import sqlalchemy as sa
from flask import abort, g
from flask_login import current_user, login_required

from .branches.models import Branch, Membership, MembershipRole, MembershipStatus
from .extensions import db


def led_branches(user) -> list[Branch]:
    """The branches `user` leads directly (not their sub-branches)."""
    if not user or not user.is_authenticated:
        return []
    return list(db.session.scalars(
        sa.select(Branch)
        .join(Membership, Membership.branch_id == Branch.id)
        .where(Membership.user_id == user.id,
               Membership.role == MembershipRole.LEAD,
               Membership.status == MembershipStatus.ACTIVE)
        .order_by(Branch.name)
    ))


def is_lead(user) -> bool:
    if not user or not user.is_authenticated:
        return False
    if g.get("lead_user_id") == user.id:  # already known this request (managed_branch)
        return True
    return db.session.scalar(sa.select(_leads(user.id)))


def _leads(user_id: int, *where) -> sa.Exists:
    """An active lead membership of the user (of the branches `where` names):
    the one definition of leading, for every check below."""
    return sa.exists().where(
        Membership.user_id == user_id,
        Membership.role == MembershipRole.LEAD,
        Membership.status == MembershipStatus.ACTIVE,
        *where)


def is_lead_of(user, branch: Branch) -> bool:
    """A lead of the branch itself or of any committee above it."""
    if not user or not user.is_authenticated:
        return False
    ancestor_ids = [int(part) for part in branch.path.strip("/").split("/") if part]
    ancestor_ids.append(branch.id)
    return db.session.scalar(sa.select(_leads(user.id, Membership.branch_id.in_(ancestor_ids))))


def can_manage_branch(user, branch: Branch) -> bool:
    return bool(user and user.is_authenticated and (user.is_admin or is_lead_of(user, branch)))


def managed_branch(branch_id: int, user) -> tuple[Branch | None, bool]:
    """The branch and whether `user` may manage it (can_manage_branch), in one
    query: the lead check is an EXISTS over the user's memberships, matched
    against the branch itself and the ancestors in its path ("/1/7/")."""
    if not user or not user.is_authenticated:
        return db.session.get(Branch, branch_id), False
    ancestor = Branch.path.like("%/" + sa.cast(Membership.branch_id, sa.String) + "/%")
    leads = _leads(user.id, sa.or_(Membership.branch_id == Branch.id, ancestor))
    row = db.session.execute(sa.select(Branch, leads).where(Branch.id == branch_id)).first()
    if row is None:
        return None, False
    branch, leads_it = row
    if leads_it:
        g.lead_user_id = user.id  # spares is_lead's query for the page's menu
    return branch, bool(user.is_admin or leads_it)


def _requires(check):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not check(current_user):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


admin_required = _requires(lambda user: user.is_admin)
lead_required = _requires(is_lead)
volunteer_required = _requires(lambda user: user.is_volunteer or user.is_admin)
