"""Read-side queries for enrollments, each page in a fixed number of queries."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..feedback.models import Feedback
from ..listings.models import Service
from ..pagination import Page, SortKey, paginate
from .models import LIVE_STATUSES, Enrollment
from .services import waitlist_positions


def live_enrollment_with_position(service_id: int, resident_id: int):
    """The resident's live enrollment in a service and its waitlist position."""
    enrollment = db.session.scalar(sa.select(Enrollment).where(
        Enrollment.service_id == service_id, Enrollment.resident_id == resident_id,
        Enrollment.status.in_(LIVE_STATUSES)))
    if enrollment is None:
        return None
    return enrollment, waitlist_positions([enrollment]).get(enrollment.id)


def service_enrollments(service_id: int, statuses, cursor: str | None, limit: int) -> Page:
    """One service's enrollments in `statuses`, oldest first (the waitlist's
    order), with residents loaded; `page.positions` holds waitlist positions."""
    stmt = (sa.select(Enrollment)
            .where(Enrollment.service_id == service_id, Enrollment.status.in_(statuses))
            .options(joinedload(Enrollment.resident)))
    page = paginate(stmt, [SortKey(Enrollment.id)], cursor, limit)
    page.positions = waitlist_positions(page.items)
    return page


def my_enrollments(resident_id: int, cursor: str | None, limit: int) -> Page:
    stmt = (sa.select(Enrollment).where(Enrollment.resident_id == resident_id)
            .options(joinedload(Enrollment.service).joinedload(Service.volunteer)))
    return paginate(stmt, [SortKey(Enrollment.id, descending=True)], cursor, limit)


def rated_ids(enrollment_ids: list[int]) -> set[int]:
    if not enrollment_ids:
        return set()
    return set(db.session.scalars(sa.select(Feedback.enrollment_id)
                                  .where(Feedback.enrollment_id.in_(enrollment_ids))))
