"""Reported errors in hour records: the volunteer reports one of their own
reviewed records (once at a time), a lead of its branch answers with a
reason or a correction approved at once (its points reversed), nobody
answers their own; notifications and audit entries; the pages and who
may reach them."""

import html
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.audit.models import AuditEntry
from marketplace.branches import services as branches
from marketplace.branches.models import BranchKind, MembershipKind, MembershipRole
from marketplace.db import utcnow
from marketplace.exceptions import Conflict, InvalidInput, NotAllowed
from marketplace.extensions import db
from marketplace.hours import queries
from marketplace.hours import reports as rules
from marketplace.hours import services as hours
from marketplace.hours.models import (
    HourRecord,
    HourReport,
    HourStatus,
    PointEntry,
    PointReason,
    ReportStatus,
)
from marketplace.localtime import utc_to_local
from marketplace.notifications.models import Notification

from .factories import make_branch, make_hour_record, make_lead, make_user
from .page_helpers import flashes, text


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
def volunteer(branch):
    user = make_user(is_volunteer=True, display_name="王建国")
    branches.add_member(branch, user, MembershipKind.HOME)
    db.session.commit()
    return user


def _approved(volunteer, branch, lead, days_ago=3, length=2.0) -> HourRecord:
    return make_hour_record(volunteer, branch, days_ago, length, approved_by=lead)


def _reported(volunteer, record, message="结束时间应是11:30") -> HourReport:
    report = rules.report_error(volunteer, record, message)
    db.session.commit()
    return report


def _correction(record, length=1.0, **overrides) -> rules.CorrectionData:
    values = dict(started_at=record.started_at,
                  ended_at=record.started_at + timedelta(hours=length),
                  description="上门打扫(更正)", place="米市巷社区")
    return rules.CorrectionData(**(values | overrides))


def _ledger(user) -> list[tuple]:
    return list(db.session.execute(
        sa.select(PointEntry.reason, PointEntry.minutes, PointEntry.points)
        .where(PointEntry.user_id == user.id).order_by(PointEntry.id)))


def _notes(user, kind) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind)))


def _audit(action) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def said(message: str) -> str:
    return str(_l(message))


# -- reporting -------------------------------------------------------------------------

def test_a_volunteer_reports_their_reviewed_record(volunteer, branch, lead, committee):
    committee_lead = make_lead(committee)
    record = _approved(volunteer, branch, lead)
    report = _reported(volunteer, record, "  结束时间应是11:30  ")
    assert (report.status, report.message, report.branch_id) == (
        ReportStatus.OPEN, "结束时间应是11:30", branch.id)
    for told in (lead, committee_lead):
        (note,) = _notes(told, "hour_report.created")
        assert note.params["report_id"] == report.id
    assert _notes(volunteer, "hour_report.created") == []
    (entry,) = _audit("hour_report.create")
    assert (entry.actor_id, entry.target_id) == (volunteer.id, report.id)

    rejected = make_hour_record(volunteer, branch, days_ago=5)
    hours.reject(rejected, lead, "没有这次活动")
    db.session.commit()
    assert _reported(volunteer, rejected).status == ReportStatus.OPEN


def test_only_ones_own_reviewed_record_once_at_a_time(volunteer, branch, lead):
    waiting = make_hour_record(volunteer, branch, days_ago=6)
    with pytest.raises(rules.NotReviewedYet):
        rules.report_error(volunteer, waiting, "时间不对")
    db.session.rollback()
    record = _approved(volunteer, branch, lead)
    with pytest.raises(NotAllowed):
        rules.report_error(make_user(is_volunteer=True), record, "时间不对")
    db.session.rollback()
    with pytest.raises(NotAllowed):
        rules.report_error(lead, record, "时间不对")  # the lead answers, not reports
    db.session.rollback()
    _reported(volunteer, record)
    with pytest.raises(rules.ReportOpenAlready):
        rules.report_error(volunteer, record, "再说一次")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HourReport)) == 1


@pytest.mark.parametrize("message", ["", " x ", "x" * 501])
def test_the_message_is_two_to_five_hundred_characters(volunteer, branch, lead, message):
    record = _approved(volunteer, branch, lead)
    with pytest.raises(InvalidInput) as refused:
        rules.report_error(volunteer, record, message)
    assert refused.value.field == "message"


def test_a_record_with_a_correction_is_not_reported(volunteer, branch, lead):
    record = _approved(volunteer, branch, lead)
    hours.correct_record(record, volunteer, hours.HourData(
        branch_id=branch.id, started_at=record.started_at,
        ended_at=record.started_at + timedelta(hours=1), description="更正", place="米市巷社区"))
    db.session.commit()
    with pytest.raises(rules.HasCorrection):
        rules.report_error(volunteer, record, "时间不对")


def test_after_an_answer_the_record_can_be_reported_again(volunteer, branch, lead):
    record = _approved(volunteer, branch, lead)
    rules.answer(_reported(volunteer, record), lead, "签到表上就是两小时")
    db.session.commit()
    assert _reported(volunteer, record, "签到表记错了").status == ReportStatus.OPEN


# -- answering --------------------------------------------------------------------------

def test_the_lead_answers_with_a_reason(volunteer, branch, lead):
    record = _approved(volunteer, branch, lead)
    report = _reported(volunteer, record)
    rules.answer(report, lead, "  签到表上就是两小时  ")
    db.session.commit()
    assert (report.status, report.answer, report.answered_by_id) == (
        ReportStatus.ANSWERED, "签到表上就是两小时", lead.id)
    assert report.answered_at is not None
    (note,) = _notes(volunteer, "hour_report.answered")
    assert note.params["answer"] == "签到表上就是两小时"
    (entry,) = _audit("hour_report.answer")
    assert entry.actor_id == lead.id and entry.target_id == report.id
    with pytest.raises(rules.AnsweredAlready):
        rules.answer(report, lead, "再答一次")
    db.session.rollback()
    assert _ledger(volunteer) == [(PointReason.HOURS_APPROVED, 120, 20)]  # unchanged


@pytest.mark.parametrize("answer", ["", "x", "x" * 201])
def test_an_answer_is_two_to_two_hundred_characters(volunteer, branch, lead, answer):
    report = _reported(volunteer, _approved(volunteer, branch, lead))
    with pytest.raises(InvalidInput) as refused:
        rules.answer(report, lead, answer)
    assert refused.value.field == "answer"


def test_the_lead_corrects_it_approved_at_once_and_points_reversed(volunteer, branch, lead):
    record = _approved(volunteer, branch, lead, length=2)
    report = _reported(volunteer, record)
    correction = rules.correct(report, lead, _correction(record, length=1, answer="已更正"))
    db.session.commit()

    assert (correction.status, correction.corrects_id, correction.volunteer_id) == (
        HourStatus.APPROVED, record.id, volunteer.id)
    assert correction.recorded_by_id == lead.id and correction.reviewed_by_id == lead.id
    assert correction.branch_id == branch.id and correction.minutes == 60
    assert (report.status, report.correction_id, report.answer) == (
        ReportStatus.CORRECTED, correction.id, "已更正")
    assert _ledger(volunteer) == [(PointReason.HOURS_APPROVED, 120, 20),
                                  (PointReason.REVERSAL, -120, -20),
                                  (PointReason.HOURS_APPROVED, 60, 10)]
    totals = queries.volunteer_totals(volunteer.id)
    assert (totals.approved_minutes, totals.points) == (60, 10)
    db.session.refresh(record)
    assert record.status == HourStatus.APPROVED and record.minutes == 120  # never changed
    (note,) = _notes(volunteer, "hour_report.corrected")
    assert note.params["correction_id"] == correction.id and note.params["hours"] == 1.0
    assert {e.action for e in db.session.scalars(sa.select(AuditEntry))} >= {
        "hour_record.correct", "hour_record.approve", "hour_report.correct"}


def test_a_bad_correction_changes_nothing(volunteer, branch, lead):
    record = _approved(volunteer, branch, lead)
    report = _reported(volunteer, record)
    with pytest.raises(InvalidInput) as refused:
        rules.correct(report, lead, _correction(record, length=-1))
    assert refused.value.field == "ended_at"
    db.session.rollback()
    with pytest.raises(InvalidInput) as refused:
        rules.correct(report, lead, _correction(
            record, started_at=utcnow() + timedelta(hours=1),
            ended_at=utcnow() + timedelta(hours=2)))
    db.session.rollback()
    db.session.refresh(report)
    assert report.status == ReportStatus.OPEN
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HourRecord)) == 1
    assert len(_ledger(volunteer)) == 1


def test_a_rejected_record_gets_a_reason_not_a_correction(volunteer, branch, lead):
    record = make_hour_record(volunteer, branch)
    hours.reject(record, lead, "没有这次活动")
    db.session.commit()
    report = _reported(volunteer, record)
    with pytest.raises(Conflict):
        rules.correct(report, lead, _correction(record))
    db.session.rollback()
    rules.answer(report, lead, "请重新登记")
    db.session.commit()
    assert report.status == ReportStatus.ANSWERED


def test_nobody_answers_their_own_report(branch, lead):
    other_lead = make_lead(branch)
    record = _approved(lead, branch, other_lead)  # the lead's own hours
    report = _reported(lead, record)
    assert _notes(other_lead, "hour_report.created") and not _notes(lead, "hour_report.created")
    with pytest.raises(rules.OwnReport):
        rules.answer(report, lead, "我自己说了算")
    db.session.rollback()
    with pytest.raises(NotAllowed):
        rules.correct(report, lead, _correction(record))
    db.session.rollback()
    assert not rules.can_answer(report, lead) and rules.can_answer(report, other_lead)


def test_who_may_answer(volunteer, branch, lead, committee):
    record = _approved(volunteer, branch, lead)
    report = _reported(volunteer, record)
    for stranger in (make_lead(make_branch("别的支部")), make_user(is_volunteer=True)):
        with pytest.raises(NotAllowed):
            rules.answer(report, stranger, "不归你管")
        db.session.rollback()
        assert not rules.can_view(report, stranger)
    rules.answer(report, make_lead(committee), "上级党委答复")
    db.session.commit()
    assert report.status == ReportStatus.ANSWERED
    other = _reported(volunteer, _approved(volunteer, branch, lead, days_ago=5))
    rules.correct(other, make_user(is_admin=True), _correction(other.record))
    db.session.commit()
    assert other.status == ReportStatus.CORRECTED


# -- pages: the volunteer -------------------------------------------------------------------

def test_report_through_the_page(client_for, volunteer, branch, lead):
    record = _approved(volunteer, branch, lead)
    client = client_for(volunteer)
    assert 'name="message"' in text(client.get(f"/hours/{record.id}/report"))
    response = client.post(f"/hours/{record.id}/report", data={"message": "结束时间应是11:30"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/my/reports")
    report = db.session.scalar(sa.select(HourReport))
    assert report.message == "结束时间应是11:30"
    page = text(client.get("/my/reports"))
    assert "结束时间应是11:30" in page and "上门打扫" in page
    again = html.unescape(text(client.get(f"/hours/{record.id}/report")))
    assert said(rules.ReportOpenAlready.message._args[0]) in again
    assert 'name="message"' not in again


def test_a_short_message_is_refused_and_kept(client_for, volunteer, branch, lead):
    record = _approved(volunteer, branch, lead)
    response = client_for(volunteer).post(f"/hours/{record.id}/report", data={"message": "x"})
    page = html.unescape(text(response))
    assert response.status_code == 200 and "\nx</textarea>" in page
    assert said("Please say what is wrong (2-500 characters).") in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HourReport)) == 0


def test_a_record_waiting_for_review_says_so_before_typing(client_for, volunteer, branch):
    record = make_hour_record(volunteer, branch)
    page = html.unescape(text(client_for(volunteer).get(f"/hours/{record.id}/report")))
    assert said(rules.NotReviewedYet.message._args[0]) in page
    assert 'name="message"' not in page


def test_only_the_records_volunteer_reaches_the_report_page(client, client_for, volunteer,
                                                            branch, lead):
    record = _approved(volunteer, branch, lead)
    path = f"/hours/{record.id}/report"
    for other in (make_user(is_volunteer=True), lead):
        assert client_for(other).get(path).status_code == 404
        assert client_for(other).post(path, data={"message": "时间不对"}).status_code == 404
    assert client_for(volunteer).get("/hours/999999/report").status_code == 404
    for anonymous in (client.get(path), client.get("/my/reports")):
        assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HourReport)) == 0


# -- pages: the lead ----------------------------------------------------------------------

def test_the_lead_sees_the_branch_reports(client_for, volunteer, branch, lead):
    record = _approved(volunteer, branch, lead)
    report = _reported(volunteer, record)
    page = text(client_for(lead).get(f"/branches/{branch.id}/reports"))
    assert "王建国" in page and "结束时间应是11:30" in page
    assert f"/reports/{report.id}" in page
    rules.answer(report, lead, "签到表上就是两小时")
    db.session.commit()
    assert "结束时间应是11:30" not in text(client_for(lead).get(
        f"/branches/{branch.id}/reports"))
    answered = text(client_for(lead).get(f"/branches/{branch.id}/reports?status=answered"))
    assert "签到表上就是两小时" in answered


def test_the_branch_reports_page_is_for_its_leads(client, client_for, volunteer, branch,
                                                   lead):
    path = f"/branches/{branch.id}/reports"
    for stranger in (volunteer, make_lead(make_branch("别的支部"))):
        assert client_for(stranger).get(path).status_code == 403
    assert client_for(make_user(is_admin=True)).get(path).status_code == 200
    assert client_for(lead).get("/branches/999999/reports").status_code == 404
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_who_sees_a_report(client_for, volunteer, branch, lead, committee):
    report = _reported(volunteer, _approved(volunteer, branch, lead))
    path = f"/reports/{report.id}"
    for allowed in (volunteer, lead, make_lead(committee), make_user(is_admin=True)):
        assert client_for(allowed).get(path).status_code == 200
    for stranger in (make_user(is_volunteer=True), make_lead(make_branch("别的支部"))):
        assert client_for(stranger).get(path).status_code == 404
    volunteer_page = text(client_for(volunteer).get(path))
    assert 'name="answer"' not in volunteer_page  # the volunteer only reads
    assert 'name="answer"' in text(client_for(lead).get(path))


def test_answer_through_the_page(client_for, volunteer, branch, lead):
    report = _reported(volunteer, _approved(volunteer, branch, lead))
    path = f"/reports/{report.id}/answer"
    refused = client_for(lead).post(path, data={"answer": "x"})
    assert refused.status_code == 200 and "\nx</textarea>" in text(refused)
    response = client_for(lead).post(path, data={"answer": "签到表上就是两小时"})
    assert response.status_code == 302
    db.session.refresh(report)
    assert (report.status, report.answer) == (ReportStatus.ANSWERED, "签到表上就是两小时")
    assert "签到表上就是两小时" in text(client_for(volunteer).get("/my/reports"))


def test_forbidden_answers_through_the_page(client_for, volunteer, branch, lead):
    report = _reported(volunteer, _approved(volunteer, branch, lead))
    for path in (f"/reports/{report.id}/answer", f"/reports/{report.id}/correct"):
        for stranger in (make_lead(make_branch("别的支部")), volunteer,
                         make_user(is_volunteer=True)):
            assert client_for(stranger).post(path, data={"answer": "不归你管"}).status_code == 403
    assert client_for(lead).post("/reports/999999/answer",
                                 data={"answer": "没有"}).status_code == 404
    db.session.refresh(report)
    assert report.status == ReportStatus.OPEN


def test_a_lead_cannot_answer_their_own_report_on_the_page(client_for, branch, lead):
    other_lead = make_lead(branch)
    report = _reported(lead, _approved(lead, branch, other_lead))
    page = text(client_for(lead).get(f"/reports/{report.id}"))
    assert 'name="answer"' not in page
    response = client_for(lead).post(f"/reports/{report.id}/answer",
                                     data={"answer": "我自己说了算"})
    assert said(rules.OwnReport.message._args[0]) in flashes(text(response))
    db.session.refresh(report)
    assert report.status == ReportStatus.OPEN


def _correction_form(record, start="09:00", end="10:00", **overrides):
    day = utc_to_local(record.started_at).date()
    values = {"day": day.isoformat(), "start": start, "end": end,
              "description": "上门打扫(更正)", "place": "米市巷社区东区", "answer": "已更正"}
    return values | overrides


def test_correct_through_the_page(client_for, volunteer, branch, lead):
    record = _approved(volunteer, branch, lead, days_ago=4)
    report = _reported(volunteer, record)
    form_page = html.unescape(text(client_for(lead).get(f"/reports/{report.id}")))
    assert 'value="米市巷社区"' in form_page  # filled with the reported record
    response = client_for(lead).post(f"/reports/{report.id}/correct",
                                     data=_correction_form(record))
    assert response.status_code == 302
    db.session.refresh(report)
    correction = db.session.get(HourRecord, report.correction_id)
    assert report.status == ReportStatus.CORRECTED
    assert (correction.status, correction.minutes, correction.place) == (
        HourStatus.APPROVED, 60, "米市巷社区东区")
    assert queries.volunteer_totals(volunteer.id).approved_minutes == 60
    page = text(client_for(volunteer).get(f"/reports/{report.id}"))
    assert "上门打扫(更正)" in page


def test_a_bad_correction_on_the_page_keeps_what_was_typed(client_for, volunteer, branch,
                                                           lead):
    record = _approved(volunteer, branch, lead, days_ago=4)
    report = _reported(volunteer, record)
    response = client_for(lead).post(f"/reports/{report.id}/correct",
                                     data=_correction_form(record, start="11:00",
                                                           end="10:00"))
    page = html.unescape(text(response))
    assert response.status_code == 200
    assert 'value="米市巷社区东区"' in page and said("The end must be after the start.") in page
    db.session.refresh(report)
    assert report.status == ReportStatus.OPEN
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HourRecord)) == 1


# -- query counts --------------------------------------------------------------------------

def _member(branch):
    user = make_user(is_volunteer=True)
    branches.add_member(branch, user, MembershipKind.FUNCTIONAL, MembershipRole.MEMBER)
    db.session.commit()
    return user


@pytest.mark.parametrize("page", ["branch", "mine"])
def test_report_lists_queries_do_not_grow_with_rows(client_for, branch, lead, count_queries,
                                                    page):
    volunteer = _member(branch)
    path = f"/branches/{branch.id}/reports" if page == "branch" else "/my/reports"
    client = client_for(lead if page == "branch" else volunteer)

    def measured():
        with count_queries() as counter:
            assert client.get(path).status_code == 200
        return counter.count

    _reported(volunteer, _approved(volunteer, branch, lead, days_ago=1))
    few = measured()
    for day in range(2, 21):
        member = volunteer if page == "mine" else _member(branch)
        _reported(member, _approved(member, branch, lead, days_ago=day))
    assert text(client.get(path)).count("badge text-bg-warning") == 20
    assert measured() == few
