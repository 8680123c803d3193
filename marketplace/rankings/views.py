"""Rankings and the public figures page (公开): no personal data beyond names.

- /rankings: branches ranked within a parent committee or an alliance
  (public); without one, a chooser.
- /branches/<id>/rankings: the branch's members by approved hours, for its
  members, its leads (and leads above) and admins (access.py).
- /public: district totals by month and category, and the top branches
  (public, counts only).

Every page reads the summary tables only (queries.py). A bad ?period= is
answered with a clear message (400) beside this month's figures.
"""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from ..branches.queries import branch_for_page
from ..exceptions import NotFound
from ..pagecache import public_page
from . import groups, queries
from .access import can_view_members
from .periods import MONTH, YEAR, BadPeriod, current, months_up_to, period_from_args, recent
from .score import (
    HOURS_PER_MEMBER_MONTH,
    PRIOR_RATINGS,
    RESIDENTS_PER_MEMBER_MONTH,
    WEIGHT_ACTIVE,
    WEIGHT_HOURS,
    WEIGHT_RATING,
    WEIGHT_RESIDENTS,
)

bp = Blueprint("rankings", __name__, template_folder="templates", static_folder="static",
               static_url_path="/rankings/static")

PAGE_SIZE = 50
FORMULA = {"hours_weight": round(100 * WEIGHT_HOURS), "active_weight": round(100 * WEIGHT_ACTIVE),
           "residents_weight": round(100 * WEIGHT_RESIDENTS),
           "rating_weight": round(100 * WEIGHT_RATING), "hours_goal": HOURS_PER_MEMBER_MONTH,
           "residents_goal": RESIDENTS_PER_MEMBER_MONTH, "prior": int(PRIOR_RATINGS)}


def _period(default_kind: str = MONTH):
    """The period asked for, or the default with the reason it was refused."""
    try:
        return period_from_args(request.args.get("period"), default_kind), None
    except BadPeriod as exc:
        return current(default_kind), str(exc.message)


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        abort(404)
    return int(value)


def _position() -> int:
    value = request.args.get("start", "")
    return min(int(value), queries.MAX_POSITION) if value.isdigit() and len(value) < 7 else 0


def _render(template: str, error: str | None, **context):
    context.update(choices=recent(), error=error, formula=FORMULA)
    return render_template(template, **context), 400 if error else 200


@bp.route("/rankings")
@public_page
def branches():
    period, error = _period()
    by = request.args.get("by") if request.args.get("by") in queries.ORDERS else queries.BY_SCORE
    parent_id, alliance_id = _int_arg("parent"), _int_arg("alliance")
    group = ranking = chooser = None
    if parent_id is not None or alliance_id is not None:
        try:
            group = groups.get_group(parent_id, alliance_id)
        except NotFound:
            abort(404)
        ranking = queries.branch_ranking(group, period, by, _position(), PAGE_SIZE)
    else:
        chooser = groups.choices(request.args.get("q", "")[:120], current_user)
    return _render("rankings/branches.html", error, period=period, by=by, group=group,
                   ranking=ranking, chooser=chooser, q=request.args.get("q", "")[:120])


@bp.route("/branches/<int:branch_id>/rankings")
@login_required
def members(branch_id: int):
    try:
        branch = branch_for_page(branch_id)
    except NotFound:
        abort(404)
    if not can_view_members(current_user, branch):
        abort(403)
    period, error = _period()
    ranking = queries.member_ranking(branch.id, period, _position(), PAGE_SIZE)
    return _render("rankings/members.html", error, branch=branch, period=period,
                   ranking=ranking, figures=queries.branch_figures(branch.id, period))


@bp.route("/public")
@public_page
def public():
    period, error = _period(YEAR)
    by_category = queries.district_by_category(period)
    months = months_up_to(period)
    by_month = list(zip(months, queries.district_by_month(months), strict=True))
    return _render("rankings/public.html", error, period=period, by_category=by_category,
                   totals=queries.district_totals(by_category, period.key),
                   by_month=by_month, top=queries.top_branches(period),
                   most_month=max([f.minutes for _m, f in by_month] + [1]),
                   most_category=max([f.minutes for f in by_category] + [1]))
