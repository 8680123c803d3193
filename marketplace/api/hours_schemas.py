"""Request and response schemas of the hour-record API (api/hours.py)."""

import marshmallow as ma

from ..hours.models import HourStatus
from .common import PageArgs, SiteDateTime, UserBrief, id_field

STATUSES = [s.value for s in HourStatus]


# -- requests ---------------------------------------------------------------

class HourRecordIn(ma.Schema):
    """A record's fields: a new record, or the correction of the record named
    in the path (POST /hours/{id}/correct)."""

    branch_id = id_field(required=True, metadata={"description": "one of the caller's branches"})
    started_at = SiteDateTime(required=True)
    ended_at = SiteDateTime(required=True,
                            metadata={"description": "not in the future; counted in half "
                                                     "hours, at most 24 h"})
    description = ma.fields.String(required=True, validate=ma.validate.Length(2, 500))
    place = ma.fields.String(required=True, validate=ma.validate.Length(1, 120))
    enrollment_id = id_field(allow_none=True, load_default=None,
                        metadata={"description": "a completed enrollment of the caller's "
                                                 "service"})
    help_request_id = id_field(allow_none=True, load_default=None,
                          metadata={"description": "a help request the caller was accepted "
                                                   "for"})
    served_person = ma.fields.String(allow_none=True, load_default=None,
                                     validate=ma.validate.Length(max=60))
    activity_lead = ma.fields.String(allow_none=True, load_default=None,
                                     validate=ma.validate.Length(max=60))
    visit_code = ma.fields.String(validate=ma.validate.Length(1, 20),
                                  metadata={"description": "the resident's one-time visit "
                                                           "code, with enrollment_id or "
                                                           "help_request_id"})


class HourIn(HourRecordIn):
    corrects_id = id_field(allow_none=True, load_default=None,
                      metadata={"description": "the caller's approved record that this "
                                               "one corrects"})


class QueueArgs(PageArgs):
    status = ma.fields.String(load_default=HourStatus.SUBMITTED.value,
                              validate=ma.validate.OneOf([*STATUSES, "all"]),
                              metadata={"description": "submitted (the review queue, the "
                                                       "default), approved, rejected or all"})


class RejectIn(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(2, 200))


class BatchIn(ma.Schema):
    ids = ma.fields.List(id_field(), required=True, validate=ma.validate.Length(1, 100))


# -- responses --------------------------------------------------------------

class BranchRef(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)


class HourOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(STATUSES))
    volunteer = ma.fields.Nested(UserBrief, required=True)
    branch = ma.fields.Nested(BranchRef, required=True)
    hours = ma.fields.Float(required=True, metadata={"description": "in 0.5 h steps"})
    minutes = ma.fields.Integer(required=True)
    started_at = ma.fields.DateTime(required=True)
    ended_at = ma.fields.DateTime(required=True)
    description = ma.fields.String(required=True)
    place = ma.fields.String(required=True)
    served_person = ma.fields.String(required=True, allow_none=True)
    activity_lead = ma.fields.String(required=True, allow_none=True)
    resident_confirmed = ma.fields.Boolean(required=True)
    enrollment_id = ma.fields.Integer(required=True, allow_none=True)
    help_request_id = ma.fields.Integer(required=True, allow_none=True)
    reject_reason = ma.fields.String(required=True, allow_none=True)
    corrects_id = ma.fields.Integer(required=True, allow_none=True)
    reviewed_at = ma.fields.DateTime(required=True, allow_none=True)
    created_at = ma.fields.DateTime(required=True)


class HourPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(HourOut), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


class MyHoursOut(HourPage):
    approved_hours = ma.fields.Float(required=True,
                                     metadata={"description": "net of corrections"})
    points = ma.fields.Integer(required=True)
    stars = ma.fields.Integer(required=True, metadata={"description": "0-5 (星级)"})


class BatchOut(ma.Schema):
    approved = ma.fields.Integer(required=True)
