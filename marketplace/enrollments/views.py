"""Joining a service and everything after: the resident's and the volunteer's buttons."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import writes_on_get
from ..exceptions import DomainError
from ..extensions import db
from ..limits import join_limits
from ..listings import services as listings
from ..pages import perform
from ..redirects import safe_next_url
from . import queries
from . import services as enrollments
from .forms import JoinForm, RateForm
from .models import Enrollment

bp = Blueprint("enrollments", __name__, template_folder="templates")


@bp.route("/services/<int:service_id>/join", methods=["POST"])
@login_required
@join_limits
def join(service_id: int):
    service = listings.get_service(service_id)
    if not listings.can_view(service, current_user):
        abort(404)
    form = JoinForm()
    if form.validate_on_submit():
        try:
            enrollment = enrollments.join(service.id, current_user, form.contact.data,
                                          form.note.data)
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "danger")
        else:
            db.session.commit()
            flash(_JOINED[enrollment.status](), "success")
    else:
        for errors in form.errors.values():
            flash(errors[0], "danger")
    return redirect(url_for("listings.detail", service_id=service_id))


_JOINED = {
    "pending": lambda: _("You have joined. The volunteer will confirm soon."),
    "confirmed": lambda: _("You have joined and your place is confirmed."),
    "waitlisted": lambda: _("All places are taken: you are on the waitlist and will be told "
                            "when a place frees up."),
}


@bp.route("/my/enrollments")
@login_required
def mine():
    page = queries.my_enrollments(current_user.id, request.args.get("cursor"), 20)
    positions = enrollments.waitlist_positions(page.items)
    rated = queries.rated_ids([e.id for e in page.items])
    return render_template("enrollments/mine.html", page=page, positions=positions,
                           rated=rated, rate_form=RateForm())


ACTIONS = {
    "cancel": (enrollments.cancel, lambda: _("Your enrollment is cancelled.")),
    "confirm": (enrollments.confirm, lambda: _("Confirmed; the resident is told.")),
    "decline": (enrollments.decline, lambda: _("Declined; the resident is told.")),
    "complete": (enrollments.complete, lambda: _("Marked as completed. Thank you!")),
    "no-show": (enrollments.no_show, lambda: _("Marked as not taken place.")),
    "confirm-happened": (enrollments.confirm_happened,
                         lambda: _("Thank you for confirming.")),
}


@bp.route("/enrollments/<int:enrollment_id>/<any(cancel, confirm, decline, complete, "
          "'no-show', 'confirm-happened'):action>", methods=["POST"])
@login_required
def act(enrollment_id: int, action: str):
    enrollment = _visible_enrollment(enrollment_id)
    step, message = ACTIONS[action]
    back = safe_next_url(request.form.get("next"), "enrollments.mine")
    return perform(lambda: step(enrollment, current_user), message(), back)


@bp.route("/enrollments/<int:enrollment_id>/feedback", methods=["POST"])
@login_required
def feedback(enrollment_id: int):
    enrollment = _visible_enrollment(enrollment_id)
    form = RateForm()
    if not form.validate_on_submit():
        flash(_("Please choose 1 to 5 stars."), "danger")
        return redirect(url_for("enrollments.mine"))
    return perform(lambda: enrollments.rate(enrollment, current_user, form.rating.data,
                                            form.comment.data),
                   _("Thank you for your rating!"), url_for("enrollments.mine"))


@bp.route("/enrollments/<int:enrollment_id>")
@login_required
@writes_on_get
def detail(enrollment_id: int):
    """One enrollment, opened on purpose from the volunteer's list: the whole
    contact while the rules allow it, and the volunteer's or an admin's look
    in the audit log. Rendered before the commit: no page without its row."""
    enrollment = _visible_enrollment(enrollment_id)
    contact = enrollments.reveal_contact(enrollment, current_user, "page")
    page = render_template("enrollments/detail.html", enrollment=enrollment, contact=contact,
                           is_resident=current_user.id == enrollment.resident_id)
    db.session.commit()
    return page


def _visible_enrollment(enrollment_id: int):
    """Strangers are not told that an enrollment exists."""
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None or not enrollments.can_view(enrollment, current_user):
        abort(404)
    return enrollment
