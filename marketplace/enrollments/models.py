"""Enrollments: a resident joins a service (加入该项目)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, checked_enum, utcnow

if TYPE_CHECKING:
    from ..accounts.models import User
    from ..listings.models import Service


class EnrollmentStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    DECLINED = "declined"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


# A resident holds at most one of these per service at a time.
LIVE_STATUSES = (EnrollmentStatus.PENDING, EnrollmentStatus.CONFIRMED, EnrollmentStatus.WAITLISTED)
# These hold a place (count against capacity).
PLACE_HOLDING = (EnrollmentStatus.PENDING, EnrollmentStatus.CONFIRMED)

_LIVE_SQL = sa.text("status IN ('pending', 'confirmed', 'waitlisted')")


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (
        sa.Index(
            "uq_enrollments_live_resident", "service_id", "resident_id",
            unique=True, sqlite_where=_LIVE_SQL, postgresql_where=_LIVE_SQL,
        ),
        # The waitlist is in id order; a position is derived, never stored.
        sa.Index("ix_enrollments_service_status", "service_id", "status", "id"),
        sa.Index("ix_enrollments_resident", "resident_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id"))
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    status: Mapped[EnrollmentStatus] = mapped_column(checked_enum(EnrollmentStatus, "status"))
    # Private: seen only by the service's volunteer while live, and by admins.
    contact: Mapped[str] = mapped_column(sa.String(200))
    note: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    confirmed_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    # The resident confirms that the service really happened.
    resident_confirmed_at: Mapped[datetime | None]
    # A short one-time code the resident gives the volunteer at the door;
    # entered with the hours, it marks the record resident-confirmed.
    visit_code: Mapped[str | None] = mapped_column(sa.String(8))
    visit_code_used_at: Mapped[datetime | None]

    service: Mapped[Service] = relationship()
    resident: Mapped[User] = relationship()

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES
