"""A volunteer reports an error in a record; a lead answers it. Thin pages
over hours.reports, where every rule lives."""

from datetime import datetime

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..authz import can_manage_branch
from ..branches.queries import get_branch
from ..forms import OptionalChoice
from ..localtime import local_to_utc, utc_to_local
from ..pages import keyset_page, save_form
from . import queries
from . import reports as rules
from .forms import HourForm

bp = Blueprint("hour_reports", __name__, template_folder="templates")

PAGE_SIZE = 30


class ReportForm(FlaskForm):
    message = TextAreaField(_l("What is wrong?"), validators=[DataRequired(), Length(max=500)],
                            render_kw={"rows": 4, "maxlength": 500},
                            description=_l("For example: the end time was 11:30, not 10:30."))


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("Your answer"), validators=[DataRequired(), Length(max=200)],
                           render_kw={"rows": 2, "maxlength": 200},
                           description=_l("Why the record stands as it is."))


class CorrectionForm(HourForm):
    """The record's fields, less the branch and what it served (kept)."""

    branch_id = None
    visit_code = None
    enrollment_id = None
    help_request_id = None
    answer = TextAreaField(_l("A word to the volunteer (optional)"),
                           validators=[Optional(), Length(max=200)], render_kw={"rows": 2})


class StatusFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Show"), validators=[OptionalChoice()], choices=[
        SelectChoice("open", _l("Waiting for an answer")),
        SelectChoice("corrected", _l("Corrected")), SelectChoice("answered", _l("Answered")),
        SelectChoice("all", _l("All"))])


# -- the volunteer -----------------------------------------------------------------------

@bp.route("/hours/<int:record_id>/report", methods=["GET", "POST"])
@login_required
def create(record_id: int):
    record = queries.record_for_page(record_id)
    if record.volunteer_id != current_user.id:
        abort(404)
    form = ReportForm()
    if form.validate_on_submit() and save_form(
            lambda: rules.report_error(current_user, record, form.message.data), form,
            _("Your report is sent to the branch's lead; you will be told the answer.")):
        return redirect(url_for("hour_reports.mine"))
    return render_template("hours/reports/new.html", form=form, record=record,
                           refusal=rules.why_not_reportable(record))


@bp.route("/my/reports")
@login_required
def mine():
    page = keyset_page(lambda cursor: rules.reports_of(current_user.id, cursor, PAGE_SIZE))
    return render_template("hours/reports/mine.html", page=page)


# -- the lead --------------------------------------------------------------------------

@bp.route("/branches/<int:branch_id>/reports")
@login_required
def branch(branch_id: int):
    branch = get_branch(branch_id)
    if not can_manage_branch(current_user, branch):
        abort(403)
    status = request.args.get("status")
    status = status if status in rules.STATUS_FILTERS else "open"
    form = StatusFilterForm(data={"status": status})
    page = keyset_page(lambda cursor: rules.branch_reports(
        branch.id, rules.STATUS_FILTERS[status], cursor, PAGE_SIZE))
    return render_template("hours/reports/branch.html", branch=branch, page=page, form=form,
                           status=status)


def _visible(report_id: int):
    report = rules.get_report(report_id)
    if not rules.can_view(report, current_user):
        abort(404)
    return report


@bp.route("/reports/<int:report_id>")
@login_required
def detail(report_id: int):
    report = _visible(report_id)
    return _detail_page(report, AnswerForm(formdata=None), _correction_form(report))


@bp.route("/reports/<int:report_id>/answer", methods=["POST"])
@login_required
def answer(report_id: int):
    report = _answerable(report_id)
    form = AnswerForm()
    if form.validate_on_submit() and save_form(
            lambda: rules.answer(report, current_user, form.answer.data), form,
            _("Answered; the volunteer is told.")):
        return redirect(url_for("hour_reports.branch", branch_id=report.branch_id))
    return _detail_page(report, form, _correction_form(report))


@bp.route("/reports/<int:report_id>/correct", methods=["POST"])
@login_required
def correct(report_id: int):
    report = _answerable(report_id)
    form = CorrectionForm()
    if form.validate_on_submit() and save_form(
            lambda: rules.correct(report, current_user, _correction_data(form)), form,
            _("Corrected and approved; the old record stays in the history."), rename=_FIELDS):
        return redirect(url_for("hour_reports.branch", branch_id=report.branch_id))
    return _detail_page(report, AnswerForm(formdata=None), form)


def _answerable(report_id: int):
    """Only the branch's leads (and admins) reach the answer buttons, as on
    the review queue: anyone else gets 403. The rule itself refuses one's
    own report and a report answered already."""
    report = rules.get_report(report_id)
    if not can_manage_branch(current_user, report.record.branch):
        abort(403)
    return report


def _detail_page(report, answer_form, correction_form):
    return render_template(
        "hours/reports/detail.html", report=report, answer_form=answer_form,
        correction_form=correction_form, can_answer=rules.can_answer(report, current_user),
        correction=queries.record_for_page(report.correction_id) if report.correction_id
        else None)


# Domain field names that the form shows as other fields.
_FIELDS = {"started_at": "start", "ended_at": "end"}


def _correction_form(report) -> CorrectionForm:
    """Filled with the reported record, for the lead to change what is wrong."""
    form = CorrectionForm(formdata=None)
    record = report.record
    start, end = utc_to_local(record.started_at), utc_to_local(record.ended_at)
    form.day.data, form.start.data, form.end.data = start.date(), start.time(), end.time()
    for name in ("description", "place", "served_person", "activity_lead"):
        getattr(form, name).data = getattr(record, name)
    return form


def _correction_data(form: CorrectionForm) -> rules.CorrectionData:
    def when(time_value):
        return local_to_utc(datetime.combine(form.day.data, time_value))

    return rules.CorrectionData(
        started_at=when(form.start.data), ended_at=when(form.end.data),
        description=form.description.data, place=form.place.data,
        served_person=form.served_person.data, activity_lead=form.activity_lead.data,
        answer=form.answer.data)
