"""Volunteer hours (志愿服务记录) over the API: record, correct, the review
queue, approve (one or a batch), reject, and the caller's own. Thin views
over hours.services and hours.queries: every rule lives there."""

from flask import g
from flask_smorest import Blueprint

from ..authz import can_manage_branch
from ..branches.queries import get_branch
from ..exceptions import NotAllowed, NotFound
from ..extensions import db
from ..hours import queries
from ..hours import services as hours
from ..hours.models import HourRecord, HourStatus
from .auth import token_required
from .common import PageArgs
from .hours_schemas import (
    BatchIn,
    BatchOut,
    HourIn,
    HourOut,
    HourPage,
    HourRecordIn,
    MyHoursOut,
    QueueArgs,
    RejectIn,
)
from .schemas import ErrorSchema

blp = Blueprint("api_hours", __name__, description="Volunteer hours (志愿服务记录) and review")


def _out(record: HourRecord) -> dict:
    return {
        "id": record.id, "status": record.status.value, "volunteer": record.volunteer,
        "branch": record.branch, "hours": record.hours, "minutes": record.minutes,
        "started_at": record.started_at, "ended_at": record.ended_at,
        "description": record.description, "place": record.place,
        "served_person": record.served_person, "activity_lead": record.activity_lead,
        "resident_confirmed": record.resident_confirmed_at is not None,
        "enrollment_id": record.enrollment_id, "help_request_id": record.help_request_id,
        "reject_reason": record.reject_reason, "corrects_id": record.corrects_id,
        "reviewed_at": record.reviewed_at, "created_at": record.created_at,
    }


# -- recording ---------------------------------------------------------------------

@blp.route("/hours", methods=["POST"])
@token_required
@blp.arguments(HourIn)
@blp.response(201, HourOut)
@blp.alt_response(403, schema=ErrorSchema, description="`corrects_id` is not the caller's.")
@blp.alt_response(404, schema=ErrorSchema, description="`corrects_id` is unknown.")
@blp.alt_response(409, schema=ErrorSchema,
                  description="The corrected record is not approved, or has a correction.")
@blp.alt_response(422, schema=ErrorSchema,
                  description="In the future, overlapping, over 24 h a day, ending before "
                              "it starts, or for a branch the caller is not in.")
def record(data):
    """Record service time for one of the caller's branches; with
    `corrects_id`, a correction of the caller's approved record."""
    corrects_id = data.pop("corrects_id")
    hour_data = hours.HourData(**data)
    if corrects_id is None:
        result = hours.record_hours(g.api_user, hour_data)
    else:
        result = hours.correct_record(hours.get_record(corrects_id), g.api_user, hour_data)
    db.session.commit()
    return _out(result)


@blp.route("/hours/<int:record_id>/correct", methods=["POST"])
@token_required
@blp.arguments(HourRecordIn)
@blp.response(201, HourOut)
@blp.alt_response(404, schema=ErrorSchema,
                  description="Unknown, or not the caller's record.")
@blp.alt_response(409, schema=ErrorSchema,
                  description="The record is not approved, or has a correction already.")
@blp.alt_response(422, schema=ErrorSchema,
                  description="The same rules as recording: in the future, overlapping, "
                              "over 24 h a day, ending before it starts, or for a branch "
                              "the caller is not in.")
def correct(data, record_id: int):
    """Correct one's own approved record: the answer is the new record
    (submitted, `corrects_id` set), which replaces the old one once a lead
    approves it; the old one stays in the history."""
    original = hours.get_own_record(record_id, g.api_user)  # as the page
    result = hours.correct_record(original, g.api_user, hours.HourData(**data))
    db.session.commit()
    return _out(result)


@blp.route("/hours/<int:record_id>", methods=["GET"])
@token_required
@blp.response(200, HourOut)
@blp.alt_response(404, schema=ErrorSchema,
                  description="Unknown, or neither the caller's, nor of a branch they lead.")
def detail(record_id: int):
    """One record: for its volunteer, the branch's leads and admins."""
    result = queries.record_for_page(record_id)
    if not hours.can_view(result, g.api_user):
        raise NotFound()
    return _out(result)


# -- review ------------------------------------------------------------------------

@blp.route("/branches/<int:branch_id>/hours", methods=["GET"])
@token_required
@blp.arguments(QueueArgs, location="query")
@blp.response(200, HourPage)
@blp.alt_response(403, schema=ErrorSchema, description="Not a lead of the branch, nor an admin.")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema, description="A bad status or cursor.")
def branch_hours(args, branch_id: int):
    """The branch's records, oldest first (the review queue's order)."""
    branch = get_branch(branch_id)
    if not can_manage_branch(g.api_user, branch):
        raise NotAllowed()
    status = None if args["status"] == "all" else HourStatus(args["status"])
    page = queries.branch_records(branch.id, status, args.get("cursor"), args["limit"])
    return {"items": [_out(r) for r in page.items], "next_cursor": page.next_cursor}


@blp.route("/hours/<int:record_id>/approve", methods=["POST"])
@token_required
@blp.response(200, HourOut)
@blp.alt_response(403, schema=ErrorSchema,
                  description="One's own record, or not a lead of its branch.")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="Reviewed already.")
def approve(record_id: int):
    """Approve a submitted record: its points go into the ledger (and a
    correction's approval reverses the corrected record's)."""
    result = hours.get_record(record_id)
    hours.approve(result, g.api_user)
    db.session.commit()
    return _out(result)


@blp.route("/hours/<int:record_id>/reject", methods=["POST"])
@token_required
@blp.arguments(RejectIn)
@blp.response(200, HourOut)
@blp.alt_response(403, schema=ErrorSchema,
                  description="One's own record, or not a lead of its branch.")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="Reviewed already.")
@blp.alt_response(422, schema=ErrorSchema, description="No reason, or a long one.")
def reject(data, record_id: int):
    """Reject a submitted record, with a reason the volunteer is told."""
    result = hours.get_record(record_id)
    hours.reject(result, g.api_user, data["reason"])
    db.session.commit()
    return _out(result)


@blp.route("/hours/approve", methods=["POST"])
@token_required
@blp.arguments(BatchIn)
@blp.response(200, BatchOut)
@blp.alt_response(403, schema=ErrorSchema,
                  description="One of them is the caller's own, or of a branch they do "
                              "not lead: nothing is approved.")
@blp.alt_response(404, schema=ErrorSchema, description="One of them is unknown.")
@blp.alt_response(409, schema=ErrorSchema,
                  description="One of them is reviewed already: nothing is approved.")
@blp.alt_response(422, schema=ErrorSchema)
def approve_batch(data):
    """Approve several records at once: all of them, or none."""
    count = hours.approve_many(queries.records_by_ids(data["ids"]), g.api_user)
    db.session.commit()
    return {"approved": count}


# -- the caller's own ---------------------------------------------------------------

@blp.route("/me/hours", methods=["GET"])
@token_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, MyHoursOut)
def my_hours(args):
    """The caller's approved hours, points and stars (from the ledger), and
    their records, newest first."""
    totals = queries.volunteer_totals(g.api_user.id)
    page = queries.records_of(g.api_user.id, args.get("cursor"), args["limit"])
    return {"approved_hours": totals.approved_hours, "points": totals.points,
            "stars": totals.stars, "items": [_out(r) for r in page.items],
            "next_cursor": page.next_cursor}
