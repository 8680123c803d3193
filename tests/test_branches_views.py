"""Branch pages for everyone (directory, a branch's page, asking to join,
my branches) and for leads (members, requests, roles), with who may see
and do what."""

import re

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.branches import requests as join_requests
from marketplace.branches import services as members
from marketplace.branches.models import (
    Membership,
    MembershipKind,
    MembershipRole,
    MembershipStatus,
)
from marketplace.extensions import db

from .factories import make_branch, make_lead, make_user
from .page_helpers import flashes, text

HOME, FUNCTIONAL = MembershipKind.HOME, MembershipKind.FUNCTIONAL
LOGIN = "/account/login"


@pytest.fixture
def lead(branch):
    return make_lead(branch, display_name="周书记")


def _member(branch, kind=HOME, role=MembershipRole.MEMBER, **overrides):
    user = make_user(is_volunteer=True, **overrides)
    membership = members.add_member(branch, user, kind, role)
    db.session.commit()
    return user, membership


def _ask(branch, kind=FUNCTIONAL, **overrides):
    request = join_requests.request_to_join(branch, make_user(**overrides), kind)
    db.session.commit()
    return request


def _status(membership) -> MembershipStatus:
    db.session.commit()  # a fresh read: another app's requests (CSRF) change rows too
    return db.session.get(Membership, membership.id).status


def _followed(client, response) -> str:
    assert response.status_code == 302
    return text(client.get(response.headers["Location"]))


def _outsiders(branch):
    """Who may not manage the branch: a resident, one of its members, a lead
    of another branch."""
    return [make_user(), _member(branch, FUNCTIONAL)[0], make_lead(make_branch("别的支部"))]


# -- everyone ---------------------------------------------------------------------------

def test_the_directory_is_public_and_searchable(client, branch):
    make_branch("湖墅社区党支部", parent=branch.parent)
    page = text(client.get("/branches/"))
    assert "米市巷第一党支部" in page and "湖墅社区党支部" in page
    page = text(client.get("/branches/?q=湖墅"))
    assert "湖墅社区党支部" in page and "米市巷第一党支部" not in page
    assert client.get("/branches/?cursor=forged").status_code == 200


def test_a_branch_page_asks_anonymous_visitors_to_log_in(client, branch, lead):
    page = text(client.get(f"/branches/{branch.id}"))
    assert "周书记" in page and "登录后申请加入" in page
    assert client.get("/branches/999999").status_code == 404


def test_a_committee_page_lists_its_branches_and_takes_no_requests(client_for, committee,
                                                                   branch):
    client = client_for(make_user())
    page = text(client.get(f"/branches/{committee.id}"))
    assert f'href="/branches/{branch.id}"' in page
    assert f'action="/branches/{committee.id}/join"' not in page
    page = text(client.post(f"/branches/{committee.id}/join", data={"membership": "home"}))
    assert "党委本身不直接接收成员,请加入其下属的党支部或志愿服务队。" in flashes(page)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)) == 0


def test_join_needs_a_login(client, branch):
    response = client.post(f"/branches/{branch.id}/join", data={"membership": "functional"})
    assert response.status_code == 302 and LOGIN in response.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)) == 0


def test_ask_to_join_and_see_it_in_my_branches(client_for, branch, lead):
    user = make_user(display_name="王建国")
    client = client_for(user)
    assert f'action="/branches/{branch.id}/join"' in text(client.get(f"/branches/{branch.id}"))
    response = client.post(f"/branches/{branch.id}/join",
                           data={"membership": "functional", "message": "想参加周末服务"})
    page = _followed(client, response)
    assert "申请已提交,支部负责人会尽快答复。" in flashes(page)
    assert "米市巷第一党支部" in page and "想参加周末服务" in page
    request = db.session.scalar(sa.select(Membership).where(Membership.user_id == user.id))
    assert (request.status, request.membership) == (MembershipStatus.PENDING, FUNCTIONAL)
    # Asking again is refused next to the form, which keeps what was typed.
    page = text(client.post(f"/branches/{branch.id}/join",
                            data={"membership": "functional", "message": "再问一次"}))
    assert "待负责人审核" in page  # the page shows the request that waits


def test_a_refused_join_keeps_what_was_typed(client_for, branch):
    client = client_for(make_user())
    page = text(client.post(f"/branches/{branch.id}/join",
                            data={"membership": "functional", "message": "长" * 201}))
    assert "长" * 201 in page and "is-invalid" in page
    retired = make_branch("已撤销的支部")
    retired.retired_at = retired.created_at
    db.session.commit()
    page = text(client.post(f"/branches/{retired.id}/join",
                            data={"membership": "functional", "message": "能加入吗"}))
    assert "该支部已撤销。" in flashes(page)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)) == 0
    # A second home is refused; the message typed stays.
    user, _ = _member(make_branch("湖墅社区党支部"), HOME)
    page = text(client_for(user).post(f"/branches/{branch.id}/join",
                                      data={"membership": "home", "message": "能加入吗"}))
    assert "能加入吗" in page
    assert "您已有组织关系所在支部,如需变更,请申请将组织关系转入这里。" in page


def test_ask_to_move_home_from_the_new_branchs_page(client_for, branch):
    user, old = _member(branch, HOME)
    new = make_branch("湖墅社区党支部")
    new_lead = make_lead(new)
    client = client_for(user)
    page = text(client.get(f"/branches/{new.id}"))
    assert "申请把组织关系转到这里" in page
    page = _followed(client, client.post(f"/branches/{new.id}/move-home",
                                         data={"message": "搬家了"}))
    assert "组织关系转接申请已提交,新支部的负责人会尽快答复。" in flashes(page)
    request = db.session.scalar(sa.select(Membership).where(
        Membership.user_id == user.id, Membership.status == MembershipStatus.PENDING))
    _followed(client_for(new_lead), client_for(new_lead).post(
        f"/memberships/{request.id}/accept"))
    assert (_status(old), _status(request)) == (MembershipStatus.ENDED, MembershipStatus.ACTIVE)
    page = text(client.get("/my/branches"))
    assert "湖墅社区党支部" in page and "米市巷第一党支部" in page  # the old one as history


def test_withdraw_and_leave_from_my_branches(client_for, branch, lead):
    user, functional = _member(branch, FUNCTIONAL)
    other = make_branch("湖墅社区党支部")
    request = join_requests.request_to_join(other, user, FUNCTIONAL)
    db.session.commit()
    client = client_for(user)
    assert client_for().get("/my/branches").status_code == 302
    page = text(client.get("/my/branches"))
    assert "撤回申请" in page and "湖墅社区党支部" in page
    assert "申请已撤回。" in flashes(_followed(client, client.post(
        f"/memberships/{request.id}/withdraw")))
    assert "成员关系已结束。" in flashes(_followed(client, client.post(
        f"/memberships/{functional.id}/end")))
    assert (_status(request), _status(functional)) == (MembershipStatus.ENDED,
                                                       MembershipStatus.ENDED)


def test_a_home_membership_cannot_be_left_from_the_page(client_for, branch):
    user, home = _member(branch, HOME)
    client = client_for(user)
    page = _followed(client, client.post(f"/memberships/{home.id}/end"))
    assert "组织关系所在支部不能直接退出,只能通过将组织关系转入其他支部来结束。" in flashes(page)
    assert _status(home) == MembershipStatus.ACTIVE


def test_nobody_withdraws_anothers_request(client_for, branch):
    request = _ask(branch)
    assert client_for(make_user()).post(
        f"/memberships/{request.id}/withdraw").status_code == 403
    assert client_for().post(f"/memberships/{request.id}/withdraw").status_code == 302
    assert client_for(make_user()).post("/memberships/999999/withdraw").status_code == 404
    assert _status(request) == MembershipStatus.PENDING


# -- the lead's pages ---------------------------------------------------------------------

def test_the_lead_home_lists_requests(client_for, branch, lead):
    _ask(branch)
    assert client_for().get("/branches/lead").status_code == 302
    assert client_for(make_user()).get("/branches/lead").status_code == 403
    page = text(client_for(lead).get("/branches/lead"))
    assert "米市巷第一党支部" in page
    assert f'href="/branches/{branch.id}/members?show=pending"' in page


def test_who_sees_the_members_page(client_for, branch, lead, committee):
    _member(branch, display_name="王建国")
    path = f"/branches/{branch.id}/members"
    response = client_for().get(path)
    assert response.status_code == 302 and LOGIN in response.headers["Location"]
    for outsider in _outsiders(branch):
        assert client_for(outsider).get(path).status_code == 403
    for manager in (lead, make_lead(committee), make_user(is_admin=True)):
        page = text(client_for(manager).get(path))
        assert "王建国" in page and "周书记" in page
    assert client_for(lead).get("/branches/999999/members").status_code == 404
    for show in ("pending", "history", "bogus"):
        assert client_for(lead).get(f"{path}?show={show}&cursor=x").status_code == 200


def test_accept_and_refuse_with_a_reason(client_for, branch, lead):
    first, second = _ask(branch, display_name="王建国"), _ask(branch, display_name="李秀英")
    client = client_for(lead)
    page = text(client.get(f"/branches/{branch.id}/members?show=pending"))
    assert "王建国" in page and "李秀英" in page
    assert "已同意,并已通知志愿者。" in flashes(_followed(client, client.post(
        f"/memberships/{first.id}/accept")))
    pending = f"/branches/{branch.id}/members?show=pending"
    response = client.post(f"/memberships/{second.id}/refuse",
                           data={"reason": "不在本社区", "next": pending})
    assert response.headers["Location"].endswith(pending)  # back to the requests
    assert "已拒绝,并已通知志愿者。" in flashes(_followed(client, response))
    assert (_status(first), _status(second)) == (MembershipStatus.ACTIVE,
                                                 MembershipStatus.REFUSED)
    assert "该申请已经处理过了。" in flashes(_followed(client, client.post(
        f"/memberships/{second.id}/accept")))


def test_a_too_long_refusal_reason_is_refused(client_for, branch, lead):
    request = _ask(branch)
    client = client_for(lead)
    _followed(client, client.post(f"/memberships/{request.id}/refuse",
                                  data={"reason": "字" * 201}))
    assert _status(request) == MembershipStatus.PENDING


def test_outsiders_cannot_answer_requests(client_for, branch):
    request = _ask(branch)
    for outsider in [request.user, *_outsiders(branch)]:
        client = client_for(outsider)
        assert client.post(f"/memberships/{request.id}/accept").status_code == 403
        assert client.post(f"/memberships/{request.id}/refuse",
                           data={"reason": "不行"}).status_code == 403
        assert client.post(f"/branches/{branch.id}/requests/accept",
                           data={"ids": [request.id]}).status_code == 403
    assert _status(request) == MembershipStatus.PENDING


def test_a_lead_of_the_committee_above_answers_but_not_their_own(client_for, branch,
                                                                 committee):
    committee_lead = make_lead(committee)
    own = join_requests.request_to_join(branch, committee_lead, FUNCTIONAL)
    db.session.commit()
    request = _ask(branch)
    client = client_for(committee_lead)
    page = _followed(client, client.post(f"/memberships/{own.id}/accept"))
    assert "不能自己审批自己的申请。" in flashes(page)
    _followed(client, client.post(f"/memberships/{request.id}/accept"))
    assert (_status(own), _status(request)) == (MembershipStatus.PENDING,
                                                MembershipStatus.ACTIVE)


def test_accept_a_selection_all_or_nothing(client_for, branch, lead):
    requests = [_ask(branch) for _ in range(3)]
    client = client_for(lead)
    path = f"/branches/{branch.id}/requests/accept"
    assert "请先勾选要同意的申请。" in flashes(_followed(client, client.post(path)))
    page = _followed(client, client.post(path, data={"ids": [r.id for r in requests[:2]]}))
    assert "已同意 2 份申请。" in flashes(page)
    late = _ask(branch)
    page = _followed(client, client.post(path, data={"ids": [late.id, requests[0].id]}))
    assert "该申请已经处理过了。" in flashes(page)
    assert _status(late) == MembershipStatus.PENDING  # none of the selection
    elsewhere = _ask(make_branch("别的支部"))
    assert client.post(path, data={"ids": [late.id, elsewhere.id]}).status_code == 400
    assert client.post(path, data={"ids": ["999999"]}).status_code == 404
    assert client.post(path, data={"ids": ["9" * 30]}).status_code == 302
    assert _status(late) == _status(elsewhere) == MembershipStatus.PENDING


def test_a_lead_removes_a_member_but_not_a_co_lead(client_for, branch, lead, committee):
    _, member = _member(branch, FUNCTIONAL)
    _, co_lead = _member(branch, FUNCTIONAL, MembershipRole.LEAD)
    client = client_for(lead)
    assert "成员关系已结束。" in flashes(_followed(client, client.post(
        f"/memberships/{member.id}/end")))
    page = _followed(client, client.post(f"/memberships/{co_lead.id}/end"))
    assert "只有管理员或上级党委负责人可以免去负责人职务。" in flashes(page)
    assert _status(co_lead) == MembershipStatus.ACTIVE
    committee_client = client_for(make_lead(committee))
    _followed(committee_client, committee_client.post(f"/memberships/{co_lead.id}/end"))
    assert (_status(member), _status(co_lead)) == (MembershipStatus.ENDED,
                                                   MembershipStatus.ENDED)


def test_outsiders_cannot_remove_members(client_for, branch):
    _, member = _member(branch, FUNCTIONAL)
    for outsider in _outsiders(branch):
        assert client_for(outsider).post(f"/memberships/{member.id}/end").status_code == 403
    assert _status(member) == MembershipStatus.ACTIVE


def test_appoint_and_demote_leads(client_for, branch, lead, committee):
    user, membership = _member(branch, FUNCTIONAL)
    page = text(client_for(lead).get(f"/branches/{branch.id}/members"))
    assert f'action="/memberships/{membership.id}/role"' not in page  # not theirs to do
    lead_client = client_for(lead)
    page = _followed(lead_client, lead_client.post(
        f"/memberships/{membership.id}/role", data={"role": "lead"}))
    assert "负责人由管理员或上级党委负责人任命。" in flashes(page)
    for outsider in (user, make_user(), make_lead(make_branch("别的支部"))):
        assert client_for(outsider).post(f"/memberships/{membership.id}/role",
                                         data={"role": "lead"}).status_code == 403
    assert db.session.get(Membership, membership.id).role == MembershipRole.MEMBER

    committee_client = client_for(make_lead(committee))
    assert f'action="/memberships/{membership.id}/role"' in text(committee_client.get(
        f"/branches/{branch.id}/members"))
    assert "已任命为负责人。" in flashes(_followed(committee_client, committee_client.post(
        f"/memberships/{membership.id}/role", data={"role": "lead"})))
    assert db.session.get(Membership, membership.id).role == MembershipRole.LEAD
    admin = client_for(make_user(is_admin=True))
    assert "已免去负责人职务。" in flashes(_followed(admin, admin.post(
        f"/memberships/{membership.id}/role", data={"role": "member"})))
    assert admin.post(f"/memberships/{membership.id}/role",
                      data={"role": "boss"}).status_code == 400


def test_nobody_demotes_themselves(client_for, branch):
    admin = make_user(is_admin=True)
    own = members.add_member(branch, admin, FUNCTIONAL, MembershipRole.LEAD)
    db.session.commit()
    client = client_for(admin)
    page = _followed(client, client.post(f"/memberships/{own.id}/role",
                                         data={"role": "member"}))
    assert "不能免去自己的负责人职务,请联系管理员或上级党委负责人。" in flashes(page)
    assert db.session.get(Membership, own.id).role == MembershipRole.LEAD


def test_add_a_member_by_username(client_for, branch, lead):
    make_user(username="wangjianguo", display_name="王建国")
    client = client_for(lead)
    path = f"/branches/{branch.id}/members/add"
    page = _followed(client, client.post(path, data={
        "username": "wangjianguo", "membership": "functional", "role": "member"}))
    assert "王建国 已成为成员。" in flashes(page)
    # Errors stay next to the form, with what was typed.
    page = text(client.post(path, data={"username": "nobody-here", "membership": "home",
                                        "role": "member"}))
    assert "没有使用这个用户名的账号。" in page and 'value="nobody-here"' in page
    page = text(client.post(path, data={"username": "wangjianguo",
                                        "membership": "functional", "role": "member"}))
    assert "此人已是该支部成员。" in page and 'value="wangjianguo"' in page
    # A lead adds members; leads come from above.
    make_user(username="lixiuying")
    page = text(client.post(path, data={"username": "lixiuying", "membership": "functional",
                                        "role": "lead"}))
    assert "负责人由管理员或上级党委负责人任命。" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership).where(
        Membership.branch_id == branch.id)) == 2


def test_outsiders_cannot_add_members(client_for, branch):
    make_user(username="wangjianguo")
    for outsider in _outsiders(branch):
        assert client_for(outsider).post(f"/branches/{branch.id}/members/add", data={
            "username": "wangjianguo", "membership": "functional",
            "role": "member"}).status_code == 403


def test_move_a_members_home(client_for, branch, lead, committee):
    user, old = _member(branch, HOME)
    new = make_branch("湖墅社区党支部", parent=committee)
    path = f"/memberships/{old.id}/move-home"
    # The branch's lead does not manage the new branch.
    lead_client = client_for(lead)
    page = _followed(lead_client, lead_client.post(path, data={"branch_id": new.id}))
    assert "您不能进行此操作。" in flashes(page)
    assert members.home_membership(user).branch_id == branch.id
    assert "请填写一个现有支部的编号。" in flashes(_followed(
        lead_client, lead_client.post(path, data={"branch_id": "999999"})))
    for outsider in (user, make_user(), make_lead(make_branch("别的支部"))):
        assert client_for(outsider).post(path, data={"branch_id": new.id}).status_code == 403
    committee_client = client_for(make_lead(committee))
    page = _followed(committee_client, committee_client.post(path, data={"branch_id": new.id}))
    assert "组织关系已转接,原支部保留在历史记录中。" in flashes(page)
    assert members.home_membership(user).branch_id == new.id
    assert _status(old) == MembershipStatus.ENDED


# -- CSRF --------------------------------------------------------------------------------

@pytest.fixture
def csrf_app(app):
    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                  "WTF_CSRF_ENABLED": True})


def _login(app, user):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


def test_branch_forms_need_the_csrf_token(csrf_app, branch, lead):
    request = _ask(branch)
    make_user(username="wangjianguo")
    asker = _login(csrf_app, make_user())
    assert asker.post(f"/branches/{branch.id}/join",
                      data={"membership": "functional"}).status_code == 400
    client = _login(csrf_app, lead)
    for path, data in ((f"/memberships/{request.id}/accept", {}),
                       (f"/memberships/{request.id}/refuse", {"reason": "不行"}),
                       (f"/branches/{branch.id}/requests/accept", {"ids": [request.id]}),
                       (f"/branches/{branch.id}/members/add",
                        {"username": "wangjianguo", "membership": "functional"})):
        assert client.post(path, data=data).status_code == 400
    assert _status(request) == MembershipStatus.PENDING
    # With the page's token the same form goes through.
    page = text(client.get(f"/branches/{branch.id}/members?show=pending"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(f"/memberships/{request.id}/accept",
                       data={"csrf_token": token}).status_code == 302
    assert _status(request) == MembershipStatus.ACTIVE


# -- query counts ---------------------------------------------------------------------------

def _queries(count_queries, client, url) -> int:
    assert client.get(url).status_code == 200  # warm up
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


@pytest.mark.parametrize("show", ["active", "pending", "history"])
def test_the_members_page_costs_the_same_for_1_or_20_rows(client_for, count_queries, branch,
                                                          show):
    committee_lead = make_lead(branch.parent)  # sees every button: appoint, remove, move
    client = client_for(committee_lead)
    url = f"/branches/{branch.id}/members?show={show}"

    def add(n):
        for i in range(n):
            if show == "active":
                _member(branch, FUNCTIONAL if i % 2 else HOME)
            elif show == "pending":
                _ask(branch)
            else:
                request = _ask(branch)
                join_requests.refuse(request, committee_lead)
                db.session.commit()

    add(1)
    one = _queries(count_queries, client, url)
    add(19)
    assert _queries(count_queries, client, url) == one
