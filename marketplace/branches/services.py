"""Branch tree and membership rules (used by the admin pages, API, CSV import and demo)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record as audit
from ..db import utcnow
from ..exceptions import Conflict, InvalidInput
from ..extensions import db
from .models import Branch, BranchKind, Membership, MembershipKind, MembershipRole, MembershipStatus


class AlreadyMember(Conflict):
    message = _l("This person is already a member of the branch.")


class HomeBranchTaken(Conflict):
    message = _l("A party member has exactly one home branch; end the current one first.")


def create_branch(name: str, kind: BranchKind, parent: Branch | None = None,
                  actor=None, code: str | None = None, community: str | None = None) -> Branch:
    name = name.strip()
    if not 1 <= len(name) <= 120:
        raise InvalidInput(_l("Branch name: 1-120 characters."), field="name")
    if parent is not None and parent.kind != BranchKind.COMMITTEE:
        raise InvalidInput(_l("Only a party committee can have branches under it."),
                           field="parent_id")
    branch = Branch(name=name, kind=kind, parent=parent, code=code, community=community)
    db.session.add(branch)
    db.session.flush()
    branch.path = f"{parent.path if parent else '/'}{branch.id}/"
    audit(actor, "branch.create", branch, name=name)
    return branch


def live_membership(user, branch: Branch) -> Membership | None:
    return db.session.scalar(sa.select(Membership).where(
        Membership.user_id == user.id, Membership.branch_id == branch.id,
        Membership.status.in_([MembershipStatus.PENDING, MembershipStatus.ACTIVE])))


def home_membership(user) -> Membership | None:
    return db.session.scalar(sa.select(Membership).where(
        Membership.user_id == user.id, Membership.membership == MembershipKind.HOME,
        Membership.status == MembershipStatus.ACTIVE))


def add_member(branch: Branch, user, membership: MembershipKind,
               role: MembershipRole = MembershipRole.MEMBER, actor=None) -> Membership:
    """Add an active member (by an admin or a lead; requests to join come later)."""
    if live_membership(user, branch):
        raise AlreadyMember()
    if membership == MembershipKind.HOME and home_membership(user):
        raise HomeBranchTaken()
    member = Membership(user=user, branch=branch, membership=membership, role=role,
                        status=MembershipStatus.ACTIVE, started_at=utcnow())
    db.session.add(member)
    branch.member_count = Branch.member_count + 1
    user.is_volunteer = True
    if branch.kind == BranchKind.PARTY_BRANCH and membership == MembershipKind.HOME:
        user.is_party_member = True
    audit(actor, "membership.add", member, branch_id=branch.id, user_id=user.id,
          membership=membership.value, role=role.value)
    return member
