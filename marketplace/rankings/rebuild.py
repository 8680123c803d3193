"""Recomputing the summary tables from the points ledger, and checking them.

totals.py keeps the tables in step with every approval, reversal, rating
and publication. This module computes the same figures afresh, set-based
(INSERT … SELECT … GROUP BY, on either engine), from what they count:

- every ledger entry of an hour record (an approval adds, a reversal takes
  back) in the month, quarter and year of the record's local start date,
  for the record's branch and volunteer: its minutes and points, one
  record (signed), one resident served when the record served an
  enrollment or a help request, one confirmed record when the resident
  confirmed the visit, and the resident's rating of what it served. An
  approval and its reversal cancel out, so what remains is exactly the
  records that count (approved, not replaced by an approved correction);
- a branch's active members: its members with net approved minutes > 0;
- the district's figures by category (0: work that served no listed
  service or help request), and each service in the period and category
  of its first publication.

`rebuild` replaces the tables with the fresh figures in one transaction;
`differences` compares them row by row (rows that are all zero count as
absent) so `flask stats check` proves the running totals right.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..enrollments.models import Enrollment
from ..extensions import db
from ..feedback.models import Feedback
from ..help.models import HelpRequest
from ..hours.models import HourRecord, PointEntry, PointReason
from ..listings.models import Service
from ..localtime import local_zone
from .models import BranchPeriodStat, DistrictPeriodStat, MemberPeriodStat
from .periods import month_key, quarter_key, year_key
from .totals import NO_CATEGORY

SQLITE_PERIOD = "wangtao_period"
_KEYS = {"m": month_key, "q": quarter_key, "y": year_key}
_PG_FORMATS = {"m": "YYYY-MM", "q": 'YYYY-"Q"Q', "y": "YYYY"}
MEMBER_COLUMNS = ("period", "branch_id", "user_id", "minutes", "points", "records")
BRANCH_COLUMNS = ("period", "branch_id", "minutes", "points", "records", "residents_served",
                  "confirmed_records", "active_members", "rating_sum", "rating_count")
DISTRICT_COLUMNS = ("period", "category_id", "minutes", "records", "residents_served",
                    "services_published")
TABLES = ((MemberPeriodStat, MEMBER_COLUMNS), (BranchPeriodStat, BRANCH_COLUMNS),
          (DistrictPeriodStat, DISTRICT_COLUMNS))


# -- the period of a stored time, in SQL ----------------------------------------------

def _prepare() -> None:
    """SQLite has no time zones: give this connection a function that keys
    a stored UTC time with the very code totals.py uses (periods.py)."""
    if _dialect() != "sqlite":
        return
    zone = local_zone()

    def period(value, kind):
        if value is None:
            return None
        moment = datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
        return _KEYS[kind](moment.astimezone(zone).date())

    raw = db.session.connection().connection.driver_connection
    raw.create_function(SQLITE_PERIOD, 2, period, deterministic=True)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _period(column, kind: str):
    if _dialect() == "postgresql":
        local = sa.func.timezone(str(local_zone()), column)
        return sa.func.to_char(local, sa.literal_column(f"'{_PG_FORMATS[kind]}'"))
    return sa.func.wangtao_period(column, sa.literal_column(f"'{kind}'"))


def _by_kind(select_for_kind) -> sa.Subquery:
    """The rows of `select_for_kind(kind)` for months, quarters and years."""
    return sa.union_all(*(select_for_kind(kind) for kind in _KEYS)).subquery()


# -- what counts ---------------------------------------------------------------------

def _entries() -> sa.CTE:
    """Each ledger entry of an hour record with its sign and what its record
    served: one row per approval or reversal."""
    r, pe = HourRecord, PointEntry
    by_enrollment, by_request = aliased(Feedback), aliased(Feedback)
    sign = sa.case((pe.reason == PointReason.REVERSAL, -1), else_=1)
    rating = sa.func.coalesce(by_enrollment.rating, by_request.rating)
    served = sa.case((sa.or_(r.enrollment_id.is_not(None), r.help_request_id.is_not(None)), 1),
                     else_=0)
    confirmed = sa.case((r.resident_confirmed_at.is_not(None), 1), else_=0)
    return (
        sa.select(r.volunteer_id.label("user_id"), r.branch_id, r.started_at,
                  pe.minutes, pe.points, sign.label("sign"),
                  (sign * served).label("served"), (sign * confirmed).label("confirmed"),
                  (sign * sa.func.coalesce(rating, 0)).label("rating_sum"),
                  (sign * sa.case((rating.is_not(None), 1), else_=0)).label("rating_count"),
                  sa.func.coalesce(Service.category_id, HelpRequest.category_id,
                                   NO_CATEGORY).label("category_id"))
        .select_from(pe).join(r, r.id == pe.hour_record_id)
        .outerjoin(by_enrollment, by_enrollment.enrollment_id == r.enrollment_id)
        .outerjoin(by_request, by_request.help_request_id == r.help_request_id)
        .outerjoin(Enrollment, Enrollment.id == r.enrollment_id)
        .outerjoin(Service, Service.id == Enrollment.service_id)
        .outerjoin(HelpRequest, HelpRequest.id == r.help_request_id)
        .where(pe.reason.in_([PointReason.HOURS_APPROVED, PointReason.REVERSAL]))
        .cte("entries"))


def _counted(entries: sa.CTE) -> sa.Subquery:
    return _by_kind(lambda kind: sa.select(
        _period(entries.c.started_at, kind).label("period"),
        *(c for c in entries.c if c.key != "started_at")))


def fresh_members(entries: sa.CTE | None = None) -> sa.Select:
    c = _counted(entries if entries is not None else _entries())
    return (sa.select(c.c.period, c.c.branch_id, c.c.user_id,
                      sa.func.sum(c.c.minutes).label("minutes"),
                      sa.func.sum(c.c.points).label("points"),
                      sa.func.sum(c.c.sign).label("records"))
            .group_by(c.c.period, c.c.branch_id, c.c.user_id))


def fresh_branches() -> sa.Select:
    entries = _entries()
    c = _counted(entries)
    members = fresh_members(entries).subquery()
    active = (sa.select(members.c.period, members.c.branch_id,
                        sa.func.count().label("active"))
              .where(members.c.minutes > 0)
              .group_by(members.c.period, members.c.branch_id).subquery())
    totals = (sa.select(c.c.period, c.c.branch_id,
                        *(sa.func.sum(c.c[name]).label(out) for name, out in (
                            ("minutes", "minutes"), ("points", "points"), ("sign", "records"),
                            ("served", "residents_served"), ("confirmed", "confirmed_records"),
                            ("rating_sum", "rating_sum"), ("rating_count", "rating_count"))))
              .group_by(c.c.period, c.c.branch_id).subquery())
    return (sa.select(totals.c.period, totals.c.branch_id, totals.c.minutes, totals.c.points,
                      totals.c.records, totals.c.residents_served, totals.c.confirmed_records,
                      sa.func.coalesce(active.c.active, 0).label("active_members"),
                      totals.c.rating_sum, totals.c.rating_count)
            .select_from(totals)
            .outerjoin(active, sa.and_(active.c.period == totals.c.period,
                                       active.c.branch_id == totals.c.branch_id)))


def fresh_district() -> sa.Select:
    c = _counted(_entries())
    zero = sa.literal(0)
    work = sa.select(c.c.period, c.c.category_id, c.c.minutes, c.c.sign.label("records"),
                     c.c.served.label("residents_served"),
                     zero.label("services_published"))
    published = _by_kind(lambda kind: sa.select(
        _period(Service.published_at, kind).label("period"), Service.category_id,
        zero.label("minutes"), zero.label("records"), zero.label("residents_served"),
        sa.literal(1).label("services_published"))
        .where(Service.published_at.is_not(None)))
    both = sa.union_all(work, sa.select(*published.c)).subquery()
    return (sa.select(both.c.period, both.c.category_id,
                      *(sa.func.sum(both.c[name]).label(name) for name in DISTRICT_COLUMNS[2:]))
            .group_by(both.c.period, both.c.category_id))


FRESH = {MemberPeriodStat: fresh_members, BranchPeriodStat: fresh_branches,
         DistrictPeriodStat: fresh_district}


# -- rebuild and check -----------------------------------------------------------------

def rebuild() -> dict[str, int]:
    """Replace the three tables with figures computed afresh; returns the
    rows written per table. The caller commits (one transaction)."""
    if _dialect() == "postgresql":
        # Approvals wait (their upserts would otherwise add to rows being
        # replaced); readers go on seeing the old figures until the commit.
        db.session.execute(sa.text(
            "LOCK TABLE member_period_stats, branch_period_stats, district_period_stats "
            "IN EXCLUSIVE MODE"))
    for model, _columns in reversed(TABLES):  # the first write takes SQLite's lock
        db.session.execute(model.__table__.delete())
    _prepare()
    written = {}
    for model, columns in TABLES:
        db.session.execute(model.__table__.insert().from_select(list(columns), FRESH[model]()))
        written[model.__tablename__] = db.session.scalar(
            sa.select(sa.func.count()).select_from(model.__table__))
    return written


@dataclass(frozen=True)
class Difference:
    table: str
    kept_only: int  # rows in the table that a fresh computation does not give
    fresh_only: int  # rows a fresh computation gives that the table lacks
    examples: list  # a few rows of each side: ("kept" or "fresh", row tuple)


def _non_zero(select: sa.Select, columns: tuple[str, ...]) -> sa.Select:
    rows = select.subquery()
    figures = [rows.c[name] for name in columns[columns.index("minutes"):]]
    return sa.select(*(rows.c[name] for name in columns)).where(
        sa.or_(*(figure != 0 for figure in figures)))


def differences(limit: int = 5) -> list[Difference]:
    """Where the tables and a fresh computation disagree (empty: they agree)."""
    _prepare()
    found = []
    for model, columns in TABLES:
        table = model.__table__
        kept = _non_zero(sa.select(*(table.c[name] for name in columns)), columns)
        fresh = _non_zero(FRESH[model](), columns)
        kept_only = sa.except_(kept, fresh).subquery()
        fresh_only = sa.except_(fresh, kept).subquery()
        count_kept = db.session.scalar(sa.select(sa.func.count()).select_from(kept_only))
        count_fresh = db.session.scalar(sa.select(sa.func.count()).select_from(fresh_only))
        if count_kept or count_fresh:
            examples = [(side, tuple(row)) for side, rows in (("kept", kept_only),
                                                              ("fresh", fresh_only))
                        for row in db.session.execute(sa.select(rows).limit(limit))]
            found.append(Difference(model.__tablename__, count_kept, count_fresh, examples))
    return found
