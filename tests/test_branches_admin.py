"""The district office's branch pages: browse and search the tree, create,
rename, move, retire with a successor, and alliances; admins only."""

import re

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.branches import services as members
from marketplace.branches import tree
from marketplace.branches.models import (
    Alliance,
    Branch,
    BranchKind,
    Membership,
    MembershipKind,
    MembershipStatus,
    alliance_branches,
)
from marketplace.extensions import db

from .factories import make_branch, make_lead, make_user
from .page_helpers import flashes, text

LOGIN = "/account/login"


@pytest.fixture
def admin():
    return make_user(is_admin=True)


@pytest.fixture
def alliance(admin):
    found = tree.create_alliance("e起学习", "三个支部轮值主办", admin)
    db.session.commit()
    return found


def _fresh(model, row_id):
    db.session.commit()
    return db.session.get(model, row_id)


def _followed(client, response) -> str:
    assert response.status_code == 302, response.status_code
    return text(client.get(response.headers["Location"]))


# -- who ---------------------------------------------------------------------------------

def test_only_admins_reach_the_branch_admin_pages(client_for, committee, branch, alliance):
    volunteer = make_user(is_volunteer=True)
    members.add_member(branch, volunteer, MembershipKind.HOME)
    db.session.commit()
    gets = ["/admin/branches/", "/admin/branches/new", f"/admin/branches/{branch.id}",
            "/admin/branches/alliances", f"/admin/branches/alliances/{alliance.id}"]
    posts = [("/admin/branches/new", {"name": "新支部", "kind": "party_branch"}),
             (f"/admin/branches/{branch.id}/rename", {"name": "改名"}),
             (f"/admin/branches/{branch.id}/move", {"parent_id": ""}),
             (f"/admin/branches/{branch.id}/retire", {}),
             ("/admin/branches/alliances", {"name": "新联盟"}),
             (f"/admin/branches/alliances/{alliance.id}", {"name": "改名"}),
             (f"/admin/branches/alliances/{alliance.id}/branches", {"branch_id": branch.id}),
             (f"/admin/branches/alliances/{alliance.id}/branches/{branch.id}/remove", {})]
    anonymous = client_for()
    for path in gets:
        response = anonymous.get(path)
        assert response.status_code == 302 and LOGIN in response.headers["Location"]
    for path, data in posts:
        response = anonymous.post(path, data=data)
        assert response.status_code == 302 and LOGIN in response.headers["Location"]
    # A resident, a volunteer, the branch's lead, even a lead of the committee above.
    for user in (make_user(), volunteer, make_lead(branch), make_lead(committee)):
        client = client_for(user)
        assert [client.get(path).status_code for path in gets] == [403] * len(gets)
        assert [client.post(p, data=d).status_code for p, d in posts] == [403] * len(posts)
    assert (_fresh(Branch, branch.id).name, _fresh(Branch, branch.id).retired_at) == (
        "米市巷第一党支部", None)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Branch)) == 2
    assert [a.name for a in db.session.scalars(sa.select(Alliance))] == ["e起学习"]
    admin = client_for(make_user(is_admin=True))
    assert [admin.get(path).status_code for path in gets] == [200] * len(gets)


def test_unknown_branches_and_alliances_are_404(client_for, admin, alliance):
    client = client_for(admin)
    for path in ("/admin/branches/999999", "/admin/branches/alliances/999999"):
        assert client.get(path).status_code == 404
    assert client.post("/admin/branches/999999/rename", data={"name": "x"}).status_code == 404
    assert client.post(f"/admin/branches/alliances/{alliance.id}/branches/999999/remove"
                       ).status_code == 404


# -- browse and search ----------------------------------------------------------------

def test_browse_and_filter_the_tree(client_for, admin, committee, branch):
    team = make_branch("拱宸桥青年志愿服务队", kind=BranchKind.VOLUNTEER_TEAM, parent=committee)
    elsewhere = make_branch("湖墅社区党支部")
    old = make_branch("已撤销的支部")
    tree.retire_branch(old, admin)
    db.session.commit()
    client = client_for(admin)

    def listed(query=""):
        page = text(client.get(f"/admin/branches/{query}"))
        return {int(n) for n in re.findall(r'<h2 class="h6 mb-1"><a href="/admin/branches/(\d+)"',
                                           page)}

    assert listed() == {committee.id, branch.id, team.id, elsewhere.id}
    assert listed("?q=湖墅") == {elsewhere.id}
    assert listed(f"?parent={committee.id}") == {branch.id, team.id}
    assert listed("?kind=volunteer_team") == {team.id}
    assert listed("?status=retired") == {old.id}
    assert listed("?status=all&q=支部") == {branch.id, elsewhere.id, old.id}
    # Bad filters are ignored rather than failing.
    assert listed("?kind=bogus&status=nope&parent=abc&cursor=forged") == listed()
    assert client.get("/admin/branches/?q=" + "x" * 200).status_code == 200


def test_the_list_pages_by_name(client_for, admin):
    for i in range(52):
        make_branch(f"支部{i:02d}", commit=False)
    db.session.commit()
    client = client_for(admin)
    first = text(client.get("/admin/branches/"))
    assert "支部00" in first and "支部49" in first and "支部50" not in first
    more = re.search(r'href="(/admin/branches/\?[^"]*cursor=[^"]+)"', first).group(1)
    second = text(client.get(more.replace("&amp;", "&")))
    assert "支部50" in second and "支部51" in second and "支部49" not in second


# -- create -------------------------------------------------------------------------------

def test_create_a_branch_under_a_committee(client_for, admin, committee):
    client = client_for(admin)
    page = text(client.get(f"/admin/branches/new?parent_id={committee.id}"))
    assert f'value="{committee.id}"' in page
    response = client.post("/admin/branches/new", data={
        "name": "湖墅社区党支部", "kind": "party_branch", "parent_id": committee.id,
        "code": "HZ-002", "community": "湖墅社区"})
    created = db.session.scalar(sa.select(Branch).where(Branch.code == "HZ-002"))
    assert response.headers["Location"].endswith(f"/admin/branches/{created.id}")
    assert (created.parent_id, created.path, created.community) == (
        committee.id, f"/{committee.id}/{created.id}/", "湖墅社区")
    assert "湖墅社区党支部" in _followed(client, response)


@pytest.mark.parametrize(("change", "message"), [
    ({"parent_id": "999999"}, "没有这个编号的支部。"),
    ({"parent_id": "branch"}, "只有党委下面才能设立支部。"),
    ({"code": "HZ-001"}, "已有其他支部使用这个编码。"),
    ({"name": "   "}, None),
])
def test_a_refused_branch_keeps_what_was_typed(client_for, admin, committee, branch, change,
                                               message):
    branch.code = "HZ-001"
    db.session.commit()
    data = {"name": "湖墅社区党支部", "kind": "volunteer_team", "code": "HZ-009",
            "community": "湖墅社区", **change}
    if data.get("parent_id") == "branch":
        data["parent_id"] = branch.id
    response = client_for(admin).post("/admin/branches/new", data=data)
    page = text(response)
    assert response.status_code == 200 and "is-invalid" in page
    if message:
        assert message in page
    assert 'value="湖墅社区"' in page and 'selected value="volunteer_team"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Branch)) == 2


# -- rename, move, retire --------------------------------------------------------------------

def test_rename(client_for, admin, branch):
    client = client_for(admin)
    page = _followed(client, client.post(f"/admin/branches/{branch.id}/rename",
                                         data={"name": "米市巷街道第一党支部"}))
    assert "名称已修改。" in flashes(page)
    assert _fresh(Branch, branch.id).name == "米市巷街道第一党支部"
    page = text(client.post(f"/admin/branches/{branch.id}/rename", data={"name": "长" * 121}))
    assert "长" * 121 in page and "is-invalid" in page
    assert _fresh(Branch, branch.id).name == "米市巷街道第一党支部"


def test_move_a_branch_and_its_subtree(client_for, admin, committee, branch):
    district = make_branch("拱墅区委", kind=BranchKind.COMMITTEE)
    client = client_for(admin)
    path = f"/admin/branches/{committee.id}/move"
    page = _followed(client, client.post(path, data={"parent_id": district.id}))
    assert "已移动,下级组织随之一并移动。" in flashes(page)
    assert _fresh(Branch, branch.id).path == f"/{district.id}/{committee.id}/{branch.id}/"
    # Under its own branch: refused next to the field, with the number typed.
    page = text(client.post(path, data={"parent_id": branch.id}))
    assert "is-invalid" in page and f'value="{branch.id}"' in page
    page = text(client.post(path, data={"parent_id": "999999"}))
    assert "没有这个编号的支部。" in page
    _followed(client, client.post(path, data={"parent_id": ""}))
    assert _fresh(Branch, branch.id).path == f"/{committee.id}/{branch.id}/"


def test_retire_with_a_successor(client_for, admin, committee, branch):
    successor = make_branch("湖墅社区党支部", parent=committee)
    volunteer = make_user(is_volunteer=True)
    members.add_member(branch, volunteer, MembershipKind.HOME)
    db.session.commit()
    client = client_for(admin)
    path = f"/admin/branches/{branch.id}/retire"
    page = text(client.post(path, data={"successor_id": committee.id}))
    assert "承接支部须是另一个同类型的组织。" in page and f'value="{committee.id}"' in page
    page = text(client.post(path, data={"successor_id": "999999"}))
    assert "没有这个编号的支部。" in page
    assert _fresh(Branch, branch.id).retired_at is None
    page = _followed(client, client.post(path, data={"successor_id": successor.id}))
    assert "支部已撤销。" in flashes(page) and "湖墅社区党支部" in page
    assert _fresh(Branch, branch.id).successor_id == successor.id
    assert members.home_membership(volunteer).branch_id == successor.id
    # Retired, it shows no forms any more; its committee still has a branch in use.
    assert f'action="{path}"' not in page
    page = text(client.post(f"/admin/branches/{committee.id}/retire", data={}))
    assert "其下级组织仍在使用中,请先将其移走或撤销。" in flashes(page)
    assert _fresh(Branch, committee.id).retired_at is None


# -- alliances -------------------------------------------------------------------------------

def test_create_and_rename_an_alliance(client_for, admin, alliance):
    client = client_for(admin)
    response = client.post("/admin/branches/alliances", data={"name": "湖墅联盟",
                                                              "description": "两个社区"})
    created = db.session.scalar(sa.select(Alliance).where(Alliance.name == "湖墅联盟"))
    assert "联盟已创建。" in flashes(_followed(client, response))
    # A taken name is refused next to the field; the description typed stays.
    page = text(client.post("/admin/branches/alliances", data={"name": "e起学习",
                                                               "description": "重复的"}))
    assert "已有同名的联盟。" in page and "重复的" in page
    page = text(client.get("/admin/branches/alliances?q=湖墅"))
    assert "湖墅联盟" in page and "e起学习" not in page
    path = f"/admin/branches/alliances/{created.id}"
    assert "已保存。" in flashes(_followed(client, client.post(path, data={
        "name": "湖墅党建联盟", "description": ""})))
    assert (_fresh(Alliance, created.id).name, _fresh(Alliance, created.id).description) == (
        "湖墅党建联盟", None)
    page = text(client.post(path, data={"name": "e起学习", "description": "改了"}))
    assert "已有同名的联盟。" in page and "改了" in page
    assert _fresh(Alliance, created.id).name == "湖墅党建联盟"


def test_add_and_remove_branches_of_an_alliance(client_for, admin, alliance, committee,
                                                branch):
    client = client_for(admin)
    add = f"/admin/branches/alliances/{alliance.id}/branches"
    page = _followed(client, client.post(add, data={"branch_id": branch.id}))
    assert "米市巷第一党支部 已加入联盟。" in flashes(page)
    for number, message in ((committee.id, "联盟由党支部和志愿服务队组成,党委不能加入。"),
                            ("999999", "没有这个编号的支部。")):
        page = text(client.post(add, data={"branch_id": number}))
        assert message in page and f'value="{number}"' in page
    page = text(client.post(add, data={"branch_id": branch.id}))
    assert "该支部已在联盟中。" in flashes(page)
    page = text(client.get(f"/admin/branches/alliances/{alliance.id}"))
    assert "米市巷第一党支部" in page
    remove = f"/admin/branches/alliances/{alliance.id}/branches/{branch.id}/remove"
    assert "米市巷第一党支部 已退出联盟。" in flashes(_followed(client, client.post(remove)))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(alliance_branches)) == 0


# -- CSRF and query counts ---------------------------------------------------------------------

def test_admin_forms_need_the_csrf_token(app, admin, branch, alliance):
    strict = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config[
        "SQLALCHEMY_DATABASE_URI"], "WTF_CSRF_ENABLED": True})
    client = strict.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = admin.get_id()
    for path, data in (("/admin/branches/new", {"name": "新支部", "kind": "party_branch"}),
                       (f"/admin/branches/{branch.id}/rename", {"name": "改名"}),
                       (f"/admin/branches/{branch.id}/retire", {}),
                       (f"/admin/branches/alliances/{alliance.id}/branches",
                        {"branch_id": branch.id})):
        assert client.post(path, data=data).status_code == 400
    page = client.get("/admin/branches/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/admin/branches/new", data={"name": "新支部",
                                                         "kind": "party_branch",
                                                         "csrf_token": token})
    assert response.status_code == 302
    db.session.commit()
    assert _fresh(Branch, branch.id).name == "米市巷第一党支部"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership).where(
        Membership.status == MembershipStatus.ACTIVE)) == 0
    assert db.session.scalar(sa.select(Branch.name).where(Branch.name == "新支部")) == "新支部"


def _queries(count_queries, client, url) -> int:
    assert client.get(url).status_code == 200  # warm up
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return counter.count


def test_the_admin_list_costs_the_same_for_1_or_20_branches(client_for, count_queries, admin):
    parents = [make_branch(f"党委{i}", kind=BranchKind.COMMITTEE) for i in range(3)]
    client = client_for(admin)
    make_branch("支部0", parent=parents[0])
    tree.create_alliance("联盟0", None, admin)
    db.session.commit()
    urls = ["/admin/branches/?q=支部", "/admin/branches/alliances"]
    one = [_queries(count_queries, client, url) for url in urls]
    for i in range(1, 20):
        make_branch(f"支部{i}", parent=parents[i % 3], commit=False)
        tree.create_alliance(f"联盟{i}", None, admin)
    db.session.commit()
    assert len(re.findall(r'<h2 class="h6 mb-1">', text(client.get(urls[0])))) == 20
    assert [_queries(count_queries, client, url) for url in urls] == one
