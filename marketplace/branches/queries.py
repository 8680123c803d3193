"""Read-side queries for branches: the public list and a branch's public
figures, each in a fixed number of queries whatever the branch's size."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from ..accounts.models import User
from ..exceptions import NotFound
from ..extensions import db
from ..hours.models import PointEntry, PointReason
from ..pagination import Page, SortKey, paginate
from .models import (
    Alliance,
    Branch,
    BranchKind,
    Membership,
    MembershipRole,
    MembershipStatus,
    alliance_branches,
)


def _contains(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
    return f"%{escaped}%"


def search(q: str, cursor: str | None, limit: int, *, parent_id: int | None = None,
           kind: BranchKind | None = None, retired: str = "live") -> Page:
    """Branches whose name contains `q`, by name (then id), with their
    parents; `retired` is "live" (the default: still in use), "retired" or "all"."""
    stmt = sa.select(Branch).options(joinedload(Branch.parent))
    if retired == "live":
        stmt = stmt.where(Branch.retired_at.is_(None))
    elif retired == "retired":
        stmt = stmt.where(Branch.retired_at.is_not(None))
    if q.strip():
        stmt = stmt.where(Branch.name.ilike(_contains(q.strip()), escape="\\"))
    if parent_id is not None:
        stmt = stmt.where(Branch.parent_id == parent_id)
    if kind is not None:
        stmt = stmt.where(Branch.kind == kind)
    keys = [SortKey(Branch.name, kind=str), SortKey(Branch.id)]
    return paginate(stmt, keys, cursor, limit)


def get_branch(branch_id: int) -> Branch:
    branch = db.session.get(Branch, branch_id)
    if branch is None:
        raise NotFound()
    return branch


@dataclass(frozen=True)
class BranchSummary:
    id: int
    name: str
    kind: BranchKind
    parent_id: int | None
    members: int
    approved_minutes: int
    records_approved: int
    volunteers_active: int

    @property
    def approved_hours(self) -> float:
        return self.approved_minutes / 60


def branch_summary(branch_id: int) -> BranchSummary:
    """A branch's public figures (no personal data), in three queries:
    the branch, its active members, and the points ledger of the branch.

    Approved hours are the ledger's net minutes (a correction's reversal
    takes back what the corrected record earned); an approved record
    counts until a correction reverses it; an active volunteer is one with
    net approved minutes in the branch."""
    branch = get_branch(branch_id)
    members = db.session.scalar(
        sa.select(sa.func.count()).select_from(Membership)
        .where(Membership.branch_id == branch.id,
               Membership.status == MembershipStatus.ACTIVE)) or 0
    per_user = (
        sa.select(
            PointEntry.user_id,
            sa.func.sum(PointEntry.minutes).label("minutes"),
            sa.func.sum(sa.case((PointEntry.reason == PointReason.HOURS_APPROVED, 1),
                                else_=0)).label("approved"),
            sa.func.sum(sa.case((PointEntry.reason == PointReason.REVERSAL, 1),
                                else_=0)).label("reversed"))
        .where(PointEntry.branch_id == branch.id)
        .group_by(PointEntry.user_id)
        .subquery())
    minutes, approved, reversed_, active = db.session.execute(sa.select(
        sa.func.coalesce(sa.func.sum(per_user.c.minutes), 0),
        sa.func.coalesce(sa.func.sum(per_user.c.approved), 0),
        sa.func.coalesce(sa.func.sum(per_user.c.reversed), 0),
        sa.func.coalesce(sa.func.sum(sa.case((per_user.c.minutes > 0, 1), else_=0)), 0),
    )).one()
    return BranchSummary(
        id=branch.id, name=branch.name, kind=branch.kind, parent_id=branch.parent_id,
        members=int(members), approved_minutes=int(minutes),
        records_approved=int(approved) - int(reversed_), volunteers_active=int(active))


# -- members --------------------------------------------------------------------------

# The lists of a branch's memberships that the members page and the API show.
MEMBER_LISTS = {"active": (MembershipStatus.ACTIVE,), "pending": (MembershipStatus.PENDING,),
                "history": (MembershipStatus.ENDED, MembershipStatus.REFUSED)}

def members(branch_id: int, statuses: tuple[MembershipStatus, ...] | None,
            cursor: str | None, limit: int) -> Page:
    """A branch's memberships with their people, in one query per page:
    active ones leads first, then by name; pending requests oldest first;
    history (ended, refused) and everything newest first."""
    stmt = (sa.select(Membership).join(Membership.user).options(contains_eager(Membership.user))
            .where(Membership.branch_id == branch_id))
    if statuses:
        stmt = stmt.where(Membership.status.in_(statuses))
    if statuses == (MembershipStatus.ACTIVE,):
        keys = [SortKey(Membership.role, kind=str), SortKey(User.display_name, kind=str),
                SortKey(Membership.id)]
    elif statuses == (MembershipStatus.PENDING,):
        keys = [SortKey(Membership.id)]
    else:
        keys = [SortKey(Membership.id, descending=True)]
    return paginate(stmt, keys, cursor, limit)


def memberships_by_ids(ids: list[int]) -> list[Membership]:
    """The memberships named, in the order named; NotFound when one is unknown."""
    wanted = list(dict.fromkeys(ids))
    found = {m.id: m for m in db.session.scalars(
        sa.select(Membership).where(Membership.id.in_(wanted)))}
    if any(i not in found for i in wanted):
        raise NotFound()
    return [found[i] for i in wanted]


def my_live(user_id: int) -> list[Membership]:
    """A person's active memberships and pending requests (a handful), with
    their branches: home first, then by branch name."""
    return list(db.session.scalars(
        sa.select(Membership).join(Membership.branch).options(contains_eager(Membership.branch))
        .where(Membership.user_id == user_id,
               Membership.status.in_([MembershipStatus.ACTIVE, MembershipStatus.PENDING]))
        .order_by(Membership.status, Membership.membership.desc(), Branch.name)))


def my_memberships(user_id: int, cursor: str | None, limit: int,
                   history_only: bool = False) -> Page:
    """A person's memberships, newest first, with their branches."""
    stmt = (sa.select(Membership).options(joinedload(Membership.branch))
            .where(Membership.user_id == user_id))
    if history_only:
        stmt = stmt.where(Membership.status.in_([MembershipStatus.ENDED,
                                                 MembershipStatus.REFUSED]))
    return paginate(stmt, [SortKey(Membership.id, descending=True)], cursor, limit)


def leads(branch_id: int) -> list[User]:
    """The branch's own active leads, by name (public: names only)."""
    return list(db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.branch_id == branch_id, Membership.role == MembershipRole.LEAD,
               Membership.status == MembershipStatus.ACTIVE)
        .order_by(User.display_name, User.id)))


def pending_counts(branch_ids: list[int]) -> dict[int, int]:
    """Requests to join waiting in each branch, in one query."""
    if not branch_ids:
        return {}
    return dict(db.session.execute(
        sa.select(Membership.branch_id, sa.func.count())
        .where(Membership.branch_id.in_(branch_ids),
               Membership.status == MembershipStatus.PENDING)
        .group_by(Membership.branch_id)).all())


# -- the tree and alliances ------------------------------------------------------------

def children(branch_id: int, cursor: str | None, limit: int) -> Page:
    """The branches right under a committee (retired ones too), by name."""
    stmt = sa.select(Branch).where(Branch.parent_id == branch_id)
    return paginate(stmt, [SortKey(Branch.name, kind=str), SortKey(Branch.id)], cursor, limit)


def branch_for_page(branch_id: int) -> Branch:
    branch = db.session.scalar(sa.select(Branch).where(Branch.id == branch_id)
                               .options(joinedload(Branch.parent)))
    if branch is None:
        raise NotFound()
    return branch


def alliances_of(branch_id: int) -> list[Alliance]:
    return list(db.session.scalars(
        sa.select(Alliance).join(alliance_branches,
                                 alliance_branches.c.alliance_id == Alliance.id)
        .where(alliance_branches.c.branch_id == branch_id).order_by(Alliance.name)))


def search_alliances(q: str, cursor: str | None, limit: int) -> Page:
    """Alliances whose name contains `q`, by name."""
    stmt = sa.select(Alliance)
    if q.strip():
        stmt = stmt.where(Alliance.name.ilike(_contains(q.strip()), escape="\\"))
    return paginate(stmt, [SortKey(Alliance.name, kind=str), SortKey(Alliance.id)], cursor,
                    limit)


def alliance_sizes(alliance_ids: list[int]) -> dict[int, int]:
    """How many branches each alliance has, in one query."""
    if not alliance_ids:
        return {}
    return dict(db.session.execute(
        sa.select(alliance_branches.c.alliance_id, sa.func.count())
        .where(alliance_branches.c.alliance_id.in_(alliance_ids))
        .group_by(alliance_branches.c.alliance_id)).all())


def alliance_branch_page(alliance_id: int, cursor: str | None, limit: int) -> Page:
    """An alliance's branches, by name."""
    stmt = (sa.select(Branch).join(alliance_branches,
                                   alliance_branches.c.branch_id == Branch.id)
            .where(alliance_branches.c.alliance_id == alliance_id))
    return paginate(stmt, [SortKey(Branch.name, kind=str), SortKey(Branch.id)], cursor, limit)
