"""A lead moves a member's home branch over the API, as on the members page
(POST /memberships/<id>/move-home): who may (401, 403, 404), bad input (422
naming the field), the state (409), and that the page and the API do the
same thing (branches.services.move_member_home)."""

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.branches import services as branches
from marketplace.branches import tree
from marketplace.branches.models import (
    BranchKind,
    Membership,
    MembershipKind,
    MembershipStatus,
)
from marketplace.extensions import db
from marketplace.notifications.models import Notification

from .api_helpers import auth, error_field
from .factories import make_branch, make_lead, make_user

API = "/api/v1"


@pytest.fixture
def committee_lead(committee):
    return make_lead(committee, display_name="冯书记")


def _member(branch, kind=MembershipKind.HOME):
    user = make_user(is_volunteer=True)
    member = branches.add_member(branch, user, kind)
    db.session.commit()
    return user, member


def _move(client, membership_id, user=None, **body):
    headers = auth(client, user) if user else {}
    return client.post(f"{API}/memberships/{membership_id}/move-home", headers=headers,
                       json=body)


def _home(user):
    db.session.expire_all()
    return branches.home_membership(user)


def test_a_committee_lead_moves_a_home_and_the_page_does_the_same(
        client, client_for, branch, other, committee_lead):
    user, member = _member(branch)
    response = _move(client, member.id, committee_lead, branch_id=other.id)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["branch"] == {"id": other.id, "name": "湖墅社区党支部"}
    assert (body["membership"], body["status"], body["user"]["id"]) == (
        "home", "active", user.id)
    assert _home(user).branch_id == other.id
    assert db.session.get(Membership, member.id).status == MembershipStatus.ENDED  # history
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.kind == "membership.home_moved")) == 1
    assert db.session.scalar(sa.select(AuditEntry.actor_id).where(
        AuditEntry.action == "membership.move_home")) == committee_lead.id

    # The page, for another member: the same result.
    second, second_member = _member(branch)
    response = client_for(committee_lead).post(
        f"/memberships/{second_member.id}/move-home", data={"branch_id": other.id})
    assert response.status_code == 302
    assert _home(second).branch_id == other.id
    assert db.session.get(Membership, second_member.id).status == MembershipStatus.ENDED
    db.session.expire_all()
    assert (branch.member_count, other.member_count) == (0, 2)


def test_an_admin_moves_a_home_of_a_functional_member(client, branch, other):
    admin = make_user(is_admin=True)
    user, _ = _member(branch)
    _, functional = (user, branches.add_member(other, user, MembershipKind.FUNCTIONAL))
    db.session.commit()
    # From the functional membership's list: the home moves there, the
    # functional membership gives way.
    response = _move(client, functional.id, admin, branch_id=other.id)
    assert response.status_code == 200, response.json
    assert _home(user).branch_id == other.id
    assert db.session.get(Membership, functional.id).status == MembershipStatus.ENDED


@pytest.mark.parametrize("role", ["anonymous", "resident", "the member", "volunteer",
                                  "lead of the old branch only", "lead of the new branch only",
                                  "lead of another branch"])
def test_who_may_not(client, committee, branch, other, role):
    user, member = _member(branch)
    actor = {
        "anonymous": lambda: None,
        "resident": lambda: make_user(),
        "the member": lambda: user,
        "volunteer": lambda: _member(branch)[0],
        "lead of the old branch only": lambda: make_lead(branch),
        "lead of the new branch only": lambda: make_lead(other),
        "lead of another branch": lambda: make_lead(make_branch("拱宸桥党支部")),
    }[role]()
    response = _move(client, member.id, actor, branch_id=other.id)
    assert response.status_code == (401 if actor is None else 403), response.json
    assert _home(user).branch_id == branch.id


def test_an_unknown_membership_is_404(client, other, committee_lead):
    response = _move(client, 999999, committee_lead, branch_id=other.id)
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


@pytest.mark.parametrize("body", [{}, {"branch_id": "x"}, {"branch_id": 0},
                                  {"branch_id": None}, {"branch_id": 2**31},
                                  {"branch_id": 999999}])
def test_a_bad_branch_is_422_naming_it(client, branch, committee_lead, body):
    user, member = _member(branch)
    assert error_field(_move(client, member.id, committee_lead, **body)) == {"branch_id"}
    assert _home(user).branch_id == branch.id


@pytest.mark.parametrize("target", ["same", "retired", "committee", "team"])
def test_a_target_the_rules_refuse_is_409(client, committee, branch, committee_lead, target):
    admin = make_user(is_admin=True)
    user, member = _member(branch)
    destination = {
        "same": lambda: branch,
        "retired": lambda: make_branch("已撤销", parent=committee),
        "committee": lambda: committee,
        "team": lambda: make_branch("青年志愿服务队", kind=BranchKind.VOLUNTEER_TEAM,
                                    parent=committee),
    }[target]()
    if target == "retired":
        tree.retire_branch(destination, admin)
        db.session.commit()
    response = _move(client, member.id, committee_lead, branch_id=destination.id)
    assert response.status_code == 409, response.json
    assert response.json["error"]["code"] == "conflict"
    assert _home(user).branch_id == branch.id


def test_the_path_is_documented(client):
    paths = client.get(f"{API}/openapi.json").json["paths"]
    operation = paths["/api/v1/memberships/{membership_id}/move-home"]["post"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(operation["responses"])
