"""Help requests (求助): a resident's need, and the volunteers' offers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, checked_enum, utcnow

if TYPE_CHECKING:
    from ..accounts.models import User
    from ..listings.models import Category


class Urgency(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class HelpRequestStatus(StrEnum):
    OPEN = "open"
    MATCHED = "matched"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class HelpOfferStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"  # another offer was accepted, or the request ended


class HelpRequest(Base):
    __tablename__ = "help_requests"
    __table_args__ = (
        sa.Index("ix_help_requests_browse", "status", "category_id", "created_at"),
        sa.Index("ix_help_requests_community", "community", "status"),
        sa.Index("ix_help_requests_requester", "requester_id", "id"),
        sa.CheckConstraint(
            "status NOT IN ('matched', 'completed') OR volunteer_id IS NOT NULL",
            name="matched_has_volunteer",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id"))
    title: Mapped[str] = mapped_column(sa.String(80))
    details: Mapped[str] = mapped_column(sa.Text)
    community: Mapped[str] = mapped_column(sa.String(60))
    # Private: the requester, the accepted volunteer and admins only.
    contact: Mapped[str] = mapped_column(sa.String(200))
    urgency: Mapped[Urgency] = mapped_column(
        checked_enum(Urgency, "urgency"), default=Urgency.NORMAL
    )
    preferred_time: Mapped[str | None] = mapped_column(sa.String(80))
    status: Mapped[HelpRequestStatus] = mapped_column(
        checked_enum(HelpRequestStatus, "status"), default=HelpRequestStatus.OPEN
    )
    # The volunteer whose offer was accepted.
    volunteer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # Open offers, kept by the help service: "no offer yet" without counting rows.
    offer_count: Mapped[int] = mapped_column(default=0)
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    matched_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    resident_confirmed_at: Mapped[datetime | None]
    # As on enrollments: the requester's one-time code for the helper.
    visit_code: Mapped[str | None] = mapped_column(sa.String(8))
    visit_code_used_at: Mapped[datetime | None]

    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    volunteer: Mapped[User | None] = relationship(foreign_keys=[volunteer_id])
    category: Mapped[Category] = relationship()


class HelpOffer(Base):
    __tablename__ = "help_offers"
    __table_args__ = (
        # One offer per volunteer per request; a withdrawn one is reopened.
        sa.UniqueConstraint("help_request_id", "volunteer_id"),
        sa.Index("ix_help_offers_volunteer", "volunteer_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    help_request_id: Mapped[int] = mapped_column(sa.ForeignKey("help_requests.id"))
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    message: Mapped[str] = mapped_column(sa.String(500))
    status: Mapped[HelpOfferStatus] = mapped_column(
        checked_enum(HelpOfferStatus, "status"), default=HelpOfferStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    help_request: Mapped[HelpRequest] = relationship()
    volunteer: Mapped[User] = relationship()
