"""Help requests (求助) over the API: post a need, offer help, accept one
offer, complete or cancel, rate, and the lists. Thin views over
help.services and help.queries: every rule, and who reads a contact, lives there."""

from flask import g
from flask_smorest import Blueprint

from ..db import utcnow, writes_on_get
from ..exceptions import NotAllowed, NotFound
from ..extensions import db
from ..help import queries
from ..help import services as help_requests
from ..help.models import HelpOffer, HelpRequest, HelpRequestStatus, Urgency
from ..limits import post_limits
from ..pagecache import public_page
from ..profiles.queries import volunteer_profiles
from .auth import token_required
from .common import (
    OPTIONAL_TOKEN,
    FeedbackIn,
    PageArgs,
    action_route,
    category_id_from,
    commit_keeping_objects,
    limited_by,
    merged,
    optional_user,
)
from .help_schemas import (
    HelpBrowseArgs,
    HelpFeedbackOut,
    HelpRequestIn,
    HelpRequestOut,
    HelpRequestPage,
    HelpRequestPatch,
    MyHelpRequestPage,
    OfferIn,
    OfferList,
    OfferOut,
    OfferPage,
)
from .schemas import ErrorSchema
from .services import HideIn

blp = Blueprint("api_help", __name__, description="Help requests (求助) and offers of help")



def _summary(request: HelpRequest, now) -> dict:
    return {
        "id": request.id, "title": request.title, "status": request.status.value,
        "category": request.category, "community": request.community,
        "urgency": request.urgency.value, "preferred_time": request.preferred_time,
        "requester": request.requester, "offer_count": request.offer_count,
        "unanswered": queries.is_unanswered(request, now), "created_at": request.created_at,
    }


def _contact(request: HelpRequest, user, whole: str | None = None) -> dict:
    """`whole`: the contact revealed on purpose (and audited) by the detail
    read; elsewhere the listed one, masked but for the requester."""
    contact = whole if whole is not None else (
        help_requests.listed_contact(request, user) if user else None)
    return {"contact": contact,
            "contact_masked": contact is not None and contact != request.contact}


def _detail(request: HelpRequest, user, rated: set, now, whole: str | None = None) -> dict:
    return _summary(request, now) | _contact(request, user, whole) | {
        "details": request.details, "volunteer": request.volunteer,
        # The requester's own: told to the helper at the door, never shown to them.
        "visit_code": request.visit_code if user and user.id == request.requester_id else None,
        "rated": request.id in rated, "hidden": request.hidden_at is not None,
        "hidden_reason": request.hidden_reason if request.hidden_at is not None else None,
        "updated_at": request.updated_at, "matched_at": request.matched_at,
        "ended_at": request.ended_at, "resident_confirmed_at": request.resident_confirmed_at,
    }


def _one(request: HelpRequest, user) -> dict:
    return _detail(request, user, queries.rated_request_ids([request.id]), utcnow())


def _offer(offer: HelpOffer, user) -> dict:
    request = offer.help_request
    return {
        "id": offer.id, "status": offer.status.value, "message": offer.message,
        "help_request": {
            "id": request.id, "title": request.title, "status": request.status.value,
            "community": request.community, "urgency": request.urgency.value,
            "preferred_time": request.preferred_time,
        } | _contact(request, user),
        "volunteer": offer.volunteer, "created_at": offer.created_at,
        "updated_at": offer.updated_at,
    }


def _figures(profile) -> dict:
    return {"rating_average": profile.rating_average, "rating_count": profile.rating_count,
            "completed": profile.completed, "approved_hours": profile.approved_hours,
            "stars": profile.stars}


def _visible_request(request_id: int, user) -> HelpRequest:
    """A hidden request is not there for anyone but its requester and admins."""
    request = help_requests.get_request(request_id)
    if not help_requests.can_view(request, user):
        raise NotFound()
    return request


def _party_offer(offer_id: int) -> HelpOffer:
    """Only the offer's volunteer and the request's resident are told it exists."""
    offer = help_requests.get_offer(offer_id)
    if g.api_user.id not in (offer.volunteer_id, offer.help_request.requester_id):
        raise NotFound()
    return offer


# -- the board -------------------------------------------------------------------

@blp.route("/help-requests", methods=["GET"])
@public_page
@blp.arguments(HelpBrowseArgs, location="query")
@blp.response(200, HelpRequestPage)
@blp.alt_response(422, schema=ErrorSchema, description="A bad filter or cursor.")
def browse(args):
    """Visible requests (public), the most urgent first, then the newest. No contacts."""
    filters = queries.HelpFilters(
        status=HelpRequestStatus(args["status"]),
        category_id=category_id_from(args.get("category")),
        community=args.get("community", ""),
        urgency=Urgency(args["urgency"]) if args.get("urgency") else None)
    page = queries.browse(filters, args.get("cursor"), args["limit"])
    now = utcnow()
    return {"items": [_summary(r, now) for r in page.items], "next_cursor": page.next_cursor}


@blp.route("/help-requests", methods=["POST"])
@token_required
@limited_by(blp, post_limits)
@blp.arguments(HelpRequestIn)
@blp.response(201, HelpRequestOut)
@blp.alt_response(422, schema=ErrorSchema, description="A field fails a rule.")
def create(data):
    """Post a need (any resident). The contact is seen only by the requester,
    the volunteer whose offer is accepted, and admins."""
    request = help_requests.post_request(g.api_user, _request_data(data))
    db.session.commit()
    return _one(request, g.api_user)


@blp.route("/help-requests/<int:request_id>", methods=["GET"])
@public_page
@writes_on_get
@blp.doc(security=OPTIONAL_TOKEN)
@blp.response(200, HelpRequestOut)
@blp.alt_response(404, schema=ErrorSchema,
                  description="Unknown, or hidden (only its requester and admins see it).")
def detail(request_id: int):
    """One request (public unless hidden); `contact` only for the requester,
    the accepted volunteer and admins, null for everyone else. The one answer
    with the whole contact for the volunteer or an admin: each such read is
    written to the audit log."""
    user = optional_user()
    request = queries.request_for_page(request_id)
    if request is None or not help_requests.can_view(request, user):
        raise NotFound()
    whole = help_requests.reveal_contact(request, user, "api") if user else None
    answer = _detail(request, user, queries.rated_request_ids([request.id]), utcnow(), whole)
    commit_keeping_objects()  # the audit row; the answer is read as it was
    return answer


@blp.route("/help-requests/<int:request_id>", methods=["PATCH"])
@token_required
@blp.arguments(HelpRequestPatch(partial=True), required=False)
@blp.response(200, HelpRequestOut)
@blp.alt_response(403, schema=ErrorSchema, description="Not the requester.")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="No longer open.")
@blp.alt_response(422, schema=ErrorSchema, description="A field fails a rule.")
def update(changes, request_id: int):
    """The requester changes some fields while the request is open."""
    request = _visible_request(request_id, g.api_user)
    data = merged(request, help_requests.HelpRequestData, changes)
    help_requests.update_request(request, g.api_user, _request_data(data))
    db.session.commit()
    return _one(request, g.api_user)



def _request_data(data: dict) -> help_requests.HelpRequestData:
    return help_requests.HelpRequestData(**(data | {"urgency": Urgency(data["urgency"])}))


# -- offers ------------------------------------------------------------------------

@blp.route("/help-requests/<int:request_id>/offers", methods=["POST"])
@token_required
@limited_by(blp, post_limits)
@blp.arguments(OfferIn)
@blp.response(201, OfferOut)
@blp.alt_response(403, schema=ErrorSchema,
                  description="One's own request, or the caller is not a volunteer.")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema,
                  description="Offered already, or the request no longer takes offers.")
@blp.alt_response(422, schema=ErrorSchema, description="No message, or a long one.")
def offer(data, request_id: int):
    """A volunteer offers to help (once; a withdrawn offer can be renewed)."""
    request = _visible_request(request_id, g.api_user)
    result = help_requests.offer_help(request, g.api_user, data["message"])
    db.session.commit()
    return _offer(result, g.api_user)


@blp.route("/help-requests/<int:request_id>/offers", methods=["GET"])
@token_required
@blp.response(200, OfferList)
@blp.alt_response(403, schema=ErrorSchema,
                  description="Neither the requester nor a volunteer.")
@blp.alt_response(404, schema=ErrorSchema)
def offers(request_id: int):
    """The requester sees every offer, oldest first, with each volunteer's
    figures; a volunteer sees only their own offer."""
    user = g.api_user
    request = queries.request_for_page(request_id)
    if request is None or not help_requests.can_view(request, user):
        raise NotFound()
    if user.id == request.requester_id:
        items = queries.offers_of(request.id)
    elif user.is_volunteer:
        own = queries.offer_by(request.id, user.id)
        items = [own] if own is not None else []
    else:
        raise NotAllowed()
    profiles = volunteer_profiles([o.volunteer_id for o in items])
    return {"items": [_offer(o, user) | {"profile": _figures(profiles[o.volunteer_id])}
                      for o in items],
            "next_cursor": None}


def _offer_action(path: str, step, doc: str, refused: str):
    """Register POST /help-offers/{id}/<path> running `step`."""

    def view(offer_id: int):
        offer = _party_offer(offer_id)
        step(offer, g.api_user)
        db.session.commit()
        return _offer(offer, g.api_user)

    return action_route(
        blp, f"/help-offers/<int:offer_id>/{path}", view, OfferOut, name=f"offer_{path}",
        doc=doc, refused=refused,
        conflict="Not possible in the offer's or request's status.",
        not_found="Unknown, or the caller is neither its volunteer nor the requester.")


_offer_action("accept", help_requests.accept_offer,
              "The requester accepts one offer: the request is matched, that volunteer "
              "now sees the contact, and every other open offer is closed.",
              "Not the requester.")
_offer_action("withdraw", help_requests.withdraw_offer,
              "The volunteer withdraws an offer that is not yet accepted.",
              "Not the offer's volunteer.")


# -- the request's later steps ----------------------------------------------------------

def _request_action(path: str, step, doc: str):
    """Register POST /help-requests/{id}/<path> running `step`."""

    def view(request_id: int):
        request = _visible_request(request_id, g.api_user)
        step(request, g.api_user)
        db.session.commit()
        return _one(request, g.api_user)

    return action_route(blp, f"/help-requests/<int:request_id>/{path}", view, HelpRequestOut,
                        name=path.replace("-", "_"), doc=doc,
                        conflict="Not possible in the request's status.")


_request_action("complete", help_requests.complete_request,
                "The requester or the accepted volunteer says a matched request is done.")
_request_action("cancel", help_requests.cancel_request,
                "The requester calls it off before completion; volunteers with open or "
                "accepted offers are told.")
_request_action("confirm-happened", help_requests.confirm_happened,
                "The requester confirms that a completed request really took place (once).")


# -- moderation ------------------------------------------------------------------------

@blp.route("/help-requests/<int:request_id>/hide", methods=["POST"])
@token_required
@blp.arguments(HideIn)
@blp.response(200, HelpRequestOut)
@blp.alt_response(403, schema=ErrorSchema, description="Not an admin.")
@blp.alt_response(404, schema=ErrorSchema, description="Unknown request.")
@blp.alt_response(409, schema=ErrorSchema, description="Hidden already.")
@blp.alt_response(422, schema=ErrorSchema, description="No reason, or a long one.")
def hide(data, request_id: int):
    """Moderation (admins only): take a request off the board, with a reason
    its requester is shown; its requester and volunteer still see it."""
    request = help_requests.get_request(request_id)
    help_requests.hide_request(request, g.api_user, data["reason"])
    db.session.commit()
    return _one(request, g.api_user)


def _unhide(request_id: int):
    request = help_requests.get_request(request_id)
    help_requests.unhide_request(request, g.api_user)
    db.session.commit()
    return _one(request, g.api_user)


action_route(blp, "/help-requests/<int:request_id>/unhide", _unhide, HelpRequestOut,
             name="unhide", doc="Moderation (admins only): a hidden request is on the board "
                                "again.",
             refused="Not an admin.", conflict="Not hidden.", not_found="Unknown request.")


@blp.route("/help-requests/<int:request_id>/feedback", methods=["POST"])
@token_required
@blp.arguments(FeedbackIn)
@blp.response(201, HelpFeedbackOut)
@blp.alt_response(403, schema=ErrorSchema, description="Not the requester.")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="Not completed, or rated already.")
@blp.alt_response(422, schema=ErrorSchema)
def feedback(data, request_id: int):
    """The requester rates a completed request 1-5 with an optional comment, once."""
    request = _visible_request(request_id, g.api_user)
    result = help_requests.rate(request, g.api_user, data["rating"], data["comment"])
    db.session.commit()
    return result


# -- the caller's own ---------------------------------------------------------------

@blp.route("/me/help-requests", methods=["GET"])
@token_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, MyHelpRequestPage)
def my_requests(args):
    """The caller's requests, newest first, hidden ones too (with their contact)."""
    user = g.api_user
    page = queries.requests_of(user.id, args.get("cursor"), args["limit"])
    rated = queries.rated_request_ids([r.id for r in page.items])
    now = utcnow()
    return {"items": [_detail(r, user, rated, now) for r in page.items],
            "next_cursor": page.next_cursor}


@blp.route("/me/help-offers", methods=["GET"])
@token_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, OfferPage)
def my_offers(args):
    """The caller's offers of help, newest first; a request's contact shows
    once the caller's offer on it was accepted."""
    page = queries.offers_by(g.api_user.id, args.get("cursor"), args["limit"])
    return {"items": [_offer(o, g.api_user) for o in page.items],
            "next_cursor": page.next_cursor}
