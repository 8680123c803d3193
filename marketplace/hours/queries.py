"""Read-side queries for hour records: the review queue, a volunteer's
own records and totals, each page in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..exceptions import NotFound
from ..extensions import db
from ..feedback.models import Feedback
from ..localtime import local_day_start
from ..pagination import Page, SortKey, paginate
from .models import HourRecord, HourStatus, PointEntry
from .stars import next_star_hours, star_level

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

    @property
    def next_star_hours(self) -> int | None:
        return next_star_hours(self.approved_minutes)


def volunteer_totals(user_id: int) -> VolunteerTotals:
    """Net approved minutes and points from the ledger (reversals included)."""
    minutes, points = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(PointEntry.minutes), 0),
                  sa.func.coalesce(sa.func.sum(PointEntry.points), 0))
        .where(PointEntry.user_id == user_id)).one()
    return VolunteerTotals(approved_minutes=int(minutes), points=int(points))


def points_of(user_id: int, cursor: str | None, limit: int) -> Page:
    """A volunteer's points ledger, newest first, with the record and branch
    each entry came from."""
    stmt = (sa.select(PointEntry).where(PointEntry.user_id == user_id)
            .options(joinedload(PointEntry.record), joinedload(PointEntry.branch)))
    keys = [SortKey(PointEntry.created_at, descending=True, kind=datetime),
            SortKey(PointEntry.id, descending=True)]  # ix_point_entries_user serves it
    return paginate(stmt, keys, cursor, limit)


@dataclass(frozen=True)
class ReviewFilters:
    volunteer_id: int | None = None
    month: date | None = None  # any day of the local month wanted
    linked: bool | None = None  # served an enrollment or a help request, or not


def review_queue(branch_id: int, filters: ReviewFilters, cursor: str | None,
                 limit: int) -> Page:
    """Submitted records of a branch, oldest first, filtered for the lead."""
    stmt = (sa.select(HourRecord)
            .where(HourRecord.branch_id == branch_id, HourRecord.status == HourStatus.SUBMITTED)
            .options(*_WITH_PEOPLE))
    if filters.volunteer_id:
        stmt = stmt.where(HourRecord.volunteer_id == filters.volunteer_id)
    if filters.month:
        first = filters.month.replace(day=1)
        after = (first + timedelta(days=32)).replace(day=1)
        stmt = stmt.where(HourRecord.started_at >= local_day_start(first),
                          HourRecord.started_at < local_day_start(after))
    if filters.linked is not None:
        is_linked = sa.or_(HourRecord.enrollment_id.is_not(None),
                           HourRecord.help_request_id.is_not(None))
        stmt = stmt.where(is_linked if filters.linked else sa.not_(is_linked))
    return paginate(stmt, [SortKey(HourRecord.id)], cursor, limit)


def waiting_members(branch_id: int) -> list[tuple[int, str]]:
    """(id, name) of the members with records waiting in a branch's queue,
    by name: what the lead can filter by (a big branch has hundreds of
    members, but only a few with something to review)."""
    return list(db.session.execute(
        sa.select(User.id, User.display_name)
        .where(User.id.in_(sa.select(HourRecord.volunteer_id).where(
            HourRecord.branch_id == branch_id, HourRecord.status == HourStatus.SUBMITTED)))
        .order_by(User.display_name, User.id)).all())


def resident_ratings(records: list[HourRecord]) -> dict[int, Feedback]:
    """The resident's rating of what each record served, in one query."""
    by_enrollment = {r.enrollment_id: r.id for r in records if r.enrollment_id}
    by_request = {r.help_request_id: r.id for r in records if r.help_request_id}
    if not by_enrollment and not by_request:
        return {}
    ratings = db.session.scalars(sa.select(Feedback).where(sa.or_(
        Feedback.enrollment_id.in_(by_enrollment), Feedback.help_request_id.in_(by_request))))
    found = {}
    for feedback in ratings:
        record_id = (by_enrollment.get(feedback.enrollment_id)
                     or by_request.get(feedback.help_request_id))
        found[record_id] = feedback
    return found
