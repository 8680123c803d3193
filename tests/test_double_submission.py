"""A double click or a retried request does one thing: joining, offering
help, recording hours and approving them, each sent twice."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from marketplace.branches import services as branches
from marketplace.branches.models import MembershipKind
from marketplace.db import utcnow
from marketplace.enrollments.models import Enrollment
from marketplace.extensions import db
from marketplace.help.models import HelpOffer
from marketplace.hours import services as hours
from marketplace.hours.models import HourRecord, HourStatus, PointEntry
from marketplace.listings.categories import ensure_default_categories
from marketplace.localtime import utc_to_local

from .api_helpers import auth
from .factories import make_branch, make_lead, make_service, make_user


def _count(model, **where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).filter_by(**where))


def _twice(send) -> list[int]:
    return [send().status_code for _ in range(2)]


def _member():
    branch = make_branch("米市巷第一党支部")
    volunteer = make_user(is_volunteer=True, is_party_member=True)
    branches.add_member(branch, volunteer, MembershipKind.HOME)
    db.session.commit()
    return branch, volunteer


def test_joining_twice_takes_one_place(client_for, client):
    service = make_service(capacity=3, auto_confirm=True)
    resident = make_user()
    page = client_for(resident)
    assert _twice(lambda: page.post(f"/services/{service.id}/join",
                                    data={"contact": "13800000000"})) == [302, 302]
    headers = auth(client, resident)
    answers = _twice(lambda: client.post(f"/api/v1/services/{service.id}/enrollments",
                                         json={"contact": "13800000000"}, headers=headers))
    assert answers == [409, 409]  # joined already, by the page
    assert _count(Enrollment, service_id=service.id) == 1
    db.session.refresh(service)
    assert service.taken == 1


def test_offering_help_twice_makes_one_offer(client, client_for):
    resident = make_user()
    category = ensure_default_categories()["convenience"]
    request = client.post("/api/v1/help-requests", headers=auth(client, resident), json={
        "title": "帮忙换灯泡", "details": "客厅的灯坏了", "category_id": category.id,
        "community": "米市巷社区", "contact": "13800000000", "urgency": "normal"}).json
    volunteer = make_user(is_volunteer=True)
    headers = auth(client, volunteer)
    answers = _twice(lambda: client.post(f"/api/v1/help-requests/{request['id']}/offers",
                                         json={"message": "我下午有空"}, headers=headers))
    assert answers == [201, 409]
    assert _count(HelpOffer, help_request_id=request["id"]) == 1


def test_recording_the_same_hours_twice_keeps_one_record(client_for):
    branch, volunteer = _member()
    day = utc_to_local(utcnow() - timedelta(days=2)).date()
    form = {"branch_id": branch.id, "day": day.isoformat(), "start": "09:00", "end": "11:30",
            "description": "上门打扫", "place": "米市巷社区"}
    page = client_for(volunteer)
    assert _twice(lambda: page.post("/hours/new", data=form))[0] == 302
    assert _count(HourRecord, volunteer_id=volunteer.id) == 1  # the second overlaps the first


def test_approving_twice_counts_the_hours_once(client_for):
    branch, volunteer = _member()
    start = utcnow() - timedelta(days=2)
    record = hours.record_hours(volunteer, hours.HourData(
        branch_id=branch.id, started_at=start, ended_at=start + timedelta(hours=2),
        description="上门打扫", place="米市巷社区"))
    db.session.commit()
    lead = client_for(make_lead(branch))
    assert _twice(lambda: lead.post(f"/hours/{record.id}/approve")) == [302, 302]
    db.session.refresh(record)
    assert record.status == HourStatus.APPROVED
    assert _count(PointEntry, user_id=volunteer.id) == 1
