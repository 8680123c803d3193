"""Read-side queries for help requests, each page in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..db import utcnow
from ..extensions import db
from ..feedback.models import Feedback
from ..pagination import Page, SortKey, paginate
from .models import HelpOffer, HelpRequest, HelpRequestStatus, Urgency

# A request open this long with no offer is shown first to volunteers nearby.
UNANSWERED_AFTER = timedelta(hours=24)
# Literals, not parameters: PostgreSQL matches this to its list index
# (migration 0007) only as the very same expression.
URGENCY_RANK = sa.case(
    {sa.literal_column(f"'{urgency.value}'"): sa.literal_column(str(rank))
     for urgency, rank in ((Urgency.HIGH, 3), (Urgency.NORMAL, 2), (Urgency.LOW, 1))},
    value=HelpRequest.urgency, else_=sa.literal_column("0"))


@dataclass(frozen=True)
class HelpFilters:
    status: HelpRequestStatus = HelpRequestStatus.OPEN
    category_id: int | None = None
    community: str = ""
    urgency: Urgency | None = None


def browse(filters: HelpFilters, cursor: str | None, limit: int) -> Page:
    """Visible requests, the most urgent first, then the newest."""
    stmt = (sa.select(HelpRequest)
            .where(HelpRequest.status == filters.status, HelpRequest.hidden_at.is_(None))
            .options(joinedload(HelpRequest.category), joinedload(HelpRequest.requester)))
    if filters.category_id:
        stmt = stmt.where(HelpRequest.category_id == filters.category_id)
    if filters.community.strip():
        pattern = filters.community.strip().replace("%", r"\%").replace("_", r"\_") + "%"
        stmt = stmt.where(HelpRequest.community.like(pattern, escape="\\"))
    if filters.urgency:
        stmt = stmt.where(HelpRequest.urgency == filters.urgency)
    keys = [SortKey(URGENCY_RANK, descending=True), SortKey(HelpRequest.id, descending=True)]
    return paginate(stmt, keys, cursor, limit)


def unanswered_near(volunteer, limit: int = 5) -> list[HelpRequest]:
    """Other residents' open requests in a volunteer's community, waiting
    long with no offer."""
    community = volunteer.community
    if not community:
        return []
    return list(db.session.scalars(
        sa.select(HelpRequest)
        .where(HelpRequest.status == HelpRequestStatus.OPEN, HelpRequest.hidden_at.is_(None),
               HelpRequest.community == community, HelpRequest.offer_count == 0,
               HelpRequest.requester_id != volunteer.id,
               HelpRequest.created_at < utcnow() - UNANSWERED_AFTER)
        .options(joinedload(HelpRequest.category))
        .order_by(HelpRequest.created_at).limit(limit)))


def is_unanswered(request: HelpRequest, now: datetime | None = None) -> bool:
    return (request.status == HelpRequestStatus.OPEN and request.offer_count == 0
            and request.created_at < (now or utcnow()) - UNANSWERED_AFTER)


def request_for_page(request_id: int) -> HelpRequest | None:
    return db.session.scalar(
        sa.select(HelpRequest).where(HelpRequest.id == request_id)
        .options(joinedload(HelpRequest.category), joinedload(HelpRequest.requester),
                 joinedload(HelpRequest.volunteer)))


def offers_of(request_id: int) -> list[HelpOffer]:
    """A request's offers with their volunteers, oldest first (a request
    draws a handful, not thousands)."""
    return list(db.session.scalars(
        sa.select(HelpOffer).where(HelpOffer.help_request_id == request_id)
        .options(joinedload(HelpOffer.volunteer)).order_by(HelpOffer.id)))


def offer_by(request_id: int, volunteer_id: int) -> HelpOffer | None:
    return db.session.scalar(sa.select(HelpOffer).filter_by(help_request_id=request_id,
                                                            volunteer_id=volunteer_id))


def requests_of(requester_id: int, cursor: str | None, limit: int) -> Page:
    stmt = (sa.select(HelpRequest).where(HelpRequest.requester_id == requester_id)
            .options(joinedload(HelpRequest.category), joinedload(HelpRequest.volunteer)))
    return paginate(stmt, [SortKey(HelpRequest.id, descending=True)], cursor, limit)


def offers_by(volunteer_id: int, cursor: str | None, limit: int) -> Page:
    stmt = (sa.select(HelpOffer).where(HelpOffer.volunteer_id == volunteer_id)
            .options(joinedload(HelpOffer.help_request)))
    return paginate(stmt, [SortKey(HelpOffer.id, descending=True)], cursor, limit)


def rated_request_ids(request_ids: list[int]) -> set[int]:
    if not request_ids:
        return set()
    return set(db.session.scalars(sa.select(Feedback.help_request_id)
                                  .where(Feedback.help_request_id.in_(request_ids))))

