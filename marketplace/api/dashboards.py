"""A branch's dashboard over the API: the figures of /branches/<id>/dashboard,
from the same dashboards.queries, for the same people (authz.can_manage_branch:
the branch's leads, leads of a committee above it and admins; 403 for others)."""

import marshmallow as ma
from flask import g
from flask_smorest import Blueprint

from ..authz import can_manage_branch
from ..branches.queries import get_branch
from ..dashboards import queries
from ..exceptions import NotAllowed
from ..rankings.periods import MONTH, QUARTER, Period, current
from .auth import token_required
from .schemas import ErrorSchema

blp = Blueprint("api_dashboards", __name__, description="A branch's dashboard (leads, admins)")

PERIOD_KINDS = list(queries.CATEGORY_PERIODS)


class DashboardArgs(ma.Schema):
    period = ma.fields.String(load_default=QUARTER, validate=ma.validate.OneOf(PERIOD_KINDS),
                              metadata={"description": "the period of the hours by category: "
                                                       "this month, quarter (the default) "
                                                       "or year"})


class DashboardPeriodOut(ma.Schema):
    key = ma.fields.String(required=True, metadata={"description": "2026-11, 2026-Q4, 2026"})
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(PERIOD_KINDS))
    label = ma.fields.String(required=True, metadata={"description": "in the reader's language"})


class PeriodFiguresOut(ma.Schema):
    period = ma.fields.Nested(DashboardPeriodOut, required=True)
    hours = ma.fields.Float(required=True, metadata={"description": "approved, to 0.1 h"})
    minutes = ma.fields.Integer(required=True)
    records = ma.fields.Integer(required=True)
    active_members = ma.fields.Integer(required=True,
                                       metadata={"description": "members with approved hours "
                                                                "in the period"})
    active_share = ma.fields.Integer(required=True,
                                     metadata={"description": "active members as a whole "
                                                              "percentage of the members, "
                                                              "at most 100"})
    residents_served = ma.fields.Integer(required=True)
    active = ma.fields.Boolean(required=True, metadata={"description": "had approved activity"})


class RhythmPeriodOut(ma.Schema):
    period = ma.fields.Nested(DashboardPeriodOut, required=True)
    active = ma.fields.Boolean(required=True)


class RhythmOut(ma.Schema):
    """“月月有活动,季季有主题” for the year so far."""

    months = ma.fields.List(ma.fields.Nested(RhythmPeriodOut), required=True)
    quarters = ma.fields.List(ma.fields.Nested(RhythmPeriodOut), required=True)
    active_months = ma.fields.Integer(required=True)
    active_quarters = ma.fields.Integer(required=True)
    on_track = ma.fields.Boolean(required=True,
                                 metadata={"description": "every month and every quarter so "
                                                          "far had activity"})


class CategoryHoursOut(ma.Schema):
    category_id = ma.fields.Integer(required=True,
                                    metadata={"description": "0: other volunteer work"})
    name = ma.fields.String(required=True)
    hours = ma.fields.Float(required=True)
    minutes = ma.fields.Integer(required=True)
    records = ma.fields.Integer(required=True)


class CategoriesOut(ma.Schema):
    period = ma.fields.Nested(DashboardPeriodOut, required=True)
    items = ma.fields.List(ma.fields.Nested(CategoryHoursOut), required=True,
                           metadata={"description": "most hours first"})


class TopMemberOut(ma.Schema):
    user_id = ma.fields.Integer(required=True)
    display_name = ma.fields.String(required=True)
    hours = ma.fields.Float(required=True)
    minutes = ma.fields.Integer(required=True)
    points = ma.fields.Integer(required=True)
    records = ma.fields.Integer(required=True)


class PendingOut(ma.Schema):
    count = ma.fields.Integer(required=True,
                              metadata={"description": "counted up to cap + 1"})
    cap = ma.fields.Integer(required=True)
    more = ma.fields.Boolean(required=True,
                             metadata={"description": "more than `cap` wait (the page says "
                                                      "“1000+”)"})


class DashboardOut(ma.Schema):
    branch_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    members = ma.fields.Integer(required=True, metadata={"description": "active members"})
    this_month = ma.fields.Nested(PeriodFiguresOut, required=True)
    this_quarter = ma.fields.Nested(PeriodFiguresOut, required=True)
    this_year = ma.fields.Nested(PeriodFiguresOut, required=True)
    pending_reviews = ma.fields.Nested(PendingOut, required=True)
    rhythm = ma.fields.Nested(RhythmOut, required=True)
    months = ma.fields.List(ma.fields.Nested(PeriodFiguresOut), required=True,
                            metadata={"description": "the last 12 months, oldest first"})
    categories = ma.fields.Nested(CategoriesOut, required=True)
    top_month = ma.fields.List(ma.fields.Nested(TopMemberOut), required=True,
                               metadata={"description": "the top 10 of this month"})
    top_quarter = ma.fields.List(ma.fields.Nested(TopMemberOut), required=True,
                                 metadata={"description": "the top 10 of this quarter"})


def _period(period: Period) -> dict:
    return {"key": period.key, "kind": period.kind, "label": period.label}


def _figures(figures: queries.PeriodFigures, members: int) -> dict:
    return {"period": _period(figures.period), "hours": figures.hours,
            "minutes": figures.minutes, "records": figures.records,
            "active_members": figures.active_members,
            "active_share": queries.share(figures.active_members, members),
            "residents_served": figures.residents_served, "active": figures.active}


def _top(members: list[queries.TopMember]) -> list[dict]:
    return [{"user_id": m.user_id, "display_name": m.name, "hours": m.hours,
             "minutes": m.minutes, "points": m.points, "records": m.records} for m in members]


@blp.route("/branches/<int:branch_id>/dashboard", methods=["GET"])
@token_required
@blp.arguments(DashboardArgs, location="query")
@blp.response(200, DashboardOut)
@blp.alt_response(403, schema=ErrorSchema,
                  description="Not a lead of the branch or of a committee above it, nor an "
                              "admin.")
@blp.alt_response(404, schema=ErrorSchema, description="Unknown branch.")
@blp.alt_response(422, schema=ErrorSchema, description="A bad `period`.")
def dashboard(args, branch_id: int):
    """The branch dashboard's figures, as on its page: this month's, quarter's
    and year's approved hours and active members, the records awaiting review,
    the year's rhythm, the last 12 months, hours by category and the top
    members of the month and the quarter."""
    branch = get_branch(branch_id)
    if not can_manage_branch(g.api_user, branch):
        raise NotAllowed()
    members = branch.member_count  # as the page: the kept count
    overview = queries.overview(branch.id)
    period = current(args["period"])
    pending = queries.pending_reviews(branch.id)
    rhythm = overview.rhythm
    return {
        "branch_id": branch.id, "name": branch.name, "members": members,
        "this_month": _figures(overview.this_month, members),
        "this_quarter": _figures(overview.this_quarter, members),
        "this_year": _figures(overview.this_year, members),
        "pending_reviews": {"count": min(pending, queries.PENDING_CAP),
                            "cap": queries.PENDING_CAP, "more": pending > queries.PENDING_CAP},
        "rhythm": {"months": [{"period": _period(m.period), "active": m.active}
                              for m in rhythm.months],
                   "quarters": [{"period": _period(q.period), "active": q.active}
                                for q in rhythm.quarters],
                   "active_months": rhythm.active_months,
                   "active_quarters": rhythm.active_quarters,
                   "on_track": rhythm.every_month and rhythm.every_quarter},
        "months": [_figures(m, members) for m in overview.months],
        "categories": {"period": _period(period),
                       "items": [{"category_id": c.category_id, "name": c.name,
                                  "hours": c.hours, "minutes": c.minutes, "records": c.records}
                                 for c in queries.hours_by_category(branch.id, period)]},
        "top_month": _top(queries.top_members(branch.id, current(MONTH))),
        "top_quarter": _top(queries.top_members(branch.id, current(QUARTER))),
    }
