"""Hours through the pages: record, my hours, correct, and the lead's review."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.branches import services as branches
from marketplace.branches.models import MembershipKind
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.hours import services as hours
from marketplace.hours.models import HourRecord, HourStatus
from marketplace.localtime import utc_to_local

from .factories import make_branch, make_lead, make_user, morning
from .page_helpers import flashes, text


@pytest.fixture
def branch():
    return make_branch("米市巷第一党支部")


@pytest.fixture
def volunteer(branch):
    user = make_user(is_volunteer=True, display_name="王建国")
    branches.add_member(branch, user, MembershipKind.HOME)
    db.session.commit()
    return user


@pytest.fixture
def lead(branch):
    return make_lead(branch, display_name="周书记")


def _form(branch, days_ago=2, start="09:00", end="11:30", **overrides):
    day = utc_to_local(utcnow() - timedelta(days=days_ago)).date()
    values = {"branch_id": branch.id, "day": day.isoformat(), "start": start, "end": end,
              "description": "上门打扫", "place": "米市巷社区"}
    values.update(overrides)
    return values


def _record(volunteer, branch, days_ago=2):
    start = morning(days_ago)
    return hours.record_hours(volunteer, hours.HourData(
        branch_id=branch.id, started_at=start, ended_at=start + timedelta(hours=2),
        description="上门打扫", place="米市巷社区"))


def test_record_hours_through_the_form(client_for, volunteer, branch):
    client = client_for(volunteer)
    assert client.get("/hours/new").status_code == 200
    response = client.post("/hours/new", data=_form(branch))
    assert response.status_code == 302
    record = db.session.scalar(sa.select(HourRecord))
    assert (record.minutes, record.status) == (150, HourStatus.SUBMITTED)
    assert "2.5 h" in text(client.get("/my/hours"))


@pytest.mark.parametrize(("change", "message"), [
    ({"end": "08:00"}, "结束时间必须晚于开始时间"),
    ({"days_ago": -2}, "不能登记将来的服务时长"),
    ({"start": "09:00", "end": "09:20"}, "至少 30 分钟"),
    ({"description": "x"}, "请填写服务内容"),
])
def test_bad_hours_are_refused_with_a_message_and_what_was_typed_kept(
        client_for, volunteer, branch, change, message):
    page = text(client_for(volunteer).post("/hours/new", data=_form(branch, **change)))
    assert message in page
    assert "米市巷社区" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HourRecord)) == 0


def test_overlap_is_refused(client_for, volunteer, branch):
    client = client_for(volunteer)
    client.post("/hours/new", data=_form(branch))
    page = text(client.post("/hours/new", data=_form(branch, start="10:00", end="12:00")))
    assert "重叠" in page


def test_without_a_branch_there_is_nothing_to_record(client_for):
    response = client_for(make_user(is_volunteer=True)).get("/hours/new")
    assert response.status_code == 302


def test_review_queue_is_for_the_branchs_leads(client_for, volunteer, branch, lead):
    _record(volunteer, branch)
    db.session.commit()
    path = f"/branches/{branch.id}/review"
    assert client_for().get(path).status_code == 302
    other_lead = make_lead(make_branch("别的支部"))
    for user in (volunteer, make_user(), other_lead):
        assert client_for(user).get(path).status_code == 403
    page = text(client_for(lead).get(path))
    assert "王建国" in page and "居民未确认" in page


def test_approve_reject_and_batch(client_for, volunteer, branch, lead):
    records = [_record(volunteer, branch, days_ago=d) for d in (2, 3, 4, 5)]
    db.session.commit()
    client = client_for(lead)
    client.post(f"/hours/{records[0].id}/approve")
    client.post(f"/hours/{records[1].id}/reject", data={"reason": "时间不符"})
    response = client.post(f"/branches/{branch.id}/review/approve",
                           data={"ids": [records[2].id, records[3].id]})
    assert "已通过 2 条记录。" in flashes(text(client.get(response.headers["Location"])))
    statuses = [db.session.get(HourRecord, r.id).status for r in records]
    assert statuses == [HourStatus.APPROVED, HourStatus.REJECTED, HourStatus.APPROVED,
                        HourStatus.APPROVED]
    assert "没有待审核的记录" in text(client.get(f"/branches/{branch.id}/review"))


def test_others_cannot_review(client_for, volunteer, branch):
    record = _record(volunteer, branch)
    db.session.commit()
    other_lead = make_lead(make_branch("别的支部"))
    for user in (volunteer, other_lead, make_user()):
        assert client_for(user).post(f"/hours/{record.id}/approve").status_code == 403
        assert client_for(user).post(f"/hours/{record.id}/reject",
                                     data={"reason": "不行"}).status_code == 403
    assert db.session.get(HourRecord, record.id).status == HourStatus.SUBMITTED


def test_a_reviewed_record_is_not_reviewed_again(client_for, volunteer, branch, lead):
    record = _record(volunteer, branch)
    db.session.commit()
    client = client_for(lead)
    client.post(f"/hours/{record.id}/approve")
    response = client.post(f"/hours/{record.id}/reject", data={"reason": "改主意了"})
    assert "这条记录已经审核过了。" in flashes(text(client.get(response.headers["Location"])))
    assert db.session.get(HourRecord, record.id).status == HourStatus.APPROVED


def test_correct_an_approved_record(client_for, volunteer, branch, lead):
    record = _record(volunteer, branch)
    hours.approve(record, lead)
    db.session.commit()
    client = client_for(volunteer)
    assert "上门打扫" in text(client.get(f"/hours/{record.id}/correct"))
    day = utc_to_local(record.started_at)
    response = client.post(f"/hours/{record.id}/correct", data=_form(
        branch, days_ago=2, start=day.strftime("%H:%M"),
        end=(day + timedelta(hours=1)).strftime("%H:%M")) | {"day": day.date().isoformat()})
    assert response.status_code == 302
    correction = db.session.scalar(sa.select(HourRecord).filter_by(corrects_id=record.id))
    assert correction.minutes == 60
    assert client_for(make_user()).get(f"/hours/{record.id}/correct").status_code == 404


def test_the_member_filter_offers_only_members_with_records_waiting(client_for, volunteer,
                                                                    branch, lead):
    idle = make_user(is_volunteer=True, display_name="赵小明")
    branches.add_member(branch, idle, MembershipKind.HOME)
    _record(volunteer, branch)
    db.session.commit()
    page = text(client_for(lead).get(f"/branches/{branch.id}/review"))
    assert f'<option value="{volunteer.id}">' in page
    assert "赵小明" not in page  # a member of the branch, with nothing to review


def test_review_queue_filters_and_the_residents_rating(client_for, volunteer, branch, lead):
    from marketplace.enrollments import services as enrollments

    from .factories import make_service

    other = make_user(is_volunteer=True, display_name="李秀英")
    branches.add_member(branch, other, MembershipKind.HOME)
    service = make_service(volunteer=volunteer, auto_confirm=True, starts_at=None, ends_at=None)
    enrollment = enrollments.join(service.id, make_user(), "13800000000")
    enrollments.complete(enrollment, volunteer)
    enrollments.rate(enrollment, enrollment.resident, 4, "很细心")
    start = utcnow() - timedelta(days=2)
    linked = hours.record_hours(volunteer, hours.HourData(
        branch_id=branch.id, started_at=start, ended_at=start + timedelta(hours=1),
        description="上门维修空调", place="居民家", enrollment_id=enrollment.id))
    unlinked = _record(other, branch, days_ago=3)
    db.session.commit()
    client = client_for(lead)
    path = f"/branches/{branch.id}/review"

    page = text(client.get(path))
    assert "上门维修空调" in page and "李秀英" in page and "很细心" in page
    page = text(client.get(f"{path}?member={other.id}"))
    assert "李秀英 · 2.0 h" in page and "上门维修空调" not in page
    page = text(client.get(f"{path}?linked=yes"))
    assert "上门维修空调" in page and f'id="pick-{unlinked.id}"' not in page
    page = text(client.get(f"{path}?linked=no"))
    assert f'id="pick-{linked.id}"' not in page and f'id="pick-{unlinked.id}"' in page
    month = utc_to_local(start).strftime("%Y-%m")
    assert f'id="pick-{linked.id}"' in text(client.get(f"{path}?month={month}"))
    assert f'id="pick-{linked.id}"' not in text(client.get(f"{path}?month=2001-01"))
    assert client.get(f"{path}?month=bogus&member=999999").status_code == 200
