"""Branches (党支部), committees, volunteer teams, alliances and memberships."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UtcDateTime, checked_enum, utcnow

if TYPE_CHECKING:
    from ..accounts.models import User


class BranchKind(StrEnum):
    COMMITTEE = "committee"  # 党委 / 联合党委: a parent of branches
    PARTY_BRANCH = "party_branch"  # 党支部
    VOLUNTEER_TEAM = "volunteer_team"  # 志愿服务队, for volunteers outside the party


class MembershipKind(StrEnum):
    HOME = "home"  # 组织关系: exactly one per party member
    FUNCTIONAL = "functional"  # 兼合式: any number


class MembershipRole(StrEnum):
    MEMBER = "member"
    LEAD = "lead"


class MembershipStatus(StrEnum):
    PENDING = "pending"  # asked to join; a lead accepts or refuses
    ACTIVE = "active"
    REFUSED = "refused"
    ENDED = "ended"  # left, removed or moved home: kept as history


class Branch(Base):
    __tablename__ = "branches"
    __table_args__ = (
        sa.Index("ix_branches_parent", "parent_id", "name"),
        sa.Index("ix_branches_path", "path"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[BranchKind] = mapped_column(checked_enum(BranchKind, "kind"))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("branches.id"))
    # Materialised path of ids ("/1/7/42/") so a subtree is one indexed prefix scan.
    path: Mapped[str] = mapped_column(sa.String(255), default="/")
    # An external code (e.g. from a provincial roster) for idempotent CSV imports.
    code: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    community: Mapped[str | None] = mapped_column(sa.String(60))
    # Active members, kept by the membership service so lists never count rows.
    member_count: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None]
    # Where the members went when the branch was retired into another.
    successor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("branches.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Branch | None] = relationship(remote_side=[id], foreign_keys=[parent_id])


alliance_branches = sa.Table(
    "alliance_branches",
    Base.metadata,
    sa.Column("alliance_id", sa.ForeignKey("alliances.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("branch_id", sa.ForeignKey("branches.id", ondelete="CASCADE"), primary_key=True,
              index=True),
    sa.Column("joined_at", UtcDateTime(), nullable=True),
)


class Alliance(Base):
    """A named group of branches across parents, ranked together (e.g. e起学习)."""

    __tablename__ = "alliances"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    description: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    branches: Mapped[list[Branch]] = relationship(secondary=alliance_branches)


_ACTIVE_HOME = sa.text("membership = 'home' AND status = 'active'")
_LIVE = sa.text("status IN ('pending', 'active')")


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (
        sa.Index("uq_memberships_one_home", "user_id", unique=True,
                 sqlite_where=_ACTIVE_HOME, postgresql_where=_ACTIVE_HOME),
        sa.Index("uq_memberships_live", "user_id", "branch_id", unique=True,
                 sqlite_where=_LIVE, postgresql_where=_LIVE),
        sa.Index("ix_memberships_branch", "branch_id", "status", "role"),
        sa.Index("ix_memberships_user", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id"))
    membership: Mapped[MembershipKind] = mapped_column(checked_enum(MembershipKind, "membership"))
    role: Mapped[MembershipRole] = mapped_column(
        checked_enum(MembershipRole, "role"), default=MembershipRole.MEMBER
    )
    status: Mapped[MembershipStatus] = mapped_column(
        checked_enum(MembershipStatus, "status"), default=MembershipStatus.ACTIVE
    )
    # What the volunteer wrote when asking to join.
    message: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    branch: Mapped[Branch] = relationship()
