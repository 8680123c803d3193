"""Categories and the services volunteers publish (服务项目)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, checked_enum, utcnow

if TYPE_CHECKING:
    from ..accounts.models import User


class ServiceMode(StrEnum):
    HOME = "home"  # 上门: at the resident's home
    PLACE = "place"  # 定点: at a fixed place
    ONLINE = "online"  # 线上


class ServiceStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    PAUSED = "paused"
    CLOSED = "closed"


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(60))
    icon: Mapped[str] = mapped_column(sa.String(40), default="grid")
    position: Mapped[int] = mapped_column(default=0)
    # Published, visible services: kept by the listing service for the home page.
    open_service_count: Mapped[int] = mapped_column(default=0)
    # Retired categories take no new services; one in use is never deleted.
    retired_at: Mapped[datetime | None]


class Service(Base):
    __tablename__ = "services"
    __table_args__ = (
        sa.CheckConstraint("capacity >= 1", name="capacity_positive"),
        sa.CheckConstraint("taken >= 0 AND taken <= capacity", name="taken_within_capacity"),
        sa.CheckConstraint("waitlisted >= 0", name="waitlisted_not_negative"),
        sa.CheckConstraint("ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at",
                           name="ends_after_start"),
        sa.CheckConstraint("rating_count >= 0 AND rating_sum >= 0", name="ratings_not_negative"),
        sa.Index("ix_services_browse", "status", "category_id", "starts_at"),
        sa.Index("ix_services_soon", "status", "starts_at"),
        sa.Index("ix_services_community", "community", "status"),
        sa.Index("ix_services_volunteer", "volunteer_id", "created_at"),
        sa.Index("ix_services_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id"))
    title: Mapped[str] = mapped_column(sa.String(80))
    description: Mapped[str] = mapped_column(sa.Text)
    community: Mapped[str] = mapped_column(sa.String(60))
    mode: Mapped[ServiceMode] = mapped_column(checked_enum(ServiceMode, "mode"))
    place: Mapped[str | None] = mapped_column(sa.String(120))
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    capacity: Mapped[int]
    auto_confirm: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ServiceStatus] = mapped_column(
        checked_enum(ServiceStatus, "status"), default=ServiceStatus.DRAFT
    )
    # Counters kept by the enrollment service so pages never count rows:
    # taken = pending + confirmed (guarded by the CHECK above), waitlisted,
    # joined_total for "most joined", completed_count for "已服务 N 人".
    taken: Mapped[int] = mapped_column(default=0)
    waitlisted: Mapped[int] = mapped_column(default=0)
    joined_total: Mapped[int] = mapped_column(default=0)
    completed_count: Mapped[int] = mapped_column(default=0)
    rating_count: Mapped[int] = mapped_column(default=0)
    rating_sum: Mapped[int] = mapped_column(default=0)
    # Moderation by an admin, with the reason shown to the volunteer.
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]

    volunteer: Mapped[User] = relationship()
    category: Mapped[Category] = relationship()

    @property
    def places_left(self) -> int:
        return self.capacity - self.taken
