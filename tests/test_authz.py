"""Each role against an admin-only and a lead-only page: the forbidden path."""

import pytest

from marketplace.branches.models import BranchKind

from .factories import make_branch, make_lead, make_user

ADMIN_PAGE = "/admin/"
LEAD_PAGE = "/branches/lead"


@pytest.fixture
def people():
    branch = make_branch("米市巷第一党支部")
    return {
        "resident": make_user(),
        "volunteer": make_user(is_volunteer=True),
        "lead": make_lead(branch),
        "admin": make_user(is_admin=True),
    }


@pytest.mark.parametrize("page", [ADMIN_PAGE, LEAD_PAGE])
def test_anonymous_is_sent_to_log_in(client, page):
    response = client.get(page)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login")


@pytest.mark.parametrize(("role", "expected"), [
    ("resident", 403), ("volunteer", 403), ("lead", 403), ("admin", 200)])
def test_admin_page(client, login_as, people, role, expected):
    login_as(people[role])
    assert client.get(ADMIN_PAGE).status_code == expected


@pytest.mark.parametrize(("role", "expected"), [
    ("resident", 403), ("volunteer", 403), ("lead", 200), ("admin", 403)])
def test_lead_page(client, login_as, people, role, expected):
    login_as(people[role])
    assert client.get(LEAD_PAGE).status_code == expected


def test_forbidden_page_is_in_chinese(client, login_as, people):
    login_as(people["resident"])
    assert "您没有权限" in client.get(ADMIN_PAGE).get_data(as_text=True)


def test_lead_page_shows_only_the_branches_led(client, login_as):
    mine, other = make_branch("我的支部"), make_branch("别人的支部")
    lead = make_lead(mine)
    make_lead(other)
    login_as(lead)
    page = client.get(LEAD_PAGE).get_data(as_text=True)
    assert "我的支部" in page and "别人的支部" not in page


def test_navigation_shows_what_each_role_may_open(client, login_as, people):
    login_as(people["resident"])
    page = client.get("/").get_data(as_text=True)
    assert ADMIN_PAGE not in page and LEAD_PAGE not in page
    login_as(people["lead"])
    assert LEAD_PAGE in client.get("/").get_data(as_text=True)
    login_as(people["admin"])
    assert ADMIN_PAGE in client.get("/").get_data(as_text=True)


def test_a_committee_lead_leads_the_branches_below(app_ctx):
    from marketplace.authz import is_lead_of

    committee = make_branch("联合党委", kind=BranchKind.COMMITTEE)
    branch = make_branch("第一党支部", parent=committee)
    sibling = make_branch("另一个党委", kind=BranchKind.COMMITTEE)
    committee_lead, branch_lead = make_lead(committee), make_lead(branch)
    assert is_lead_of(committee_lead, branch)
    assert is_lead_of(branch_lead, branch)
    assert not is_lead_of(branch_lead, committee)
    assert not is_lead_of(committee_lead, sibling)
