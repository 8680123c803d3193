"""Alliances (联盟) over the API, admins only as on /admin/branches/alliances:
the list (keyset), create, one alliance with its branches, change it, add
and remove branches; who may (401, 403, 404), bad input (422 naming the
field), the state (409), and that the API and the pages agree."""

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.branches import services as branches
from marketplace.branches import tree
from marketplace.branches.models import Alliance, MembershipKind
from marketplace.extensions import db

from .api_helpers import auth, error_field
from .factories import make_branch, make_lead, make_user
from .page_helpers import text

API = "/api/v1"


@pytest.fixture
def admin():
    return make_user(is_admin=True)


@pytest.fixture
def alliance(admin):
    found = tree.create_alliance("e起学习", "三个支部轮值主办", admin)
    db.session.commit()
    return found


def _call(client, method, path, user=None, **kwargs):
    headers = auth(client, user) if user else {}
    return client.open(API + path, method=method, headers=headers, **kwargs)


def _in_alliance(alliance_id: int) -> set[int]:
    db.session.expire_all()
    return {b.id for b in db.session.get(Alliance, alliance_id).branches}


# -- create and list -------------------------------------------------------------------

def test_an_admin_creates_an_alliance_and_the_page_lists_it(client, client_for, admin):
    response = _call(client, "POST", "/alliances", admin,
                     json={"name": " 拱墅e起学习 ", "description": "跨党委联合"})
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["name"], body["description"], body["branch_count"]) == (
        "拱墅e起学习", "跨党委联合", 0)
    assert db.session.get(Alliance, body["id"]).name == "拱墅e起学习"
    assert db.session.scalar(sa.select(AuditEntry.action).where(
        AuditEntry.target_type == "alliances")) == "alliance.create"
    assert "拱墅e起学习" in text(client_for(admin).get("/admin/branches/alliances"))


def test_a_taken_name_is_409_naming_it(client, admin, alliance):
    response = _call(client, "POST", "/alliances", admin, json={"name": "e起学习"})
    assert response.status_code == 409
    assert set(response.json["error"]["fields"]) == {"name"}


@pytest.mark.parametrize(("body", "field"), [
    ({}, "name"), ({"name": ""}, "name"), ({"name": "   "}, "name"),
    ({"name": "长" * 121}, "name"), ({"name": 3}, "name"),
    ({"name": "联盟", "description": "长" * 501}, "description"),
    ({"name": "联盟", "description": 5}, "description")])
def test_bad_fields_are_422_naming_them(client, admin, body, field):
    assert error_field(_call(client, "POST", "/alliances", admin, json=body)) == {field}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Alliance)) == 0


def test_the_list_is_keyset_paginated_by_name_with_sizes(client, admin, branch):
    for name in ("丙联盟", "甲联盟", "乙联盟"):
        found = tree.create_alliance(name, None, admin)
        if name == "甲联盟":
            tree.add_to_alliance(found, branch, admin)
    db.session.commit()
    first = _call(client, "GET", "/alliances?limit=2", admin).json
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = _call(client, "GET", f"/alliances?limit=2&cursor={first['next_cursor']}",
                 admin).json
    assert rest["next_cursor"] is None
    items = first["items"] + rest["items"]
    names = [a["name"] for a in items]
    assert names == sorted(names) and len(set(names)) == 3
    assert {a["name"]: a["branch_count"] for a in items}["甲联盟"] == 1
    found = _call(client, "GET", "/alliances?q=甲", admin).json["items"]
    assert [a["name"] for a in found] == ["甲联盟"]
    assert error_field(_call(client, "GET", "/alliances?cursor=nonsense", admin)) == {"cursor"}
    assert error_field(_call(client, "GET", "/alliances?limit=0", admin)) == {"limit"}


# -- one alliance, its branches --------------------------------------------------------

def test_add_and_remove_branches(client, client_for, admin, alliance, branch, committee):
    other = make_branch("湖墅社区党支部", parent=committee)
    response = _call(client, "POST", f"/alliances/{alliance.id}/branches", admin,
                     json={"branch_id": branch.id})
    assert response.status_code == 201, response.json
    assert response.json["branch_count"] == 1
    assert [b["id"] for b in response.json["branches"]] == [branch.id]
    _call(client, "POST", f"/alliances/{alliance.id}/branches", admin,
          json={"branch_id": other.id})
    assert _in_alliance(alliance.id) == {branch.id, other.id}

    body = _call(client, "GET", f"/alliances/{alliance.id}", admin).json
    assert (body["name"], body["description"], body["branch_count"]) == (
        "e起学习", "三个支部轮值主办", 2)
    assert [b["name"] for b in body["branches"]] == sorted(["米市巷第一党支部", "湖墅社区党支部"])
    assert body["branches"][0].keys() >= {"id", "kind", "parent_id", "member_count", "retired"}
    page = text(client_for(admin).get(f"/admin/branches/alliances/{alliance.id}"))
    assert all(name in page for name in ("米市巷第一党支部", "湖墅社区党支部"))
    paged = _call(client, "GET", f"/alliances/{alliance.id}?limit=1", admin).json
    assert len(paged["branches"]) == 1 and paged["next_cursor"]

    response = _call(client, "DELETE", f"/alliances/{alliance.id}/branches/{branch.id}", admin)
    assert response.status_code == 200, response.json
    assert response.json["branch_count"] == 1
    assert _in_alliance(alliance.id) == {other.id}
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"alliance.add_branch", "alliance.remove_branch"} <= actions
    # Not in it (any more): 404, as on the page's domain rule.
    assert _call(client, "DELETE", f"/alliances/{alliance.id}/branches/{branch.id}",
                 admin).status_code == 404
    assert _call(client, "DELETE", f"/alliances/{alliance.id}/branches/999999",
                 admin).status_code == 404


def test_a_branch_twice_or_a_retired_one_is_409(client, admin, alliance, branch):
    tree.add_to_alliance(alliance, branch, admin)
    retired = make_branch("已撤销的支部")
    tree.retire_branch(retired, admin)
    db.session.commit()
    twice = _call(client, "POST", f"/alliances/{alliance.id}/branches", admin,
                  json={"branch_id": branch.id})
    assert twice.status_code == 409 and twice.json["error"]["code"] == "conflict"
    response = _call(client, "POST", f"/alliances/{alliance.id}/branches", admin,
                     json={"branch_id": retired.id})
    assert response.status_code == 409
    assert set(response.json["error"]["fields"]) == {"branch_id"}
    assert _in_alliance(alliance.id) == {branch.id}


@pytest.mark.parametrize("value", ["committee", "unknown", "text", None, 0])
def test_a_bad_branch_is_422_naming_it(client, admin, alliance, committee, value):
    branch_id = {"committee": committee.id, "unknown": 999999, "text": "x"}.get(value, value)
    assert error_field(_call(client, "POST", f"/alliances/{alliance.id}/branches", admin,
                             json={"branch_id": branch_id})) == {"branch_id"}
    assert _in_alliance(alliance.id) == set()


def test_change_an_alliance(client, admin, alliance):
    response = _call(client, "PATCH", f"/alliances/{alliance.id}", admin,
                     json={"name": "e起学习联盟"})
    assert response.status_code == 200, response.json
    assert (response.json["name"], response.json["description"]) == (
        "e起学习联盟", "三个支部轮值主办")
    response = _call(client, "PATCH", f"/alliances/{alliance.id}", admin,
                     json={"description": None})
    assert response.json["description"] is None
    logged = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    unchanged = _call(client, "PATCH", f"/alliances/{alliance.id}", admin, json={})
    assert unchanged.status_code == 200 and unchanged.json["name"] == "e起学习联盟"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == logged
    other = tree.create_alliance("另一个联盟", None, admin)
    db.session.commit()
    taken = _call(client, "PATCH", f"/alliances/{other.id}", admin, json={"name": "e起学习联盟"})
    assert taken.status_code == 409 and set(taken.json["error"]["fields"]) == {"name"}


def test_unknown_alliances_are_404(client, admin, branch):
    assert _call(client, "GET", "/alliances/999999", admin).status_code == 404
    assert _call(client, "PATCH", "/alliances/999999", admin,
                 json={"name": "x"}).status_code == 404
    assert _call(client, "POST", "/alliances/999999/branches", admin,
                 json={"branch_id": branch.id}).status_code == 404
    assert _call(client, "DELETE", f"/alliances/999999/branches/{branch.id}",
                 admin).status_code == 404


# -- who may ---------------------------------------------------------------------------

def _someone(role, branch, committee):
    if role == "volunteer":
        user = make_user(is_volunteer=True)
        branches.add_member(branch, user, MembershipKind.HOME)
        db.session.commit()
        return user
    return {"resident": lambda: make_user(), "lead": lambda: make_lead(branch),
            "committee lead": lambda: make_lead(committee),
            "lead of another branch": lambda: make_lead(make_branch())}[role]()


@pytest.mark.parametrize("role", ["anonymous", "resident", "volunteer", "lead",
                                  "committee lead", "lead of another branch"])
def test_only_admins(client, alliance, branch, committee, role):
    user = None if role == "anonymous" else _someone(role, branch, committee)
    tree.add_to_alliance(alliance, branch, None)
    db.session.commit()
    calls = [("GET", "/alliances", None), ("POST", "/alliances", {"name": "新联盟"}),
             ("GET", f"/alliances/{alliance.id}", None),
             ("PATCH", f"/alliances/{alliance.id}", {"name": "改名"}),
             ("POST", f"/alliances/{alliance.id}/branches", {"branch_id": branch.id}),
             ("DELETE", f"/alliances/{alliance.id}/branches/{branch.id}", None)]
    expected = 401 if user is None else 403
    for method, path, body in calls:
        response = _call(client, method, path, user, json=body)
        assert response.status_code == expected, (method, path, response.json)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Alliance)) == 1
    assert _in_alliance(alliance.id) == {branch.id}


def test_the_paths_are_documented(client):
    paths = client.get(f"{API}/openapi.json").json["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/alliances"])
    assert {"get", "patch"} <= set(paths["/api/v1/alliances/{alliance_id}"])
    add = paths["/api/v1/alliances/{alliance_id}/branches"]["post"]
    assert {"201", "401", "403", "404", "409", "422"} <= set(add["responses"])
    remove = paths["/api/v1/alliances/{alliance_id}/branches/{branch_id}"]["delete"]
    assert {"200", "401", "403", "404"} <= set(remove["responses"])
