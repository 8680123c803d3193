"""Rankings and the public figures (公开) over the API: thin views over
rankings.queries, which read the summary tables only. Branch rankings and
figures are public (counts and branch names); a branch's members ranked by
hours are for its members, its leads (and leads above) and admins, as on
the page (rankings.access)."""

from datetime import timedelta

import marshmallow as ma
from flask import g
from flask_babel import gettext as _
from flask_smorest import Blueprint

from ..branches.queries import get_branch
from ..exceptions import NotAllowed
from ..pagecache import public_page
from ..pagination import SortKey, decode_cursor, encode_cursor
from ..rankings import groups, queries
from ..rankings.access import can_view_members
from ..rankings.periods import YEAR, months_up_to, period_from_args
from ..routing import MAX_ID
from .auth import token_required
from .common import MAX_PAGE_SIZE, UserBrief
from .schemas import ErrorSchema

blp = Blueprint("api_rankings", __name__,
                description="Rankings of branches and members, and the public figures (公开)")

PERIOD_HELP = ('"2026-11" (a month), "2026-Q4" (a quarter) or "2026" (a year), local time '
               '(Asia/Shanghai); "month", "quarter" or "year" for the current one; empty '
               'for this month (this year for the public figures)')


# -- requests ---------------------------------------------------------------

class PeriodArgs(ma.Schema):
    period = ma.fields.String(load_default="", validate=ma.validate.Length(max=10),
                              metadata={"description": PERIOD_HELP})


class RankPageArgs(PeriodArgs):
    cursor = ma.fields.String(validate=ma.validate.Length(max=40),
                              metadata={"description": "next_cursor of the previous page"})
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(1, MAX_PAGE_SIZE))


class BranchRankingArgs(RankPageArgs):
    parent_id = ma.fields.Integer(validate=ma.validate.Range(1, MAX_ID),
                                  metadata={"description": "a party committee: its branches"})
    alliance_id = ma.fields.Integer(validate=ma.validate.Range(1, MAX_ID),
                                    metadata={"description": "an alliance: its branches"})
    by = ma.fields.String(load_default=queries.BY_SCORE,
                          validate=ma.validate.OneOf(queries.ORDERS),
                          metadata={"description": "score (the composite score, then hours) "
                                                   "or hours (approved hours, then score)"})

    @ma.validates_schema
    def one_group(self, data, **kwargs):
        if ("parent_id" in data) == ("alliance_id" in data):
            raise ma.ValidationError(_("Give parent_id or alliance_id (one of them)."),
                                     field_name="parent_id")


# -- responses --------------------------------------------------------------

class PeriodOut(ma.Schema):
    key = ma.fields.String(required=True, metadata={"description": "2026-11, 2026-Q4 or 2026"})
    kind = ma.fields.String(required=True,
                            validate=ma.validate.OneOf(["month", "quarter", "year"]))
    label = ma.fields.String(required=True, metadata={"description": "in the reader's language"})
    first_day = ma.fields.Date(required=True)
    last_day = ma.fields.Date(required=True)


class Ref(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)


class GroupOut(Ref):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf([groups.PARENT,
                                                                      groups.ALLIANCE]))


class ScorePartsOut(ma.Schema):
    hours_per_member = ma.fields.Float(required=True)
    active_share = ma.fields.Float(required=True, metadata={"description": "0 to 1"})
    residents_per_member = ma.fields.Float(required=True)
    rating = ma.fields.Float(required=True,
                             metadata={"description": "the average with 3 neutral ratings"})
    hours_points = ma.fields.Float(required=True, metadata={"description": "of 40"})
    active_points = ma.fields.Float(required=True, metadata={"description": "of 30"})
    residents_points = ma.fields.Float(required=True, metadata={"description": "of 20"})
    rating_points = ma.fields.Float(required=True, metadata={"description": "of 10"})


class BranchRankOut(ma.Schema):
    rank = ma.fields.Integer(required=True, metadata={"description": "ties share a place"})
    branch = ma.fields.Nested(Ref, required=True)
    score = ma.fields.Float(required=True, metadata={"description": "0-100, one decimal"})
    parts = ma.fields.Nested(ScorePartsOut, required=True)
    approved_hours = ma.fields.Float(required=True, metadata={"description": "net of "
                                                                             "corrections"})
    members = ma.fields.Integer(required=True, metadata={"description": "active members now"})
    active_members = ma.fields.Integer(required=True,
                                       metadata={"description": "with approved hours in the "
                                                                "period"})
    records = ma.fields.Integer(required=True)
    residents_served = ma.fields.Integer(required=True)
    confirmed_records = ma.fields.Integer(required=True)
    rating_count = ma.fields.Integer(required=True)


class BranchRankingOut(ma.Schema):
    group = ma.fields.Nested(GroupOut, required=True)
    period = ma.fields.Nested(PeriodOut, required=True)
    by = ma.fields.String(required=True)
    total = ma.fields.Integer(required=True, metadata={"description": "branches ranked"})
    items = ma.fields.List(ma.fields.Nested(BranchRankOut), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


class MemberRankOut(ma.Schema):
    rank = ma.fields.Integer(required=True)
    user = ma.fields.Nested(UserBrief, required=True)
    approved_hours = ma.fields.Float(required=True)
    records = ma.fields.Integer(required=True)
    points = ma.fields.Integer(required=True)


class MemberRankingOut(ma.Schema):
    branch = ma.fields.Nested(Ref, required=True)
    period = ma.fields.Nested(PeriodOut, required=True)
    total = ma.fields.Integer(required=True)
    items = ma.fields.List(ma.fields.Nested(MemberRankOut), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


class FiguresOut(ma.Schema):
    services_published = ma.fields.Integer(required=True)
    residents_served = ma.fields.Integer(required=True)
    approved_hours = ma.fields.Float(required=True)
    records = ma.fields.Integer(required=True, metadata={"description": "approved records"})


class CategoryBrief(ma.Schema):
    id = ma.fields.Integer(required=True)
    slug = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    name_en = ma.fields.String(required=True)


class CategoryFiguresOut(FiguresOut):
    category = ma.fields.Nested(CategoryBrief, required=True, allow_none=True,
                                metadata={"description": "null: volunteer work that served "
                                                         "no listed service or help request"})


class MonthFiguresOut(FiguresOut):
    period = ma.fields.Nested(PeriodOut, required=True)


class PublicFiguresOut(ma.Schema):
    period = ma.fields.Nested(PeriodOut, required=True)
    totals = ma.fields.Nested(FiguresOut, required=True)
    by_category = ma.fields.List(ma.fields.Nested(CategoryFiguresOut), required=True)
    by_month = ma.fields.List(ma.fields.Nested(MonthFiguresOut), required=True,
                              metadata={"description": "12 months up to the period's end, "
                                                       "oldest first"})
    top_branches = ma.fields.List(ma.fields.Nested(BranchRankOut), required=True,
                                  metadata={"description": "most approved hours"})


# -- helpers ----------------------------------------------------------------

def _period_out(period) -> dict:
    return {"key": period.key, "kind": period.kind, "label": period.label,
            "first_day": period.first_day, "last_day": period.after_last_day - timedelta(days=1)}


def _position(args) -> int:
    """The cursor holds the next place to list (a bounded position)."""
    cursor = args.get("cursor")
    return decode_cursor(cursor, [SortKey(None)])[0] if cursor else 0


def _next(ranking) -> str | None:
    return encode_cursor([ranking.next_position]) if ranking.next_position else None


def _branch_out(item) -> dict:
    return {"rank": item.rank, "branch": {"id": item.branch_id, "name": item.name},
            "score": item.score, "parts": item.parts, "approved_hours": item.approved_hours,
            "members": item.members, "active_members": item.active_members,
            "records": item.records, "residents_served": item.residents_served,
            "confirmed_records": item.confirmed_records, "rating_count": item.rating_count}


def _figures_out(figures) -> dict:
    return {"services_published": figures.services_published,
            "residents_served": figures.residents_served,
            "approved_hours": figures.approved_hours, "records": figures.records}


# -- views ------------------------------------------------------------------

@blp.route("/rankings/branches", methods=["GET"])
@public_page
@blp.arguments(BranchRankingArgs, location="query")
@blp.response(200, BranchRankingOut)
@blp.alt_response(404, schema=ErrorSchema, description="Unknown committee or alliance.")
@blp.alt_response(422, schema=ErrorSchema,
                  description="Neither or both of parent_id and alliance_id, a bad period or "
                              "cursor.")
def branch_ranking(args):
    """Branches ranked within a party committee (its branches and volunteer
    teams) or an alliance, in a month, quarter or year (public)."""
    period = period_from_args(args["period"])
    group = groups.get_group(args.get("parent_id"), args.get("alliance_id"))
    ranking = queries.branch_ranking(group, period, args["by"], _position(args), args["limit"])
    return {"group": {"kind": group.kind, "id": group.id, "name": group.name},
            "period": _period_out(period), "by": args["by"], "total": ranking.total,
            "items": [_branch_out(item) for item in ranking.items],
            "next_cursor": _next(ranking)}


@blp.route("/branches/<int:branch_id>/rankings", methods=["GET"])
@token_required
@blp.arguments(RankPageArgs, location="query")
@blp.response(200, MemberRankingOut)
@blp.alt_response(403, schema=ErrorSchema,
                  description="Not a member or lead of the branch (or a lead above), nor an "
                              "admin.")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema, description="A bad period or cursor.")
def member_ranking(args, branch_id: int):
    """The branch's members by approved hours in the period: names only."""
    branch = get_branch(branch_id)
    if not can_view_members(g.api_user, branch):
        raise NotAllowed()
    period = period_from_args(args["period"])
    ranking = queries.member_ranking(branch.id, period, _position(args), args["limit"])
    return {"branch": {"id": branch.id, "name": branch.name}, "period": _period_out(period),
            "total": ranking.total, "next_cursor": _next(ranking),
            "items": [{"rank": item.rank, "approved_hours": item.approved_hours,
                       "user": {"id": item.user_id, "display_name": item.display_name},
                       "records": item.records, "points": item.points}
                      for item in ranking.items]}


@blp.route("/public/figures", methods=["GET"])
@public_page
@blp.arguments(PeriodArgs, location="query")
@blp.response(200, PublicFiguresOut)
@blp.alt_response(422, schema=ErrorSchema, description="A bad period.")
def public_figures(args):
    """District totals of the period (empty: this year), by category and by
    month, and the branches with the most approved hours (public: counts
    and branch names only)."""
    period = period_from_args(args["period"], YEAR)
    by_category = queries.district_by_category(period)
    months = months_up_to(period)
    return {
        "period": _period_out(period),
        "totals": _figures_out(queries.district_totals(by_category, period.key)),
        "by_category": [_figures_out(f) | {"category": f.category} for f in by_category],
        "by_month": [_figures_out(f) | {"period": _period_out(month)} for month, f in
                     zip(months, queries.district_by_month(months), strict=True)],
        "top_branches": [_branch_out(item) for item in queries.top_branches(period)],
    }
