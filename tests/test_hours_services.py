"""The hour-record rules, without HTTP: recording, review, corrections, points."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.branches import services as branches
from marketplace.branches.models import BranchKind, MembershipKind, MembershipRole
from marketplace.db import utcnow
from marketplace.enrollments import services as enrollments
from marketplace.exceptions import Conflict, InvalidInput, NotAllowed
from marketplace.extensions import db
from marketplace.hours import services as hours
from marketplace.hours.models import HourStatus, PointEntry, PointReason
from marketplace.hours.points import points_for
from marketplace.localtime import local_day_start
from marketplace.notifications.models import Notification

from .factories import make_branch, make_lead, make_service, make_user


@pytest.fixture
def branch():
    return make_branch("米市巷第一党支部")


@pytest.fixture
def volunteer(branch):
    user = make_user(is_volunteer=True)
    branches.add_member(branch, user, MembershipKind.HOME)
    db.session.commit()
    return user


@pytest.fixture
def lead(branch):
    return make_lead(branch)


def _data(branch, hours_ago=30, length=2.0, **overrides):
    start = (utcnow() - timedelta(hours=hours_ago)).replace(minute=0, second=0, microsecond=0)
    values = dict(branch_id=branch.id, started_at=start,
                  ended_at=start + timedelta(hours=length), description="上门打扫",
                  place="米市巷社区")
    values.update(overrides)
    return hours.HourData(**values)


def _points(user):
    return db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(PointEntry.minutes), 0),
                  sa.func.coalesce(sa.func.sum(PointEntry.points), 0))
        .where(PointEntry.user_id == user.id)).one()


def test_record_and_approve_earns_points(volunteer, branch, lead):
    record = hours.record_hours(volunteer, _data(branch, length=2.5))
    assert (record.status, record.minutes, record.recorded_by_id) == (
        HourStatus.SUBMITTED, 150, volunteer.id)
    hours.approve(record, lead)
    assert record.status == HourStatus.APPROVED and record.reviewed_by_id == lead.id
    assert tuple(_points(volunteer)) == (150, 25)
    kinds = db.session.scalars(sa.select(Notification.kind).filter_by(user_id=volunteer.id))
    assert list(kinds) == ["hours.approved"]
    assert db.session.scalar(sa.select(AuditEntry.action).where(
        AuditEntry.target_type == "hour_records", AuditEntry.target_id == record.id)
    ) == "hour_record.approve"


def test_time_rounds_down_to_half_hours(volunteer, branch):
    start = utcnow() - timedelta(days=2)
    record = hours.record_hours(volunteer, _data(branch, started_at=start,
                                                 ended_at=start + timedelta(minutes=100)))
    assert record.minutes == 90


@pytest.mark.parametrize(("change", "field"), [
    ({"length": -1}, "ended_at"),                      # end before start
    ({"hours_ago": 1, "length": 3}, "ended_at"),       # ends in the future
    ({"length": 0.4}, "ended_at"),                     # under half an hour
    ({"length": 25}, "ended_at"),                      # over a day
    ({"description": "x"}, "description"),
    ({"place": " "}, "place"),
])
def test_bad_records_name_their_field(volunteer, branch, change, field):
    with pytest.raises(InvalidInput) as caught:
        hours.record_hours(volunteer, _data(branch, **change))
    assert caught.value.field == field


def test_only_ones_own_branch(volunteer):
    other = make_branch("别的支部")
    with pytest.raises(InvalidInput) as caught:
        hours.record_hours(volunteer, _data(other))
    assert caught.value.field == "branch_id"


def test_a_functional_branch_counts_too(volunteer):
    functional = make_branch("互联网企业联合党支部")
    branches.add_member(functional, volunteer, MembershipKind.FUNCTIONAL)
    assert hours.record_hours(volunteer, _data(functional)).branch_id == functional.id


def test_no_overlap_with_ones_other_records(volunteer, branch):
    hours.record_hours(volunteer, _data(branch, hours_ago=30, length=2))
    with pytest.raises(InvalidInput) as caught:
        hours.record_hours(volunteer, _data(branch, hours_ago=29, length=2))
    assert caught.value.field == "started_at"
    hours.record_hours(volunteer, _data(branch, hours_ago=28, length=1))  # touching is fine


def test_a_rejected_record_does_not_block_the_time(volunteer, branch, lead):
    record = hours.record_hours(volunteer, _data(branch))
    hours.reject(record, lead, "时间不对")
    assert hours.record_hours(volunteer, _data(branch)).status == HourStatus.SUBMITTED


def test_at_most_24_hours_for_a_day(volunteer, branch):
    start = local_day_start((utcnow() - timedelta(days=3)).date())
    hours.record_hours(volunteer, _data(branch, started_at=start,
                                        ended_at=start + timedelta(hours=23, minutes=30)))
    late = start + timedelta(hours=23, minutes=30)
    with pytest.raises(InvalidInput) as caught:
        hours.record_hours(volunteer, _data(branch, started_at=late,
                                            ended_at=late + timedelta(hours=2)))
    assert caught.value.field == "started_at"


def test_who_may_review(volunteer, branch, lead):
    record = hours.record_hours(volunteer, _data(branch))
    other_lead = make_lead(make_branch("别的支部"))
    for reviewer in (volunteer, make_user(), other_lead):
        with pytest.raises(NotAllowed):
            hours.approve(record, reviewer)
    committee = make_branch("联合党委", kind=BranchKind.COMMITTEE)
    branch.parent, branch.path = committee, f"{committee.path}{branch.id}/"
    committee_lead = make_lead(committee)
    hours.approve(record, committee_lead)
    assert record.status == HourStatus.APPROVED


def test_nobody_reviews_their_own_hours(branch, lead):
    record = hours.record_hours(lead, _data(branch))
    with pytest.raises(NotAllowed):
        hours.approve(record, lead)


def test_reviewed_once_and_rejection_needs_a_reason(volunteer, branch, lead):
    record = hours.record_hours(volunteer, _data(branch))
    with pytest.raises(InvalidInput):
        hours.reject(record, lead, " ")
    hours.reject(record, lead, "与活动记录不符")
    assert record.reject_reason == "与活动记录不符"
    for step in (lambda: hours.approve(record, lead),
                 lambda: hours.reject(record, lead, "再拒一次")):
        with pytest.raises(Conflict):
            step()
    assert tuple(_points(volunteer)) == (0, 0)


def test_approving_a_selection(volunteer, branch, lead):
    records = [hours.record_hours(volunteer, _data(branch, hours_ago=h, length=1))
               for h in (50, 40, 30)]
    assert hours.approve_many(records, lead) == 3
    assert {r.status for r in records} == {HourStatus.APPROVED}


def test_a_correction_replaces_an_approved_record_and_reverses_its_points(volunteer, branch,
                                                                         lead):
    original = hours.record_hours(volunteer, _data(branch, length=3))
    with pytest.raises(Conflict):
        hours.correct_record(original, volunteer, _data(branch, length=2.5))  # not approved
    hours.approve(original, lead)
    correction = hours.correct_record(original, volunteer, _data(branch, length=2.5))
    assert correction.corrects_id == original.id and correction.status == HourStatus.SUBMITTED
    with pytest.raises(Conflict):
        hours.correct_record(original, volunteer, _data(branch, length=2))
    hours.approve(correction, lead)
    assert original.status == HourStatus.APPROVED  # never changed, still in the history
    assert tuple(_points(volunteer)) == (150, points_for(150))
    reversal = db.session.scalar(sa.select(PointEntry).filter_by(reason=PointReason.REVERSAL))
    assert (reversal.minutes, reversal.points) == (-180, -30)
    # the replaced record no longer blocks its last half hour
    freed = correction.ended_at
    hours.record_hours(volunteer, _data(branch, started_at=freed,
                                        ended_at=freed + timedelta(minutes=30)))


def test_only_the_volunteer_corrects(volunteer, branch, lead):
    original = hours.record_hours(volunteer, _data(branch))
    hours.approve(original, lead)
    with pytest.raises(NotAllowed):
        hours.correct_record(original, make_user(is_volunteer=True), _data(branch))


def test_a_record_of_a_confirmed_visit_earns_the_bonus(volunteer, branch, lead):
    service = make_service(volunteer=volunteer, auto_confirm=True, starts_at=None, ends_at=None)
    enrollment = enrollments.join(service.id, make_user(display_name="刘奶奶"), "13800000000")
    enrollments.complete(enrollment, volunteer)
    enrollments.confirm_happened(enrollment, enrollment.resident)
    record = hours.record_hours(volunteer, _data(branch, length=1, enrollment_id=enrollment.id))
    assert record.served_person == "刘奶奶" and record.resident_confirmed_at is not None
    hours.approve(record, lead)
    assert tuple(_points(volunteer)) == (60, points_for(60, True)) == (60, 12)


def test_only_ones_own_completed_enrollment_is_linked(volunteer, branch):
    service = make_service(volunteer=make_user(is_volunteer=True), auto_confirm=True)
    enrollment = enrollments.join(service.id, make_user(), "13800000000")
    with pytest.raises(InvalidInput) as caught:
        hours.record_hours(volunteer, _data(branch, enrollment_id=enrollment.id))
    assert caught.value.field == "enrollment_id"


def test_lead_role_is_needed_even_for_members(volunteer, branch):
    record = hours.record_hours(volunteer, _data(branch))
    member = make_user(is_volunteer=True)
    branches.add_member(branch, member, MembershipKind.HOME, MembershipRole.MEMBER)
    with pytest.raises(NotAllowed):
        hours.approve(record, member)


def _served_enrollment(volunteer, resident):
    service = make_service(volunteer=volunteer, auto_confirm=True, starts_at=None, ends_at=None)
    enrollment = enrollments.join(service.id, resident, "13800000000")
    return enrollment


def test_the_visit_code_confirms_the_record(volunteer, branch, lead):
    enrollment = _served_enrollment(volunteer, make_user())
    code = enrollment.visit_code
    assert code and len(code) == 6 and code.isdigit()
    enrollments.complete(enrollment, volunteer)
    with pytest.raises(InvalidInput) as caught:
        hours.record_hours(volunteer, _data(branch, enrollment_id=enrollment.id,
                                            visit_code="000000" if code != "000000" else "1"))
    assert caught.value.field == "visit_code"
    record = hours.record_hours(volunteer, _data(branch, length=1, enrollment_id=enrollment.id,
                                                 visit_code=code))
    assert record.resident_confirmed_at is not None
    with pytest.raises(InvalidInput):  # one time only
        hours.record_hours(volunteer, _data(branch, hours_ago=50, enrollment_id=enrollment.id,
                                            visit_code=code))


def test_a_code_needs_something_it_belongs_to(volunteer, branch):
    with pytest.raises(InvalidInput) as caught:
        hours.record_hours(volunteer, _data(branch, visit_code="123456"))
    assert caught.value.field == "visit_code"


def test_the_volunteer_never_sees_the_code(app, volunteer, client_for):
    resident = make_user()
    enrollment = _served_enrollment(volunteer, resident)
    db.session.commit()
    code = enrollment.visit_code
    page = client_for(volunteer).get(f"/my/services/{enrollment.service_id}?tab=confirmed")
    assert page.status_code == 200 and code not in page.get_data(as_text=True)
    assert code in client_for(resident).get("/my/enrollments").get_data(as_text=True)


def test_accepting_a_help_offer_gives_the_requester_a_code(volunteer, branch):
    from marketplace.help import services as help_requests
    from marketplace.listings.categories import ensure_default_categories

    requester = make_user()
    request = help_requests.post_request(requester, help_requests.HelpRequestData(
        title="换灯泡", details="厨房灯泡坏了", community="米市巷社区", contact="13800000000",
        category_id=ensure_default_categories()["convenience"].id))
    offer = help_requests.offer_help(request, volunteer, "我来")
    assert request.visit_code is None
    help_requests.accept_offer(offer, requester)
    record = hours.record_hours(volunteer, _data(branch, help_request_id=request.id,
                                                 visit_code=request.visit_code))
    assert record.resident_confirmed_at is not None and record.served_person == \
        requester.display_name
