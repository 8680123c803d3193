"""A resident's rating of what a volunteer did: 1-5 stars and an optional
comment, once per enrollment or help request; and the moderation of the
comments, which are public on the volunteer's page.

Moderation withholds a comment's words, not its stars: the resident was
served and rated, and the figures keep counting the rating."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record as audit
from ..db import utcnow
from ..exceptions import Conflict, InvalidInput, NotAllowed, NotFound
from ..extensions import db
from ..rankings import totals
from ..validation import check_reason
from .models import Feedback

MAX_COMMENT = 500


def check_rating(rating, comment: str | None) -> str | None:
    """The cleaned comment, or InvalidInput naming the field."""
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise InvalidInput(_l("Please choose 1 to 5 stars."), field="rating")
    comment = (comment or "").strip() or None
    if comment and len(comment) > MAX_COMMENT:
        raise InvalidInput(_l("The comment can have at most 500 characters."), field="comment")
    return comment


def leave_feedback(resident, volunteer_id: int, rating: int, comment: str | None, *,
                   enrollment_id: int | None = None,
                   help_request_id: int | None = None) -> Feedback:
    """Record the rating; the caller has checked that this resident may rate
    this subject now. A second rating of the same subject is refused."""
    comment = check_rating(rating, comment)
    subject = (Feedback.enrollment_id == enrollment_id if enrollment_id
               else Feedback.help_request_id == help_request_id)
    if db.session.scalar(sa.select(Feedback.id).where(subject)):
        raise Conflict(_l("You have rated this already."))
    feedback = Feedback(enrollment_id=enrollment_id, help_request_id=help_request_id,
                        resident_id=resident.id, volunteer_id=volunteer_id, rating=rating,
                        comment=comment)
    db.session.add(feedback)
    db.session.flush()
    totals.on_feedback(feedback)
    return feedback


def get_feedback(feedback_id: int) -> Feedback:
    feedback = db.session.get(Feedback, feedback_id)
    if feedback is None:
        raise NotFound()
    return feedback


def can_moderate(user) -> bool:
    """Who hides and shows comments, and sees the hidden ones: admins."""
    return user.is_authenticated and user.is_admin


def hide_comment(feedback: Feedback, admin, reason: str) -> None:
    """Take a comment off the volunteer's public page, the reason logged."""
    if not can_moderate(admin):
        raise NotAllowed()
    reason = check_reason(reason)
    if feedback.comment is None:
        raise Conflict(_l("This rating has no comment."))
    if feedback.hidden_at is not None:
        raise Conflict(_l("This comment is hidden already."))
    feedback.hidden_at = utcnow()
    audit(admin, "feedback.hide", feedback, reason=reason)


def show_comment(feedback: Feedback, admin) -> None:
    if not can_moderate(admin):
        raise NotAllowed()
    if feedback.hidden_at is None:
        raise Conflict(_l("This comment is not hidden."))
    feedback.hidden_at = None
    audit(admin, "feedback.show", feedback)
