"""Reported errors in hour records over the API (a volunteer reports, a
lead answers with a reason or a correction approved at once), and the
caller's points ledger. Thin views over hours.reports and hours.queries:
every rule lives there."""

import marshmallow as ma
from flask import g
from flask_smorest import Blueprint

from ..authz import can_manage_branch
from ..branches.queries import get_branch
from ..exceptions import NotAllowed, NotFound
from ..extensions import db
from ..hours import queries
from ..hours import reports as rules
from ..hours import services as hours
from ..hours.models import HourRecord, HourReport, PointEntry
from .auth import token_required
from .common import PageArgs, SiteDateTime, UserBrief
from .hours_schemas import BranchRef
from .schemas import ErrorSchema

blp = Blueprint("api_hour_reports", __name__,
                description="Reported errors in hour records, and the points ledger (积分)")


# -- requests ---------------------------------------------------------------

class ReportIn(ma.Schema):
    message = ma.fields.String(required=True, validate=ma.validate.Length(2, 500),
                               metadata={"description": "what is wrong in the record"})


class AnswerIn(ma.Schema):
    answer = ma.fields.String(required=True, validate=ma.validate.Length(2, 200),
                              metadata={"description": "why the record stands"})


class CorrectionIn(ma.Schema):
    """The right times and details; the branch and what it served stay the
    reported record's."""

    started_at = SiteDateTime(required=True)
    ended_at = SiteDateTime(required=True,
                            metadata={"description": "not in the future; counted in half "
                                                     "hours, at most 24 h"})
    description = ma.fields.String(required=True, validate=ma.validate.Length(2, 500))
    place = ma.fields.String(required=True, validate=ma.validate.Length(1, 120))
    served_person = ma.fields.String(allow_none=True, load_default=None,
                                     validate=ma.validate.Length(max=60))
    activity_lead = ma.fields.String(allow_none=True, load_default=None,
                                     validate=ma.validate.Length(max=60))
    answer = ma.fields.String(allow_none=True, load_default=None,
                              validate=ma.validate.Length(max=200),
                              metadata={"description": "an optional word to the volunteer"})


STATUS_NAMES = list(rules.STATUS_FILTERS)


class BranchReportArgs(PageArgs):
    status = ma.fields.String(load_default="open", validate=ma.validate.OneOf(STATUS_NAMES),
                              metadata={"description": "open (the default, oldest first), "
                                                       "corrected, answered or all"})


# -- responses --------------------------------------------------------------

class RecordBrief(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    hours = ma.fields.Float(required=True)
    started_at = ma.fields.DateTime(required=True)
    ended_at = ma.fields.DateTime(required=True)
    description = ma.fields.String(required=True)
    place = ma.fields.String(required=True)
    corrects_id = ma.fields.Integer(required=True, allow_none=True)


class ReportOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True,
                              validate=ma.validate.OneOf(["open", "corrected", "answered"]))
    message = ma.fields.String(required=True)
    answer = ma.fields.String(required=True, allow_none=True)
    volunteer = ma.fields.Nested(UserBrief, required=True)
    branch = ma.fields.Nested(BranchRef, required=True)
    record = ma.fields.Nested(RecordBrief, required=True)
    correction_id = ma.fields.Integer(required=True, allow_none=True)
    answered_at = ma.fields.DateTime(required=True, allow_none=True)
    created_at = ma.fields.DateTime(required=True)


class ReportDetailOut(ReportOut):
    correction = ma.fields.Nested(RecordBrief, required=True, allow_none=True,
                                  metadata={"description": "the record that counts instead"})


class ReportPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ReportOut), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


class PointOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    reason = ma.fields.String(required=True,
                              metadata={"description": "hours_approved, reversal (by a "
                                                       "correction) or adjustment"})
    points = ma.fields.Integer(required=True)
    hours = ma.fields.Float(required=True, metadata={"description": "negative on a reversal"})
    branch = ma.fields.Nested(BranchRef, required=True)
    hour_record_id = ma.fields.Integer(required=True, allow_none=True)
    description = ma.fields.String(required=True, allow_none=True,
                                   metadata={"description": "the record's"})
    created_at = ma.fields.DateTime(required=True)


class PointsOut(ma.Schema):
    points = ma.fields.Integer(required=True)
    approved_hours = ma.fields.Float(required=True,
                                     metadata={"description": "net of corrections"})
    stars = ma.fields.Integer(required=True, metadata={"description": "0-5 (星级)"})
    next_star_hours = ma.fields.Integer(required=True, allow_none=True,
                                        metadata={"description": "null at five stars"})
    items = ma.fields.List(ma.fields.Nested(PointOut), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


def _record(record: HourRecord | None) -> dict | None:
    if record is None:
        return None
    return {"id": record.id, "status": record.status.value, "hours": record.hours,
            "started_at": record.started_at, "ended_at": record.ended_at,
            "description": record.description, "place": record.place,
            "corrects_id": record.corrects_id}


def _out(report: HourReport) -> dict:
    return {
        "id": report.id, "status": report.status.value, "message": report.message,
        "answer": report.answer, "volunteer": report.volunteer,
        "branch": report.record.branch, "record": _record(report.record),
        "correction_id": report.correction_id, "answered_at": report.answered_at,
        "created_at": report.created_at,
    }


def _detail(report: HourReport) -> dict:
    correction = (queries.record_for_page(report.correction_id) if report.correction_id
                  else None)
    return _out(report) | {"correction": _record(correction)}


def _page(page) -> dict:
    return {"items": [_out(r) for r in page.items], "next_cursor": page.next_cursor}


# -- the volunteer -------------------------------------------------------------------

@blp.route("/hours/<int:record_id>/reports", methods=["POST"])
@token_required
@blp.arguments(ReportIn)
@blp.response(201, ReportDetailOut)
@blp.alt_response(403, schema=ErrorSchema,
                  description="A record the caller sees (as its lead) but is not theirs.")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema,
                  description="Not reviewed yet, corrected already, or reported already.")
@blp.alt_response(422, schema=ErrorSchema)
def report(data, record_id: int):
    """Report an error in one of the caller's reviewed records; the leads
    of its branch are told."""
    record = hours.get_record(record_id)
    if not hours.can_view(record, g.api_user):
        raise NotFound()
    result = rules.report_error(g.api_user, record, data["message"])
    db.session.commit()
    return _detail(rules.get_report(result.id))


@blp.route("/me/hour-reports", methods=["GET"])
@token_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, ReportPage)
@blp.alt_response(422, schema=ErrorSchema, description="A bad cursor or limit.")
def mine(args):
    """The caller's reports, newest first, with the answers."""
    return _page(rules.reports_of(g.api_user.id, args.get("cursor"), args["limit"]))


@blp.route("/me/points", methods=["GET"])
@token_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, PointsOut)
@blp.alt_response(422, schema=ErrorSchema, description="A bad cursor or limit.")
def points(args):
    """The caller's points ledger, newest first: what each approval earned
    and what corrections took back; totals and stars from the same ledger."""
    totals = queries.volunteer_totals(g.api_user.id)
    page = queries.points_of(g.api_user.id, args.get("cursor"), args["limit"])
    return {"points": totals.points, "approved_hours": totals.approved_hours,
            "stars": totals.stars, "next_star_hours": totals.next_star_hours,
            "items": [_point(e) for e in page.items], "next_cursor": page.next_cursor}


def _point(entry: PointEntry) -> dict:
    return {"id": entry.id, "reason": entry.reason.value, "points": entry.points,
            "hours": entry.minutes / 60, "branch": entry.branch,
            "hour_record_id": entry.hour_record_id,
            "description": entry.record.description if entry.record else None,
            "created_at": entry.created_at}


# -- the lead ------------------------------------------------------------------------

@blp.route("/branches/<int:branch_id>/hour-reports", methods=["GET"])
@token_required
@blp.arguments(BranchReportArgs, location="query")
@blp.response(200, ReportPage)
@blp.alt_response(403, schema=ErrorSchema, description="Not a lead of the branch, nor an admin.")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema, description="A bad status or cursor.")
def branch_reports(args, branch_id: int):
    """The branch's reports: open ones oldest first (a queue), the others
    newest first."""
    branch = get_branch(branch_id)
    if not can_manage_branch(g.api_user, branch):
        raise NotAllowed()
    return _page(rules.branch_reports(branch.id, rules.STATUS_FILTERS[args["status"]],
                                      args.get("cursor"), args["limit"]))


@blp.route("/hour-reports/<int:report_id>", methods=["GET"])
@token_required
@blp.response(200, ReportDetailOut)
@blp.alt_response(404, schema=ErrorSchema,
                  description="Unknown, or neither the caller's, nor of a branch they lead.")
def detail(report_id: int):
    """One report: for its volunteer, the branch's leads and admins."""
    result = rules.get_report(report_id)
    if not rules.can_view(result, g.api_user):
        raise NotFound()
    return _detail(result)


@blp.route("/hour-reports/<int:report_id>/answer", methods=["POST"])
@token_required
@blp.arguments(AnswerIn)
@blp.response(200, ReportDetailOut)
@blp.alt_response(403, schema=ErrorSchema,
                  description="One's own report, or not a lead of the record's branch.")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="Answered already.")
@blp.alt_response(422, schema=ErrorSchema)
def answer(data, report_id: int):
    """The record stands: answer with the reason; the volunteer is told."""
    result = rules.answer(rules.get_report(report_id), g.api_user, data["answer"])
    db.session.commit()
    return _detail(rules.get_report(result.id))


@blp.route("/hour-reports/<int:report_id>/correct", methods=["POST"])
@token_required
@blp.arguments(CorrectionIn)
@blp.response(200, ReportDetailOut)
@blp.alt_response(403, schema=ErrorSchema,
                  description="One's own report, or not a lead of the record's branch.")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema,
                  description="Answered already, the record is not approved, or it has a "
                              "correction already.")
@blp.alt_response(422, schema=ErrorSchema,
                  description="In the future, overlapping, over 24 h a day, or ending "
                              "before it starts.")
def correct(data, report_id: int):
    """Record the right times and details as the correction of the reported
    record and approve it at once: the old record's points are reversed,
    the volunteer is told."""
    report_ = rules.get_report(report_id)
    rules.correct(report_, g.api_user, rules.CorrectionData(**data))
    db.session.commit()
    return _detail(rules.get_report(report_id))
