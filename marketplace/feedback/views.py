"""Moderating residents' comments (admins): withhold one from the
volunteer's public page, or show it again."""

from flask import Blueprint, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..authz import admin_required
from ..pages import perform
from . import services as feedback

bp = Blueprint("feedback", __name__)


def _back(item) -> str:
    return url_for("listings.volunteer", user_id=item.volunteer_id, _anchor=f"comment-{item.id}")


@bp.route("/feedback/<int:feedback_id>/hide", methods=["POST"])
@admin_required
def hide(feedback_id: int):
    item = feedback.get_feedback(feedback_id)
    reason = request.form.get("reason", "")  # the reason's rule is the service's
    return perform(lambda: feedback.hide_comment(item, current_user, reason),
                   _("The comment is hidden."), _back(item))


@bp.route("/feedback/<int:feedback_id>/show", methods=["POST"])
@admin_required
def show(feedback_id: int):
    item = feedback.get_feedback(feedback_id)
    return perform(lambda: feedback.show_comment(item, current_user),
                   _("The comment is shown again."), _back(item))
