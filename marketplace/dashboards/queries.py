"""The figures of a branch's dashboard, each in one bounded query.

Month, quarter and year figures come from the summary tables that the
approvals keep (rankings/models.py): one read of at most 17 rows of
branch_period_stats and two top-10 reads of member_period_stats, never a
scan of hour_records.

Hours by category are the exception: the branch summary has no category
split (only the district's has one), and rather than add a table kept by
every approval, they are one aggregate over the branch's approved records of
the chosen period (this month, quarter or year). It is bounded by the index
ix_hour_records_branch_reviewed (branch_id, reviewed_at): a record is
reviewed after it starts, so `reviewed_at >= the period's first moment`
reads only the branch's records reviewed since then — a few dozen rows for
a typical branch, a few thousand for the busiest in a year.

The pending count stops at PENDING_CAP rows of ix_hour_records_review_queue,
so a branch with a huge backlog costs no more than one with a long one.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext

from ..accounts.models import User
from ..enrollments.models import Enrollment
from ..extensions import db
from ..help.models import HelpRequest
from ..hours.models import HourRecord, HourStatus
from ..labels import category_name
from ..listings.models import Category, Service
from ..localtime import local_day_start
from ..rankings.models import BranchPeriodStat, MemberPeriodStat
from ..rankings.periods import MONTH, QUARTER, YEAR, Period, current, last_months
from ..rankings.totals import NO_CATEGORY, not_replaced

MONTHS_SHOWN = 12
TOP_MEMBERS = 10
PENDING_CAP = 1000
CATEGORY_PERIODS = (MONTH, QUARTER, YEAR)


def hours_of(minutes: int) -> float:
    return round(minutes / 60, 1)


@dataclass(frozen=True)
class PeriodFigures:
    """One period's row of branch_period_stats (zeros when there is none)."""

    period: Period
    minutes: int = 0
    records: int = 0
    active_members: int = 0
    residents_served: int = 0

    @property
    def hours(self) -> float:
        return hours_of(self.minutes)

    @property
    def active(self) -> bool:
        return self.records > 0


@dataclass(frozen=True)
class Rhythm:
    """“月月有活动,季季有主题” for the year so far: which months had approved
    activity, and which quarters did. The app keeps no quarterly theme, so a
    quarter counts when the branch had approved activity in it."""

    months: list[PeriodFigures]
    quarters: list[PeriodFigures]

    @property
    def active_months(self) -> int:
        return sum(1 for m in self.months if m.active)

    @property
    def active_quarters(self) -> int:
        return sum(1 for q in self.quarters if q.active)

    @property
    def every_month(self) -> bool:
        return self.active_months == len(self.months)

    @property
    def every_quarter(self) -> bool:
        return self.active_quarters == len(self.quarters)


@dataclass(frozen=True)
class Overview:
    months: list[PeriodFigures]  # the last 12, oldest first
    this_month: PeriodFigures
    this_quarter: PeriodFigures
    this_year: PeriodFigures
    rhythm: Rhythm
    pending_reviews: int = 0  # as pending_reviews() counts them


def overview(branch_id: int) -> Overview:
    """The last 12 months, this quarter and year, and the year's rhythm, in
    one read of branch_period_stats."""
    months = last_months(MONTHS_SHOWN)
    quarter, year = current(QUARTER), current(YEAR)
    quarters = [Period(year.year, QUARTER, n) for n in range(1, quarter.number + 1)]
    keys = [p.key for p in (*months, *quarters, year)]
    # One round trip: the stats rows outer-joined to a one-row table, so the
    # pending count (a column of every row) comes back even without stats.
    one_row = sa.select(sa.literal(1).label("one")).subquery()
    result = db.session.execute(
        sa.select(BranchPeriodStat, _pending_count(branch_id).label("pending"))
        .select_from(one_row)
        .outerjoin(BranchPeriodStat, sa.and_(BranchPeriodStat.branch_id == branch_id,
                                             BranchPeriodStat.period.in_(keys)))).all()
    rows = {row.period: row for row, _pending in result if row is not None}

    def figures(period: Period) -> PeriodFigures:
        row = rows.get(period.key)
        if row is None:
            return PeriodFigures(period)
        return PeriodFigures(period, row.minutes, row.records, row.active_members,
                             row.residents_served)

    month_figures = [figures(p) for p in months]
    this_year_months = [f for f in month_figures if f.period.year == year.year]
    return Overview(months=month_figures, this_month=month_figures[-1],
                    this_quarter=figures(quarter), this_year=figures(year),
                    rhythm=Rhythm(this_year_months, [figures(q) for q in quarters]),
                    pending_reviews=result[0].pending)


def share(part: int, whole: int) -> int:
    """A whole percentage, at most 100 (members who left still count as
    active in the period they served)."""
    return min(100, round(100 * part / whole)) if whole else 0


def pending_reviews(branch_id: int) -> int:
    """Submitted records waiting for review, counted up to PENDING_CAP + 1
    (the page then says “1000+”)."""
    return db.session.scalar(sa.select(_pending_count(branch_id)))


def _pending_count(branch_id: int) -> sa.ScalarSelect:
    waiting = (sa.select(HourRecord.id)
               .where(HourRecord.branch_id == branch_id,
                      HourRecord.status == HourStatus.SUBMITTED)
               .limit(PENDING_CAP + 1).subquery())
    return sa.select(sa.func.count()).select_from(waiting).scalar_subquery()


@dataclass(frozen=True)
class TopMember:
    user_id: int
    name: str
    minutes: int
    points: int
    records: int

    @property
    def hours(self) -> float:
        return hours_of(self.minutes)


def top_members(branch_id: int, period: Period, limit: int = TOP_MEMBERS) -> list[TopMember]:
    """The members with the most approved hours in the period
    (ix_member_period_stats_rank), with their names in the same query."""
    return top_members_of(branch_id, [period], limit)[period.key]


def top_members_of(branch_id: int, periods: list[Period],
                   limit: int = TOP_MEMBERS) -> dict[str, list[TopMember]]:
    """top_members of several periods in one query: a UNION ALL of one
    index-ordered, limited read per period."""
    stat = MemberPeriodStat
    parts = [sa.select(
        sa.select(stat.period, stat.user_id, User.display_name, stat.minutes, stat.points,
                  stat.records)
        .join(User, User.id == stat.user_id)
        .where(stat.branch_id == branch_id, stat.period == p.key, stat.minutes > 0)
        .order_by(stat.minutes.desc(), stat.user_id)
        .limit(limit).subquery()) for p in periods]
    found: dict[str, list[TopMember]] = {p.key: [] for p in periods}
    for key, *figures in db.session.execute(sa.union_all(*parts)):
        found[key].append(TopMember(*figures))
    for members in found.values():  # a union keeps no order
        members.sort(key=lambda m: (-m.minutes, m.user_id))
    return found


@dataclass(frozen=True)
class CategoryFigures:
    category_id: int
    name: str
    minutes: int
    records: int

    @property
    def hours(self) -> float:
        return hours_of(self.minutes)


def hours_by_category(branch_id: int, period: Period) -> list[CategoryFigures]:
    """Approved hours that count (not replaced by an approved correction) of
    records started in the period, by the category of what they served
    (“other volunteer work” when they served no service or help request);
    most hours first. See the module's note for the bound."""
    start, after = local_day_start(period.first_day), local_day_start(period.after_last_day)
    category = sa.func.coalesce(Service.category_id, HelpRequest.category_id, NO_CATEGORY)
    minutes = sa.func.sum(HourRecord.minutes)
    totals = (
        sa.select(category.label("category_id"), minutes.label("minutes"),
                  sa.func.count(HourRecord.id).label("records"))
        .select_from(HourRecord)
        .outerjoin(Enrollment, Enrollment.id == HourRecord.enrollment_id)
        .outerjoin(Service, Service.id == Enrollment.service_id)
        .outerjoin(HelpRequest, HelpRequest.id == HourRecord.help_request_id)
        .where(HourRecord.branch_id == branch_id, HourRecord.reviewed_at >= start,
               HourRecord.status == HourStatus.APPROVED,
               HourRecord.started_at >= start, HourRecord.started_at < after,
               not_replaced())
        .group_by(category).subquery())
    # The names in the same query: a few rows of categories joined to the totals.
    rows = db.session.execute(
        sa.select(totals.c.category_id, totals.c.minutes, totals.c.records, Category.name,
                  Category.name_en)
        .outerjoin(Category, Category.id == totals.c.category_id)).all()
    figures = [CategoryFigures(int(row.category_id),
                               category_name(row) if row.name else gettext("Other volunteer work"),
                               int(row.minutes), int(row.records)) for row in rows]
    return sorted(figures, key=lambda f: (-f.minutes, f.name))


def category_period(value: str | None) -> Period:
    """?period= of the category chart: this month, quarter (the default) or year."""
    return current(value if value in CATEGORY_PERIODS else QUARTER)
