"""Residents' comments as the volunteer's public page shows them: no name,
no phone or ID number, and what they were about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..enrollments.models import Enrollment
from ..extensions import db
from ..listings.models import Service
from ..privacy import scrub_text
from .models import Feedback


@dataclass(frozen=True)
class PublicComment:
    id: int
    rating: int
    comment: str
    created_at: datetime
    service_id: int | None  # None: a help request, whose title is the resident's own words
    service_title: str | None
    hidden: bool


def volunteer_comments(volunteer_id: int, include_hidden: bool = False,
                       limit: int = 10) -> list[PublicComment]:
    """The latest comments on a volunteer, newest first, in one query;
    `include_hidden` for the moderator, who sees what was withheld."""
    stmt = (sa.select(Feedback, Service.id, Service.title)
            .outerjoin(Enrollment, Enrollment.id == Feedback.enrollment_id)
            .outerjoin(Service, Service.id == Enrollment.service_id)
            .where(Feedback.volunteer_id == volunteer_id, Feedback.comment.is_not(None))
            .order_by(Feedback.id.desc()).limit(limit))
    if not include_hidden:
        stmt = stmt.where(Feedback.hidden_at.is_(None))
    return [PublicComment(id=feedback.id, rating=feedback.rating,
                          comment=scrub_text(feedback.comment), created_at=feedback.created_at,
                          service_id=service_id, service_title=title,
                          hidden=feedback.hidden_at is not None)
            for feedback, service_id, title in db.session.execute(stmt)]
