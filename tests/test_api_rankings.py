"""The rankings API: branch rankings (public), a branch's members (its
members, leads and admins), and the public figures."""

from datetime import datetime

import pytest

from marketplace.branches import tree
from marketplace.extensions import db
from marketplace.rankings.models import BranchPeriodStat, MemberPeriodStat

from .api_helpers import auth, error_field
from .factories import make_branch, make_lead, make_user
from .rankings_helpers import approved, branch_with_lead, committee, member


@pytest.fixture
def district():
    parent = committee("湖墅街道党工委")
    east, east_lead = branch_with_lead("东园党支部", parent)
    west, west_lead = branch_with_lead("西园党支部", parent)
    approved(member(east, display_name="张阿姨"), east, east_lead, datetime(2026, 5, 4, 9),
             length=2)
    approved(member(east, display_name="王叔叔"), east, east_lead, datetime(2026, 5, 4, 9),
             length=3)
    approved(member(west, display_name="李大伯"), west, west_lead, datetime(2026, 5, 5, 9),
             length=6)
    return {"parent": parent, "east": east, "west": west, "east_lead": east_lead}


def test_branches_ranked_within_a_committee(client, district):
    response = client.get(f"/api/v1/rankings/branches?parent_id={district['parent'].id}"
                          "&period=2026-05")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["group"] == {"kind": "parent", "id": district["parent"].id,
                             "name": "湖墅街道党工委"}
    assert body["period"] == {"key": "2026-05", "kind": "month", "label": "2026年5月",
                              "first_day": "2026-05-01", "last_day": "2026-05-31"}
    assert body["total"] == 2 and body["next_cursor"] is None
    first, second = body["items"]
    assert (first["rank"], first["branch"]["name"]) == (1, "西园党支部")
    # west: 2 members, 1 active, 6 h in a month: 40*3/4 + 30/2 + 0 + 6
    assert first["score"] == 51.0
    assert first["parts"]["hours_points"] == 30.0 and first["parts"]["rating"] == 3.0
    assert (first["approved_hours"], first["members"], first["active_members"]) == (6.0, 2, 1)
    # east: 3 members, 2 active, 5 h: 40*(5/3)/4 + 30*2/3 + 6
    assert second["score"] == round(40 * 5 / 3 / 4 + 20 + 6, 1)


def test_by_hours_an_alliance_and_paging(client, district):
    admin = make_user(is_admin=True)
    alliance = tree.create_alliance("e起学习", None, admin)
    for branch in (district["east"], district["west"]):
        tree.add_to_alliance(alliance, branch, admin)
    db.session.commit()
    url = f"/api/v1/rankings/branches?alliance_id={alliance.id}&period=2026-Q2&by=hours&limit=1"
    body = client.get(url).json
    assert body["group"]["kind"] == "alliance" and body["by"] == "hours"
    assert [i["branch"]["name"] for i in body["items"]] == ["西园党支部"]
    assert body["next_cursor"]
    body = client.get(f"{url}&cursor={body['next_cursor']}").json
    assert [(i["rank"], i["branch"]["name"]) for i in body["items"]] == [(2, "东园党支部")]
    assert body["next_cursor"] is None


@pytest.mark.parametrize(("query", "field"), [
    ("", "parent_id"), ("parent_id=1&alliance_id=1", "parent_id"),
    ("parent_id=0", "parent_id"), ("parent_id=x", "parent_id"),
    ("parent_id=1&period=2026-13", "period"), ("parent_id=1&period=Q4", "period"),
    ("parent_id=1&by=name", "by"), ("parent_id=1&limit=500", "limit"),
    ("parent_id=1&cursor=!!", "cursor"),
])
def test_bad_ranking_requests_name_their_field(client, district, query, field):
    query = query.replace("parent_id=1", f"parent_id={district['parent'].id}")
    assert error_field(client.get(f"/api/v1/rankings/branches?{query}")) == {field}


def test_unknown_groups_are_404(client, district):
    assert client.get("/api/v1/rankings/branches?parent_id=999999").status_code == 404
    assert client.get("/api/v1/rankings/branches?alliance_id=999999").status_code == 404
    url = f"/api/v1/rankings/branches?parent_id={district['east'].id}"  # not a committee
    assert client.get(url).status_code == 404


# -- members --------------------------------------------------------------------------

def test_members_ranked_for_a_member(client, district):
    reader = member(district["east"])
    url = f"/api/v1/branches/{district['east'].id}/rankings?period=2026"
    response = client.get(url, headers=auth(client, reader))
    assert response.status_code == 200, response.json
    body = response.json
    assert body["branch"]["name"] == "东园党支部" and body["period"]["kind"] == "year"
    assert [(i["rank"], i["user"]["display_name"], i["approved_hours"], i["points"])
            for i in body["items"]] == [(1, "王叔叔", 3.0, 30), (2, "张阿姨", 2.0, 20)]
    assert set(body["items"][0]["user"]) == {"id", "display_name"}  # names only


@pytest.mark.parametrize("who", ["lead", "parent_lead", "admin"])
def test_leads_and_admins_see_the_members(client, district, who):
    user = {"lead": lambda: district["east_lead"],
            "parent_lead": lambda: make_lead(district["parent"]),
            "admin": lambda: make_user(is_admin=True)}[who]()
    response = client.get(f"/api/v1/branches/{district['east'].id}/rankings?period=2026-05",
                          headers=auth(client, user))
    assert response.status_code == 200 and len(response.json["items"]) == 2


@pytest.mark.parametrize("who", ["other_member", "other_lead", "resident"])
def test_others_are_refused_the_members(client, district, who):
    user = {"other_member": lambda: member(district["west"]),
            "other_lead": lambda: make_lead(make_branch("别的支部")),
            "resident": make_user}[who]()
    response = client.get(f"/api/v1/branches/{district['east'].id}/rankings",
                          headers=auth(client, user))
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_members_need_a_token_and_a_known_branch(client, district):
    assert client.get(f"/api/v1/branches/{district['east'].id}/rankings").status_code == 401
    admin = make_user(is_admin=True)
    assert client.get("/api/v1/branches/999999/rankings",
                      headers=auth(client, admin)).status_code == 404
    response = client.get(f"/api/v1/branches/{district['east'].id}/rankings?period=13",
                          headers=auth(client, admin))
    assert error_field(response) == {"period"}


def test_the_members_answer_costs_the_same_for_1_and_30(client, count_queries):
    admin = make_user(is_admin=True)
    headers = auth(client, admin)
    counts = []
    for n in (1, 30):
        branch = make_branch()
        for i in range(n):
            user = make_user(commit=False)
            db.session.flush()
            db.session.add(MemberPeriodStat(period="2026", branch_id=branch.id,
                                            user_id=user.id, minutes=30 * (i + 1),
                                            points=5, records=1))
        db.session.commit()
        url = f"/api/v1/branches/{branch.id}/rankings?period=2026&limit=50"
        client.get(url, headers=headers)
        with count_queries() as counter:
            assert len(client.get(url, headers=headers).json["items"]) == n
        counts.append(counter.count)
    assert counts[0] == counts[1]


# -- the public figures ---------------------------------------------------------------

def test_public_figures(client, district):
    response = client.get("/api/v1/public/figures?period=2026-05")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["totals"] == {"services_published": 0, "residents_served": 0,
                              "approved_hours": 11.0, "records": 3}
    assert len(body["by_month"]) == 12
    assert body["by_month"][-1]["period"]["key"] == "2026-05"
    assert body["by_month"][-1]["approved_hours"] == 11.0
    assert body["by_month"][0]["period"]["key"] == "2025-06"
    other = [row for row in body["by_category"] if row["category"] is None]
    assert other and other[0]["approved_hours"] == 11.0
    assert len(body["by_category"]) == 9  # the 8 categories and other volunteer work
    assert [b["branch"]["name"] for b in body["top_branches"]] == ["西园党支部", "东园党支部"]


def test_public_figures_default_to_this_year_and_refuse_bad_periods(client):
    body = client.get("/api/v1/public/figures").json
    assert body["period"]["kind"] == "year"
    assert error_field(client.get("/api/v1/public/figures?period=2026-1")) == {"period"}


def test_public_figures_cost_the_same_for_1_and_30_branches(client, count_queries):
    counts = []
    for period, n in (("2025", 1), ("2024", 30)):
        for _i in range(n):
            branch = make_branch(commit=False)
            db.session.add(BranchPeriodStat(period=period, branch_id=branch.id, minutes=30))
        db.session.commit()
        url = f"/api/v1/public/figures?period={period}"
        client.get(url)
        with count_queries() as counter:
            assert len(client.get(url).json["top_branches"]) == min(n, 10)
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_the_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "/api/v1/rankings/branches" in paths
    assert "/api/v1/branches/{branch_id}/rankings" in paths
    assert "/api/v1/public/figures" in paths
