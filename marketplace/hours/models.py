"""Volunteer hour records (志愿服务记录) and the append-only points ledger (积分)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, checked_enum, utcnow

if TYPE_CHECKING:
    from ..accounts.models import User
    from ..branches.models import Branch


class HourStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


class PointReason(StrEnum):
    HOURS_APPROVED = "hours_approved"
    REVERSAL = "reversal"  # a correction takes back what an earlier record earned
    ADJUSTMENT = "adjustment"


class HourRecord(Base):
    __tablename__ = "hour_records"
    __table_args__ = (
        sa.CheckConstraint("ended_at > started_at", name="ends_after_start"),
        # Hours are derived in 0.5 h steps, at most 24 h.
        sa.CheckConstraint("minutes > 0 AND minutes <= 1440 AND minutes % 30 = 0",
                           name="minutes_in_half_hours"),
        sa.CheckConstraint("status <> 'rejected' OR reject_reason IS NOT NULL",
                           name="rejection_has_reason"),
        sa.CheckConstraint("reviewed_by_id IS NULL OR reviewed_by_id <> volunteer_id",
                           name="no_self_review"),
        sa.Index("ix_hour_records_review_queue", "branch_id", "status", "id"),
        sa.Index("ix_hour_records_volunteer_time", "volunteer_id", "started_at"),
        sa.Index("ix_hour_records_branch_reviewed", "branch_id", "reviewed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime]
    minutes: Mapped[int]
    description: Mapped[str] = mapped_column(sa.String(500))
    place: Mapped[str] = mapped_column(sa.String(120))
    # What it served, when it served a listed service or a help request.
    enrollment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enrollments.id"), index=True)
    help_request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("help_requests.id"), index=True
    )
    # 志愿服务记录办法 Art. 7: who was served, the activity's lead, who recorded it.
    served_person: Mapped[str | None] = mapped_column(sa.String(60))
    activity_lead: Mapped[str | None] = mapped_column(sa.String(60))
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    resident_confirmed_at: Mapped[datetime | None]
    status: Mapped[HourStatus] = mapped_column(
        checked_enum(HourStatus, "status"), default=HourStatus.SUBMITTED
    )
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    reject_reason: Mapped[str | None] = mapped_column(sa.String(200))
    # An approved record never changes: a correction is a new record naming it.
    corrects_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hour_records.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    volunteer: Mapped[User] = relationship(foreign_keys=[volunteer_id])
    branch: Mapped[Branch] = relationship()
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])

    @property
    def hours(self) -> float:
        return self.minutes / 60


class PointEntry(Base):
    """Append-only: never updated or deleted; a reversal is a new negative entry."""

    __tablename__ = "point_entries"
    __table_args__ = (
        sa.Index("ix_point_entries_user", "user_id", "created_at"),
        sa.Index("ix_point_entries_branch", "branch_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id"))
    hour_record_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("hour_records.id"), index=True
    )
    reason: Mapped[PointReason] = mapped_column(checked_enum(PointReason, "reason"))
    # Approved minutes and points move together so rankings read one ledger.
    minutes: Mapped[int] = mapped_column(default=0)
    points: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    record: Mapped[HourRecord | None] = relationship()
    branch: Mapped[Branch] = relationship()


class ReportStatus(StrEnum):
    OPEN = "open"
    CORRECTED = "corrected"  # the lead recorded a correction
    ANSWERED = "answered"  # the lead explained why the record stands


_OPEN_REPORT = sa.text("status = 'open'")


class HourReport(Base):
    """A volunteer's report of an error in one of their records, answered by
    a lead with a correction or a reason."""

    __tablename__ = "hour_reports"
    __table_args__ = (
        sa.Index("uq_hour_reports_one_open", "hour_record_id", unique=True,
                 sqlite_where=_OPEN_REPORT, postgresql_where=_OPEN_REPORT),
        sa.Index("ix_hour_reports_branch", "branch_id", "status", "id"),
        sa.CheckConstraint("status = 'open' OR answered_by_id IS NOT NULL",
                           name="answered_has_author"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hour_record_id: Mapped[int] = mapped_column(sa.ForeignKey("hour_records.id"))
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id"))
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    message: Mapped[str] = mapped_column(sa.String(500))
    status: Mapped[ReportStatus] = mapped_column(
        checked_enum(ReportStatus, "status"), default=ReportStatus.OPEN
    )
    answer: Mapped[str | None] = mapped_column(sa.String(200))
    correction_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hour_records.id"))
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    record: Mapped[HourRecord] = relationship(foreign_keys=[hour_record_id])
    volunteer: Mapped[User] = relationship(foreign_keys=[volunteer_id])
