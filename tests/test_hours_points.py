"""The volunteer's points ledger page: what approvals earned, what a
correction took back, the next star; only one's own ledger."""

from datetime import timedelta

import pytest

from marketplace.branches import services as branches
from marketplace.branches.models import MembershipKind
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.hours import services as hours

from .factories import make_branch, make_lead, make_user
from .page_helpers import text


@pytest.fixture
def branch():
    return make_branch("米市巷第一党支部")


@pytest.fixture
def volunteer(branch):
    user = make_user(is_volunteer=True, display_name="王建国")
    branches.add_member(branch, user, MembershipKind.HOME)
    db.session.commit()
    return user


def _approved(volunteer, branch, lead, days_ago, hours_long=2):
    start = utcnow() - timedelta(days=days_ago)
    record = hours.record_hours(volunteer, hours.HourData(
        branch_id=branch.id, started_at=start, ended_at=start + timedelta(hours=hours_long),
        description=f"上门打扫 {days_ago}", place="米市巷社区"))
    hours.approve(record, lead)
    db.session.commit()
    return record


def test_points_page_lists_earnings_and_reversals(client_for, volunteer, branch):
    lead = make_lead(branch)
    original = _approved(volunteer, branch, lead, days_ago=3)
    start = original.started_at
    correction = hours.correct_record(original, volunteer, hours.HourData(
        branch_id=branch.id, started_at=start, ended_at=start + timedelta(hours=1),
        description="上门打扫 改", place="米市巷社区"))
    hours.approve(correction, lead)
    db.session.commit()

    response = client_for(volunteer).get("/my/points")
    page = text(response)
    assert "+20" in page and "-20" in page and "+10" in page
    assert '<span class="stat">10</span>' in response.get_data(as_text=True)  # the net total
    assert "上门打扫 改" in page


def test_next_star_is_shown(client_for, volunteer, branch):
    lead = make_lead(branch)
    _approved(volunteer, branch, lead, days_ago=2, hours_long=4)
    page = text(client_for(volunteer).get("/my/points"))
    assert "96.0" in page and "100" in page


def test_points_are_only_ones_own(client_for, volunteer, branch):
    lead = make_lead(branch)
    _approved(volunteer, branch, lead, days_ago=2)
    other = make_user(is_volunteer=True)
    page = text(client_for(other).get("/my/points"))
    assert "上门打扫" not in page


def test_anonymous_is_sent_to_login(client):
    response = client.get("/my/points")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_points_page_queries_do_not_grow_with_rows(client_for, volunteer, branch,
                                                   count_queries):
    lead = make_lead(branch)
    client = client_for(volunteer)

    def measured():
        with count_queries() as counter:
            assert client.get("/my/points").status_code == 200
        return counter.count

    _approved(volunteer, branch, lead, days_ago=1)
    few = measured()
    for day in range(2, 12):
        _approved(volunteer, branch, lead, days_ago=day)
    assert measured() == few


def test_a_bad_cursor_starts_from_the_top(client_for, volunteer, branch):
    lead = make_lead(branch)
    _approved(volunteer, branch, lead, days_ago=2)
    response = client_for(volunteer).get("/my/points?cursor=garbage")
    assert response.status_code == 200 and "上门打扫" in text(response)
