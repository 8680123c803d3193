"""A resident's rating (1-5 with a comment) of a completed enrollment or help request."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow


class Feedback(Base):
    __tablename__ = "feedback"
    __table_args__ = (
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        sa.CheckConstraint(
            "(enrollment_id IS NULL) <> (help_request_id IS NULL)", name="one_subject"
        ),
        sa.Index("ix_feedback_volunteer", "volunteer_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique: each enrollment or help request is rated once.
    enrollment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("enrollments.id"), unique=True
    )
    help_request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("help_requests.id"), unique=True
    )
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # Denormalised so a volunteer's page lists their ratings without joins.
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    rating: Mapped[int] = mapped_column(sa.SmallInteger)
    comment: Mapped[str | None] = mapped_column(sa.String(500))
    # Set by moderation: the comment is withheld, the rating still counts.
    hidden_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
