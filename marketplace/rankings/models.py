"""Summary tables for rankings, dashboards and the public page.

Kept up to date in the same transaction as the points ledger (see
totals.py), so a ranking of 81,000 branches reads one row per branch and
period instead of rescanning millions of hour records. Each figure is kept
for three periods of the record's local start date: its month
("2026-11"), quarter ("2026-Q4") and year ("2026").
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class BranchPeriodStat(Base):
    __tablename__ = "branch_period_stats"
    __table_args__ = (
        sa.Index("ix_branch_period_stats_branch", "branch_id", "period"),
        sa.Index("ix_branch_period_stats_minutes", "period", "minutes"),
    )

    period: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id"), primary_key=True)
    minutes: Mapped[int] = mapped_column(default=0)  # net approved minutes
    points: Mapped[int] = mapped_column(default=0)
    records: Mapped[int] = mapped_column(default=0)  # approved, not reversed
    # Records that served a resident (an enrollment or a help request).
    residents_served: Mapped[int] = mapped_column(default=0)
    confirmed_records: Mapped[int] = mapped_column(default=0)  # resident-confirmed
    # Members with net approved minutes in the period (kept with member stats).
    active_members: Mapped[int] = mapped_column(default=0)
    rating_sum: Mapped[int] = mapped_column(default=0)
    rating_count: Mapped[int] = mapped_column(default=0)


class MemberPeriodStat(Base):
    __tablename__ = "member_period_stats"
    __table_args__ = (
        sa.Index("ix_member_period_stats_rank", "branch_id", "period", "minutes"),
        sa.Index("ix_member_period_stats_user", "user_id", "period"),
    )

    period: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    minutes: Mapped[int] = mapped_column(default=0)
    points: Mapped[int] = mapped_column(default=0)
    records: Mapped[int] = mapped_column(default=0)


class DistrictPeriodStat(Base):
    """District figures by period and category for the public page (公开).

    category_id 0 holds volunteer work that served no listed service or
    help request; it is not a foreign key for that reason."""

    __tablename__ = "district_period_stats"

    period: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    category_id: Mapped[int] = mapped_column(primary_key=True)
    minutes: Mapped[int] = mapped_column(default=0)
    records: Mapped[int] = mapped_column(default=0)
    residents_served: Mapped[int] = mapped_column(default=0)
    services_published: Mapped[int] = mapped_column(default=0)
