"""The ranking pages: /rankings (public) and /branches/<id>/rankings (the
branch's members, leads and admins)."""

import re
from datetime import datetime

import pytest

from marketplace.branches import services as branches
from marketplace.branches import tree
from marketplace.branches.models import MembershipKind
from marketplace.extensions import db
from marketplace.rankings.models import BranchPeriodStat, MemberPeriodStat

from .factories import make_branch, make_lead, make_user
from .page_helpers import text
from .rankings_helpers import approved, branch_with_lead, committee, member


@pytest.fixture
def district():
    parent = committee("湖墅街道党工委")
    east, east_lead = branch_with_lead("东园党支部", parent)
    west, west_lead = branch_with_lead("西园党支部", parent)
    approved(member(east, display_name="张阿姨"), east, east_lead, datetime(2026, 5, 4, 9),
             length=2)
    approved(member(west, display_name="李大伯"), west, west_lead, datetime(2026, 5, 5, 9),
             length=5)
    return {"parent": parent, "east": east, "west": west, "east_lead": east_lead}


def _names_in_order(page: str) -> list[str]:
    return re.findall(r'<a class="fw-bold" href="/branches/\d+">([^<]+)</a>', page)


def test_branches_ranked_within_a_committee(client, district):
    response = client.get(f"/rankings?parent={district['parent'].id}&period=2026-05")
    assert response.status_code == 200
    page = text(response)
    assert _names_in_order(page) == ["西园党支部", "东园党支部"]
    assert "湖墅街道党工委" in page
    assert 'id="formula"' in page  # the formula in plain words
    west_score = re.search(r'<div class="stat">([\d.]+)</div>', page).group(1)
    # west: 2 members (lead + one), one active, 5 h: 40*2.5/4 + 15 + 0 + 6
    assert west_score == "46.0"


def test_by_hours_and_the_period_picker(client, district):
    url = f"/rankings?parent={district['parent'].id}&period=2026-Q2&by=hours"
    page = text(client.get(url))
    assert _names_in_order(page) == ["西园党支部", "东园党支部"]
    assert '<option value="2026-Q2" selected>' in page
    assert 'name="by" value="hours"' in page  # the picker keeps the order
    # another period: nothing counted, both score alike
    page = text(client.get(f"/rankings?parent={district['parent'].id}&period=2025"))
    assert sorted(_names_in_order(page)) == ["东园党支部", "西园党支部"]
    assert re.findall(r'<dd class="col-6">([\d.]+)</dd>', page) == ["0.0", "0.0"]


def test_an_alliance_ranking(client, district):
    admin = make_user(is_admin=True)
    alliance = tree.create_alliance("e起学习", None, admin)
    tree.add_to_alliance(alliance, district["east"], admin)
    db.session.commit()
    page = text(client.get(f"/rankings?alliance={alliance.id}&period=2026-05"))
    assert _names_in_order(page) == ["东园党支部"]
    assert "e起学习" in page


@pytest.mark.parametrize("period", ["2026-13", "last-month", "2026-Q0", "99999"])
def test_a_bad_period_gets_a_clear_message(client, district, period):
    response = client.get(f"/rankings?parent={district['parent'].id}&period={period}")
    assert response.status_code == 400
    page = text(response)
    assert "2026-Q4" in page and 'class="alert alert-danger"' in page  # the message shows
    assert _names_in_order(page)  # with this month's ranking beside it


@pytest.mark.parametrize("query", ["parent=999999", "alliance=999999", "parent=abc",
                                   "parent=-1"])
def test_unknown_groups_are_404(client, district, query):
    assert client.get(f"/rankings?{query}").status_code == 404


def test_a_branch_is_not_a_parent(client, district):
    assert client.get(f"/rankings?parent={district['east'].id}").status_code == 404


def test_the_chooser_lists_and_finds_committees(client, district, login_as):
    committee("拱宸桥街道党工委")
    page = text(client.get("/rankings"))
    assert "湖墅街道党工委" in page and "拱宸桥街道党工委" in page
    page = text(client.get("/rankings?q=拱宸"))
    assert "拱宸桥街道党工委" in page and "湖墅街道党工委" not in page
    login_as(district["east_lead"])
    page = text(client.get("/rankings?q=拱宸"))
    assert "湖墅街道党工委" in page  # the reader's own committee is offered


# -- the members of a branch ------------------------------------------------------------

@pytest.mark.parametrize("who", ["member", "lead", "parent_lead", "admin", "functional"])
def test_who_sees_the_members_ranking(client, district, login_as, who):
    east = district["east"]
    if who == "member":
        user = member(east)
    elif who == "lead":
        user = district["east_lead"]
    elif who == "parent_lead":
        user = make_lead(district["parent"])
    elif who == "functional":
        user = make_user(is_volunteer=True)
        branches.add_member(east, user, MembershipKind.FUNCTIONAL)
        db.session.commit()
    else:
        user = make_user(is_admin=True)
    login_as(user)
    response = client.get(f"/branches/{east.id}/rankings?period=2026-05")
    assert response.status_code == 200
    page = text(response)
    assert "张阿姨" in page and "李大伯" not in page


@pytest.mark.parametrize("who", ["other_member", "other_lead", "resident"])
def test_others_are_refused_the_members_ranking(client, district, login_as, who):
    user = {"other_member": lambda: member(district["west"]),
            "other_lead": lambda: make_lead(make_branch("别的支部")),
            "resident": make_user}[who]()
    login_as(user)
    assert client.get(f"/branches/{district['east'].id}/rankings").status_code == 403


def test_a_former_member_is_refused(client, district, login_as):
    user = make_user(is_volunteer=True)
    membership = branches.add_member(district["east"], user, MembershipKind.FUNCTIONAL)
    branches.end_membership(membership, district["east_lead"])
    db.session.commit()
    login_as(user)
    assert client.get(f"/branches/{district['east'].id}/rankings").status_code == 403


def test_anonymous_readers_log_in_first(client, district):
    response = client.get(f"/branches/{district['east'].id}/rankings")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_unknown_branch_is_404(client, login_as):
    login_as(make_user(is_admin=True))
    assert client.get("/branches/999999/rankings").status_code == 404


def test_members_page_order_and_bad_period(client, district, login_as):
    east, lead = district["east"], district["east_lead"]
    approved(member(east, display_name="王叔叔"), east, lead, datetime(2026, 5, 6, 9), length=3)
    login_as(lead)
    page = text(client.get(f"/branches/{east.id}/rankings?period=2026"))
    assert page.index("王叔叔") < page.index("张阿姨")
    response = client.get(f"/branches/{east.id}/rankings?period=2026-5")
    assert response.status_code == 400 and 'class="alert alert-danger"' in text(response)


# -- fixed query counts ---------------------------------------------------------------

def _queries(count_queries, client, url) -> int:
    assert client.get(url).status_code == 200  # warm up
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


def test_the_branch_ranking_costs_the_same_for_1_and_30_branches(client, count_queries):
    def group_of(n: int):
        parent = committee(f"第{n}党委")
        for i in range(n):
            branch = make_branch(f"支部{n}-{i}", parent=parent, commit=False)
            db.session.add(BranchPeriodStat(period="2026", branch_id=branch.id,
                                            minutes=60 * (i + 1), records=i + 1,
                                            active_members=1, residents_served=i,
                                            rating_sum=4 * i, rating_count=i))
        db.session.commit()
        return parent

    one, thirty = group_of(1), group_of(30)
    few = _queries(count_queries, client, f"/rankings?parent={one.id}&period=2026")
    many = _queries(count_queries, client, f"/rankings?parent={thirty.id}&period=2026")
    assert few == many


def test_the_members_ranking_costs_the_same_for_1_and_30_members(client, login_as,
                                                                 count_queries):
    admin = make_user(is_admin=True)
    login_as(admin)

    def branch_of(n: int):
        branch = make_branch()
        for i in range(n):
            user = make_user(commit=False)
            db.session.flush()
            db.session.add(MemberPeriodStat(period="2026", branch_id=branch.id,
                                            user_id=user.id, minutes=30 * (i + 1),
                                            points=5 * (i + 1), records=1))
        db.session.commit()
        return branch

    one, thirty = branch_of(1), branch_of(30)
    few = _queries(count_queries, client, f"/branches/{one.id}/rankings?period=2026")
    many = _queries(count_queries, client, f"/branches/{thirty.id}/rankings?period=2026")
    assert few == many
