"""Ranking queries over the summary tables: order, ties, groups, periods in
local time, and the composite score's formula."""

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from marketplace.branches import tree
from marketplace.branches.models import BranchKind
from marketplace.exceptions import NotFound
from marketplace.extensions import db
from marketplace.rankings import groups, queries
from marketplace.rankings.models import BranchPeriodStat
from marketplace.rankings.periods import (
    BadPeriod,
    Period,
    current,
    months_up_to,
    parse_period,
    period_from_args,
)
from marketplace.rankings.score import branch_score, score_parts, score_sql

from .factories import make_branch, make_user
from .rankings_helpers import approved, branch_with_lead, committee, member

P = parse_period


# -- the formula --------------------------------------------------------------------

def test_the_score_formula_by_hand():
    # 2 members, one active, 6 h in a month, one resident served, ratings 5 and 4
    parts = score_parts(minutes=360, members=2, active_members=1, residents_served=1,
                        rating_sum=9, rating_count=2, months=1)
    assert parts.hours_per_member == 3.0
    assert parts.hours_points == pytest.approx(40 * 3 / 4)  # 30
    assert parts.active_points == pytest.approx(30 * 0.5)  # 15
    assert parts.residents_points == pytest.approx(20 * 0.5)  # 10
    assert parts.rating == pytest.approx((9 + 9) / 5)  # 3.6 with three neutral ratings
    assert parts.rating_points == pytest.approx(10 * 3.6 / 5)  # 7.2
    assert parts.score == pytest.approx(62.2)


@pytest.mark.parametrize(("figures", "expected"), [
    ({"minutes": 0, "members": 5, "active_members": 0, "residents_served": 0,
      "rating_sum": 0, "rating_count": 0, "months": 1}, 6.0),  # no activity: neutral rating
    ({"minutes": 60 * 400, "members": 2, "active_members": 2, "residents_served": 50,
      "rating_sum": 500, "rating_count": 100, "months": 1}, pytest.approx(100 - 10 * (
          1 - (500 + 9) / 103 / 5))),  # every capped part full
    # a quarter: full marks at 12 h and 3 residents a member
    ({"minutes": 60 * 6, "members": 1, "active_members": 1, "residents_served": 2,
      "rating_sum": 0, "rating_count": 0, "months": 3}, pytest.approx(40 / 2 + 30 + 20 * 2 / 3
                                                                      + 6)),
    ({"minutes": 60 * 12, "members": 1, "active_members": 1, "residents_served": 3,
      "rating_sum": 0, "rating_count": 0, "months": 3}, 96.0),
    ({"minutes": 120, "members": 0, "active_members": 1, "residents_served": 0,
      "rating_sum": 0, "rating_count": 0, "months": 12}, pytest.approx(40 * 2 / 48 + 30 + 6)),
])
def test_score_values_and_caps(figures, expected):
    assert branch_score(**figures) == expected


def test_the_sql_score_equals_the_python_one():
    cases = [(0, 5, 0, 0, 0, 0, 1), (360, 2, 1, 1, 9, 2, 1), (24000, 2, 2, 50, 500, 100, 3),
             (90, 0, 1, 0, 3, 1, 12), (600, 7, 9, 2, 14, 3, 3)]
    for minutes, members, active, served, rating_sum, rating_count, months in cases:
        figures = dict(minutes=minutes, members=members, active_members=active,
                       residents_served=served, rating_sum=rating_sum,
                       rating_count=rating_count)
        in_sql = db.session.scalar(sa.select(score_sql(
            **{k: sa.literal(v) for k, v in figures.items()}, months=months)))
        assert in_sql == pytest.approx(branch_score(**figures, months=months))


# -- periods ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "key"), [
    ("2026-11", "2026-11"), ("2026-Q4", "2026-Q4"), ("2026", "2026"), (" 2026-01 ", "2026-01")])
def test_periods_parse(text, key):
    assert parse_period(text).key == key


@pytest.mark.parametrize("text", ["", "2026-13", "2026-00", "2026-Q5", "26-11", "1999",
                                  "2026-11-01", "now", "2026-q1"])
def test_bad_periods_are_refused(text):
    with pytest.raises(BadPeriod) as caught:
        parse_period(text)
    assert caught.value.field == "period"


def test_period_shortcuts_and_months_up_to():
    assert period_from_args("") == current("month")
    assert period_from_args("quarter").kind == "quarter"
    assert [p.key for p in months_up_to(P("2025-Q2"), 4)] == ["2025-03", "2025-04", "2025-05",
                                                             "2025-06"]
    # a period running into the future ends with this month
    assert months_up_to(P("2026"), 2, day=date(2026, 3, 15))[-1].key == "2026-03"
    assert Period(2026, "month", 12).shifted(1).key == "2027-01"


@pytest.fixture
def district():
    parent = committee()
    east, east_lead = branch_with_lead("东园党支部", parent)
    west, west_lead = branch_with_lead("西园党支部", parent)
    return parent, (east, east_lead), (west, west_lead)


@pytest.mark.parametrize(("local_start", "inside", "outside"), [
    # 00:30 on 1 April in Shanghai is still 31 March in UTC
    (datetime(2026, 4, 1, 0, 30), ["2026-04", "2026-Q2", "2026"], ["2026-03", "2026-Q1"]),
    (datetime(2026, 3, 31, 22, 0), ["2026-03", "2026-Q1", "2026"], ["2026-04", "2026-Q2"]),
    # the first hour of the year, local time, is in the old year in UTC
    (datetime(2026, 1, 1, 0, 0), ["2026-01", "2026-Q1", "2026"], ["2025-12", "2025-Q4", "2025"]),
    (datetime(2025, 12, 31, 23, 0), ["2025-12", "2025-Q4", "2025"], ["2026-01", "2026"]),
])
def test_records_count_in_the_local_month_quarter_and_year(district, local_start, inside,
                                                          outside):
    _parent, (east, lead), _west = district
    volunteer = member(east)
    approved(volunteer, east, lead, local_start, length=0.5)
    for key in inside:
        ranking = queries.member_ranking(east.id, P(key))
        assert [(m.user_id, m.minutes) for m in ranking.items] == [(volunteer.id, 30)], key
    for key in outside:
        assert queries.member_ranking(east.id, P(key)).items == [], key


# -- branch rankings ----------------------------------------------------------------

def test_branches_ranked_by_score_and_by_hours(district):
    parent, (east, east_lead), (west, west_lead) = district
    # east: 3 members, one serves 6 h; west: 1 member (and its lead), serves 2 h
    busy = member(east)
    member(east), member(east)
    approved(busy, east, east_lead, datetime(2026, 5, 4, 9), length=6)
    steady = member(west)
    approved(steady, west, west_lead, datetime(2026, 5, 5, 9), length=2)
    group = groups.get_group(parent_id=parent.id)
    may = P("2026-05")

    by_score = queries.branch_ranking(group, may)
    assert [b.name for b in by_score.items] == ["西园党支部", "东园党支部"]
    assert by_score.total == 2 and by_score.next_position is None
    west_row = by_score.items[0]
    # west: 2 members (lead + steady), 1 active, 2 h -> 1 h per member
    assert (west_row.members, west_row.active_members, west_row.approved_hours) == (2, 1, 2.0)
    assert west_row.score == pytest.approx(round(40 / 4 + 15 + 6, 1))
    assert [b.rank for b in by_score.items] == [1, 2]

    by_hours = queries.branch_ranking(group, may, queries.BY_HOURS)
    assert [b.name for b in by_hours.items] == ["东园党支部", "西园党支部"]


def test_ties_share_a_place_and_idle_branches_are_ranked_too(district):
    parent, (east, _), (west, _) = district
    idle = make_branch("北园党支部", parent=parent)
    ranking = queries.branch_ranking(groups.get_group(parent_id=parent.id), P("2026-05"),
                                     queries.BY_HOURS)
    assert [b.rank for b in ranking.items] == [1, 1, 1]
    assert {b.branch_id for b in ranking.items} == {east.id, west.id, idle.id}
    assert all(b.score == 6.0 for b in ranking.items)


def test_only_live_branches_of_the_group_are_ranked(district):
    parent, (east, _), (west, _) = district
    sub = make_branch("街道党委", BranchKind.COMMITTEE, parent=parent)
    make_branch("子支部", parent=sub)
    make_branch("别处党支部", parent=committee("别的党委"))
    gone = make_branch("已撤销党支部", parent=parent)
    tree.retire_branch(gone, make_user(is_admin=True))
    db.session.commit()
    ranking = queries.branch_ranking(groups.get_group(parent_id=parent.id), P("2026"))
    assert {b.name for b in ranking.items} == {"东园党支部", "西园党支部"}


def test_alliance_ranking_crosses_parents(district):
    parent, (east, east_lead), _west = district
    far = make_branch("远方党支部", parent=committee("远方党委"))
    admin = make_user(is_admin=True)
    alliance = tree.create_alliance("e起学习", None, admin)
    tree.add_to_alliance(alliance, east, admin)
    tree.add_to_alliance(alliance, far, admin)
    db.session.commit()
    approved(member(east), east, east_lead, datetime(2026, 6, 1, 9))
    ranking = queries.branch_ranking(groups.get_group(alliance_id=alliance.id), P("2026-06"))
    assert [b.name for b in ranking.items] == ["东园党支部", "远方党支部"]


def test_unknown_groups_and_non_committee_parents(district):
    _parent, (east, _), _west = district
    with pytest.raises(NotFound):
        groups.get_group(parent_id=east.id)
    with pytest.raises(NotFound):
        groups.get_group(alliance_id=999999)


def test_pages_by_position(district):
    parent = district[0]
    for n in range(5):
        make_branch(f"第{n}党支部", parent=parent)
    group = groups.get_group(parent_id=parent.id)
    first = queries.branch_ranking(group, P("2026"), limit=3)
    assert len(first.items) == 3 and first.next_position == 3 and first.total == 7
    second = queries.branch_ranking(group, P("2026"), position=first.next_position, limit=3)
    rest = queries.branch_ranking(group, P("2026"), position=6, limit=3)
    names = [b.name for b in first.items + second.items + rest.items]
    assert len(set(names)) == 7 and rest.next_position is None


def test_members_ranked_by_hours_names_only(district):
    _parent, (east, lead), _west = district
    ann, bob, cat = (member(east, display_name=name) for name in ("安", "博", "岑"))
    member(east, display_name="闲")
    approved(ann, east, lead, datetime(2026, 7, 1, 9), length=1)
    approved(bob, east, lead, datetime(2026, 7, 2, 9), length=3)
    approved(cat, east, lead, datetime(2026, 7, 3, 9), length=1)
    ranking = queries.member_ranking(east.id, P("2026-07"))
    assert [(m.rank, m.display_name, m.approved_hours) for m in ranking.items] == [
        (1, "博", 3.0), (2, "安", 1.0), (2, "岑", 1.0)]
    assert ranking.items[0].points == 30 and ranking.items[0].records == 1
    assert not hasattr(ranking.items[0], "username")
    figures = queries.branch_figures(east.id, P("2026-07"))
    assert (figures.active_members, figures.minutes) == (3, 300)


def test_top_branches_of_the_district(district):
    _parent, (east, east_lead), (west, west_lead) = district
    approved(member(east), east, east_lead, datetime(2026, 8, 1, 9), length=2)
    approved(member(west), west, west_lead, datetime(2026, 8, 1, 9), length=4)
    other = make_branch("别处党支部", parent=committee("别的党委"))
    db.session.add(BranchPeriodStat(period="2026", branch_id=other.id, minutes=240))
    db.session.commit()
    top = queries.top_branches(P("2026"))
    assert [(b.rank, b.name) for b in top] == [(1, "西园党支部"), (1, "别处党支部"),
                                               (3, "东园党支部")]
