"""Pages for volunteer hours: record, correct, my hours, and the lead's review queue."""

from datetime import datetime

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice

from ..authz import can_manage_branch, managed_branch
from ..branches.models import Membership, MembershipStatus
from ..extensions import db
from ..localtime import local_to_utc, utc_to_local
from ..pages import keyset_page, perform, save_form
from . import queries
from . import services as hours
from .forms import HourForm, ReviewFilterForm

bp = Blueprint("hours", __name__, template_folder="templates")


@bp.route("/hours/new", methods=["GET", "POST"])
@login_required
def create():
    form = _hour_form()
    if not form.branch_id.choices:
        flash(_("Join a branch or volunteer team first: hours count for a branch."), "warning")
        return redirect(url_for("main.home"))
    if request.method == "GET":
        form.enrollment_id.data = request.args.get("enrollment", "")
        form.help_request_id.data = request.args.get("help_request", "")
    if form.validate_on_submit() and save_form(
            lambda: hours.record_hours(current_user, _hour_data(form)), form,
            _("Your hours are recorded and wait for your branch lead's review."), _FIELDS):
        return redirect(url_for("hours.mine"))
    return render_template("hours/form.html", form=form, original=None)


@bp.route("/hours/<int:record_id>/correct", methods=["GET", "POST"])
@login_required
def correct(record_id: int):
    original = hours.get_own_record(record_id, current_user)
    form = _hour_form(original)
    if form.validate_on_submit() and save_form(
            lambda: hours.correct_record(original, current_user, _hour_data(form)), form,
            _("Your correction waits for review; the old record stays in the history."),
            _FIELDS):
        return redirect(url_for("hours.mine"))
    return render_template("hours/form.html", form=form, original=original)


@bp.route("/my/hours")
@login_required
def mine():
    page = queries.records_of(current_user.id, request.args.get("cursor"), 20)
    return render_template("hours/mine.html", page=page,
                           totals=queries.volunteer_totals(current_user.id))


@bp.route("/my/points")
@login_required
def points():
    """The points ledger: what each approval earned and what corrections took back."""
    page = keyset_page(lambda cursor: queries.points_of(current_user.id, cursor, 30))
    return render_template("hours/points.html", page=page,
                           totals=queries.volunteer_totals(current_user.id))


@bp.route("/branches/<int:branch_id>/review")
@login_required
def review(branch_id: int):
    branch, allowed = managed_branch(branch_id, current_user)
    if branch is None or not allowed:
        abort(404 if branch is None else 403)
    form, filters = _review_filters(branch)
    page = keyset_page(lambda cursor: queries.review_queue(branch.id, filters, cursor, 50))
    return render_template("hours/review.html", branch=branch, page=page, form=form,
                           ratings=queries.resident_ratings(page.items), args=request.args)


def _review_filters(branch) -> tuple[ReviewFilterForm, queries.ReviewFilters]:
    form = ReviewFilterForm(request.args)
    form.member.choices = [SelectChoice("", _("Everyone"))] + [
        SelectChoice(str(user_id), name) for user_id, name in queries.waiting_members(branch.id)]
    form.validate()
    month = None
    if form.month.data and not form.month.errors:
        try:
            month = datetime.strptime(form.month.data, "%Y-%m").date()
        except ValueError:
            form.month.errors = [_("Month: like 2026-11.")]
    member = form.member.data if form.member.data and not form.member.errors else None
    linked = {"yes": True, "no": False}.get(form.linked.data)
    return form, queries.ReviewFilters(volunteer_id=int(member) if member else None,
                                       month=month, linked=linked)


def _reviewable(record_id: int):
    """Only the branch's leads (and admins) reach the review buttons."""
    record = queries.record_for_page(record_id)  # with its branch, for the check
    if not can_manage_branch(current_user, record.branch):
        abort(403)
    return record


@bp.route("/hours/<int:record_id>/approve", methods=["POST"])
@login_required
def approve(record_id: int):
    record = _reviewable(record_id)
    return perform(lambda: hours.approve(record, current_user), _("Approved."),
                   url_for("hours.review", branch_id=record.branch_id))


@bp.route("/hours/<int:record_id>/reject", methods=["POST"])
@login_required
def reject(record_id: int):
    record = _reviewable(record_id)
    return perform(lambda: hours.reject(record, current_user, request.form.get("reason", "")),
                   _("Rejected; the volunteer is told why."),
                   url_for("hours.review", branch_id=record.branch_id))


@bp.route("/branches/<int:branch_id>/review/approve", methods=["POST"])
@login_required
def approve_selected(branch_id: int):
    branch, allowed = managed_branch(branch_id, current_user)
    if not allowed:  # as the queue it is sent from, before what was ticked
        abort(404 if branch is None else 403)
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    back = url_for("hours.review", branch_id=branch_id)
    if not ids:
        flash(_("Tick the records to approve first."), "warning")
        return redirect(back)
    records = queries.records_by_ids(ids)
    if any(r.branch_id != branch_id for r in records):
        abort(400)
    return perform(lambda: hours.approve_many(records, current_user),
                   _("%(n)d records approved.", n=len(records)), back)


# Domain field names that the form shows as other fields.
_FIELDS = {"started_at": "start", "ended_at": "end"}


def _hour_form(original=None) -> HourForm:
    form = HourForm()
    if original is not None and request.method == "GET":
        start, end = utc_to_local(original.started_at), utc_to_local(original.ended_at)
        form.day.data, form.start.data, form.end.data = start.date(), start.time(), end.time()
        for name in ("description", "place", "served_person", "activity_lead"):
            getattr(form, name).data = getattr(original, name)
        form.branch_id.data = original.branch_id
    memberships = db.session.scalars(
        sa.select(Membership).where(Membership.user_id == current_user.id,
                                    Membership.status == MembershipStatus.ACTIVE)
        .options(joinedload(Membership.branch)))
    form.branch_id.choices = [SelectChoice(m.branch.id, m.branch.name) for m in memberships]
    return form


def _hour_data(form: HourForm) -> hours.HourData:
    def when(time_value):
        return local_to_utc(datetime.combine(form.day.data, time_value))

    return hours.HourData(
        branch_id=form.branch_id.data, started_at=when(form.start.data),
        ended_at=when(form.end.data), description=form.description.data,
        place=form.place.data, served_person=form.served_person.data,
        activity_lead=form.activity_lead.data, visit_code=form.visit_code.data or None,
        enrollment_id=_id(form.enrollment_id.data), help_request_id=_id(form.help_request_id.data))


def _id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None
