"""Read-side queries for listings: each page's data in a fixed number of
queries, whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..db import UtcDateTime, utcnow
from ..extensions import db
from ..localtime import local_day_end, local_day_start
from ..pagination import Page, SortKey, paginate
from . import search
from .models import Category, Service, ServiceMode, ServiceStatus

FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)
SORTS = ("soonest", "newest", "popular")


@dataclass(frozen=True)
class BrowseFilters:
    q: str = ""
    category_id: int | None = None
    community: str = ""
    mode: ServiceMode | None = None
    date_from: date | None = None
    date_to: date | None = None
    has_places: bool = False
    sort: str = "soonest"
    volunteer_id: int | None = None


def visible_services() -> sa.Select:
    """Services a resident may see: published and not hidden by moderation."""
    return sa.select(Service).where(Service.status == ServiceStatus.PUBLISHED,
                                    Service.hidden_at.is_(None))


def not_ended() -> sa.ColumnElement[bool]:
    return sa.or_(Service.starts_at.is_(None),
                  sa.func.coalesce(Service.ends_at, Service.starts_at) >= utcnow())


def active_categories() -> list[Category]:
    """The categories in order, each with its open count (kept as a counter)."""
    return list(db.session.scalars(
        sa.select(Category).where(Category.retired_at.is_(None))
        .order_by(Category.position, Category.id)))


def upcoming_services(limit: int = 6) -> list[Service]:
    """Events that start soonest from now, with their category (the caller
    loads the volunteers with their stars: profiles.queries.volunteer_stars)."""
    return list(db.session.scalars(
        visible_services()
        .where(Service.starts_at >= utcnow())
        .options(joinedload(Service.category))
        .order_by(Service.starts_at, Service.id)
        .limit(limit)))


def similar_services(service: Service, limit: int = 3) -> list[Service]:
    """Open services of the same category, soonest first: where to go when
    this one has ended."""
    return list(db.session.scalars(
        visible_services()
        .where(Service.category_id == service.category_id, Service.id != service.id,
               not_ended())
        .options(joinedload(Service.volunteer), joinedload(Service.category))
        .order_by(_soonest(), Service.id)
        .limit(limit)))


def _day_start(day: date, tz) -> datetime:
    return datetime.combine(day, time.min, tz).astimezone(UTC)


def all_categories() -> list[Category]:
    """Every category, retired ones too, in order (a small table). Held by
    a caller while it loads services, they give each service its category
    from the session, with no query (`browse(..., categories_loaded=True)`)."""
    return list(db.session.scalars(sa.select(Category).order_by(Category.position, Category.id)))


def browse(filters: BrowseFilters, cursor: str | None, limit: int, tz=UTC,
           categories_loaded: bool = False, volunteers_loaded: bool = False) -> Page:
    # selectinload: the volunteers and categories of the page's rows only,
    # after the LIMIT (a join would fetch one for every matching service).
    # When the caller holds every category (all_categories), a service's
    # many-to-one category is found in the session's identity map instead;
    # likewise the volunteers, when the caller loads them with their stars
    # before the page is drawn (profiles.queries.volunteer_stars).
    loads = [] if volunteers_loaded else [selectinload(Service.volunteer)]
    if not categories_loaded:
        loads.append(selectinload(Service.category))
    stmt = visible_services().where(not_ended()).options(*loads)
    if filters.q.strip():
        stmt = stmt.where(search.matches(filters.q))
    if filters.category_id:
        stmt = stmt.where(Service.category_id == filters.category_id)
    if filters.community.strip():
        pattern = filters.community.strip().replace("%", r"\%").replace("_", r"\_") + "%"
        stmt = stmt.where(Service.community.like(pattern, escape="\\"))
    if filters.mode:
        stmt = stmt.where(Service.mode == filters.mode)
    if filters.date_from:
        stmt = stmt.where(Service.starts_at >= local_day_start(filters.date_from))
    if filters.date_to:
        stmt = stmt.where(Service.starts_at < local_day_end(filters.date_to))
    if filters.has_places:
        stmt = stmt.where(Service.taken < Service.capacity)
    if filters.volunteer_id:
        stmt = stmt.where(Service.volunteer_id == filters.volunteer_id)
    return paginate(stmt, _sort_keys(filters.sort), cursor, limit)


# Finding (the browse page's chips and its empty result): each a single
# grouped query over a bounded number of rows, whatever the district's size.
COMMUNITY_SAMPLE = 500
MATCH_SAMPLE = 500


def busiest_communities(limit: int) -> list[str]:
    """The communities with the most open services among the first
    COMMUNITY_SAMPLE of the list (soonest first, as the page shows them),
    most first."""
    listed = (visible_services().with_only_columns(Service.community).where(not_ended())
              .order_by(_soonest(), Service.id).limit(COMMUNITY_SAMPLE).subquery())
    return list(db.session.scalars(
        sa.select(listed.c.community).group_by(listed.c.community)
        .order_by(sa.func.count().desc(), listed.c.community).limit(limit)))


def matches_by_category(q: str, category_ids: list[int]) -> dict[int, int]:
    """Among the first MATCH_SAMPLE open services matching the words of `q`
    (no other filter), how many are in each of the categories: {id: count}.
    The counts add up to MATCH_SAMPLE when there may be more."""
    if not search.normalize_query(q) or not category_ids:
        return {}
    matching = (visible_services().with_only_columns(Service.category_id)
                .where(not_ended(), search.matches(q), Service.category_id.in_(category_ids))
                .limit(MATCH_SAMPLE).subquery())
    return dict(db.session.execute(
        sa.select(matching.c.category_id, sa.func.count()).group_by(matching.c.category_id)
    ).all())


def _sort_keys(sort: str) -> list[SortKey]:
    if sort == "newest":
        return [SortKey(Service.published_at, descending=True, kind=datetime),
                SortKey(Service.id, descending=True)]
    if sort == "popular":
        return [SortKey(Service.joined_total, descending=True),
                SortKey(Service.id, descending=True)]
    return [SortKey(_soonest(), kind=datetime), SortKey(Service.id)]


def _soonest() -> sa.ColumnElement:
    """Soonest first; open-ended offers (no start) after every event. On
    PostgreSQL the very expression of the browse indexes (migration 0006)."""
    if db.engine.dialect.name == "postgresql":
        far = sa.literal_column("'9999-01-01 00:00:00+00'::timestamptz", UtcDateTime())
    else:
        far = sa.literal(FAR_FUTURE, UtcDateTime())
    return sa.func.coalesce(Service.starts_at, far, type_=UtcDateTime())


def services_of(volunteer_id: int, include_unlisted: bool, cursor: str | None,
                limit: int) -> Page:
    """A volunteer's services, newest first (drafts and hidden ones only for
    the volunteer themself)."""
    stmt = sa.select(Service).where(Service.volunteer_id == volunteer_id)
    if not include_unlisted:
        stmt = stmt.where(Service.status.in_([ServiceStatus.PUBLISHED, ServiceStatus.CLOSED]),
                          Service.hidden_at.is_(None))
    stmt = stmt.options(joinedload(Service.category))
    return paginate(stmt, [SortKey(Service.id, descending=True)], cursor, limit)


def service_for_page(service_id: int) -> Service | None:
    return db.session.scalar(
        sa.select(Service).where(Service.id == service_id)
        .options(joinedload(Service.volunteer), joinedload(Service.category)))
