"""Volunteer hours over the API: recording and its rules, corrections, the
review queue, approval (one and a batch), rejection, the caller's own
hours, points in the ledger, and who may do what (API.md "hours")."""

from datetime import UTC, timedelta

import pytest
import sqlalchemy as sa

from marketplace.branches import services as branches
from marketplace.branches.models import BranchKind, MembershipKind, MembershipRole
from marketplace.db import utcnow
from marketplace.enrollments import services as enrollments
from marketplace.extensions import db
from marketplace.hours import services as hours
from marketplace.hours.models import HourRecord, HourStatus, PointEntry, PointReason
from marketplace.hours.points import points_for
from marketplace.localtime import local_zone
from marketplace.notifications.models import Notification

from .api_helpers import auth, error_field
from .factories import make_branch, make_lead, make_service, make_user

HOURS = "/api/v1/hours"


@pytest.fixture
def branch():
    return make_branch("米市巷第一党支部")


@pytest.fixture
def volunteer(branch):
    user = make_user(is_volunteer=True, display_name="王志愿")
    branches.add_member(branch, user, MembershipKind.HOME)
    db.session.commit()
    return user


@pytest.fixture
def lead(branch):
    return make_lead(branch)


def _start(hours_ago=30):
    return (utcnow() - timedelta(hours=hours_ago)).replace(minute=0, second=0, microsecond=0)


def _body(branch, hours_ago=30, length=2.0, **overrides) -> dict:
    start = _start(hours_ago)
    body = {"branch_id": branch.id, "started_at": start.isoformat(),
            "ended_at": (start + timedelta(hours=length)).isoformat(),
            "description": "上门打扫", "place": "米市巷社区"}
    return body | overrides


def _recorded(volunteer, branch, hours_ago=30, length=2.0) -> HourRecord:
    """A record through the domain (setup, not the thing tested)."""
    start = _start(hours_ago)
    record = hours.record_hours(volunteer, hours.HourData(
        branch_id=branch.id, started_at=start, ended_at=start + timedelta(hours=length),
        description="上门打扫", place="米市巷社区"))
    db.session.commit()
    return record


def _post(client, path, user=None, **kwargs):
    return client.post(path, headers=auth(client, user) if user else {}, **kwargs)


def _get(client, path, user=None):
    return client.get(path, headers=auth(client, user) if user else {})


def _ledger(user) -> list[tuple]:
    return list(db.session.execute(
        sa.select(PointEntry.reason, PointEntry.minutes, PointEntry.points,
                  PointEntry.branch_id).where(PointEntry.user_id == user.id)
        .order_by(PointEntry.id)))


def _member(branch, role=MembershipRole.MEMBER):
    user = make_user(is_volunteer=True)
    branches.add_member(branch, user, MembershipKind.FUNCTIONAL, role)
    db.session.commit()
    return user


# -- recording ---------------------------------------------------------------------

def test_a_volunteer_records_hours(client, volunteer, branch):
    response = _post(client, HOURS, volunteer,
                     json=_body(branch, length=2.5, served_person="刘奶奶",
                                activity_lead="李书记"))
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["status"], body["hours"], body["minutes"]) == ("submitted", 2.5, 150)
    assert body["volunteer"] == {"id": volunteer.id, "display_name": "王志愿"}
    assert body["branch"] == {"id": branch.id, "name": "米市巷第一党支部"}
    assert (body["served_person"], body["activity_lead"], body["resident_confirmed"],
            body["corrects_id"], body["reject_reason"]) == ("刘奶奶", "李书记", False, None, None)
    record = db.session.get(HourRecord, body["id"])
    assert record.volunteer_id == volunteer.id and record.started_at == _start(30)


def test_a_time_without_an_offset_is_local_time(client, volunteer, branch):
    start = _start(30).astimezone(local_zone()).replace(tzinfo=None)
    body = _body(branch, started_at=start.isoformat(),
                 ended_at=(start + timedelta(hours=1)).isoformat())
    response = _post(client, HOURS, volunteer, json=body)
    assert response.status_code == 201, response.json
    record = db.session.get(HourRecord, response.json["id"])
    assert record.started_at.astimezone(UTC) == _start(30)


@pytest.mark.parametrize(("change", "field"), [
    ({"length": -1}, "ended_at"),                   # end before start
    ({"hours_ago": 1, "length": 3}, "ended_at"),    # the future
    ({"length": 25}, "ended_at"),                   # over 24 h
    ({"length": 0.25}, "ended_at"),                 # under half an hour
    ({"description": "x"}, "description"),
    ({"description": "x" * 501}, "description"),
    ({"place": ""}, "place"),
    ({"place": "  "}, "place"),                     # the domain's rule
    ({"started_at": "yesterday"}, "started_at"),
    ({"branch_id": "1"}, "branch_id"),
    ({"branch_id": 0}, "branch_id"),
    ({"served_person": "x" * 61}, "served_person"),
    ({"enrollment_id": 999999}, "enrollment_id"),
    ({"help_request_id": 999999}, "help_request_id"),
    ({"visit_code": "123456"}, "visit_code"),
    ({"corrects_id": -1}, "corrects_id"),
])
def test_bad_records_name_their_field(client, volunteer, branch, change, field):
    body = _body(branch, **{k: v for k, v in change.items() if k in ("hours_ago", "length")})
    body |= {k: v for k, v in change.items() if k not in ("hours_ago", "length")}
    assert field in error_field(_post(client, HOURS, volunteer, json=body))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HourRecord)) == 0


def test_missing_fields_are_named(client, volunteer):
    fields = error_field(_post(client, HOURS, volunteer, json={}))
    assert {"branch_id", "started_at", "ended_at", "description", "place"} <= fields


def test_an_overlap_and_a_full_day_are_refused(client, volunteer, branch):
    assert _post(client, HOURS, volunteer, json=_body(branch, 30, 2)).status_code == 201
    assert error_field(_post(client, HOURS, volunteer, json=_body(branch, 29, 2))) == {
        "started_at"}
    day = (utcnow() - timedelta(days=4)).astimezone(local_zone()).replace(
        hour=0, minute=0, second=0, microsecond=0)
    full = {"started_at": day.isoformat(),
            "ended_at": (day + timedelta(hours=23, minutes=30)).isoformat()}
    assert _post(client, HOURS, volunteer, json=_body(branch) | full).status_code == 201
    late = day + timedelta(hours=23, minutes=30)
    more = {"started_at": late.isoformat(), "ended_at": (late + timedelta(hours=2)).isoformat()}
    assert error_field(_post(client, HOURS, volunteer, json=_body(branch) | more)) == {
        "started_at"}


def test_only_for_ones_own_branch(client, volunteer):
    other = make_branch("别的支部")
    assert error_field(_post(client, HOURS, volunteer, json=_body(other))) == {"branch_id"}
    assert error_field(_post(client, HOURS, make_user(), json=_body(other))) == {"branch_id"}


def test_recording_needs_a_token_and_json(client, volunteer, branch):
    assert _post(client, HOURS, json=_body(branch)).status_code == 401
    response = _post(client, HOURS, volunteer, data="{oops", content_type="application/json")
    assert response.status_code == 400 and response.json["error"]["code"] == "bad_request"


def test_a_confirmed_visit_is_shown_and_earns_the_bonus(client, volunteer, branch, lead):
    service = make_service(volunteer=volunteer, auto_confirm=True, starts_at=None, ends_at=None)
    enrollment = enrollments.join(service.id, make_user(display_name="刘奶奶"), "13800000000")
    enrollments.complete(enrollment, volunteer)
    enrollments.confirm_happened(enrollment, enrollment.resident)
    db.session.commit()
    response = _post(client, HOURS, volunteer,
                     json=_body(branch, length=1, enrollment_id=enrollment.id))
    assert response.status_code == 201, response.json
    assert (response.json["enrollment_id"], response.json["served_person"],
            response.json["resident_confirmed"]) == (enrollment.id, "刘奶奶", True)
    assert _post(client, f"{HOURS}/{response.json['id']}/approve", lead).status_code == 200
    assert _ledger(volunteer) == [(PointReason.HOURS_APPROVED, 60, points_for(60, True),
                                   branch.id)]


# -- review ------------------------------------------------------------------------

def test_the_review_flow_writes_the_ledger(client, volunteer, branch, lead):
    first = _post(client, HOURS, volunteer, json=_body(branch, 50, 2.5)).json
    second = _post(client, HOURS, volunteer, json=_body(branch, 30, 1)).json
    queue = _get(client, f"/api/v1/branches/{branch.id}/hours", lead).json
    assert [r["id"] for r in queue["items"]] == [first["id"], second["id"]]  # oldest first

    response = _post(client, f"{HOURS}/{first['id']}/approve", lead)
    assert response.status_code == 200 and response.json["status"] == "approved"
    assert response.json["reviewed_at"]
    response = _post(client, f"{HOURS}/{second['id']}/reject", lead, json={"reason": "时间不对"})
    assert response.status_code == 200
    assert (response.json["status"], response.json["reject_reason"]) == ("rejected", "时间不对")
    assert _ledger(volunteer) == [(PointReason.HOURS_APPROVED, 150, 25, branch.id)]
    kinds = db.session.scalars(sa.select(Notification.kind).filter_by(user_id=volunteer.id)
                               .order_by(Notification.id))
    assert list(kinds) == ["hours.approved", "hours.rejected"]

    path = f"/api/v1/branches/{branch.id}/hours"
    assert _get(client, path, lead).json["items"] == []
    assert [r["id"] for r in _get(client, f"{path}?status=approved", lead).json["items"]] == [
        first["id"]]
    assert [r["id"] for r in _get(client, f"{path}?status=all", lead).json["items"]] == [
        first["id"], second["id"]]
    # reviewed once
    for step in ("approve", "reject"):
        response = _post(client, f"{HOURS}/{first['id']}/{step}", lead, json={"reason": "再看"})
        assert response.status_code == 409, response.json


def test_who_may_not_review(client, volunteer, branch, lead):
    record = _recorded(volunteer, branch)
    self_lead = make_lead(branch)
    own = _recorded(self_lead, branch)
    outsiders = {"resident": make_user(), "volunteer": make_user(is_volunteer=True),
                 "member": _member(branch), "other lead": make_lead(make_branch("别的支部"))}
    for who, user in [*outsiders.items(), ("the volunteer", volunteer)]:
        for step, body in (("approve", None), ("reject", {"reason": "不行"})):
            response = _post(client, f"{HOURS}/{record.id}/{step}", user, json=body)
            assert response.status_code == 403, (who, step, response.json)
    response = _post(client, f"{HOURS}/{own.id}/approve", self_lead)
    assert response.status_code == 403, response.json  # one's own, even as its lead
    assert _post(client, f"{HOURS}/{record.id}/approve").status_code == 401
    assert _post(client, f"{HOURS}/999999/approve", lead).status_code == 404
    assert db.session.get(HourRecord, record.id).status == HourStatus.SUBMITTED
    assert _ledger(volunteer) == []


def test_a_committee_lead_and_an_admin_review(client, volunteer, branch):
    committee = make_branch("联合党委", kind=BranchKind.COMMITTEE)
    branch.parent, branch.path = committee, f"{committee.path}{branch.id}/"
    db.session.commit()
    first, second = _recorded(volunteer, branch, 50), _recorded(volunteer, branch, 30)
    assert _post(client, f"{HOURS}/{first.id}/approve", make_lead(committee)).status_code == 200
    admin = make_user(is_admin=True)
    assert _post(client, f"{HOURS}/{second.id}/approve", admin).status_code == 200
    assert [e[1] for e in _ledger(volunteer)] == [120, 120]


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "x"}, {"reason": "x" * 201}])
def test_a_rejection_needs_a_reason(client, volunteer, branch, lead, body):
    record = _recorded(volunteer, branch)
    assert error_field(_post(client, f"{HOURS}/{record.id}/reject", lead, json=body)) == {
        "reason"}
    assert db.session.get(HourRecord, record.id).status == HourStatus.SUBMITTED


def test_rejecting_with_malformed_json_is_400(client, volunteer, branch, lead):
    record = _recorded(volunteer, branch)
    response = _post(client, f"{HOURS}/{record.id}/reject", lead, data="{",
                     content_type="application/json")
    assert response.status_code == 400


def test_a_batch_is_approved_all_or_nothing(client, volunteer, branch, lead):
    records = [_recorded(volunteer, branch, h, 1) for h in (70, 50, 30)]
    own = _recorded(lead, branch, 90, 1)
    response = _post(client, f"{HOURS}/approve", lead,
                     json={"ids": [records[0].id, own.id, records[1].id]})
    assert response.status_code == 403, response.json
    assert _ledger(volunteer) == [] and {
        db.session.get(HourRecord, r.id).status for r in records} == {HourStatus.SUBMITTED}
    response = _post(client, f"{HOURS}/approve", lead, json={"ids": [records[0].id, 999999]})
    assert response.status_code == 404 and _ledger(volunteer) == []

    response = _post(client, f"{HOURS}/approve", lead, json={"ids": [r.id for r in records]})
    assert response.status_code == 200 and response.json == {"approved": 3}
    assert [e[1] for e in _ledger(volunteer)] == [60, 60, 60]
    again = _post(client, f"{HOURS}/approve", lead, json={"ids": [records[0].id]})
    assert again.status_code == 409


@pytest.mark.parametrize("body", [{}, {"ids": []}, {"ids": [0]}, {"ids": "1"},
                                  {"ids": list(range(1, 102))}])
def test_a_bad_batch_is_422(client, lead, body):
    assert error_field(_post(client, f"{HOURS}/approve", lead, json=body)) == {"ids"}


def test_a_batch_needs_a_token_and_a_lead(client, volunteer, branch):
    record = _recorded(volunteer, branch)
    assert _post(client, f"{HOURS}/approve", json={"ids": [record.id]}).status_code == 401
    response = _post(client, f"{HOURS}/approve", make_lead(make_branch("别的支部")),
                     json={"ids": [record.id]})
    assert response.status_code == 403


# -- corrections -----------------------------------------------------------------------

def test_a_correction_reverses_the_old_records_points(client, volunteer, branch, lead):
    original = _recorded(volunteer, branch, 30, 3)
    body = _body(branch, 30, 2.5, corrects_id=original.id)
    assert _post(client, HOURS, volunteer, json=body).status_code == 409  # not approved yet
    hours.approve(original, lead)
    db.session.commit()
    assert _post(client, HOURS, make_user(is_volunteer=True), json=body).status_code == 403
    response = _post(client, HOURS, volunteer, json=body)
    assert response.status_code == 201, response.json
    correction = response.json
    assert (correction["corrects_id"], correction["status"], correction["hours"]) == (
        original.id, "submitted", 2.5)
    assert _post(client, HOURS, volunteer, json=_body(branch, 30, 2, corrects_id=original.id)
                 ).status_code == 409  # one correction at a time
    assert _post(client, HOURS, volunteer, json=_body(branch, 30, 2, corrects_id=999999)
                 ).status_code == 404

    assert _post(client, f"{HOURS}/{correction['id']}/approve", lead).status_code == 200
    assert _ledger(volunteer) == [
        (PointReason.HOURS_APPROVED, 180, 30, branch.id),
        (PointReason.REVERSAL, -180, -30, branch.id),
        (PointReason.HOURS_APPROVED, 150, 25, branch.id)]
    assert db.session.get(HourRecord, original.id).status == HourStatus.APPROVED  # history
    mine = _get(client, "/api/v1/me/hours", volunteer).json
    assert (mine["approved_hours"], mine["points"]) == (2.5, 25)
    assert [r["id"] for r in mine["items"]] == [correction["id"], original.id]


def test_only_the_volunteer_corrects_their_record(client, volunteer, branch, lead):
    original = _recorded(volunteer, branch)
    hours.approve(original, lead)
    other = _member(branch)
    db.session.commit()
    response = _post(client, HOURS, other, json=_body(branch, corrects_id=original.id))
    assert response.status_code == 403, response.json


# -- reading -----------------------------------------------------------------------------

def test_who_reads_one_record(client, volunteer, branch, lead):
    record = _recorded(volunteer, branch)
    path = f"{HOURS}/{record.id}"
    for reader in (volunteer, lead, make_user(is_admin=True)):
        response = _get(client, path, reader)
        assert response.status_code == 200 and response.json["id"] == record.id
    for outsider in (make_user(), _member(branch), make_lead(make_branch("别的支部"))):
        assert _get(client, path, outsider).status_code == 404
    assert _get(client, path).status_code == 401
    assert _get(client, f"{HOURS}/999999", lead).status_code == 404


def test_who_reads_the_branch_queue(client, volunteer, branch, lead):
    _recorded(volunteer, branch)
    path = f"/api/v1/branches/{branch.id}/hours"
    assert len(_get(client, path, lead).json["items"]) == 1
    assert len(_get(client, path, make_user(is_admin=True)).json["items"]) == 1
    for outsider in (make_user(), volunteer, _member(branch), make_lead(make_branch("别的支部"))):
        assert _get(client, path, outsider).status_code == 403
    assert _get(client, path).status_code == 401
    assert _get(client, "/api/v1/branches/999999/hours", lead).status_code == 404


@pytest.mark.parametrize("query", ["status=pending", "limit=0", "limit=101", "cursor=xyz"])
def test_bad_queue_arguments_are_422(client, lead, branch, query):
    assert error_field(_get(client, f"/api/v1/branches/{branch.id}/hours?{query}", lead))


def test_the_queue_pages_and_shows_what_a_lead_needs(client, volunteer, branch, lead):
    made = [_recorded(volunteer, branch, h, 1) for h in (90, 70, 50, 30)]
    path = f"/api/v1/branches/{branch.id}/hours?limit=3"
    first = _get(client, path, lead).json
    second = _get(client, f"{path}&cursor={first['next_cursor']}", lead).json
    assert [r["id"] for r in first["items"] + second["items"]] == [r.id for r in made]
    assert second["next_cursor"] is None
    item = first["items"][0]
    assert item["volunteer"] == {"id": volunteer.id, "display_name": "王志愿"}
    assert {"hours", "started_at", "ended_at", "description", "place", "served_person",
            "resident_confirmed", "enrollment_id", "help_request_id", "status",
            "reject_reason", "corrects_id"} <= set(item)


def test_the_lists_take_a_fixed_number_of_queries(client, volunteer, branch, lead,
                                                  count_queries):
    others = [_member(branch) for _ in range(3)]
    _recorded(volunteer, branch, 200, 1)
    headers_lead, headers_volunteer = auth(client, lead), auth(client, volunteer)
    queue = f"/api/v1/branches/{branch.id}/hours"
    with count_queries() as few_queue:
        assert len(client.get(queue, headers=headers_lead).json["items"]) == 1
    with count_queries() as few_mine:
        assert len(client.get("/api/v1/me/hours", headers=headers_volunteer).json["items"]) == 1
    for n, user in enumerate(others):
        _recorded(user, branch, 100 + n * 10, 1)
    for h in (30, 50, 70):
        _recorded(volunteer, branch, h, 1)
    with count_queries() as many_queue:
        assert len(client.get(queue, headers=headers_lead).json["items"]) == 7
    with count_queries() as many_mine:
        assert len(client.get("/api/v1/me/hours", headers=headers_volunteer).json["items"]) == 4
    assert many_queue.count == few_queue.count
    assert many_mine.count == few_mine.count


def test_my_hours_totals_points_and_stars(client, volunteer, branch, lead):
    for h in (90, 70, 50):
        hours.approve(_recorded(volunteer, branch, h, 2), lead)
    rejected = _recorded(volunteer, branch, 30, 1)
    hours.reject(rejected, lead, "重复记录")
    _recorded(volunteer, branch, 10, 1)
    db.session.commit()
    response = _get(client, "/api/v1/me/hours?limit=3", volunteer)
    assert response.status_code == 200
    body = response.json
    assert (body["approved_hours"], body["points"], body["stars"]) == (6.0, 60, 0)
    assert [r["status"] for r in body["items"]] == ["submitted", "rejected", "approved"]
    rest = _get(client, f"/api/v1/me/hours?cursor={body['next_cursor']}", volunteer).json
    assert len(rest["items"]) == 2 and rest["next_cursor"] is None
    assert _get(client, "/api/v1/me/hours").status_code == 401
    empty = _get(client, "/api/v1/me/hours", make_user()).json
    assert empty == {"approved_hours": 0.0, "points": 0, "stars": 0, "items": [],
                     "next_cursor": None}


def test_stars_follow_the_ledger(client, volunteer, branch):
    db.session.add(PointEntry(user_id=volunteer.id, branch_id=branch.id,
                              reason=PointReason.ADJUSTMENT, minutes=100 * 60, points=1000))
    db.session.commit()
    body = _get(client, "/api/v1/me/hours", volunteer).json
    assert (body["approved_hours"], body["points"], body["stars"]) == (100.0, 1000, 1)
