"""Correcting an approved hour record over the API: POST /api/v1/hours/{id}/correct
(the page's /hours/<id>/correct): the same fields, rules and answers."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.branches import services as branches
from marketplace.branches.models import MembershipKind
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.hours import services as hours
from marketplace.hours.models import HourRecord, HourStatus, PointEntry, PointReason
from marketplace.localtime import utc_to_local

from .api_helpers import auth, error_field
from .factories import make_branch, make_hour_record, make_lead, make_user

HOURS = "/api/v1/hours"


@pytest.fixture
def branch():
    return make_branch("米市巷第一党支部")


@pytest.fixture
def volunteer(branch):
    return _member(branch, display_name="王志愿")


@pytest.fixture
def lead(branch):
    return make_lead(branch)


def _member(branch, **overrides):
    user = make_user(is_volunteer=True, **overrides)
    branches.add_member(branch, user, MembershipKind.HOME)
    db.session.commit()
    return user


def _approved(volunteer, branch, lead, days_ago=3, length=3.0) -> HourRecord:
    return make_hour_record(volunteer, branch, days_ago=days_ago, length=length,
                            approved_by=lead)


def _body(record: HourRecord, length=2.5, **overrides) -> dict:
    body = {"branch_id": record.branch_id, "started_at": record.started_at.isoformat(),
            "ended_at": (record.started_at + timedelta(hours=length)).isoformat(),
            "description": "上门打扫(更正)", "place": "米市巷社区"}
    return body | overrides


def _correct(client, record, user=None, **kwargs):
    headers = auth(client, user) if user else {}
    return client.post(f"{HOURS}/{record.id}/correct", headers=headers, **kwargs)


def test_a_volunteer_corrects_an_approved_record(client, volunteer, branch, lead):
    original = _approved(volunteer, branch, lead)
    response = _correct(client, original, volunteer, json=_body(original, 2.5))
    assert response.status_code == 201, response.json
    correction = response.json
    assert (correction["corrects_id"], correction["status"], correction["hours"],
            correction["description"]) == (original.id, "submitted", 2.5, "上门打扫(更正)")
    assert correction["id"] != original.id
    entry = db.session.scalar(sa.select(AuditEntry).filter_by(action="hour_record.correct"))
    assert entry.target_id == correction["id"] and entry.actor_id == volunteer.id
    # the old record stays approved in the history until the correction is approved
    assert db.session.get(HourRecord, original.id).status == HourStatus.APPROVED
    assert client.post(f"{HOURS}/{correction['id']}/approve",
                       headers=auth(client, lead)).status_code == 200
    ledger = list(db.session.execute(
        sa.select(PointEntry.reason, PointEntry.minutes).where(PointEntry.user_id == volunteer.id)
        .order_by(PointEntry.id)))
    assert ledger == [(PointReason.HOURS_APPROVED, 180), (PointReason.REVERSAL, -180),
                      (PointReason.HOURS_APPROVED, 150)]


def test_only_an_approved_record_without_a_correction_is_corrected(client, volunteer, branch,
                                                                     lead):
    submitted = make_hour_record(volunteer, branch, days_ago=5)
    response = _correct(client, submitted, volunteer, json=_body(submitted))
    assert response.status_code == 409 and response.json["error"]["code"] == "conflict"
    rejected = make_hour_record(volunteer, branch, days_ago=7)
    hours.reject(rejected, lead, "时间不对")
    db.session.commit()
    assert _correct(client, rejected, volunteer, json=_body(rejected)).status_code == 409

    original = _approved(volunteer, branch, lead)
    assert _correct(client, original, volunteer, json=_body(original)).status_code == 201
    again = _correct(client, original, volunteer, json=_body(original, 2))
    assert again.status_code == 409  # one correction at a time
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HourRecord)
                             .where(HourRecord.corrects_id == original.id)) == 1


def test_nobody_else_corrects_a_record(client, volunteer, branch, lead):
    original = _approved(volunteer, branch, lead)
    body = _body(original)
    assert _correct(client, original, json=body).status_code == 401
    # another member of the branch, its lead, an admin, a resident: not there for them (as the page)
    for user in (_member(branch), lead, make_user(is_admin=True), make_user()):
        response = _correct(client, original, user, json=body)
        assert response.status_code == 404, response.json
    assert _correct(client, original, make_lead(make_branch("别的支部")),
                    json=body).status_code == 404
    assert client.post(f"{HOURS}/999999/correct", headers=auth(client, volunteer),
                       json=body).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HourRecord)) == 1


@pytest.mark.parametrize("change, field", [
    ({"description": "x"}, "description"),
    ({"description": None}, "description"),
    ({"place": ""}, "place"),
    ({"branch_id": "1"}, "branch_id"),
    ({"started_at": "yesterday"}, "started_at"),
    ({"served_person": "人" * 61}, "served_person"),
    ({"corrects_id": 1}, "corrects_id"),  # the path names the record
])
def test_bad_fields_are_named(client, volunteer, branch, lead, change, field):
    original = _approved(volunteer, branch, lead)
    response = _correct(client, original, volunteer, json=_body(original) | change)
    assert field in error_field(response)


def test_the_recording_rules_hold_for_a_correction(client, volunteer, branch, lead):
    original = _approved(volunteer, branch, lead)
    start = original.started_at
    future = utcnow() + timedelta(hours=2)
    cases = [
        (_body(original, ended_at=(start - timedelta(hours=1)).isoformat()), "ended_at"),
        (_body(original, started_at=(future - timedelta(hours=1)).isoformat(),
               ended_at=future.isoformat()), "ended_at"),
        (_body(original, length=25), "ended_at"),
        (_body(original, branch_id=make_branch("别的支部").id), "branch_id"),
    ]
    for body, field in cases:
        assert error_field(_correct(client, original, volunteer, json=body)) == {field}
    other = make_hour_record(volunteer, branch, days_ago=6)
    overlapping = _body(original, started_at=other.started_at.isoformat(),
                        ended_at=other.ended_at.isoformat())
    assert error_field(_correct(client, original, volunteer, json=overlapping))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HourRecord)
                             .where(HourRecord.corrects_id.is_not(None))) == 0


def test_the_page_and_the_api_correct_alike(client, client_for, volunteer, branch, lead):
    by_page = _approved(volunteer, branch, lead, days_ago=3)
    by_api = _approved(volunteer, branch, lead, days_ago=5)
    start = utc_to_local(by_page.started_at)
    client_for(volunteer).post(f"/hours/{by_page.id}/correct", data={
        "branch_id": branch.id, "day": start.date().isoformat(),
        "start": start.strftime("%H:%M"), "end": (start + timedelta(hours=2.5)).strftime("%H:%M"),
        "description": "上门打扫(更正)", "place": "米市巷社区"})
    response = _correct(client, by_api, volunteer, json=_body(by_api, 2.5))
    assert response.status_code == 201, response.json
    corrections = db.session.scalars(sa.select(HourRecord).where(
        HourRecord.corrects_id.is_not(None)).order_by(HourRecord.corrects_id)).all()
    assert [(c.corrects_id, c.status, c.minutes, c.description) for c in corrections] == [
        (by_page.id, HourStatus.SUBMITTED, 150, "上门打扫(更正)"),
        (by_api.id, HourStatus.SUBMITTED, 150, "上门打扫(更正)")]
    # both refuse a stranger with 404
    stranger = _member(branch)
    assert client_for(stranger).post(f"/hours/{by_api.id}/correct").status_code == 404
    assert _correct(client, by_api, stranger, json=_body(by_api)).status_code == 404


def test_the_openapi_document_lists_the_correction_path(client):
    operation = client.get("/api/v1/openapi.json").json["paths"][
        "/api/v1/hours/{record_id}/correct"]["post"]
    assert {"201", "401", "404", "409", "422"} <= set(operation["responses"])
