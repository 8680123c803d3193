"""Branches over the API: create (admins), the public list and figures,
adding members (admins and leads above), and who may do what (API.md
"branches")."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.branches import queries as branch_queries
from marketplace.branches import services as branches
from marketplace.branches.models import Branch, BranchKind, Membership, MembershipKind
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.hours import services as hours

from .api_helpers import auth, error_field
from .factories import make_branch, make_lead, make_user

BRANCHES = "/api/v1/branches"


def _admin():
    return make_user(is_admin=True)


def _member(branch, **overrides):
    user = make_user(is_volunteer=True, **overrides)
    branches.add_member(branch, user, MembershipKind.HOME)
    db.session.commit()
    return user


def _post(client, path, user=None, **kwargs):
    return client.post(path, headers=auth(client, user) if user else {}, **kwargs)


def _hours(volunteer, branch, hours_ago, length=2.0):
    start = (utcnow() - timedelta(hours=hours_ago)).replace(minute=0, second=0, microsecond=0)
    return hours.record_hours(volunteer, hours.HourData(
        branch_id=branch.id, started_at=start, ended_at=start + timedelta(hours=length),
        description="上门打扫", place="米市巷社区"))


# -- create ------------------------------------------------------------------------

def test_an_admin_creates_a_committee_and_a_branch_under_it(client):
    admin = _admin()
    response = _post(client, BRANCHES, admin, json={"name": "米市巷联合党委",
                                                    "kind": "committee", "code": "HZ-001",
                                                    "community": "米市巷社区"})
    assert response.status_code == 201, response.json
    committee = response.json
    assert (committee["kind"], committee["parent_id"], committee["member_count"],
            committee["code"], committee["community"]) == ("committee", None, 0, "HZ-001",
                                                           "米市巷社区")
    response = _post(client, BRANCHES, admin, json={"name": "第一党支部", "kind": "party_branch",
                                                    "parent_id": committee["id"]})
    assert response.status_code == 201 and response.json["parent_id"] == committee["id"]
    created = db.session.get(Branch, response.json["id"])
    assert created.path == f"/{committee['id']}/{created.id}/"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "branch.create")) == 2


@pytest.mark.parametrize("role", ["resident", "volunteer", "lead"])
def test_only_admins_create_branches(client, role):
    user = {"resident": make_user, "volunteer": lambda: make_user(is_volunteer=True),
            "lead": make_lead}[role]()
    response = _post(client, BRANCHES, user, json={"name": "新支部", "kind": "party_branch"})
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    assert _post(client, BRANCHES, json={"name": "新支部", "kind": "party_branch"}
                 ).status_code == 401


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "", "kind": "party_branch"}, "name"),
    ({"name": "x" * 121, "kind": "party_branch"}, "name"),
    ({"name": "   ", "kind": "party_branch"}, "name"),        # the domain's rule
    ({"name": "新支部", "kind": "club"}, "kind"),
    ({"kind": "party_branch"}, "name"),
    ({"name": "新支部", "kind": "party_branch", "parent_id": "1"}, "parent_id"),
    ({"name": "新支部", "kind": "party_branch", "parent_id": 999999}, "parent_id"),
    ({"name": "新支部", "kind": "party_branch", "code": "c" * 41}, "code"),
])
def test_bad_branches_name_their_field(client, body, field):
    assert field in error_field(_post(client, BRANCHES, _admin(), json=body))


def test_only_a_committee_has_branches_under_it(client):
    parent = make_branch("普通党支部")
    response = _post(client, BRANCHES, _admin(), json={"name": "下级", "kind": "party_branch",
                                                       "parent_id": parent.id})
    assert error_field(response) == {"parent_id"}


def test_a_taken_code_is_a_conflict(client):
    admin = _admin()
    body = {"name": "支部甲", "kind": "volunteer_team", "code": "ZJ-7"}
    assert _post(client, BRANCHES, admin, json=body).status_code == 201
    response = _post(client, BRANCHES, admin, json=body | {"name": "支部乙"})
    assert response.status_code == 409, response.json


def test_malformed_json_is_400(client):
    response = _post(client, BRANCHES, _admin(), data="{name:", content_type="application/json")
    assert response.status_code == 400 and response.json["error"]["code"] == "bad_request"


# -- the public list -------------------------------------------------------------------

def test_the_list_is_public_searchable_and_paged(client):
    names = ["米市巷第一党支部", "米市巷第二党支部", "朝晖志愿服务队", "米市巷 100%_支部"]
    made = [make_branch(n) for n in names]
    _member(made[0])
    retired = make_branch("米市巷旧支部")
    retired.retired_at = utcnow()
    db.session.commit()

    response = client.get(f"{BRANCHES}?q=米市巷&limit=2")
    assert response.status_code == 200
    first = response.json
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = client.get(f"{BRANCHES}?q=米市巷&limit=2&cursor={first['next_cursor']}").json
    got = [b["name"] for b in first["items"] + second["items"]]
    assert sorted(got) == sorted(n for n in names if "米市巷" in n)
    assert second["next_cursor"] is None
    item = next(b for b in first["items"] + second["items"] if b["id"] == made[0].id)
    assert item == {"id": made[0].id, "name": made[0].name, "kind": "party_branch",
                    "parent_id": None, "member_count": 1}
    assert [b["name"] for b in client.get(f"{BRANCHES}?q=100%_").json["items"]] == [names[3]]
    assert len(client.get(BRANCHES).json["items"]) == 4


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "cursor=forged", "q=" + "x" * 121])
def test_bad_list_arguments_are_422(client, query):
    assert error_field(client.get(f"{BRANCHES}?{query}"))


def test_the_list_costs_the_same_for_any_number_of_branches(client, count_queries):
    for n in range(2):
        make_branch(f"支部{n}")
    with count_queries() as few:
        assert len(client.get(BRANCHES).json["items"]) == 2
    for n in range(2, 12):
        _member(make_branch(f"支部{n}"))
    with count_queries() as many:
        assert len(client.get(BRANCHES).json["items"]) == 12
    assert many.count == few.count <= 2


# -- members --------------------------------------------------------------------------

def test_an_admin_adds_a_member_and_a_lead(client):
    branch = make_branch()
    admin, user, lead = _admin(), make_user(), make_user()
    response = _post(client, f"{BRANCHES}/{branch.id}/members", admin,
                     json={"user_id": user.id, "membership": "home", "role": "member"})
    assert response.status_code == 201, response.json
    assert (response.json["user_id"], response.json["membership"], response.json["role"],
            response.json["status"]) == (user.id, "home", "member", "active")
    response = _post(client, f"{BRANCHES}/{branch.id}/members", admin,
                     json={"user_id": lead.id, "membership": "functional", "role": "lead"})
    assert response.status_code == 201 and response.json["role"] == "lead"
    assert db.session.get(Branch, branch.id).member_count == 2
    assert user.is_volunteer and user.is_party_member


def test_a_lead_of_the_branch_or_of_a_committee_above_adds_members(client):
    committee = make_branch("联合党委", kind=BranchKind.COMMITTEE)
    branch = make_branch(parent=committee)
    for manager in (make_lead(branch), make_lead(committee)):
        response = _post(client, f"{BRANCHES}/{branch.id}/members", manager,
                         json={"user_id": make_user().id, "membership": "functional"})
        assert response.status_code == 201, response.json
        assert response.json["role"] == "member"


def test_who_may_not_add_members(client):
    branch = make_branch()
    body = {"user_id": make_user().id, "membership": "home", "role": "member"}
    path = f"{BRANCHES}/{branch.id}/members"
    for outsider in (make_user(), make_user(is_volunteer=True), _member(branch),
                     make_lead(make_branch("别的支部"))):
        response = _post(client, path, outsider, json=body)
        assert response.status_code == 403, response.json
    assert _post(client, path, json=body).status_code == 401
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership).where(
        Membership.branch_id == branch.id)) == 1


def test_membership_conflicts_and_unknowns(client):
    branch, other = make_branch(), make_branch()
    admin, user = _admin(), make_user()
    path = f"{BRANCHES}/{branch.id}/members"
    body = {"user_id": user.id, "membership": "home", "role": "member"}
    assert _post(client, path, admin, json=body).status_code == 201
    assert _post(client, path, admin, json=body | {"membership": "functional"}
                 ).status_code == 409  # already a member
    response = _post(client, f"{BRANCHES}/{other.id}/members", admin, json=body)
    assert response.status_code == 409  # a second home branch
    assert _post(client, f"{BRANCHES}/{other.id}/members", admin,
                 json=body | {"membership": "functional"}).status_code == 201
    assert _post(client, path, admin, json=body | {"user_id": 999999}).status_code == 404
    assert _post(client, f"{BRANCHES}/999999/members", admin, json=body).status_code == 404


@pytest.mark.parametrize(("change", "field"), [
    ({"membership": "honorary"}, "membership"),
    ({"role": "boss"}, "role"),
    ({"user_id": "7"}, "user_id"),
    ({"user_id": 0}, "user_id"),
    ({"user_id": None}, "user_id"),
])
def test_bad_members_name_their_field(client, change, field):
    branch = make_branch()
    body = {"user_id": make_user().id, "membership": "home", "role": "member"} | change
    response = _post(client, f"{BRANCHES}/{branch.id}/members", _admin(), json=body)
    assert field in error_field(response)


def test_adding_a_member_with_malformed_json_is_400(client):
    branch = make_branch()
    response = _post(client, f"{BRANCHES}/{branch.id}/members", make_lead(branch),
                     data="[", content_type="application/json")
    assert response.status_code == 400


# -- the public summary ----------------------------------------------------------------

def test_the_summary_counts_the_ledger_and_members(client):
    branch = make_branch("米市巷第一党支部")
    lead = make_lead(branch)
    alice, bob = _member(branch, display_name="张三"), _member(branch, display_name="李四")
    _member(branch)
    first = _hours(alice, branch, 50, 3)
    hours.approve(first, lead)
    hours.approve(_hours(bob, branch, 50, 1), lead)
    hours.reject(_hours(bob, branch, 30, 1), lead, "时间不对")
    _hours(alice, branch, 30, 1)  # submitted: not counted yet
    correction = hours.correct_record(first, alice, hours.HourData(
        branch_id=branch.id, started_at=first.started_at,
        ended_at=first.started_at + timedelta(hours=2), description="上门打扫",
        place="米市巷社区"))
    hours.approve(correction, lead)
    db.session.commit()

    response = client.get(f"{BRANCHES}/{branch.id}/summary")
    assert response.status_code == 200
    assert response.json == {"id": branch.id, "name": "米市巷第一党支部",
                             "kind": "party_branch", "parent_id": None, "members": 4,
                             "approved_hours": 3.0, "records_approved": 2,
                             "volunteers_active": 2}
    text = response.get_data(as_text=True)
    assert "张三" not in text and "李四" not in text


def test_an_empty_branch_and_an_unknown_one(client):
    branch = make_branch()
    assert client.get(f"{BRANCHES}/{branch.id}/summary").json == {
        "id": branch.id, "name": branch.name, "kind": "party_branch", "parent_id": None,
        "members": 0, "approved_hours": 0.0, "records_approved": 0, "volunteers_active": 0}
    assert client.get(f"{BRANCHES}/999999/summary").status_code == 404


def test_the_summary_takes_a_fixed_number_of_queries(count_queries):
    branch = make_branch()
    lead = make_lead(branch)
    volunteer = _member(branch)
    with count_queries() as few:
        branch_queries.branch_summary(branch.id)
    for h in (30, 50, 70, 90):
        hours.approve(_hours(_member(branch), branch, h, 1), lead)
    hours.approve(_hours(volunteer, branch, 110, 1), lead)
    db.session.commit()
    with count_queries() as many:
        figures = branch_queries.branch_summary(branch.id)
    assert figures.records_approved == 5 and figures.volunteers_active == 5
    assert many.count == few.count <= 4, many.statements  # BEGIN + three
