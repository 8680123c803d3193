"""Branch memberships over the API: asking to join and to move home, a
lead's answer (one and a batch, all or nothing), refusing, withdrawing,
ending, roles, the lists, one membership, and who may do what (403, 404,
409, 422 naming the field)."""

import pytest
import sqlalchemy as sa

from marketplace.branches import queries
from marketplace.branches import requests as join_requests
from marketplace.branches import services as branches
from marketplace.branches.models import (
    Branch,
    BranchKind,
    Membership,
    MembershipKind,
    MembershipRole,
    MembershipStatus,
)
from marketplace.extensions import db
from marketplace.notifications.models import Notification

from .api_helpers import auth, error_field
from .factories import make_branch, make_lead, make_user

API = "/api/v1"
HOME, FUNCTIONAL = MembershipKind.HOME, MembershipKind.FUNCTIONAL


@pytest.fixture
def lead(branch):
    return make_lead(branch, display_name="李书记")


def _member(branch, kind=HOME, role=MembershipRole.MEMBER, **overrides):
    user = make_user(is_volunteer=True, **overrides)
    branches.add_member(branch, user, kind, role)
    db.session.commit()
    return user


def _asked(branch, user=None, kind=FUNCTIONAL) -> Membership:
    """A pending request through the domain (setup, not the thing tested)."""
    member = join_requests.request_to_join(branch, user or make_user(), kind, "想参加")
    db.session.commit()
    return member


def _status(member_id: int) -> MembershipStatus:
    db.session.expire_all()
    return db.session.get(Membership, member_id).status


def _notes(user, kind: str) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind)))


def _post(client, path, user=None, **kwargs):
    return client.post(API + path, headers=auth(client, user) if user else {}, **kwargs)


def _get(client, path, user=None, headers=None):
    headers = headers if headers is not None else (auth(client, user) if user else {})
    return client.get(API + path, headers=headers)


# -- asking to join --------------------------------------------------------------------

def test_ask_to_join_as_functional_and_the_leads_are_told(client, branch, lead, committee):
    committee_lead = make_lead(committee)
    asker = make_user(display_name="王志愿")
    response = _post(client, f"/branches/{branch.id}/membership-requests", asker,
                     json={"membership": "functional", "message": "想参加活动"})
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["status"], body["membership"], body["role"], body["message"]) == (
        "pending", "functional", "member", "想参加活动")
    assert body["branch"] == {"id": branch.id, "name": "米市巷第一党支部"}
    assert body["user"] == {"id": asker.id, "display_name": "王志愿"}
    assert body["started_at"] is None and body["ended_at"] is None
    assert len(_notes(lead, "membership.requested")) == 1
    assert len(_notes(committee_lead, "membership.requested")) == 1


def test_ask_to_join_as_home_without_a_message(client, branch):
    response = _post(client, f"/branches/{branch.id}/membership-requests", make_user(),
                     json={"membership": "home"})
    assert response.status_code == 201, response.json
    assert (response.json["membership"], response.json["message"]) == ("home", None)


def test_asking_needs_a_token_and_a_known_branch(client, branch):
    path = f"/branches/{branch.id}/membership-requests"
    assert _post(client, path, json={"membership": "home"}).status_code == 401
    response = _post(client, "/branches/999999/membership-requests", make_user(),
                     json={"membership": "home"})
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


@pytest.mark.parametrize(("body", "field"), [
    ({}, "membership"),
    ({"membership": "honorary"}, "membership"),
    ({"membership": "home", "message": "长" * 201}, "message"),
    ({"membership": "home", "message": 5}, "message"),
    ({"membership": "home", "message": "a\x00b"}, "message"),  # PostgreSQL stores no NUL
])
def test_bad_join_fields_are_named(client, branch, body, field):
    response = _post(client, f"/branches/{branch.id}/membership-requests", make_user(),
                     json=body)
    assert error_field(response) == {field}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)) == 0


def test_asking_twice_or_as_a_member_or_for_a_second_home_is_a_conflict(client, branch,
                                                                         other, committee):
    asker = make_user()
    headers = auth(client, asker)
    path = f"{API}/branches/{branch.id}/membership-requests"
    assert client.post(path, headers=headers, json={"membership": "home"}).status_code == 201
    again = client.post(path, headers=headers, json={"membership": "functional"})
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"
    member = _member(other)
    response = _post(client, f"/branches/{other.id}/membership-requests", member,
                     json={"membership": "functional"})
    assert response.status_code == 409
    response = _post(client, f"/branches/{branch.id}/membership-requests", member,
                     json={"membership": "home"})
    assert response.status_code == 409  # a home elsewhere: ask to move instead
    response = _post(client, f"/branches/{committee.id}/membership-requests", make_user(),
                     json={"membership": "functional"})
    assert response.status_code == 409  # a committee has no members of its own


def test_ask_to_move_home_and_the_lead_accepts(client, branch, other):
    member = _member(branch)
    new_lead = make_lead(other)
    response = _post(client, f"/branches/{other.id}/move-home-requests", member,
                     json={"message": "搬家了"})
    assert response.status_code == 201, response.json
    assert (response.json["membership"], response.json["status"]) == ("home", "pending")
    request_id = response.json["id"]
    response = _post(client, f"/memberships/{request_id}/accept", new_lead)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "active"
    homes = db.session.execute(sa.select(Membership.branch_id, Membership.status).where(
        Membership.user_id == member.id).order_by(Membership.id)).all()
    assert homes == [(branch.id, MembershipStatus.ENDED), (other.id, MembershipStatus.ACTIVE)]


def test_moving_home_refusals(client, branch, other):
    member = _member(branch)
    team = make_branch("志愿服务队", kind=BranchKind.VOLUNTEER_TEAM)
    assert _post(client, f"/branches/{other.id}/move-home-requests").status_code == 401
    response = _post(client, f"/branches/{branch.id}/move-home-requests", member, json={})
    assert response.status_code == 409  # the home branch already
    response = _post(client, f"/branches/{team.id}/move-home-requests", member, json={})
    assert response.status_code == 409  # a party member's home stays in a party branch
    response = _post(client, f"/branches/{other.id}/move-home-requests", member,
                     json={"message": "x" * 201})
    assert error_field(response) == {"message"}
    assert _post(client, "/branches/999999/move-home-requests", member,
                 json={}).status_code == 404


# -- the lists -------------------------------------------------------------------------

def test_a_lead_reads_pending_requests_oldest_first_page_by_page(client, branch, lead):
    first, second, third = (_asked(branch) for _ in range(3))
    _asked(make_branch())  # another branch's request is not listed
    headers = auth(client, lead)
    path = f"/branches/{branch.id}/membership-requests?limit=2"
    page = _get(client, path, headers=headers)
    assert page.status_code == 200, page.json
    assert [m["id"] for m in page.json["items"]] == [first.id, second.id]
    assert page.json["items"][0]["message"] == "想参加"
    rest = _get(client, f"{path}&cursor={page.json['next_cursor']}", headers=headers)
    assert [m["id"] for m in rest.json["items"]] == [third.id]
    assert rest.json["next_cursor"] is None


def test_leads_above_and_admins_read_the_requests(client, branch, committee):
    asked = _asked(branch)
    for reader in (make_lead(committee), make_user(is_admin=True)):
        response = _get(client, f"/branches/{branch.id}/membership-requests", reader)
        assert [m["id"] for m in response.json["items"]] == [asked.id]


def test_who_may_not_read_a_branchs_lists(client, branch, other):
    _asked(branch)
    member = _member(branch)
    for path in (f"/branches/{branch.id}/membership-requests",
                 f"/branches/{branch.id}/members"):
        assert _get(client, path).status_code == 401
        for reader in (make_lead(other), member, make_user()):
            response = _get(client, path, reader)
            assert response.status_code == 403, reader
            assert response.json["error"]["code"] == "forbidden"
    assert _get(client, "/branches/999999/members", make_user(is_admin=True)).status_code == 404


def test_members_by_status(client, branch, lead):
    member = _member(branch, display_name="甲")
    asked = _asked(branch)
    gone = _member(branch, kind=FUNCTIONAL)
    branches.end_membership(branches.live_membership(gone, branch), gone)
    db.session.commit()
    headers = auth(client, lead)
    path = f"/branches/{branch.id}/members"
    active = _get(client, path, headers=headers).json["items"]
    assert [m["user"]["id"] for m in active] == [lead.id, member.id]  # leads first
    assert active[0]["role"] == "lead"
    pending = _get(client, f"{path}?status=pending", headers=headers).json["items"]
    assert [m["id"] for m in pending] == [asked.id]
    history = _get(client, f"{path}?status=history", headers=headers).json["items"]
    assert [(m["user"]["id"], m["status"]) for m in history] == [(gone.id, "ended")]
    assert error_field(_get(client, f"{path}?status=all", headers=headers)) == {"status"}
    assert error_field(_get(client, f"{path}?cursor=bad!", headers=headers)) == {"cursor"}
    assert error_field(_get(client, f"{path}?limit=0", headers=headers)) == {"limit"}


def test_my_memberships_are_mine_newest_first(client, branch, other):
    me = _member(branch)
    asked = _asked(other, me)
    _member(other)  # someone else's
    headers = auth(client, me)
    page = _get(client, "/me/memberships?limit=1", headers=headers)
    assert page.status_code == 200
    assert [(m["id"], m["status"]) for m in page.json["items"]] == [(asked.id, "pending")]
    rest = _get(client, f"/me/memberships?limit=1&cursor={page.json['next_cursor']}",
                headers=headers)
    assert [(m["branch"]["id"], m["status"]) for m in rest.json["items"]] == [
        (branch.id, "active")]
    assert rest.json["next_cursor"] is None
    assert _get(client, "/me/memberships").status_code == 401


def test_the_lists_cost_the_same_at_one_and_many_rows(client, branch, lead, count_queries):
    headers = auth(client, lead)
    counts = {}
    for n in (1, 6):
        while len(queries.members(branch.id, (MembershipStatus.PENDING,), None, 50).items) < n:
            _asked(branch)
            _member(branch, kind=FUNCTIONAL)
        for path in (f"/branches/{branch.id}/membership-requests",
                     f"/branches/{branch.id}/members?status=pending",
                     f"/branches/{branch.id}/members"):
            db.session.expire_all()
            with count_queries() as counter:
                assert _get(client, path, headers=headers).status_code == 200
            counts.setdefault(path, []).append(counter.count)
    assert all(few == many for few, many in counts.values()), counts


def test_my_memberships_cost_the_same_at_one_and_many_rows(client, count_queries):
    me = make_user()
    headers = auth(client, me)
    counts = []
    for n in (1, 5):
        while db.session.scalar(sa.select(sa.func.count()).select_from(Membership)) < n:
            _asked(make_branch(), me)
        db.session.expire_all()
        with count_queries() as counter:
            assert len(_get(client, "/me/memberships", headers=headers).json["items"]) == n
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_one_membership_for_its_member_its_leads_and_admins(client, branch, other,
                                                            committee, lead):
    asked = _asked(branch)
    for reader in (asked.user, lead, make_lead(committee), make_user(is_admin=True)):
        response = _get(client, f"/memberships/{asked.id}", reader)
        assert response.status_code == 200, reader
        assert response.json["id"] == asked.id
    for stranger in (make_user(), make_lead(other), _member(branch)):
        response = _get(client, f"/memberships/{asked.id}", stranger)
        assert response.status_code == 404
        assert response.json["error"]["code"] == "not_found"
    assert _get(client, "/memberships/999999", lead).status_code == 404
    assert _get(client, f"/memberships/{asked.id}").status_code == 401


# -- a lead's answer -------------------------------------------------------------------

def test_a_lead_accepts_a_request(client, branch, lead):
    asked = _asked(branch, make_user(display_name="王志愿"))
    response = _post(client, f"/memberships/{asked.id}/accept", lead)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "active" and response.json["started_at"]
    assert db.session.get(Branch, branch.id).member_count == 2
    assert len(_notes(asked.user, "membership.accepted")) == 1
    again = _post(client, f"/memberships/{asked.id}/accept", lead)
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"


def test_who_may_not_accept(client, branch, other, committee):
    asked = _asked(branch)
    for who in (make_lead(other), _member(branch), make_user(), asked.user):
        response = _post(client, f"/memberships/{asked.id}/accept", who)
        assert response.status_code == 403, who
    assert _post(client, f"/memberships/{asked.id}/accept").status_code == 401
    assert _post(client, "/memberships/999999/accept", make_user(is_admin=True)).status_code \
        == 404
    assert _status(asked.id) == MembershipStatus.PENDING


def test_nobody_answers_their_own_request(client, branch, committee):
    committee_lead = make_lead(committee)  # leads the branch from above
    asked = _asked(branch, committee_lead)
    for action in ("accept", "refuse"):
        response = _post(client, f"/memberships/{asked.id}/{action}", committee_lead,
                         json={})
        assert response.status_code == 403
    assert _status(asked.id) == MembershipStatus.PENDING


def test_a_lead_refuses_with_a_reason(client, branch, lead):
    asked = _asked(branch)
    response = _post(client, f"/memberships/{asked.id}/refuse", lead,
                     json={"reason": "不在本社区"})
    assert response.status_code == 200, response.json
    assert response.json["status"] == "refused"
    [note] = _notes(asked.user, "membership.refused")
    assert note.params["reason"] == "不在本社区"
    assert _post(client, f"/memberships/{asked.id}/refuse", lead).status_code == 409


def test_refusing_without_a_body_or_with_a_long_reason(client, branch, lead):
    headers = auth(client, lead)
    long_one, plain = _asked(branch), _asked(branch)
    response = client.post(f"{API}/memberships/{long_one.id}/refuse", headers=headers,
                           json={"reason": "长" * 201})
    assert error_field(response) == {"reason"}
    assert _status(long_one.id) == MembershipStatus.PENDING
    response = client.post(f"{API}/memberships/{plain.id}/refuse", headers=headers)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "refused"


def test_who_may_not_refuse(client, branch, other):
    asked = _asked(branch)
    for who in (make_lead(other), make_user(), asked.user):
        assert _post(client, f"/memberships/{asked.id}/refuse", who, json={}).status_code \
            == 403
    assert _post(client, f"/memberships/{asked.id}/refuse", json={}).status_code == 401
    assert _status(asked.id) == MembershipStatus.PENDING


def test_the_asker_withdraws(client, branch, lead):
    asked = _asked(branch)
    assert _post(client, f"/memberships/{asked.id}/withdraw", lead).status_code == 403
    assert _post(client, f"/memberships/{asked.id}/withdraw", make_user()).status_code == 403
    response = _post(client, f"/memberships/{asked.id}/withdraw", asked.user)
    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["started_at"]) == ("ended", None)
    assert _post(client, f"/memberships/{asked.id}/withdraw", asked.user).status_code == 409
    answered = _asked(branch)
    join_requests.accept(answered, lead)
    db.session.commit()
    assert _post(client, f"/memberships/{answered.id}/withdraw",
                 answered.user).status_code == 409


# -- a batch ---------------------------------------------------------------------------

def test_accept_a_batch(client, branch, lead):
    chosen = [_asked(branch), _asked(branch)]
    response = _post(client, "/memberships/accept", lead, json={"ids": [m.id for m in chosen]})
    assert response.status_code == 200, response.json
    assert response.json == {"accepted": 2}
    assert [_status(m.id) for m in chosen] == [MembershipStatus.ACTIVE] * 2


@pytest.mark.parametrize("spoiler", ["another_branch", "answered", "own", "unknown"])
def test_a_batch_is_accepted_all_or_nothing(client, branch, other, committee, spoiler):
    approver = make_lead(committee) if spoiler == "own" else make_lead(branch)
    fine = _asked(branch)
    if spoiler == "another_branch":
        bad_id, status = _asked(other).id, 403
    elif spoiler == "answered":
        bad = _asked(branch)
        join_requests.refuse(bad, make_user(is_admin=True))
        db.session.commit()
        bad_id, status = bad.id, 409
    elif spoiler == "own":
        bad_id, status = _asked(branch, approver).id, 403
    else:
        bad_id, status = 999999, 404
    response = _post(client, "/memberships/accept", approver, json={"ids": [fine.id, bad_id]})
    assert response.status_code == status, response.json
    assert _status(fine.id) == MembershipStatus.PENDING
    assert db.session.get(Branch, branch.id).member_count == (
        1 if spoiler != "own" else 0)
    assert _notes(fine.user, "membership.accepted") == []


@pytest.mark.parametrize("body", [{}, {"ids": []}, {"ids": "1"}, {"ids": [0]},
                                  {"ids": ["x"]}, {"ids": list(range(1, 102))}])
def test_a_bad_batch_names_ids(client, lead, body):
    assert error_field(_post(client, "/memberships/accept", lead, json=body)) == {"ids"}


def test_a_batch_needs_a_token(client):
    assert _post(client, "/memberships/accept", json={"ids": [1]}).status_code == 401


# -- ending and roles ------------------------------------------------------------------

def test_a_lead_removes_a_member_and_a_member_leaves(client, branch, lead):
    removed = branches.live_membership(_member(branch, kind=FUNCTIONAL), branch)
    leaver = _member(branch, kind=FUNCTIONAL)
    db.session.commit()
    response = _post(client, f"/memberships/{removed.id}/end", lead)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "ended" and response.json["ended_at"]
    assert len(_notes(removed.user, "membership.ended")) == 1
    mine = branches.live_membership(leaver, branch)
    assert _post(client, f"/memberships/{mine.id}/end", leaver).status_code == 200
    assert _notes(leaver, "membership.ended") == []
    assert _post(client, f"/memberships/{mine.id}/end", leaver).status_code == 409


def test_ending_refusals(client, branch, other, committee, lead):
    home = branches.live_membership(_member(branch), branch)
    functional = branches.live_membership(_member(branch, kind=FUNCTIONAL), branch)
    lead_membership = branches.live_membership(lead, branch)
    db.session.commit()
    assert _post(client, f"/memberships/{home.id}/end", lead).status_code == 409
    assert _post(client, f"/memberships/{home.id}/end", home.user).status_code == 409
    for who in (make_lead(other), make_user(), _member(branch)):
        assert _post(client, f"/memberships/{functional.id}/end", who).status_code == 403
    co_lead = _member(branch, role=MembershipRole.LEAD)
    response = _post(client, f"/memberships/{lead_membership.id}/end", co_lead)
    assert response.status_code == 403  # a lead is removed only from above
    assert _post(client, f"/memberships/{functional.id}/end").status_code == 401
    assert _post(client, "/memberships/999999/end", lead).status_code == 404
    assert _status(functional.id) == MembershipStatus.ACTIVE


def test_a_committee_lead_appoints_and_an_admin_demotes(client, branch, committee):
    member = branches.live_membership(_member(branch), branch)
    db.session.commit()
    response = _post(client, f"/memberships/{member.id}/role", make_lead(committee),
                     json={"role": "lead"})
    assert response.status_code == 200, response.json
    assert response.json["role"] == "lead"
    assert len(_notes(member.user, "membership.role_changed")) == 1
    admin = make_user(is_admin=True)
    again = _post(client, f"/memberships/{member.id}/role", admin, json={"role": "lead"})
    assert again.status_code == 409
    response = _post(client, f"/memberships/{member.id}/role", admin, json={"role": "member"})
    assert response.status_code == 200 and response.json["role"] == "member"


def test_who_may_not_change_a_role(client, branch, other, committee, lead):
    member = branches.live_membership(_member(branch), branch)
    db.session.commit()
    for who in (lead, make_lead(other), make_user(), member.user):
        response = _post(client, f"/memberships/{member.id}/role", who, json={"role": "lead"})
        assert response.status_code == 403, who
    committee_lead = make_lead(committee)
    own = branches.live_membership(committee_lead, committee)
    response = _post(client, f"/memberships/{own.id}/role", committee_lead,
                     json={"role": "member"})
    assert response.status_code == 403  # nobody demotes themselves
    assert _post(client, f"/memberships/{member.id}/role", json={"role": "lead"}).status_code \
        == 401
    assert _post(client, "/memberships/999999/role", committee_lead,
                 json={"role": "lead"}).status_code == 404
    assert db.session.get(Membership, member.id).role == MembershipRole.MEMBER


@pytest.mark.parametrize("body", [{}, {"role": "chair"}, {"role": None}])
def test_a_bad_role_is_named(client, branch, committee, body):
    member = branches.live_membership(_member(branch), branch)
    db.session.commit()
    response = _post(client, f"/memberships/{member.id}/role", make_lead(committee), json=body)
    assert error_field(response) == {"role"}


# -- the document ----------------------------------------------------------------------

def _schema_name(ref_holder: dict) -> str:
    return ref_holder["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]


def test_the_openapi_document_lists_the_membership_paths(client):
    spec = client.get("/api/v1/openapi.json").json
    paths, schemas = spec["paths"], spec["components"]["schemas"]
    bodies = {
        ("/api/v1/branches/{branch_id}/membership-requests", "post"): "MembershipRequestIn",
        ("/api/v1/branches/{branch_id}/move-home-requests", "post"): "MoveHomeIn",
        ("/api/v1/memberships/{membership_id}/refuse", "post"): "RefuseIn",
        ("/api/v1/memberships/{membership_id}/role", "post"): "RoleIn",
        ("/api/v1/memberships/accept", "post"): "AcceptBatchIn",
    }
    for (path, method), name in bodies.items():
        assert _schema_name(paths[path][method]["requestBody"]) == name
    answers = {
        ("/api/v1/branches/{branch_id}/membership-requests", "post", "201"): "MembershipOut",
        ("/api/v1/branches/{branch_id}/move-home-requests", "post", "201"): "MembershipOut",
        ("/api/v1/branches/{branch_id}/membership-requests", "get", "200"): "MembershipPage",
        ("/api/v1/branches/{branch_id}/members", "get", "200"): "MembershipPage",
        ("/api/v1/me/memberships", "get", "200"): "MembershipPage",
        ("/api/v1/memberships/{membership_id}", "get", "200"): "MembershipOut",
        ("/api/v1/memberships/accept", "post", "200"): "AcceptedOut",
    }
    for action in ("accept", "refuse", "withdraw", "end", "role"):
        answers[(f"/api/v1/memberships/{{membership_id}}/{action}", "post", "200")] = (
            "MembershipOut")
    for (path, method, status), name in answers.items():
        operation = paths[path][method]
        assert _schema_name(operation["responses"][status]) == name, path
        assert operation["security"] == [{"bearerAuth": []}]
        assert {"401", "403", "404", "409", "422"} & set(operation["responses"]), path
    assert "post" in paths["/api/v1/branches/{branch_id}/members"]  # still there
    assert schemas["MembershipRequestIn"]["properties"]["membership"]["enum"] == [
        "home", "functional"]
    assert schemas["RoleIn"]["properties"]["role"]["enum"] == ["member", "lead"]
    assert schemas["RefuseIn"]["properties"]["reason"]["maxLength"] == 200
    assert schemas["AcceptBatchIn"]["properties"]["ids"]["maxItems"] == 100
    parameters = paths["/api/v1/branches/{branch_id}/members"]["get"]["parameters"]
    status = next(p for p in parameters if p["name"] == "status")
    assert status["schema"]["enum"] == ["active", "pending", "history"]
