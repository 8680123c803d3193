"""A branch's dashboard over the API: the same figures as its page, for the
same people (the branch's leads, leads above, admins; 403 for others, 401
without a token, 404 for an unknown branch), a bad period is 422.

As in test_dashboards.py, records are made at real past times and the
dashboard's "now" is the evening of the day they were made."""

import json
import re
from datetime import date, datetime, time, timedelta

import pytest

from marketplace.branches import services as branches
from marketplace.branches.models import BranchKind, MembershipKind
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.hours import services as hours
from marketplace.localtime import local_to_utc, utc_to_local
from marketplace.rankings import periods
from marketplace.rankings.periods import month_key, quarter_key

from .api_helpers import auth, error_field
from .factories import make_branch, make_lead, make_user
from .page_helpers import text

API = "/api/v1"


@pytest.fixture
def committee():
    return make_branch("米市巷社区党委", BranchKind.COMMITTEE)


@pytest.fixture
def branch(committee):
    return make_branch("米市巷第一党支部", parent=committee)


@pytest.fixture
def lead(branch):
    return make_lead(branch, display_name="周书记")


@pytest.fixture
def day():
    return utc_to_local(utcnow()).date() - timedelta(days=2)


@pytest.fixture
def clock(monkeypatch, day):
    moment = _at(day, 23)
    monkeypatch.setattr(periods, "utcnow", lambda: moment)
    return moment


def _at(day: date, hour: int) -> datetime:
    return local_to_utc(datetime.combine(day, time(hour)))


def _member(branch, name):
    user = make_user(is_volunteer=True, display_name=name, commit=False)
    branches.add_member(branch, user, MembershipKind.HOME)
    db.session.commit()
    return user


def _record(volunteer, branch, start, length=1.0):
    return hours.record_hours(volunteer, hours.HourData(
        branch_id=branch.id, started_at=start, ended_at=start + timedelta(hours=length),
        description="上门打扫", place="米市巷社区"))


def _figure(page: str, name: str) -> str:
    return re.search(rf'data-figure="{name}">([^<]*)<', page).group(1).strip()


def _chart_data(page: str) -> dict:
    block = re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>',
                      page, re.S)
    return json.loads(block.group(1))


def _dashboard(client, branch, user, query=""):
    return client.get(f"{API}/branches/{branch.id}/dashboard{query}",
                      headers=auth(client, user) if user else {})


def test_the_api_gives_the_figures_of_the_page(client, client_for, branch, lead, day, clock):
    wang, li, zhao = (_member(branch, name) for name in ("王建国", "李秀英", "赵敏"))
    earlier_day = day - timedelta(days=40)
    approved = [_record(wang, branch, _at(day, 8), 2), _record(wang, branch, _at(day, 11), 1.5),
                _record(li, branch, _at(day, 9), 1), _record(li, branch, _at(earlier_day, 9), 3)]
    _record(zhao, branch, _at(day, 14), 1)  # waits for review
    for record in approved:
        hours.approve(record, lead)
    db.session.commit()

    response = _dashboard(client, branch, lead)
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["branch_id"], body["name"], body["members"]) == (
        branch.id, "米市巷第一党支部", 4)
    month = body["this_month"]
    assert month["period"]["key"] == month_key(day)
    assert (month["hours"], month["minutes"], month["records"], month["active_members"],
            month["active_share"]) == (4.5, 270, 3, 2, 50)
    assert body["this_quarter"]["period"]["key"] == quarter_key(day)
    assert body["pending_reviews"] == {"count": 1, "cap": 1000, "more": False}
    assert len(body["months"]) == 12 and body["months"][-1]["period"]["key"] == month_key(day)
    assert sum(m["minutes"] for m in body["months"]) == 450
    assert [m["display_name"] for m in body["top_month"]] == ["王建国", "李秀英"]
    assert body["top_month"][0]["hours"] == 3.5
    assert len(body["rhythm"]["months"]) == day.month
    assert body["categories"]["period"]["kind"] == "quarter"

    page = text(client_for(lead).get(f"/branches/{branch.id}/dashboard"))
    assert _figure(page, "month-hours") == f'{month["hours"]:.1f}'
    assert _figure(page, "quarter-hours") == f'{body["this_quarter"]["hours"]:.1f}'
    assert _figure(page, "month-active") == f'{month["active_members"]} / {body["members"]}'
    assert _figure(page, "quarter-active") == (
        f'{body["this_quarter"]["active_members"]} / {body["members"]}')
    assert _figure(page, "pending") == str(body["pending_reviews"]["count"])
    chart = _chart_data(page)
    assert chart["months"]["hours"] == [m["hours"] for m in body["months"]]
    assert chart["months"]["labels"] == [m["period"]["label"] for m in body["months"]]
    assert chart["categories"]["hours"] == [c["hours"] for c in body["categories"]["items"]]
    assert chart["categories"]["labels"] == [c["name"] for c in body["categories"]["items"]]
    top = page[page.index('id="top-month"'):]
    top = top[:top.index("</ol>")]
    assert [name for name in ("王建国", "李秀英", "赵敏") if name in top] == [
        m["display_name"] for m in body["top_month"]]


@pytest.mark.parametrize("period", ["month", "quarter", "year"])
def test_the_category_period_matches_the_page(client, client_for, branch, lead, day, clock,
                                              period):
    wang = _member(branch, "王建国")
    hours.approve(_record(wang, branch, _at(day, 8), 2), lead)
    db.session.commit()
    body = _dashboard(client, branch, lead, f"?period={period}").json
    assert body["categories"]["period"]["kind"] == period
    chart = _chart_data(text(client_for(lead).get(
        f"/branches/{branch.id}/dashboard?period={period}")))
    assert chart["categories"]["hours"] == [c["hours"] for c in body["categories"]["items"]]
    assert sum(c["minutes"] for c in body["categories"]["items"]) == 120


def test_a_new_branch_shows_zeros(client, branch, lead, clock):
    body = _dashboard(client, branch, lead).json
    assert (body["this_month"]["hours"], body["this_month"]["active_members"],
            body["members"]) == (0.0, 0, 1)
    assert body["categories"]["items"] == [] and body["top_month"] == []
    assert body["pending_reviews"]["count"] == 0


@pytest.mark.parametrize("query", ["?period=decade", "?period=2026-11", "?period="])
def test_a_bad_period_is_422_naming_it(client, branch, lead, query):
    assert error_field(_dashboard(client, branch, lead, query)) == {"period"}


# -- who may see it --------------------------------------------------------------------

@pytest.mark.parametrize(("role", "status"), [
    ("admin", 200), ("lead", 200), ("committee lead", 200), ("anonymous", 401),
    ("resident", 403), ("volunteer", 403), ("lead of another branch", 403),
    ("lead of a sibling branch", 403)])
def test_who_may_see_it_as_on_the_page(client, client_for, committee, branch, role, status):
    sibling = make_branch("米市巷第二党支部", parent=committee)
    user = {
        "admin": lambda: make_user(is_admin=True),
        "lead": lambda: make_lead(branch),
        "committee lead": lambda: make_lead(committee),
        "anonymous": lambda: None,
        "resident": lambda: make_user(),
        "volunteer": lambda: _member(branch, "王建国"),
        "lead of another branch": lambda: make_lead(make_branch()),
        "lead of a sibling branch": lambda: make_lead(sibling),
    }[role]()
    response = _dashboard(client, branch, user)
    assert response.status_code == status, response.json
    if user is not None:
        page_status = client_for(user).get(f"/branches/{branch.id}/dashboard").status_code
        assert page_status == status


def test_an_unknown_branch_is_404(client, lead):
    response = client.get(f"{API}/branches/999999/dashboard", headers=auth(client, lead))
    assert response.status_code == 404


def test_the_path_is_documented(client):
    operation = client.get(f"{API}/openapi.json").json["paths"][
        "/api/v1/branches/{branch_id}/dashboard"]["get"]
    assert {"200", "401", "403", "404", "422"} <= set(operation["responses"])
    assert any(operation["security"])
