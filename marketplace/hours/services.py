"""The rules of volunteer hour records (志愿服务记录) and their review.

A volunteer records service time for one of their branches; a lead of that
branch (or of a committee above it) approves or rejects it, once; nobody
reviews their own. An approved record never changes: a correction is a new
record naming it, reviewed like any other, and its approval writes the
reversal of the old record's points. Every review is in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..audit.services import record as audit
from ..authz import can_manage_branch
from ..branches.models import Branch, Membership, MembershipStatus
from ..db import utcnow
from ..enrollments.models import Enrollment, EnrollmentStatus
from ..exceptions import Conflict, InvalidInput, NotAllowed, NotFound
from ..extensions import db
from ..help.models import HelpRequest, HelpRequestStatus
from ..localtime import local_day_start, local_zone
from ..locking import lock_row
from ..notifications.services import notify
from ..rankings import totals
from ..validation import check_reason
from ..visitcodes import use_code
from .models import HourRecord, HourStatus, PointEntry, PointReason
from .points import points_for

STEP_MINUTES = 30
DAY_MINUTES = 24 * 60


class AlreadyReviewed(Conflict):
    message = _l("This record has been reviewed already.")


class OwnRecord(NotAllowed):
    message = _l("Nobody reviews their own hours.")


@dataclass(frozen=True)
class HourData:
    branch_id: int
    started_at: datetime
    ended_at: datetime
    description: str
    place: str
    enrollment_id: int | None = None
    help_request_id: int | None = None
    served_person: str | None = None
    activity_lead: str | None = None
    visit_code: str | None = None  # the resident's one-time code, given at the door


def can_view(record: HourRecord, user) -> bool:
    """The volunteer, the branch's leads (and leads above it) and admins."""
    return record.volunteer_id == user.id or can_manage_branch(user, record.branch)


def get_record(record_id: int) -> HourRecord:
    record = db.session.get(HourRecord, record_id)
    if record is None:
        raise NotFound()
    return record


def get_own_record(record_id: int, volunteer) -> HourRecord:
    """A record its volunteer corrects: for anyone else it is not there."""
    record = get_record(record_id)
    if record.volunteer_id != volunteer.id:
        raise NotFound()
    return record


# -- recording ---------------------------------------------------------------------

def record_hours(volunteer, data: HourData, corrects: HourRecord | None = None) -> HourRecord:
    """Record service time (travel excluded), rounded down to half hours."""
    minutes = _check_times(data)
    _check_text(data)
    branch = _volunteer_branch(volunteer, data.branch_id)
    served_person, confirmed_at = _check_served(volunteer, data)
    _lock_volunteer(volunteer)
    _check_overlap_and_day(volunteer, data, minutes, ignore=corrects)
    record = HourRecord(
        volunteer_id=volunteer.id, branch_id=branch.id, started_at=data.started_at,
        ended_at=data.ended_at, minutes=minutes, description=data.description.strip(),
        place=data.place.strip(), enrollment_id=data.enrollment_id,
        help_request_id=data.help_request_id,
        served_person=(data.served_person or "").strip() or served_person,
        activity_lead=(data.activity_lead or "").strip() or None, recorded_by_id=volunteer.id,
        resident_confirmed_at=confirmed_at, corrects_id=corrects.id if corrects else None)
    db.session.add(record)
    db.session.flush()
    return record


def correct_record(original: HourRecord, volunteer, data: HourData) -> HourRecord:
    """A new record that replaces an approved one once it is approved itself."""
    if original.volunteer_id != volunteer.id:
        raise NotAllowed()
    if original.status != HourStatus.APPROVED:
        raise Conflict(_l("Only an approved record is corrected; a submitted one can be "
                          "rejected and recorded again."))
    if _pending_or_approved_correction(original.id):
        raise Conflict(_l("This record has a correction already."))
    correction = record_hours(volunteer, data, corrects=original)
    audit(volunteer, "hour_record.correct", correction, corrects=original.id)
    return correction


def _check_times(data: HourData) -> int:
    if data.ended_at <= data.started_at:
        raise InvalidInput(_l("The end must be after the start."), field="ended_at")
    if data.ended_at > utcnow():
        raise InvalidInput(_l("Hours cannot be recorded for the future."), field="ended_at")
    minutes = int((data.ended_at - data.started_at).total_seconds() // 60)
    if minutes > DAY_MINUTES:
        raise InvalidInput(_l("One record is at most 24 hours."), field="ended_at")
    minutes -= minutes % STEP_MINUTES
    if minutes < STEP_MINUTES:
        raise InvalidInput(_l("Hours are counted in half hours: at least 30 minutes."),
                           field="ended_at")
    return minutes


def _check_text(data: HourData) -> None:
    if not 2 <= len(data.description.strip()) <= 500:
        raise InvalidInput(_l("Please say what was done (2-500 characters)."),
                           field="description")
    if not 1 <= len(data.place.strip()) <= 120:
        raise InvalidInput(_l("Please say where (at most 120 characters)."), field="place")
    for field, value in (("served_person", data.served_person),
                         ("activity_lead", data.activity_lead)):
        if value and len(value.strip()) > 60:
            raise InvalidInput(_l("At most 60 characters."), field=field)


def _volunteer_branch(volunteer, branch_id: int) -> Branch:
    """The branch must be one of the volunteer's (home or functional)."""
    member = db.session.scalar(sa.select(Membership).where(
        Membership.user_id == volunteer.id, Membership.branch_id == branch_id,
        Membership.status == MembershipStatus.ACTIVE))
    if member is None:
        raise InvalidInput(_l("Hours count for one of your own branches."), field="branch_id")
    return member.branch


def _check_served(volunteer, data: HourData) -> tuple[str | None, datetime | None]:
    """What the record served, if anything: the volunteer's own completed
    enrollment or the help request they completed. Returns who was served
    and when the resident confirmed it."""
    if data.enrollment_id and data.help_request_id:
        raise InvalidInput(_l("A record serves one enrollment or one help request."),
                           field="help_request_id")
    if data.enrollment_id:
        enrollment = db.session.get(Enrollment, data.enrollment_id)
        if (enrollment is None or enrollment.service.volunteer_id != volunteer.id
                or enrollment.status != EnrollmentStatus.COMPLETED):
            raise InvalidInput(_l("Choose a completed enrollment of one of your services."),
                               field="enrollment_id")
        _use_code(enrollment, data.visit_code)
        return enrollment.resident.display_name, enrollment.resident_confirmed_at
    if data.help_request_id:
        request = db.session.get(HelpRequest, data.help_request_id)
        if (request is None or request.volunteer_id != volunteer.id
                or request.status not in (HelpRequestStatus.MATCHED,
                                          HelpRequestStatus.COMPLETED)):
            raise InvalidInput(_l("Choose a help request you were accepted for."),
                               field="help_request_id")
        _use_code(request, data.visit_code)
        return request.requester.display_name, request.resident_confirmed_at
    if data.visit_code:
        raise InvalidInput(_l("A visit code belongs to an enrollment or a help request."),
                           field="visit_code")
    return None, None


def _use_code(subject, code: str | None) -> None:
    if code:
        use_code(subject, code)


def _lock_volunteer(volunteer) -> None:
    """Serialise one volunteer's recordings, so two at once cannot overlap."""
    db.session.execute(sa.select(User.id).where(User.id == volunteer.id).with_for_update())


def _counting(volunteer_id: int, ignore: HourRecord | None):
    """The volunteer's records that count: not rejected, not replaced by an
    approved correction, and not the record being corrected."""
    replaced = sa.select(HourRecord.corrects_id).where(
        HourRecord.corrects_id.is_not(None), HourRecord.status == HourStatus.APPROVED)
    conditions = [HourRecord.volunteer_id == volunteer_id,
                  HourRecord.status != HourStatus.REJECTED, HourRecord.id.not_in(replaced)]
    if ignore is not None:
        conditions.append(HourRecord.id != ignore.id)
    return conditions


def _check_overlap_and_day(volunteer, data: HourData, minutes: int, ignore) -> None:
    counting = _counting(volunteer.id, ignore)
    clash = db.session.scalar(sa.select(HourRecord).where(
        *counting, HourRecord.started_at < data.ended_at, HourRecord.ended_at > data.started_at))
    if clash is not None:
        raise InvalidInput(_l("This time overlaps another of your records."),
                           field="started_at")
    day = data.started_at.astimezone(local_zone()).date()
    start, end = local_day_start(day), local_day_start(day + timedelta(days=1))
    recorded = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(HourRecord.minutes), 0))
                                 .where(*counting, HourRecord.started_at >= start,
                                        HourRecord.started_at < end)) or 0
    if recorded + minutes > DAY_MINUTES:
        raise InvalidInput(_l("At most 24 hours can be recorded for one day."),
                           field="started_at")


def _pending_or_approved_correction(record_id: int) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(
        HourRecord.corrects_id == record_id, HourRecord.status != HourStatus.REJECTED)))


# -- review --------------------------------------------------------------------------

def _lock_for_review(record: HourRecord, lead) -> HourRecord:
    record = lock_row(HourRecord, record.id)
    if not can_manage_branch(lead, record.branch):
        raise NotAllowed()
    if record.volunteer_id == lead.id:
        raise OwnRecord()
    if record.status != HourStatus.SUBMITTED:
        raise AlreadyReviewed()
    return record


def approve(record: HourRecord, lead) -> None:
    record = _lock_for_review(record, lead)
    record.status, record.reviewed_by_id, record.reviewed_at = (
        HourStatus.APPROVED, lead.id, utcnow())
    if record.corrects_id:
        _reverse(db.session.get(HourRecord, record.corrects_id), lead)
    points = points_for(record.minutes, record.resident_confirmed_at is not None)
    db.session.add(PointEntry(
        user_id=record.volunteer_id, branch_id=record.branch_id, hour_record_id=record.id,
        reason=PointReason.HOURS_APPROVED, minutes=record.minutes, points=points,
        created_by_id=lead.id))
    totals.on_approved(record, record.minutes, points)
    notify(record.volunteer_id, "hours.approved", hour_record_id=record.id,
           hours=record.minutes / 60)
    audit(lead, "hour_record.approve", record)


def approve_many(records: list[HourRecord], lead) -> int:
    """Approve a selection in one action. The first refusal raises, and the
    caller's single transaction then approves none of them."""
    for record in records:
        approve(record, lead)
    return len(records)


def reject(record: HourRecord, lead, reason: str) -> None:
    record = _lock_for_review(record, lead)  # who may, before what they wrote
    reason = check_reason(reason)
    record.status, record.reviewed_by_id, record.reviewed_at, record.reject_reason = (
        HourStatus.REJECTED, lead.id, utcnow(), reason)
    notify(record.volunteer_id, "hours.rejected", hour_record_id=record.id, reason=reason)
    audit(lead, "hour_record.reject", record, reason=reason)


def _reverse(original: HourRecord, lead) -> None:
    """Take back what a corrected record earned, as new negative entries."""
    minutes, points = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(PointEntry.minutes), 0),
                  sa.func.coalesce(sa.func.sum(PointEntry.points), 0))
        .where(PointEntry.hour_record_id == original.id)).one()
    if minutes or points:
        db.session.add(PointEntry(
            user_id=original.volunteer_id, branch_id=original.branch_id,
            hour_record_id=original.id, reason=PointReason.REVERSAL, minutes=-minutes,
            points=-points, created_by_id=lead.id))
        totals.on_reversed(original, -minutes, -points)
