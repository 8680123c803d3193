"""Request and response schemas of the help-request API (api/help.py)."""

import marshmallow as ma

from ..help.models import HelpOfferStatus, HelpRequestStatus, Urgency
from ..routing import MAX_ID
from .catalog import CategoryOut
from .common import PageArgs, UserBrief

REQUEST_STATUSES = [s.value for s in HelpRequestStatus]
OFFER_STATUSES = [s.value for s in HelpOfferStatus]
URGENCIES = [u.value for u in Urgency]


# -- requests ---------------------------------------------------------------

class HelpBrowseArgs(PageArgs):
    status = ma.fields.String(load_default=HelpRequestStatus.OPEN.value,
                              validate=ma.validate.OneOf(REQUEST_STATUSES))
    category = ma.fields.String(validate=ma.validate.Length(max=40),
                                metadata={"description": "a category id or slug"})
    community = ma.fields.String(validate=ma.validate.Length(max=60),
                                 metadata={"description": "the community's name or its start"})
    urgency = ma.fields.String(validate=ma.validate.OneOf(URGENCIES))


class HelpRequestIn(ma.Schema):
    title = ma.fields.String(required=True, validate=ma.validate.Length(2, 80))
    details = ma.fields.String(required=True, validate=ma.validate.Length(1, 5000))
    category_id = ma.fields.Integer(required=True, validate=ma.validate.Range(1, MAX_ID))
    community = ma.fields.String(required=True, validate=ma.validate.Length(1, 60))
    contact = ma.fields.String(required=True, validate=ma.validate.Length(5, 200),
                               metadata={"description": "a phone number; seen only by the "
                                                        "requester, the accepted volunteer "
                                                        "and admins"})
    urgency = ma.fields.String(load_default=Urgency.NORMAL.value,
                               validate=ma.validate.OneOf(URGENCIES))
    preferred_time = ma.fields.String(allow_none=True, load_default=None,
                                      validate=ma.validate.Length(max=80),
                                      metadata={"description": "free text, e.g. 今天下午"})


class HelpRequestPatch(HelpRequestIn):
    """Any of HelpRequestIn's fields; the others keep their values."""


class OfferIn(ma.Schema):
    message = ma.fields.String(required=True, validate=ma.validate.Length(1, 500))



# -- responses --------------------------------------------------------------

class HelpRequestSummary(ma.Schema):
    """What the public board shows: never a contact."""

    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(REQUEST_STATUSES))
    category = ma.fields.Nested(CategoryOut, required=True)
    community = ma.fields.String(required=True)
    urgency = ma.fields.String(required=True, validate=ma.validate.OneOf(URGENCIES))
    preferred_time = ma.fields.String(required=True, allow_none=True)
    requester = ma.fields.Nested(UserBrief, required=True)
    offer_count = ma.fields.Integer(required=True,
                                    metadata={"description": "offers still open"})
    unanswered = ma.fields.Boolean(required=True,
                                   metadata={"description": "open a day or more with no "
                                                            "offer yet"})
    created_at = ma.fields.DateTime(required=True)


class HelpRequestOut(HelpRequestSummary):
    details = ma.fields.String(required=True)
    volunteer = ma.fields.Nested(UserBrief, required=True, allow_none=True,
                                 metadata={"description": "whose offer was accepted; null "
                                                          "while open"})
    contact = ma.fields.String(
        required=True, allow_none=True,
        metadata={"description": "for the requester, the accepted volunteer (while "
                                 "matched) and admins; null for everyone else. Whole for "
                                 "the requester; for the volunteer and admins whole only "
                                 "from GET /help-requests/{id}, which writes the read to "
                                 "the audit log, and masked (138****0000) in lists and "
                                 "action answers"})
    contact_masked = ma.fields.Boolean(
        required=True,
        metadata={"description": "true when `contact` is the masked form; "
                                 "GET /help-requests/{id} has the whole one"})
    visit_code = ma.fields.String(
        required=True, allow_none=True,
        metadata={"description": "the requester's one-time visit code (for them only)"})
    rated = ma.fields.Boolean(required=True)
    hidden = ma.fields.Boolean(required=True)
    hidden_reason = ma.fields.String(
        required=True, allow_none=True,
        metadata={"description": "the moderator's reason while hidden (a hidden request is "
                                 "seen only by its requester, its volunteer and admins)"})
    updated_at = ma.fields.DateTime(required=True)
    matched_at = ma.fields.DateTime(required=True, allow_none=True)
    ended_at = ma.fields.DateTime(required=True, allow_none=True)
    resident_confirmed_at = ma.fields.DateTime(required=True, allow_none=True)


class HelpRequestPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(HelpRequestSummary), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


class MyHelpRequestPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(HelpRequestOut), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


class HelpRequestBrief(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(REQUEST_STATUSES))
    community = ma.fields.String(required=True)
    urgency = ma.fields.String(required=True, validate=ma.validate.OneOf(URGENCIES))
    preferred_time = ma.fields.String(required=True, allow_none=True)
    contact = ma.fields.String(required=True, allow_none=True,
                               metadata={"description": "for the accepted volunteer (and "
                                                        "the requester, admins); masked "
                                                        "but for the requester: "
                                                        "GET /help-requests/{id} has the "
                                                        "whole one"})
    contact_masked = ma.fields.Boolean(required=True)


class OfferOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(OFFER_STATUSES))
    message = ma.fields.String(required=True)
    help_request = ma.fields.Nested(HelpRequestBrief, required=True)
    volunteer = ma.fields.Nested(UserBrief, required=True)
    created_at = ma.fields.DateTime(required=True)
    updated_at = ma.fields.DateTime(required=True)


class VolunteerFigures(ma.Schema):
    rating_average = ma.fields.Float(required=True, allow_none=True)
    rating_count = ma.fields.Integer(required=True)
    completed = ma.fields.Integer(required=True,
                                  metadata={"description": "services served and requests "
                                                           "completed"})
    approved_hours = ma.fields.Float(required=True)
    stars = ma.fields.Integer(required=True)


class OfferWithProfile(OfferOut):
    profile = ma.fields.Nested(VolunteerFigures, required=True,
                               metadata={"description": "the volunteer's public figures"})


class OfferList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(OfferWithProfile), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True,
                                   metadata={"description": "always null: a request draws "
                                                            "a handful of offers"})


class OfferPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(OfferOut), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


class HelpFeedbackOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    help_request_id = ma.fields.Integer(required=True)
    rating = ma.fields.Integer(required=True)
    comment = ma.fields.String(required=True, allow_none=True)
    created_at = ma.fields.DateTime(required=True)


# -- what a caller may see (the rules: help.services) --------------------------
