"""The composite branch score (综合得分) of a period, 0-100.

For a branch in a period of m months (1, 3 or 12), with n members
(Branch.member_count, at least 1):

    H = approved hours per member                 (net of corrections)
    A = members active in the period / n, at most 1
    R = residents served per member               (records that served an
                                                   enrollment or help request)
    S = average rating, pulled towards a neutral 3 by three neutral
        ratings: (rating_sum + 3·3) / (rating_count + 3); 3 with none

    score = 100 × ( 0.4 · min(H / (4·m), 1)
                  + 0.3 · A
                  + 0.2 · min(R / (1·m), 1)
                  + 0.1 · S / 5 )

So hours weigh most, but only up to four hours per member a month, which
rewards many members serving a little over a few serving a lot; the share
of members active ("月月有活动") comes next; serving residents up to one per
member a month; and ratings least. The neutral prior keeps one five-star
rating from outweighing a steady record: a branch needs several ratings
to move S far from 3. A branch with no activity scores 6 (the neutral
rating's share).

`score_sql` computes the same figure in SQL so that a ranking by score is
one ORDER BY … LIMIT over one summary row per branch; `branch_score`
computes it in Python (tests, and anything that holds the figures).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

WEIGHT_HOURS, WEIGHT_ACTIVE, WEIGHT_RESIDENTS, WEIGHT_RATING = 0.4, 0.3, 0.2, 0.1
HOURS_PER_MEMBER_MONTH = 4.0  # full marks for hours at this many a member a month
RESIDENTS_PER_MEMBER_MONTH = 1.0  # full marks for residents served
NEUTRAL_RATING = 3.0
PRIOR_RATINGS = 3.0  # neutral ratings blended into every average
MAX_RATING = 5.0


def average_rating(rating_sum: int, rating_count: int) -> float:
    """The rating S that the score uses (a Bayesian average towards 3)."""
    return (rating_sum + NEUTRAL_RATING * PRIOR_RATINGS) / (rating_count + PRIOR_RATINGS)


@dataclass(frozen=True)
class ScoreParts:
    """The four figures of the score and the points each earns (out of 40,
    30, 20 and 10), so a page can show how a score came about."""

    hours_per_member: float
    active_share: float
    residents_per_member: float
    rating: float
    hours_points: float
    active_points: float
    residents_points: float
    rating_points: float

    @property
    def score(self) -> float:
        return (self.hours_points + self.active_points + self.residents_points
                + self.rating_points)


def score_parts(*, minutes: int, members: int, active_members: int, residents_served: int,
                rating_sum: int, rating_count: int, months: int) -> ScoreParts:
    n = max(members, 1)
    hours = (minutes or 0) / 60 / n
    active = min((active_members or 0) / n, 1.0)
    residents = (residents_served or 0) / n
    rating = average_rating(rating_sum or 0, rating_count or 0)
    return ScoreParts(
        hours_per_member=hours, active_share=active, residents_per_member=residents,
        rating=rating,
        hours_points=100 * WEIGHT_HOURS * min(hours / (HOURS_PER_MEMBER_MONTH * months), 1.0),
        active_points=100 * WEIGHT_ACTIVE * active,
        residents_points=100 * WEIGHT_RESIDENTS * min(
            residents / (RESIDENTS_PER_MEMBER_MONTH * months), 1.0),
        rating_points=100 * WEIGHT_RATING * rating / MAX_RATING)


def branch_score(*, minutes: int, members: int, active_members: int, residents_served: int,
                 rating_sum: int, rating_count: int, months: int) -> float:
    return score_parts(minutes=minutes, members=members, active_members=active_members,
                       residents_served=residents_served, rating_sum=rating_sum,
                       rating_count=rating_count, months=months).score


def _at_most_one(value):
    return sa.case((value > 1.0, 1.0), else_=value)


def _real(value):
    return sa.cast(sa.func.coalesce(value, 0), sa.Float)


def score_sql(*, minutes, members, active_members, residents_served, rating_sum, rating_count,
              months: int):
    """The score as a SQL expression over columns (NULL columns count as 0,
    for branches without a summary row in the period)."""
    n = sa.cast(sa.case((members > 0, members), else_=1), sa.Float)
    hours = _real(minutes) / 60.0 / n
    active = _at_most_one(_real(active_members) / n)
    residents = _real(residents_served) / n
    rating = ((_real(rating_sum) + NEUTRAL_RATING * PRIOR_RATINGS)
              / (_real(rating_count) + PRIOR_RATINGS))
    return 100.0 * (
        WEIGHT_HOURS * _at_most_one(hours / (HOURS_PER_MEMBER_MONTH * months))
        + WEIGHT_ACTIVE * active
        + WEIGHT_RESIDENTS * _at_most_one(residents / (RESIDENTS_PER_MEMBER_MONTH * months))
        + WEIGHT_RATING * rating / MAX_RATING)
