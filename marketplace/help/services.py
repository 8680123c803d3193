"""The rules of help requests (求助): a resident posts a need, volunteers
offer, the resident accepts one offer, then it is completed or cancelled.
open -> matched -> completed, and open / matched -> cancelled.

Every change locks the request row first (lock_request), so two accepts,
or an accept and a cancel, happen one after the other.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record as audit
from ..db import utcnow
from ..enrollments.services import check_contact
from ..exceptions import Conflict, InvalidInput, NotAllowed, NotFound
from ..extensions import db
from ..feedback.models import Feedback
from ..feedback.services import check_rating, leave_feedback
from ..locking import lock_row
from ..notifications.services import notify
from ..privacy import listed, revealed
from ..validation import check_category, check_community, check_reason, check_title
from ..visitcodes import new_code
from .models import HelpOffer, HelpOfferStatus, HelpRequest, HelpRequestStatus, Urgency

R = HelpRequestStatus
Offer = HelpOfferStatus
LIVE = (R.OPEN, R.MATCHED)


class AlreadyOffered(Conflict):
    message = _l("You have offered to help with this already.")


class OwnRequest(NotAllowed):
    message = _l("You cannot offer help with your own request.")


class RequestNotOpen(Conflict):
    message = _l("This request no longer takes offers.")


class WrongState(Conflict):
    message = _l("This cannot be done in the request's current state.")


@dataclass(frozen=True)
class HelpRequestData:
    title: str
    details: str
    category_id: int
    community: str
    contact: str
    urgency: Urgency = Urgency.NORMAL
    preferred_time: str | None = None


TITLE_LENGTH = 80  # validation.check_title


@dataclass(frozen=True)
class Draft:
    """A request begun elsewhere, as the form starts with it."""

    title: str = ""
    category_id: int | None = None


def draft_from_search(words: str | None, category_slug: str | None, categories) -> Draft:
    """A request begun from a search that found nothing (the browse page's
    "post a help request" link, ?title=<the words>&category=<slug>): the
    words as its title, cut to a title's length, and the category the page
    suggested when it is one of `categories` (those taking new requests).
    Only a start: the form checks what is sent as ever."""
    title = " ".join((words or "").split())[:TITLE_LENGTH]
    category = next((c for c in categories if category_slug and c.slug == category_slug), None)
    return Draft(title, category.id if category else None)


# -- who sees what ---------------------------------------------------------------

def can_view(request: HelpRequest, user) -> bool:
    """Requests are a public board; a hidden one is seen by its resident, the
    volunteer helping (to finish it) and admins."""
    if request.hidden_at is None:
        return True
    return bool(user and user.is_authenticated and (
        user.is_admin or user.id in (request.requester_id, request.volunteer_id)))


def visible_contact(request: HelpRequest, user) -> str | None:
    """The requester and admins; the accepted volunteer while helping (as a
    volunteer sees an enrollment's contact only while it is live)."""
    if not (user and user.is_authenticated):
        return None
    if user.is_admin or user.id == request.requester_id:
        return request.contact
    if user.id == request.volunteer_id and request.status == R.MATCHED:
        return request.contact
    return None


def listed_contact(request: HelpRequest, user) -> str | None:
    """The contact as lists, the request's page and action answers show it:
    masked unless it is the requester's own (privacy.py)."""
    return listed(visible_contact(request, user), user, request.requester_id)


def reveal_contact(request: HelpRequest, user, via: str) -> str | None:
    """The whole contact, opened on purpose; the helper's or an admin's look
    is audited (the caller commits)."""
    return revealed(visible_contact(request, user), user, request.requester_id,
                    "help_request.contact_view", request, via)


def get_request(request_id: int) -> HelpRequest:
    request = db.session.get(HelpRequest, request_id)
    if request is None:
        raise NotFound()
    return request


def get_offer(offer_id: int) -> HelpOffer:
    offer = db.session.get(HelpOffer, offer_id)
    if offer is None:
        raise NotFound()
    return offer


def lock_request(request_id: int) -> HelpRequest:
    """Offers, acceptance and the end of one request queue here."""
    return lock_row(HelpRequest, request_id)


# -- the resident's side ------------------------------------------------------------

def check_request_data(data: HelpRequestData) -> None:
    check_title(data.title)
    if not 1 <= len(data.details.strip()) <= 5000:
        raise InvalidInput(_l("Please describe what you need (at most 5000 characters)."),
                           field="details")
    check_category(data.category_id)
    check_community(data.community)
    if len((data.preferred_time or "").strip()) > 80:
        raise InvalidInput(_l("Preferred time: at most 80 characters."),
                           field="preferred_time")
    check_contact(data.contact, None)


def _fields(data: HelpRequestData) -> dict:
    return dict(title=data.title.strip(), details=data.details.strip(),
                category_id=data.category_id, community=data.community.strip(),
                contact=data.contact.strip(), urgency=Urgency(data.urgency),
                preferred_time=(data.preferred_time or "").strip() or None)


def post_request(requester, data: HelpRequestData) -> HelpRequest:
    check_request_data(data)
    request = HelpRequest(requester=requester, status=R.OPEN, **_fields(data))
    db.session.add(request)
    db.session.flush()
    return request


def update_request(request: HelpRequest, actor, data: HelpRequestData) -> HelpRequest:
    """The requester edits the request while nobody has been accepted."""
    _require_requester(request, actor)
    check_request_data(data)
    request = lock_request(request.id)
    if request.status != R.OPEN:
        raise Conflict(_l("Only an open request can be changed."))
    for key, value in _fields(data).items():
        setattr(request, key, value)
    return request


def cancel_request(request: HelpRequest, actor) -> None:
    """The requester calls it off at any time before completion."""
    _require_requester(request, actor)
    request = lock_request(request.id)
    if request.status not in LIVE:
        raise WrongState()
    request.status, request.ended_at = R.CANCELLED, utcnow()
    for offer in _offers(request, (Offer.OPEN, Offer.ACCEPTED)):
        offer.status = Offer.CLOSED
        notify(offer.volunteer_id, "help_request.cancelled", help_request_id=request.id,
               title=request.title)
    request.offer_count = 0


def accept_offer(offer: HelpOffer, actor) -> None:
    """The requester picks one offer: that volunteer alone now sees the
    contact; every other open offer is closed and its volunteer told."""
    _require_requester(offer.help_request, actor)
    request = lock_request(offer.help_request_id)
    db.session.refresh(offer)
    if request.status != R.OPEN or request.hidden_at is not None:
        raise RequestNotOpen()
    if offer.status != Offer.OPEN:
        raise Conflict(_l("This offer was withdrawn."))
    offer.status = Offer.ACCEPTED
    request.status, request.volunteer_id, request.matched_at = R.MATCHED, offer.volunteer_id, \
        utcnow()
    request.visit_code = new_code()
    notify(offer.volunteer_id, "help_offer.accepted", help_request_id=request.id,
           title=request.title)
    for other in _offers(request, (Offer.OPEN,)):
        other.status = Offer.CLOSED
        notify(other.volunteer_id, "help_offer.closed", help_request_id=request.id,
               title=request.title)
    request.offer_count = 0


def complete_request(request: HelpRequest, actor) -> None:
    """The requester or the matched volunteer says it is done."""
    if not (actor and actor.id in (request.requester_id, request.volunteer_id)):
        raise NotAllowed()
    request = lock_request(request.id)
    if request.status != R.MATCHED:
        raise WrongState()
    request.status, request.ended_at = R.COMPLETED, utcnow()
    other = request.volunteer_id if actor.id == request.requester_id else request.requester_id
    notify(other, "help_request.completed", help_request_id=request.id, title=request.title)


def confirm_happened(request: HelpRequest, actor) -> None:
    _require_requester(request, actor)
    if request.status != R.COMPLETED:
        raise WrongState()
    if request.resident_confirmed_at is not None:
        raise Conflict(_l("You have confirmed this already."))
    request.resident_confirmed_at = utcnow()


def rate(request: HelpRequest, actor, rating: int, comment: str | None) -> Feedback:
    """Like an enrollment: 1-5 with an optional comment, once, after completion."""
    _require_requester(request, actor)
    check_rating(rating, comment)
    request = lock_request(request.id)
    if request.status != R.COMPLETED:
        raise WrongState()
    feedback = leave_feedback(actor, request.volunteer_id, rating, comment,
                              help_request_id=request.id)
    if request.resident_confirmed_at is None:
        request.resident_confirmed_at = utcnow()
    return feedback


# -- the volunteer's side --------------------------------------------------------------

def offer_help(request: HelpRequest, volunteer, message: str) -> HelpOffer:
    """One offer per volunteer per request; a withdrawn one can be renewed."""
    if not volunteer.is_volunteer:
        raise NotAllowed(_l("Only volunteers can offer help."))
    message = (message or "").strip()
    if not 1 <= len(message) <= 500:
        raise InvalidInput(_l("Please write a short message (at most 500 characters)."),
                           field="message")
    if request.requester_id == volunteer.id:
        raise OwnRequest()
    request = lock_request(request.id)
    if request.status != R.OPEN or request.hidden_at is not None:
        raise RequestNotOpen()
    offer = db.session.scalar(sa.select(HelpOffer).filter_by(help_request_id=request.id,
                                                             volunteer_id=volunteer.id))
    if offer is not None and offer.status != Offer.WITHDRAWN:
        raise AlreadyOffered()
    if offer is None:
        offer = HelpOffer(help_request=request, volunteer=volunteer)
        db.session.add(offer)
    offer.message, offer.status = message, Offer.OPEN
    request.offer_count += 1
    db.session.flush()
    notify(request.requester_id, "help_offer.created", help_request_id=request.id,
           title=request.title, volunteer=volunteer.display_name)
    return offer


def withdraw_offer(offer: HelpOffer, volunteer) -> None:
    if offer.volunteer_id != volunteer.id:
        raise NotAllowed()
    request = lock_request(offer.help_request_id)
    db.session.refresh(offer)
    if offer.status != Offer.OPEN:
        raise Conflict(_l("Only an offer that is not yet accepted can be withdrawn."))
    offer.status = Offer.WITHDRAWN
    request.offer_count -= 1


# -- moderation --------------------------------------------------------------------------

def hide_request(request: HelpRequest, admin, reason: str) -> None:
    if not admin.is_admin:
        raise NotAllowed()
    reason = check_reason(reason)
    request = lock_request(request.id)
    if request.hidden_at is not None:
        raise Conflict(_l("This request is hidden already."))
    request.hidden_at, request.hidden_reason = utcnow(), reason
    audit(admin, "help_request.hide", request, reason=reason)


def unhide_request(request: HelpRequest, admin) -> None:
    if not admin.is_admin:
        raise NotAllowed()
    request = lock_request(request.id)
    if request.hidden_at is None:
        raise Conflict(_l("This request is not hidden."))
    request.hidden_at = None
    audit(admin, "help_request.unhide", request, reason=request.hidden_reason)


def _require_requester(request: HelpRequest, actor) -> None:
    if not (actor and actor.id == request.requester_id):
        raise NotAllowed()


def _offers(request: HelpRequest, statuses) -> list[HelpOffer]:
    return list(db.session.scalars(sa.select(HelpOffer).where(
        HelpOffer.help_request_id == request.id, HelpOffer.status.in_(statuses))))
