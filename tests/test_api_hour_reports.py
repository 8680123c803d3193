"""Reported errors over the API: report one's own reviewed record, the
caller's reports, the branch's reports for its leads, one report, answer
with a reason or with a correction (approved at once, points reversed),
and the caller's points ledger; every forbidden path and bad input."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.branches import services as branches
from marketplace.branches.models import BranchKind, MembershipKind
from marketplace.extensions import db
from marketplace.hours import reports as rules
from marketplace.hours import services as hours
from marketplace.hours.models import HourRecord, HourReport, HourStatus, ReportStatus

from .api_helpers import auth, error_field
from .factories import make_branch, make_hour_record, make_lead, make_user


@pytest.fixture
def committee():
    return make_branch("米市巷社区党委", BranchKind.COMMITTEE)


@pytest.fixture
def branch(committee):
    return make_branch("米市巷第一党支部", parent=committee)


@pytest.fixture
def lead(branch):
    return make_lead(branch)


@pytest.fixture
def volunteer(branch):
    user = make_user(is_volunteer=True, display_name="王志愿")
    branches.add_member(branch, user, MembershipKind.HOME)
    db.session.commit()
    return user


def _approved(volunteer, branch, lead, days_ago=3, length=2.0) -> HourRecord:
    return make_hour_record(volunteer, branch, days_ago, length, approved_by=lead)


def _reported(volunteer, record) -> HourReport:
    report = rules.report_error(volunteer, record, "结束时间应是11:30")
    db.session.commit()
    return report


def _reports() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(HourReport))


def _fix(record, length=1.0, **overrides) -> dict:
    return {"started_at": record.started_at.isoformat(),
            "ended_at": (record.started_at + timedelta(hours=length)).isoformat(),
            "description": "上门打扫(更正)", "place": "米市巷社区"} | overrides


# -- reporting -------------------------------------------------------------------------

def test_report_ones_own_reviewed_record(client, volunteer, branch, lead):
    record = _approved(volunteer, branch, lead)
    response = client.post(f"/api/v1/hours/{record.id}/reports",
                           json={"message": "结束时间应是11:30"}, headers=auth(client, volunteer))
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["status"], body["message"], body["answer"], body["correction"]) == (
        "open", "结束时间应是11:30", None, None)
    assert body["record"]["id"] == record.id and body["record"]["status"] == "approved"
    assert body["volunteer"] == {"id": volunteer.id, "display_name": "王志愿"}
    assert body["branch"] == {"id": branch.id, "name": "米市巷第一党支部"}
    again = client.post(f"/api/v1/hours/{record.id}/reports", json={"message": "再说一次"},
                        headers=auth(client, volunteer))
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"


def test_forbidden_and_refused_reports(client, volunteer, branch, lead):
    record = _approved(volunteer, branch, lead)
    path = f"/api/v1/hours/{record.id}/reports"
    body = {"message": "时间不对"}
    assert client.post(path, json=body, headers=auth(client, lead)).status_code == 403
    stranger = make_user(is_volunteer=True)
    assert client.post(path, json=body, headers=auth(client, stranger)).status_code == 404
    assert client.post(path, json=body).status_code == 401
    assert client.post("/api/v1/hours/999999/reports", json=body,
                       headers=auth(client, volunteer)).status_code == 404
    waiting = make_hour_record(volunteer, branch, days_ago=5)
    assert client.post(f"/api/v1/hours/{waiting.id}/reports", json=body,
                       headers=auth(client, volunteer)).status_code == 409
    assert _reports() == 0


@pytest.mark.parametrize(("body", "field"), [
    ({}, "message"), ({"message": "x"}, "message"), ({"message": "x" * 501}, "message"),
    ({"message": 12}, "message"), ({"message": "  x  "}, "message"),  # the rule strips
])
def test_a_bad_message_names_the_field(client, volunteer, branch, lead, body, field):
    record = _approved(volunteer, branch, lead)
    response = client.post(f"/api/v1/hours/{record.id}/reports", json=body,
                           headers=auth(client, volunteer))
    assert error_field(response) == {field}
    assert _reports() == 0


def test_my_reports_page_by_keyset(client, volunteer, branch, lead):
    made = [_reported(volunteer, _approved(volunteer, branch, lead, days_ago=d)).id
            for d in (3, 4, 5)]
    headers = auth(client, volunteer)
    first = client.get("/api/v1/me/hour-reports?limit=2", headers=headers).json
    assert [r["id"] for r in first["items"]] == made[::-1][:2]
    rest = client.get(f"/api/v1/me/hour-reports?limit=2&cursor={first['next_cursor']}",
                      headers=headers).json
    assert [r["id"] for r in rest["items"]] == made[:1] and rest["next_cursor"] is None
    other = make_user(is_volunteer=True)
    assert client.get("/api/v1/me/hour-reports", headers=auth(client, other)).json[
        "items"] == []
    assert client.get("/api/v1/me/hour-reports?limit=0", headers=headers).status_code == 422


# -- the lead ----------------------------------------------------------------------------

def test_branch_reports_for_its_leads(client, volunteer, branch, lead, committee):
    first = _reported(volunteer, _approved(volunteer, branch, lead, days_ago=3))
    second = _reported(volunteer, _approved(volunteer, branch, lead, days_ago=4))
    rules.answer(second, lead, "签到表上就是两小时")
    db.session.commit()
    path = f"/api/v1/branches/{branch.id}/hour-reports"
    for allowed in (lead, make_lead(committee), make_user(is_admin=True)):
        body = client.get(path, headers=auth(client, allowed)).json
        assert [r["id"] for r in body["items"]] == [first.id]  # open ones by default
    headers = auth(client, lead)
    assert [r["id"] for r in client.get(f"{path}?status=answered", headers=headers)
            .json["items"]] == [second.id]
    assert [r["id"] for r in client.get(f"{path}?status=all", headers=headers)
            .json["items"]] == [second.id, first.id]
    assert "status" in error_field(client.get(f"{path}?status=bogus", headers=headers))
    for stranger in (volunteer, make_lead(make_branch("别的支部"))):
        assert client.get(path, headers=auth(client, stranger)).status_code == 403
    assert client.get("/api/v1/branches/999999/hour-reports",
                      headers=headers).status_code == 404


def test_who_sees_a_report(client, volunteer, branch, lead):
    report = _reported(volunteer, _approved(volunteer, branch, lead))
    path = f"/api/v1/hour-reports/{report.id}"
    for allowed in (volunteer, lead, make_user(is_admin=True)):
        assert client.get(path, headers=auth(client, allowed)).json["id"] == report.id
    for stranger in (make_user(is_volunteer=True), make_lead(make_branch("别的支部"))):
        assert client.get(path, headers=auth(client, stranger)).status_code == 404
    assert client.get(path).status_code == 401


def test_answer_with_a_reason(client, volunteer, branch, lead):
    report = _reported(volunteer, _approved(volunteer, branch, lead))
    path = f"/api/v1/hour-reports/{report.id}/answer"
    response = client.post(path, json={"answer": "签到表上就是两小时"},
                           headers=auth(client, lead))
    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["answer"]) == (
        "answered", "签到表上就是两小时")
    assert response.json["answered_at"] is not None
    again = client.post(path, json={"answer": "再答一次"}, headers=auth(client, lead))
    assert again.status_code == 409


@pytest.mark.parametrize("body", [{}, {"answer": "x"}, {"answer": "x" * 201},
                                  {"answer": None}])
def test_a_bad_answer_names_the_field(client, volunteer, branch, lead, body):
    report = _reported(volunteer, _approved(volunteer, branch, lead))
    response = client.post(f"/api/v1/hour-reports/{report.id}/answer", json=body,
                           headers=auth(client, lead))
    assert error_field(response) == {"answer"}
    db.session.refresh(report)
    assert report.status == ReportStatus.OPEN


def test_correct_approved_at_once_with_points_reversed(client, volunteer, branch, lead):
    record = _approved(volunteer, branch, lead, length=2)
    report = _reported(volunteer, record)
    response = client.post(f"/api/v1/hour-reports/{report.id}/correct",
                           json=_fix(record, answer="已更正", served_person="刘奶奶"),
                           headers=auth(client, lead))
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["status"], body["answer"]) == ("corrected", "已更正")
    correction = db.session.get(HourRecord, body["correction_id"])
    assert body["correction"] == {
        "id": correction.id, "status": "approved", "hours": 1.0,
        "started_at": body["correction"]["started_at"],
        "ended_at": body["correction"]["ended_at"], "description": "上门打扫(更正)",
        "place": "米市巷社区", "corrects_id": record.id}
    assert correction.recorded_by_id == lead.id and correction.served_person == "刘奶奶"
    points = client.get("/api/v1/me/points", headers=auth(client, volunteer)).json
    assert (points["points"], points["approved_hours"]) == (10, 1.0)
    assert [(e["reason"], e["points"], e["hours"]) for e in points["items"]] == [
        ("hours_approved", 10, 1.0), ("reversal", -20, -2.0), ("hours_approved", 20, 2.0)]
    assert points["items"][0]["description"] == "上门打扫(更正)"
    assert points["items"][0]["branch"] == {"id": branch.id, "name": "米市巷第一党支部"}


@pytest.mark.parametrize(("change", "field"), [
    ({"length": -1}, "ended_at"),                       # end before start
    ({"length": 25}, "ended_at"),                       # over 24 h
    ({"description": "x"}, "description"),
    ({"place": ""}, "place"),
    ({"started_at": "yesterday"}, "started_at"),
    ({"served_person": "x" * 61}, "served_person"),
    ({"answer": "x" * 201}, "answer"),
])
def test_a_bad_correction_names_the_field(client, volunteer, branch, lead, change, field):
    record = _approved(volunteer, branch, lead, days_ago=4)
    report = _reported(volunteer, record)
    length = change.pop("length", 1.0)
    response = client.post(f"/api/v1/hour-reports/{report.id}/correct",
                           json=_fix(record, length) | change, headers=auth(client, lead))
    assert field in error_field(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HourRecord)) == 1
    db.session.refresh(report)
    assert report.status == ReportStatus.OPEN


def test_forbidden_answers_and_corrections(client, volunteer, branch, lead):
    record = _approved(volunteer, branch, lead)
    report = _reported(volunteer, record)
    other_branch_lead = make_lead(make_branch("别的支部"))
    for path, body in ((f"/api/v1/hour-reports/{report.id}/answer", {"answer": "不归你管"}),
                       (f"/api/v1/hour-reports/{report.id}/correct", _fix(record))):
        for stranger in (other_branch_lead, volunteer, make_user(is_volunteer=True)):
            assert client.post(path, json=body,
                               headers=auth(client, stranger)).status_code == 403
        assert client.post(path, json=body).status_code == 401
        assert client.post(path.replace(str(report.id), "999999"), json=body,
                           headers=auth(client, lead)).status_code == 404
    db.session.refresh(report)
    assert report.status == ReportStatus.OPEN


def test_nobody_answers_their_own_report(client, branch, lead):
    other_lead = make_lead(branch)
    record = _approved(lead, branch, other_lead)
    report = _reported(lead, record)
    for path, body in ((f"/api/v1/hour-reports/{report.id}/answer", {"answer": "我说了算"}),
                       (f"/api/v1/hour-reports/{report.id}/correct", _fix(record))):
        assert client.post(path, json=body, headers=auth(client, lead)).status_code == 403
    response = client.post(f"/api/v1/hour-reports/{report.id}/correct", json=_fix(record),
                           headers=auth(client, other_lead))
    assert response.status_code == 200


def test_a_rejected_record_is_not_corrected(client, volunteer, branch, lead):
    record = make_hour_record(volunteer, branch)
    hours.reject(record, lead, "没有这次活动")
    db.session.commit()
    report = _reported(volunteer, record)
    response = client.post(f"/api/v1/hour-reports/{report.id}/correct", json=_fix(record),
                           headers=auth(client, lead))
    assert response.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HourRecord).where(
        HourRecord.status == HourStatus.APPROVED)) == 0


# -- points ------------------------------------------------------------------------------

def test_my_points_ledger_by_keyset(client, volunteer, branch, lead):
    for day in (3, 4, 5):
        _approved(volunteer, branch, lead, days_ago=day, length=1)
    headers = auth(client, volunteer)
    first = client.get("/api/v1/me/points?limit=2", headers=headers).json
    assert (first["points"], first["approved_hours"], first["stars"],
            first["next_star_hours"]) == (30, 3.0, 0, 100)
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = client.get(f"/api/v1/me/points?limit=2&cursor={first['next_cursor']}",
                      headers=headers).json
    ids = [e["id"] for e in first["items"] + rest["items"]]
    assert len(set(ids)) == 3 and rest["next_cursor"] is None
    other = client.get("/api/v1/me/points", headers=auth(client, make_user())).json
    assert (other["points"], other["items"]) == (0, [])
    assert client.get("/api/v1/me/points?cursor=garbage", headers=headers).status_code == 422
    assert client.get("/api/v1/me/points").status_code == 401


def test_stars_come_at_a_hundred_approved_hours(client, client_for, volunteer, branch, lead):
    for day in range(3, 8):  # 5 x 20 h
        _approved(volunteer, branch, lead, days_ago=day, length=20)
    body = client.get("/api/v1/me/points", headers=auth(client, volunteer)).json
    assert (body["approved_hours"], body["stars"], body["next_star_hours"]) == (100.0, 1, 300)
    page = client_for(volunteer).get("/my/points").get_data(as_text=True)
    assert '<span aria-hidden="true">★</span>' in page and "200.0" in page
