"""A volunteer reports an error in one of their hour records; a lead of the
record's branch answers it, with a reason or with a correction.

Rules:
- Only the record's volunteer reports it, and only once it is reviewed
  (approved or rejected): a submitted record waits for its review, where
  the lead can reject it. One open report per record. A record that has a
  correction (waiting or approved) is not reported: the correction is.
- The message is 2-500 characters; an answer 2-200.
- A lead of the record's branch (or of a committee above it) or an admin
  answers; nobody answers their own report.
- A correction is for an approved record only (a rejected one: the
  volunteer records it again, the lead answers with a reason). The lead
  enters the right times and details; the correction is the volunteer's
  record, for the same branch and what it served, recorded by the lead
  (志愿服务记录办法 Art. 7) and approved by the lead at once, in the same
  transaction: its approval reverses the old record's points.
- Every report and answer is in the audit log; the leads of the record's
  branch (and above) are notified of a report, the volunteer of the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..audit.services import record as audit
from ..authz import can_manage_branch
from ..branches.services import lead_ids
from ..db import utcnow
from ..exceptions import Conflict, InvalidInput, NotAllowed, NotFound
from ..extensions import db
from ..locking import lock_row
from ..notifications.services import notify
from ..pagination import Page, SortKey, paginate
from . import services as hours
from .models import HourRecord, HourReport, HourStatus, ReportStatus


class ReportOpenAlready(Conflict):
    message = _l("This record has an open report already; its lead will answer it.")


class NotReviewedYet(Conflict):
    message = _l("This record waits for review: its lead can reject it, and then you "
                 "record it again.")


class HasCorrection(Conflict):
    message = _l("This record has a correction: report the correction if it is wrong.")


class AnsweredAlready(Conflict):
    message = _l("This report has been answered already.")


class OwnReport(NotAllowed):
    message = _l("Nobody answers their own report.")


@dataclass(frozen=True)
class CorrectionData:
    """What the lead enters: the same fields as a record, less the branch
    and what it served (both stay the original's)."""

    started_at: datetime
    ended_at: datetime
    description: str
    place: str
    served_person: str | None = None
    activity_lead: str | None = None
    answer: str | None = None  # an optional word to the volunteer


def get_report(report_id: int) -> HourReport:
    report = db.session.scalar(sa.select(HourReport).where(HourReport.id == report_id)
                               .options(*_WITH_RECORD))
    if report is None:
        raise NotFound()
    return report


def can_view(report: HourReport, user) -> bool:
    """Its volunteer, the leads of the record's branch (and above) and admins."""
    return bool(user and user.is_authenticated and (
        report.volunteer_id == user.id or can_manage_branch(user, report.record.branch)))


def can_answer(report: HourReport, user) -> bool:
    return (report.status == ReportStatus.OPEN and report.volunteer_id != user.id
            and can_manage_branch(user, report.record.branch))


# -- reporting -------------------------------------------------------------------------

def report_error(volunteer, record: HourRecord, message: str) -> HourReport:
    record = lock_row(HourRecord, record.id)  # one open report, even when sent twice
    if record.volunteer_id != volunteer.id:
        raise NotAllowed()
    message = _check_message(message)
    refusal = why_not_reportable(record)
    if refusal is not None:
        raise refusal
    report = HourReport(hour_record_id=record.id, branch_id=record.branch_id,
                        volunteer_id=volunteer.id, message=message)
    db.session.add(report)
    db.session.flush()
    for lead_id in lead_ids(record.branch):
        if lead_id != volunteer.id:  # a lead's own report goes to the others
            notify(lead_id, "hour_report.created", report_id=report.id,
                   hour_record_id=record.id, branch_id=record.branch_id,
                   volunteer=volunteer.display_name)
    audit(volunteer, "hour_report.create", report, hour_record_id=record.id)
    return report


def why_not_reportable(record: HourRecord) -> Conflict | None:
    """Why the record's volunteer cannot report it now, or None when they
    can (the page says so before anything is typed)."""
    if record.status == HourStatus.SUBMITTED:
        return NotReviewedYet()
    if _has_correction(record.id):
        return HasCorrection()
    if open_report_of(record.id) is not None:
        return ReportOpenAlready()
    return None


def _check_message(message: str | None) -> str:
    message = (message or "").strip()
    if not 2 <= len(message) <= 500:
        raise InvalidInput(_l("Please say what is wrong (2-500 characters)."), field="message")
    return message


def _check_answer(answer: str | None, required: bool = True) -> str | None:
    answer = (answer or "").strip()
    if not answer and not required:
        return None
    if not 2 <= len(answer) <= 200:
        raise InvalidInput(_l("Please write an answer (2-200 characters)."), field="answer")
    return answer


def _has_correction(record_id: int) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(
        HourRecord.corrects_id == record_id, HourRecord.status != HourStatus.REJECTED)))


# -- answering ---------------------------------------------------------------------------

def _lock_for_answer(report: HourReport, lead) -> HourReport:
    """Who may answer, before what they wrote; then only an open report."""
    report = lock_row(HourReport, report.id)
    if not can_manage_branch(lead, report.record.branch):
        raise NotAllowed()
    if report.volunteer_id == lead.id:
        raise OwnReport()
    if report.status != ReportStatus.OPEN:
        raise AnsweredAlready()
    return report


def answer(report: HourReport, lead, text: str) -> HourReport:
    """The record stands: the lead says why."""
    report = _lock_for_answer(report, lead)
    text = _check_answer(text)
    report.status, report.answer = ReportStatus.ANSWERED, text
    report.answered_by_id, report.answered_at = lead.id, utcnow()
    notify(report.volunteer_id, "hour_report.answered", report_id=report.id,
           hour_record_id=report.hour_record_id, answer=text)
    audit(lead, "hour_report.answer", report, hour_record_id=report.hour_record_id,
          answer=text)
    return report


def correct(report: HourReport, lead, data: CorrectionData) -> HourRecord:
    """Record the right times and details as the correction of the reported
    record, and approve it: one action, one transaction."""
    report = _lock_for_answer(report, lead)
    original = lock_row(HourRecord, report.hour_record_id)
    if original.volunteer_id == lead.id:
        raise hours.OwnRecord()
    if original.status != HourStatus.APPROVED:
        raise Conflict(_l("Only an approved record is corrected; answer with a reason, and "
                          "the volunteer records the hours again."))
    if _has_correction(original.id):
        raise Conflict(_l("This record has a correction already: review it in the queue."))
    note = _check_answer(data.answer, required=False)
    correction = hours.record_hours(original.volunteer, hours.HourData(
        branch_id=original.branch_id, started_at=data.started_at, ended_at=data.ended_at,
        description=data.description, place=data.place,
        enrollment_id=original.enrollment_id, help_request_id=original.help_request_id,
        served_person=data.served_person, activity_lead=data.activity_lead),
        corrects=original)
    correction.recorded_by_id = lead.id
    audit(lead, "hour_record.correct", correction, corrects=original.id, report=report.id)
    hours.approve(correction, lead)
    report.status, report.correction_id, report.answer = (
        ReportStatus.CORRECTED, correction.id, note)
    report.answered_by_id, report.answered_at = lead.id, utcnow()
    notify(report.volunteer_id, "hour_report.corrected", report_id=report.id,
           hour_record_id=original.id, correction_id=correction.id,
           hours=correction.minutes / 60)
    audit(lead, "hour_report.correct", report, hour_record_id=original.id,
          correction_id=correction.id)
    return correction


# -- reading ---------------------------------------------------------------------------

_WITH_RECORD = (joinedload(HourReport.record).joinedload(HourRecord.branch),
                joinedload(HourReport.volunteer))

STATUS_FILTERS = {"open": ReportStatus.OPEN, "corrected": ReportStatus.CORRECTED,
                  "answered": ReportStatus.ANSWERED, "all": None}


def reports_of(volunteer_id: int, cursor: str | None, limit: int) -> Page:
    """A volunteer's reports, newest first, with their records."""
    stmt = (sa.select(HourReport).where(HourReport.volunteer_id == volunteer_id)
            .options(*_WITH_RECORD))
    return paginate(stmt, [SortKey(HourReport.id, descending=True)], cursor, limit)


def branch_reports(branch_id: int, status: ReportStatus | None, cursor: str | None,
                   limit: int) -> Page:
    """A branch's reports (ix_hour_reports_branch): open ones oldest first,
    as a queue; answered ones (or all) newest first."""
    stmt = (sa.select(HourReport).where(HourReport.branch_id == branch_id)
            .options(*_WITH_RECORD))
    if status is not None:
        stmt = stmt.where(HourReport.status == status)
    key = SortKey(HourReport.id, descending=status != ReportStatus.OPEN)
    return paginate(stmt, [key], cursor, limit)


def open_report_of(record_id: int) -> HourReport | None:
    return db.session.scalar(sa.select(HourReport).where(
        HourReport.hour_record_id == record_id, HourReport.status == ReportStatus.OPEN))
