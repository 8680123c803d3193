"""Keeping the summary tables in step with the points ledger.

Called by the hour, feedback and listing rules in the same transaction as
the change they count, so the tables never disagree with the ledger. Each
change is an upsert that adds to a row (INSERT … ON CONFLICT DO UPDATE),
which is safe when two leads approve in one branch at once: the row lock
orders them, and RETURNING tells whether a member just became active.

What a counted record adds (the same rules as `flask stats rebuild`, see
rebuild.py): its net minutes and points; one record; one resident served
when it served an enrollment or a help request; one confirmed record when
the resident confirmed the visit; and the resident's rating of what it
served, while the record counts (approved and not replaced by an approved
correction). Rows are locked in one order — the branch's rows (year,
quarter, month), then the member's, then the district's — so concurrent
approvals in one branch wait for each other instead of deadlocking.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from ..enrollments.models import Enrollment
from ..extensions import db
from ..feedback.models import Feedback
from ..help.models import HelpRequest
from ..hours.models import HourRecord, HourStatus
from ..listings.models import Service
from .models import BranchPeriodStat, DistrictPeriodStat, MemberPeriodStat
from .periods import keys_for

NO_CATEGORY = 0  # volunteer work that served no listed service or help request


@dataclass(frozen=True)
class RecordFigures:
    """What one counted record adds to the tables, besides its minutes and points."""

    served: int  # 1 when it served a resident (an enrollment or a help request)
    confirmed: int  # 1 when the resident confirmed the visit
    category_id: int  # the served service's or request's category, else NO_CATEGORY

    @classmethod
    def of(cls, enrollment_id, help_request_id, resident_confirmed_at,
           category_id) -> RecordFigures:
        return cls(served=1 if (enrollment_id or help_request_id) else 0,
                   confirmed=1 if resident_confirmed_at else 0,
                   category_id=category_id or NO_CATEGORY)


def on_approved(record: HourRecord, minutes: int, points: int) -> None:
    """Count an approved record (its ledger entry's minutes and points)."""
    _count(record, minutes, points, sign=+1)


def on_reversed(record: HourRecord, minutes: int, points: int) -> None:
    """Take back a corrected record; `minutes` and `points` are the reversal's
    (negative) ledger amounts."""
    _count(record, minutes, points, sign=-1)


def on_feedback(feedback: Feedback) -> None:
    """A rating left after the hours were approved counts for the branch of
    every record that counts for the rated visit (usually one)."""
    for record in _counting_records(feedback):
        for period in _lock_order(keys_for(record.started_at)):
            add(BranchPeriodStat, {"period": period, "branch_id": record.branch_id},
                rating_sum=feedback.rating, rating_count=1)


def on_first_published(category_id: int, published_at) -> None:
    for period in _lock_order(keys_for(published_at)):
        add(DistrictPeriodStat, {"period": period, "category_id": category_id},
            services_published=1)


def on_service_recategorised(service: Service, old_category_id: int) -> None:
    """A service moved to another category (after the change is made): its
    publication and the counted records that served it move with it, so
    the public figures by category keep agreeing with a rebuild."""
    if service.category_id == old_category_id:
        return
    if service.published_at is not None:
        _move(keys_for(service.published_at), old_category_id, service.category_id,
              services_published=1)
    served = db.session.scalars(
        sa.select(HourRecord).join(Enrollment, Enrollment.id == HourRecord.enrollment_id)
        .where(Enrollment.service_id == service.id, HourRecord.status == HourStatus.APPROVED,
               not_replaced()).order_by(HourRecord.id))
    for record in served:
        _move(keys_for(record.started_at), old_category_id, service.category_id,
              minutes=record.minutes, records=1, residents_served=1)


def _move(keys: tuple[str, str, str], old: int, new: int, **figures: int) -> None:
    """Take `figures` from one category's rows and give them to another's,
    locking the rows in category order."""
    for period in _lock_order(keys):
        for category_id in sorted((old, new)):
            sign = -1 if category_id == old else 1
            add(DistrictPeriodStat, {"period": period, "category_id": category_id},
                **{name: sign * value for name, value in figures.items()})


# -- the counting -----------------------------------------------------------------

def _lock_order(keys: tuple[str, str, str]) -> tuple[str, str, str]:
    """Year, quarter, month: every writer takes a branch's rows in this order."""
    month, quarter, year = keys
    return year, quarter, month


def _count(record: HourRecord, minutes: int, points: int, sign: int) -> None:
    figures = RecordFigures.of(record.enrollment_id, record.help_request_id,
                               record.resident_confirmed_at, _category_id(record))
    rating = _rating(record)
    for period in _lock_order(keys_for(record.started_at)):
        branch_keys = {"period": period, "branch_id": record.branch_id}
        add(BranchPeriodStat, branch_keys,
            minutes=minutes, points=points, records=sign,
            residents_served=sign * figures.served, confirmed_records=sign * figures.confirmed,
            rating_sum=sign * (rating or 0), rating_count=sign * (1 if rating else 0))
        became = _member_change(period, record, minutes, points, sign)
        if became:
            _add_active(branch_keys, became)
        add(DistrictPeriodStat, {"period": period, "category_id": figures.category_id},
            minutes=minutes, records=sign, residents_served=sign * figures.served)


def _member_change(period: str, record: HourRecord, minutes: int, points: int,
                   sign: int) -> int:
    """Add to the member's row; +1 when they became active in the period,
    -1 when they stopped being active, else 0."""
    after = add(MemberPeriodStat, {"period": period, "branch_id": record.branch_id,
                                   "user_id": record.volunteer_id},
                minutes=minutes, points=points, records=sign)
    before = after - minutes
    return int(after > 0) - int(before > 0)


def _add_active(branch_keys: dict, change: int) -> None:
    table = BranchPeriodStat.__table__
    db.session.execute(
        table.update()
        .where(*(table.c[name] == value for name, value in branch_keys.items()))
        .values(active_members=table.c.active_members + change))


def upsert_adding(model, keys: list[str], columns: list[str]):
    """INSERT … ON CONFLICT (keys) DO UPDATE adding `columns`, on either engine."""
    table = model.__table__
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table)
    return stmt.on_conflict_do_update(
        index_elements=keys,
        set_={name: table.c[name] + stmt.excluded[name] for name in columns})


def add(model, keys: dict, **deltas: int) -> int:
    """Add `deltas` to the row at `keys` (creating it); returns its minutes
    (or the first delta's column) after the change."""
    table = model.__table__
    stmt = upsert_adding(model, list(keys), list(deltas)).values(**keys, **deltas)
    watched = "minutes" if "minutes" in deltas else next(iter(deltas))
    return db.session.execute(stmt.returning(table.c[watched])).scalar_one()


def _rating(record: HourRecord) -> int | None:
    if record.enrollment_id:
        subject = Feedback.enrollment_id == record.enrollment_id
    elif record.help_request_id:
        subject = Feedback.help_request_id == record.help_request_id
    else:
        return None
    return db.session.scalar(sa.select(Feedback.rating).where(subject))


def _category_id(record: HourRecord) -> int:
    if record.enrollment_id:
        return db.session.scalar(
            sa.select(Service.category_id).join(Enrollment, Enrollment.service_id == Service.id)
            .where(Enrollment.id == record.enrollment_id)) or NO_CATEGORY
    if record.help_request_id:
        return db.session.scalar(sa.select(HelpRequest.category_id)
                                 .where(HelpRequest.id == record.help_request_id)) or NO_CATEGORY
    return NO_CATEGORY


def not_replaced(record=HourRecord):
    """`record` has no approved correction (a correlated NOT EXISTS that the
    index on corrects_id answers, instead of listing every correction)."""
    correction = aliased(HourRecord)
    return ~sa.exists().where(correction.corrects_id == record.id,
                              correction.status == HourStatus.APPROVED)


def _counting_records(feedback: Feedback) -> list[HourRecord]:
    """The approved, uncorrected records that served the rated visit."""
    if feedback.enrollment_id:
        served = HourRecord.enrollment_id == feedback.enrollment_id
    else:
        served = HourRecord.help_request_id == feedback.help_request_id
    return list(db.session.scalars(
        sa.select(HourRecord)
        .where(served, HourRecord.status == HourStatus.APPROVED, not_replaced())
        .order_by(HourRecord.id)))
