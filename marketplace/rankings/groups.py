"""What branches are ranked within: their parent committee (党委) or an
alliance (联盟), and how a reader finds one among thousands."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..branches import queries as branch_queries
from ..branches.models import (
    Alliance,
    Branch,
    BranchKind,
    Membership,
    MembershipStatus,
    alliance_branches,
)
from ..exceptions import NotFound
from ..extensions import db

PARENT, ALLIANCE = "parent", "alliance"
CHOICES = 20  # committees and alliances listed at once; the search finds the rest


@dataclass(frozen=True)
class Group:
    kind: str  # PARENT or ALLIANCE
    id: int
    name: str


def get_group(parent_id: int | None = None, alliance_id: int | None = None) -> Group:
    """The committee or alliance named; NotFound when it is unknown (or the
    'parent' is not a committee)."""
    if alliance_id is not None:
        alliance = db.session.get(Alliance, alliance_id)
        if alliance is None:
            raise NotFound()
        return Group(ALLIANCE, alliance.id, alliance.name)
    parent = db.session.get(Branch, parent_id) if parent_id is not None else None
    if parent is None or parent.kind != BranchKind.COMMITTEE:
        raise NotFound()
    return Group(PARENT, parent.id, parent.name)


def in_group(group: Group) -> list:
    """Conditions for the group's ranked branches: live party branches and
    volunteer teams right under the committee, or in the alliance; the
    committees themselves have no members of their own and are not ranked."""
    ranked = [Branch.retired_at.is_(None), Branch.kind != BranchKind.COMMITTEE]
    if group.kind == PARENT:
        return [Branch.parent_id == group.id, *ranked]
    members = sa.select(alliance_branches.c.branch_id).where(
        alliance_branches.c.alliance_id == group.id)
    return [Branch.id.in_(members), *ranked]


@dataclass
class Choices:
    mine: list[Group]  # the committees and alliances of the reader's own branches
    committees: list[Group]
    alliances: list[Group]


def choices(q: str, user) -> Choices:
    """Committees and alliances whose name contains `q` (the first ones by
    name when it is empty), and the reader's own; at most four queries."""
    committees = branch_queries.search(q, None, CHOICES, kind=BranchKind.COMMITTEE).items
    alliances = branch_queries.search_alliances(q, None, CHOICES).items
    return Choices(mine=_mine(user),
                   committees=[Group(PARENT, b.id, b.name) for b in committees],
                   alliances=[Group(ALLIANCE, a.id, a.name) for a in alliances])


def _mine(user) -> list[Group]:
    if not user or not user.is_authenticated:
        return []
    own = sa.select(Membership.branch_id).where(Membership.user_id == user.id,
                                                Membership.status == MembershipStatus.ACTIVE)
    parent_ids = sa.select(Branch.parent_id).where(Branch.id.in_(own))
    parents = db.session.scalars(sa.select(Branch).where(Branch.id.in_(parent_ids))
                                 .order_by(Branch.name, Branch.id))
    alliances = db.session.scalars(
        sa.select(Alliance).where(Alliance.id.in_(
            sa.select(alliance_branches.c.alliance_id)
            .where(alliance_branches.c.branch_id.in_(own))))
        .order_by(Alliance.name, Alliance.id))
    return ([Group(PARENT, b.id, b.name) for b in parents]
            + [Group(ALLIANCE, a.id, a.name) for a in alliances])
