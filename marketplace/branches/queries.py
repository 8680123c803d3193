"""Read-side queries for branches: the public list and a branch's public
figures, each in a fixed number of queries whatever the branch's size."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..exceptions import NotFound
from ..extensions import db
from ..hours.models import PointEntry, PointReason
from ..pagination import Page, SortKey, paginate
from .models import Branch, BranchKind, Membership, MembershipStatus


def _contains(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
    return f"%{escaped}%"


def search(q: str, cursor: str | None, limit: int) -> Page:
    """Branches still in use whose name contains `q`, by name (then id)."""
    stmt = sa.select(Branch).where(Branch.retired_at.is_(None))
    if q.strip():
        stmt = stmt.where(Branch.name.ilike(_contains(q.strip()), escape="\\"))
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
