"""Who sees a branch's members ranked by their hours.

The branch's own active members (so they see where they stand), its leads
and leads of committees above it, and admins. Anyone else signed in gets
403: the branch itself is public (its page, its place in the rankings),
only its members' names and hours are not. The public rankings show
branches, never members.
"""

import sqlalchemy as sa

from ..authz import can_manage_branch
from ..branches.models import Branch, Membership, MembershipStatus
from ..extensions import db


def can_view_members(user, branch: Branch) -> bool:
    if not user or not user.is_authenticated:
        return False
    if can_manage_branch(user, branch):
        return True
    return bool(db.session.scalar(sa.select(sa.exists().where(
        Membership.user_id == user.id, Membership.branch_id == branch.id,
        Membership.status == MembershipStatus.ACTIVE))))
