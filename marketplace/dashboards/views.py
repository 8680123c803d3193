"""The branch dashboard for leads, and the CSV export of a branch's records.

Both are for the branch's leads, leads of a committee above it and admins
(authz.can_manage_branch). A bad export range is shown on the dashboard,
next to the range as it was typed.
"""

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..authz import managed_branch
from ..branches.models import Branch
from ..exceptions import DomainError
from ..forms import apply_domain_error
from ..rankings.periods import MONTH, QUARTER, current, today
from . import export, queries
from .forms import ExportForm

bp = Blueprint("dashboards", __name__, url_prefix="/branches", template_folder="templates",
               static_folder="static", static_url_path="/dashboards/static")


@bp.route("/<int:branch_id>/dashboard")
@login_required
def branch(branch_id: int):
    branch = _managed(branch_id)
    form = ExportForm(request.args)
    if not request.args.get("start") and not request.args.get("end"):
        form.start.data, form.end.data = today().replace(day=1), today()
    return _dashboard(branch, form)


@bp.route("/<int:branch_id>/hours.csv")
@login_required
def export_csv(branch_id: int):
    branch = _managed(branch_id)
    form = ExportForm(request.args)
    if _valid(form):
        try:
            start, end = export.check_range(form.start.data, form.end.data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            response = Response(export.csv_text(branch.id, start, end),
                                mimetype="text/csv")
            response.headers["Content-Disposition"] = export.content_disposition(
                branch.id, branch.name, start, end)
            response.headers["Cache-Control"] = "no-store"  # names of people
            return response
    return _dashboard(branch, form), 400


def _managed(branch_id: int) -> Branch:
    branch, allowed = managed_branch(branch_id, current_user)
    if branch is None:
        abort(404)
    if not allowed:
        abort(403)
    return branch


def _valid(form: ExportForm) -> bool:
    """The form's own check: only a day that does not parse fails it."""
    if form.validate():
        return True
    for field in (form.start, form.end):
        if field.errors:
            field.errors = [_("A day like 2026-11-30.")]
    return False


def _dashboard(branch: Branch, form: ExportForm) -> str:
    period = queries.category_period(request.args.get("period"))
    overview = queries.overview(branch.id)
    categories = queries.hours_by_category(branch.id, period)
    month, quarter = current(MONTH), current(QUARTER)
    top = queries.top_members_of(branch.id, [month, quarter])
    return render_template(
        "dashboards/branch.html", branch=branch, form=form, overview=overview,
        categories=categories, category_period=period,
        pending=overview.pending_reviews, pending_cap=queries.PENDING_CAP,
        top_month=top[month.key], top_quarter=top[quarter.key],
        share=queries.share, chart_data=_chart_data(overview, categories))


def _chart_data(overview: queries.Overview, categories: list[queries.CategoryFigures]) -> dict:
    """What dashboard.js draws: the same figures as the tables under the charts."""
    return {
        "months": {"labels": [m.period.label for m in overview.months],
                   "hours": [m.hours for m in overview.months],
                   "title": _("Approved hours")},
        "categories": {"labels": [c.name for c in categories],
                       "hours": [c.hours for c in categories],
                       "title": _("Approved hours")},
    }
