"""One branch over the API (public, as its page shows it) and the tree's
administration (rename, move, retire: admins only): who may (401, 403, 404),
bad input (422 naming the field), the tree's state (409), and that the API
and the pages show the same."""

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.branches import services as branches
from marketplace.branches import tree
from marketplace.branches.models import Branch, BranchKind, MembershipKind, MembershipRole
from marketplace.extensions import db

from .api_helpers import auth, error_field
from .factories import make_branch, make_hour_record, make_lead, make_user
from .page_helpers import text

API = "/api/v1"


@pytest.fixture
def admin():
    return make_user(is_admin=True, display_name="区委组织部")


@pytest.fixture
def lead(branch):
    return make_lead(branch, display_name="周书记")


def _member(branch, name="王建国", kind=MembershipKind.HOME):
    user = make_user(is_volunteer=True, display_name=name, commit=False)
    branches.add_member(branch, user, kind)
    db.session.commit()
    return user


def _fresh(branch_id: int) -> Branch:
    db.session.expire_all()
    return db.session.get(Branch, branch_id)


def _call(client, method, path, user=None, **kwargs):
    headers = auth(client, user) if user else {}
    return client.open(API + path, method=method, headers=headers, **kwargs)


def _conflict(response, field=None):
    assert response.status_code == 409, response.json
    assert response.json["error"]["code"] == "conflict"
    if field:
        assert set(response.json["error"]["fields"]) == {field}


# -- one branch ------------------------------------------------------------------------

def test_one_branch_shows_what_its_public_page_shows(client, client_for, branch, committee,
                                                     lead):
    wang = _member(branch)
    _member(branch, "李秀英", MembershipKind.FUNCTIONAL)
    make_hour_record(wang, branch, length=2.5, approved_by=lead)
    make_hour_record(wang, branch, days_ago=5, length=1.0)  # waits for review: not counted
    response = client.get(f"{API}/branches/{branch.id}")
    assert response.status_code == 200, response.json
    body = response.json
    assert body == {"id": branch.id, "name": "米市巷第一党支部", "kind": "party_branch",
                    "parent": {"id": committee.id, "name": "米市巷联合党委"},
                    "community": None, "retired": False, "retired_at": None,
                    "successor": None, "alliances": [], "members": 3,
                    "approved_hours": 2.5}
    assert "王建国" not in response.get_data(as_text=True)  # no personal data
    assert "周书记" not in response.get_data(as_text=True)
    page = text(client_for().get(f"/branches/{branch.id}"))
    assert f'<div class="stat">{body["members"]}</div>' in page
    assert f'<div class="stat">{body["approved_hours"]:.1f}</div>' in page


def test_a_retired_branch_names_its_successor_and_alliances(client, branch, committee,
                                                            admin):
    successor = make_branch("湖墅社区党支部", parent=committee)
    alliance = tree.create_alliance("e起学习", None, admin)
    tree.add_to_alliance(alliance, branch, admin)
    tree.retire_branch(branch, admin, successor)
    db.session.commit()
    body = client.get(f"{API}/branches/{branch.id}").json
    assert body["retired"] is True and body["retired_at"]
    assert body["successor"] == {"id": successor.id, "name": "湖墅社区党支部"}
    assert body["alliances"] == [{"id": alliance.id, "name": "e起学习"}]


def test_an_unknown_branch_is_404(client):
    response = client.get(f"{API}/branches/999999")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    assert client.get(f"{API}/branches/{2**31}").status_code == 404


# -- rename ----------------------------------------------------------------------------

def test_an_admin_renames_and_the_page_shows_it(client, client_for, branch, admin):
    response = _call(client, "PATCH", f"/branches/{branch.id}", admin,
                     json={"name": "  米市巷街道第一党支部 "})
    assert response.status_code == 200, response.json
    assert response.json["name"] == "米市巷街道第一党支部"
    assert _fresh(branch.id).name == "米市巷街道第一党支部"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "branch.rename"))
    assert entry.actor_id == admin.id and entry.details["was"] == "米市巷第一党支部"
    assert "米市巷街道第一党支部" in text(client_for(admin).get(
        f"/admin/branches/{branch.id}"))


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "   "}, {"name": "长" * 121},
                                  {"name": 5}, {"name": None}])
def test_a_bad_name_is_422_naming_it(client, branch, admin, body):
    assert error_field(_call(client, "PATCH", f"/branches/{branch.id}", admin,
                             json=body)) == {"name"}
    assert _fresh(branch.id).name == "米市巷第一党支部"


# -- who may ---------------------------------------------------------------------------

def _someone(role, branch, committee):
    return {
        "resident": lambda: make_user(),
        "volunteer": lambda: _member(branch),
        "lead": lambda: make_lead(branch),
        "committee lead": lambda: make_lead(committee),
        "lead of another branch": lambda: make_lead(make_branch("湖墅社区党支部")),
    }[role]()


ACTIONS = [("PATCH", "", {"name": "新名字"}), ("POST", "/move", {"parent_id": None}),
           ("POST", "/retire", {})]


@pytest.mark.parametrize(("method", "suffix", "body"), ACTIONS)
@pytest.mark.parametrize("role", ["anonymous", "resident", "volunteer", "lead",
                                  "committee lead", "lead of another branch"])
def test_only_admins_administer_the_tree(client, branch, committee, role, method, suffix,
                                         body):
    user = None if role == "anonymous" else _someone(role, branch, committee)
    response = _call(client, method, f"/branches/{branch.id}{suffix}", user, json=body)
    assert response.status_code == (401 if user is None else 403), response.json
    after = _fresh(branch.id)
    assert (after.name, after.parent_id, after.retired_at) == (
        "米市巷第一党支部", committee.id, None)


@pytest.mark.parametrize(("method", "suffix", "body"), ACTIONS)
def test_an_unknown_branch_is_404_for_an_admin(client, admin, method, suffix, body):
    response = _call(client, method, f"/branches/999999{suffix}", admin, json=body)
    assert response.status_code == 404


# -- move ------------------------------------------------------------------------------

def test_an_admin_moves_a_branch_with_its_subtree(client, client_for, committee, branch,
                                                  admin):
    district = make_branch("拱墅区委", kind=BranchKind.COMMITTEE)
    response = _call(client, "POST", f"/branches/{committee.id}/move", admin,
                     json={"parent_id": district.id})
    assert response.status_code == 200, response.json
    assert response.json["parent"] == {"id": district.id, "name": "拱墅区委"}
    assert _fresh(branch.id).path == f"/{district.id}/{committee.id}/{branch.id}/"
    page = text(client_for().get(f"/branches/{committee.id}"))
    assert f'href="/branches/{district.id}"' in page
    response = _call(client, "POST", f"/branches/{committee.id}/move", admin,
                     json={"parent_id": None})
    assert response.status_code == 200 and response.json["parent"] is None
    assert _fresh(branch.id).path == f"/{committee.id}/{branch.id}/"


def test_a_cycle_or_a_retired_committee_is_409(client, committee, branch, admin):
    sub = make_branch("下级党委", kind=BranchKind.COMMITTEE, parent=committee)
    for parent in (committee, sub):
        _conflict(_call(client, "POST", f"/branches/{committee.id}/move", admin,
                        json={"parent_id": parent.id}), "parent_id")
    retired = make_branch("撤销的党委", kind=BranchKind.COMMITTEE)
    tree.retire_branch(retired, admin)
    db.session.commit()
    response = _call(client, "POST", f"/branches/{branch.id}/move", admin,
                     json={"parent_id": retired.id})
    _conflict(response, "parent_id")
    assert response.json["error"]["fields"]["parent_id"] == "该党委已撤销。"
    assert _fresh(committee.id).parent_id is None and _fresh(branch.id).parent_id == committee.id


def test_the_move_pages_refuse_the_same(client_for, committee, admin):
    """The admin page shows the domain's refusal beside the field, as the API names it."""
    page = text(client_for(admin).post(f"/admin/branches/{committee.id}/move",
                                       data={"parent_id": committee.id}))
    assert "组织不能移到自身或自己的下级组织之下。" in page


@pytest.mark.parametrize("body", [{}, {"parent_id": "x"}, {"parent_id": 0},
                                  {"parent_id": 2**31}, {"parent_id": 1.5}])
def test_a_bad_parent_is_422_naming_it(client, branch, admin, body):
    assert error_field(_call(client, "POST", f"/branches/{branch.id}/move", admin,
                             json=body)) == {"parent_id"}


def test_an_unknown_parent_or_one_that_is_no_committee_is_422(client, committee, branch,
                                                              admin):
    other = make_branch("湖墅社区党支部")
    for parent_id in (999999, other.id):
        assert error_field(_call(client, "POST", f"/branches/{branch.id}/move", admin,
                                 json={"parent_id": parent_id})) == {"parent_id"}
    assert _fresh(branch.id).parent_id == committee.id


# -- retire ----------------------------------------------------------------------------

def test_an_admin_retires_into_a_successor(client, client_for, committee, branch, lead,
                                           admin):
    successor = make_branch("湖墅社区党支部", parent=committee)
    _member(branch)
    response = _call(client, "POST", f"/branches/{branch.id}/retire", admin,
                     json={"successor_id": successor.id})
    assert response.status_code == 200, response.json
    body = response.json
    assert body["retired"] is True and body["members"] == 0
    assert body["successor"] == {"id": successor.id, "name": "湖墅社区党支部"}
    assert _fresh(successor.id).member_count == 2
    assert "该支部已撤销。" in text(client_for().get(f"/branches/{branch.id}"))
    _conflict(_call(client, "POST", f"/branches/{branch.id}/retire", admin))


def test_retire_without_a_body_or_successor(client, branch, admin):
    response = _call(client, "POST", f"/branches/{branch.id}/retire", admin)
    assert response.status_code == 200, response.json
    assert response.json["retired"] is True and response.json["successor"] is None


def test_what_blocks_retiring_is_409(client, committee, branch, admin):
    _conflict(_call(client, "POST", f"/branches/{committee.id}/retire", admin))  # branches under
    make_hour_record(_member(branch), branch)  # awaits review
    _conflict(_call(client, "POST", f"/branches/{branch.id}/retire", admin, json={}))
    retired = make_branch("已撤销")
    tree.retire_branch(retired, admin)
    db.session.commit()
    other = make_branch("湖墅社区党支部")
    _conflict(_call(client, "POST", f"/branches/{other.id}/retire", admin,
                    json={"successor_id": retired.id}), "successor_id")
    assert _fresh(branch.id).retired_at is None and _fresh(other.id).retired_at is None


@pytest.mark.parametrize("successor", ["self", "team", "unknown", "text"])
def test_a_bad_successor_is_422_naming_it(client, branch, admin, successor):
    value = {"self": branch.id, "unknown": 999999, "text": "x",
             "team": None}[successor]
    if successor == "team":
        value = make_branch("青年志愿服务队", kind=BranchKind.VOLUNTEER_TEAM).id
    assert error_field(_call(client, "POST", f"/branches/{branch.id}/retire", admin,
                             json={"successor_id": value})) == {"successor_id"}
    assert _fresh(branch.id).retired_at is None


def test_leads_are_no_longer_leads_of_a_retired_branch(client, branch, lead, admin):
    _call(client, "POST", f"/branches/{branch.id}/retire", admin)
    home = branches.home_membership(lead)
    assert home.role == MembershipRole.MEMBER


# -- the document ----------------------------------------------------------------------

def test_the_paths_are_documented(client):
    spec = client.get(f"{API}/openapi.json").json
    paths = spec["paths"]
    one = paths["/api/v1/branches/{branch_id}"]
    assert {"get", "patch"} <= set(one)
    assert {"403", "404", "422"} <= set(one["patch"]["responses"])
    for action, conflict in (("move", True), ("retire", True)):
        operation = paths[f"/api/v1/branches/{{branch_id}}/{action}"]["post"]
        assert {"200", "401", "403", "404", "422"} <= set(operation["responses"])
        assert ("409" in operation["responses"]) is conflict
    assert "security" not in one["get"] or not any(one["get"]["security"])
