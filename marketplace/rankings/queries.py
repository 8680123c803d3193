"""Ranking queries: they read the summary tables only (models.py), never the
hour records, so a page costs the same with 5 million records as with five.

A ranking is one query: the group's branches (an indexed filter on the
parent or the alliance) joined to their summary row of the period by its
primary key, ranked by a window function (ties share a place), and cut to
a bounded page by position. A group of branches is small (a committee's
branches, an alliance's members), so paging by position within it stays
cheap; MAX_POSITION bounds how deep anyone can page.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..accounts.models import User
from ..branches.models import Branch
from ..extensions import db
from ..listings.models import Category
from .groups import Group, in_group
from .models import BranchPeriodStat, DistrictPeriodStat, MemberPeriodStat
from .periods import Period
from .score import ScoreParts, score_parts, score_sql

BY_SCORE, BY_HOURS = "score", "hours"
ORDERS = (BY_SCORE, BY_HOURS)
MAX_POSITION = 10_000


@dataclass(frozen=True)
class BranchRank:
    rank: int
    branch_id: int
    name: str
    members: int
    minutes: int
    records: int
    residents_served: int
    confirmed_records: int
    active_members: int
    rating_count: int
    score: float
    parts: ScoreParts

    @property
    def approved_hours(self) -> float:
        return self.minutes / 60


@dataclass(frozen=True)
class MemberRank:
    rank: int
    user_id: int
    display_name: str
    minutes: int
    points: int
    records: int

    @property
    def approved_hours(self) -> float:
        return self.minutes / 60


@dataclass
class Ranking:
    items: list
    total: int  # ranked in the whole group
    next_position: int | None  # where the next page starts, if any


# -- branches ----------------------------------------------------------------------

def _score(period: Period):
    s = BranchPeriodStat
    return score_sql(minutes=s.minutes, members=Branch.member_count,
                     active_members=s.active_members, residents_served=s.residents_served,
                     rating_sum=s.rating_sum, rating_count=s.rating_count,
                     months=period.months)


def _branch_columns():
    s = BranchPeriodStat
    zero = sa.literal(0)
    return (Branch.id, Branch.name, Branch.member_count,
            *(sa.func.coalesce(column, zero).label(column.key) for column in (
                s.minutes, s.records, s.residents_served, s.confirmed_records,
                s.active_members, s.rating_sum, s.rating_count)))


def _branch_rank(row, period: Period, rank: int) -> BranchRank:
    parts = score_parts(minutes=row.minutes, members=row.member_count,
                        active_members=row.active_members,
                        residents_served=row.residents_served, rating_sum=row.rating_sum,
                        rating_count=row.rating_count, months=period.months)
    return BranchRank(
        rank=rank, branch_id=row.id, name=row.name, members=row.member_count,
        minutes=row.minutes, records=row.records, residents_served=row.residents_served,
        confirmed_records=row.confirmed_records, active_members=row.active_members,
        rating_count=row.rating_count, score=round(parts.score, 1), parts=parts)


def branch_ranking(group: Group, period: Period, by: str = BY_SCORE, position: int = 0,
                   limit: int = 50) -> Ranking:
    """The group's branches in the period, by composite score (then hours) or
    by approved hours (then score); a branch without a summary row scores
    as one with no activity. One query."""
    s = BranchPeriodStat
    score, minutes = _score(period), sa.func.coalesce(s.minutes, 0)
    rank_order = ([score.desc(), minutes.desc()] if by == BY_SCORE
                  else [minutes.desc(), score.desc()])
    position = max(0, min(position, MAX_POSITION))
    rows = db.session.execute(
        sa.select(*_branch_columns(), sa.func.rank().over(order_by=rank_order).label("rank"),
                  sa.func.count().over().label("total"))
        .select_from(Branch)
        .outerjoin(s, sa.and_(s.branch_id == Branch.id, s.period == period.key))
        .where(*in_group(group))
        .order_by(*rank_order, Branch.name, Branch.id)
        .offset(position).limit(limit + 1)).all()
    return _ranking([_branch_rank(row, period, row.rank) for row in rows[:limit]], rows,
                    position, limit)


def top_branches(period: Period, limit: int = 10) -> list[BranchRank]:
    """The district's branches with the most approved hours in the period
    (the index on period and minutes answers it without a scan)."""
    s = BranchPeriodStat
    rows = db.session.execute(
        sa.select(*_branch_columns())
        .select_from(s).join(Branch, Branch.id == s.branch_id)
        .where(s.period == period.key, s.minutes > 0)
        .order_by(s.minutes.desc(), Branch.id).limit(limit)).all()
    ranks, result = {}, []
    for place, row in enumerate(rows, start=1):  # ties share a place
        result.append(_branch_rank(row, period, ranks.setdefault(row.minutes, place)))
    return result


def _ranking(items: list, rows: list, position: int, limit: int) -> Ranking:
    total = rows[0].total if rows else 0
    more = len(rows) > limit and position + limit < MAX_POSITION
    return Ranking(items=items, total=total, next_position=position + limit if more else None)


# -- members -----------------------------------------------------------------------

def member_ranking(branch_id: int, period: Period, position: int = 0,
                   limit: int = 50) -> Ranking:
    """The branch's members with approved hours in the period, most hours
    first; names only (no contact, no username). One query, on the index
    (branch_id, period, minutes)."""
    m = MemberPeriodStat
    position = max(0, min(position, MAX_POSITION))
    rows = db.session.execute(
        sa.select(m.user_id, User.display_name, m.minutes, m.points, m.records,
                  sa.func.rank().over(order_by=m.minutes.desc()).label("rank"),
                  sa.func.count().over().label("total"))
        .join(User, User.id == m.user_id)
        .where(m.branch_id == branch_id, m.period == period.key, m.minutes > 0)
        .order_by(m.minutes.desc(), User.display_name, m.user_id)
        .offset(position).limit(limit + 1)).all()
    items = [MemberRank(rank=row.rank, user_id=row.user_id, display_name=row.display_name,
                        minutes=row.minutes, points=row.points, records=row.records)
             for row in rows[:limit]]
    return _ranking(items, rows, position, limit)


def branch_figures(branch_id: int, period: Period) -> BranchPeriodStat | None:
    """The branch's summary row of the period (None when nothing counted)."""
    return db.session.get(BranchPeriodStat, (period.key, branch_id))


# -- the district (公开) --------------------------------------------------------------

@dataclass(frozen=True)
class Figures:
    """Public district figures of one period or one category: counts only."""

    key: str | int  # the period key, or the category id (0: other volunteer work)
    services_published: int = 0
    residents_served: int = 0
    records: int = 0
    minutes: int = 0
    category: Category | None = None

    @property
    def approved_hours(self) -> float:
        return self.minutes / 60


_SUMS = (DistrictPeriodStat.services_published, DistrictPeriodStat.residents_served,
         DistrictPeriodStat.records, DistrictPeriodStat.minutes)


def district_by_month(months: list[Period]) -> list[Figures]:
    """Each month's district totals (all categories), oldest first; one query."""
    keys = [month.key for month in months]
    found = {row[0]: row[1:] for row in db.session.execute(
        sa.select(DistrictPeriodStat.period,
                  *(sa.func.coalesce(sa.func.sum(column), 0) for column in _SUMS))
        .where(DistrictPeriodStat.period.in_(keys))
        .group_by(DistrictPeriodStat.period)).all()}
    return [_figures(key, found.get(key)) for key in keys]


def district_by_category(period: Period) -> list[Figures]:
    """The period's figures for every category in use (retired ones only
    when they count something), then other volunteer work; two queries."""
    found = {row[0]: row[1:] for row in db.session.execute(
        sa.select(DistrictPeriodStat.category_id, *_SUMS)
        .where(DistrictPeriodStat.period == period.key)).all()}
    categories = db.session.scalars(sa.select(Category).order_by(Category.position,
                                                                 Category.id)).all()
    result = [_figures(c.id, found.get(c.id), c) for c in categories
              if c.retired_at is None or any(found.get(c.id) or ())]
    if any(found.get(0) or ()):
        result.append(_figures(0, found[0]))
    return result


def district_totals(by_category: list[Figures], key: str) -> Figures:
    return Figures(key=key, **{name: sum(getattr(f, name) for f in by_category) for name in (
        "services_published", "residents_served", "records", "minutes")})


def _figures(key, sums, category: Category | None = None) -> Figures:
    published, served, records, minutes = (int(v) for v in (sums or (0, 0, 0, 0)))
    return Figures(key=key, services_published=published, residents_served=served,
                   records=records, minutes=minutes, category=category)
