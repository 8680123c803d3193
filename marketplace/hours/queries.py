"""Read-side queries for hour records: the review queue, a volunteer's
own records and totals, each page in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..exceptions import NotFound
from ..extensions import db
from ..pagination import Page, SortKey, paginate
from .models import HourRecord, HourStatus, PointEntry
from .stars import star_level

_WITH_PEOPLE = (joinedload(HourRecord.volunteer), joinedload(HourRecord.branch))


def branch_records(branch_id: int, status: HourStatus | None, cursor: str | None,
                   limit: int) -> Page:
    """A branch's records, oldest first (the review queue's order), with
    their volunteers; every status when `status` is None."""
    stmt = sa.select(HourRecord).where(HourRecord.branch_id == branch_id).options(*_WITH_PEOPLE)
    if status is not None:
        stmt = stmt.where(HourRecord.status == status)
    return paginate(stmt, [SortKey(HourRecord.id)], cursor, limit)


def records_of(volunteer_id: int, cursor: str | None, limit: int) -> Page:
    """A volunteer's own records, newest first."""
    stmt = (sa.select(HourRecord).where(HourRecord.volunteer_id == volunteer_id)
            .options(*_WITH_PEOPLE))
    return paginate(stmt, [SortKey(HourRecord.id, descending=True)], cursor, limit)


def record_for_page(record_id: int) -> HourRecord:
    record = db.session.scalar(sa.select(HourRecord).where(HourRecord.id == record_id)
                               .options(*_WITH_PEOPLE))
    if record is None:
        raise NotFound()
    return record


def records_by_ids(record_ids: list[int]) -> list[HourRecord]:
    """The records named, in the order named; NotFound when one is unknown."""
    wanted = list(dict.fromkeys(record_ids))
    found = {r.id: r for r in db.session.scalars(
        sa.select(HourRecord).where(HourRecord.id.in_(wanted)))}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFound()
    return [found[i] for i in wanted]


@dataclass(frozen=True)
class VolunteerTotals:
    approved_minutes: int = 0
    points: int = 0

    @property
    def approved_hours(self) -> float:
        return self.approved_minutes / 60

    @property
    def stars(self) -> int:
        return star_level(self.approved_minutes)


def volunteer_totals(user_id: int) -> VolunteerTotals:
    """Net approved minutes and points from the ledger (reversals included)."""
    minutes, points = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(PointEntry.minutes), 0),
                  sa.func.coalesce(sa.func.sum(PointEntry.points), 0))
        .where(PointEntry.user_id == user_id)).one()
    return VolunteerTotals(approved_minutes=int(minutes), points=int(points))
