"""Read-side queries for listings: each page's data in a fixed number of queries."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..db import utcnow
from ..extensions import db
from .models import Category, Service, ServiceStatus


def visible_services():
    """Services a resident may see: published and not hidden by moderation."""
    return sa.select(Service).where(Service.status == ServiceStatus.PUBLISHED,
                                    Service.hidden_at.is_(None))


def category_counts() -> list[tuple[Category, int]]:
    """The active categories in order, each with its number of open services."""
    open_count = (
        sa.select(Service.category_id, sa.func.count().label("n"))
        .where(Service.status == ServiceStatus.PUBLISHED, Service.hidden_at.is_(None))
        .group_by(Service.category_id).subquery()
    )
    rows = db.session.execute(
        sa.select(Category, sa.func.coalesce(open_count.c.n, 0))
        .outerjoin(open_count, open_count.c.category_id == Category.id)
        .where(Category.retired_at.is_(None))
        .order_by(Category.position, Category.id)
    ).all()
    return [(category, count) for category, count in rows]


def upcoming_services(limit: int = 6) -> list[Service]:
    """Events that start soonest from now, with their volunteer and category loaded."""
    return list(db.session.scalars(
        visible_services()
        .where(Service.starts_at >= utcnow())
        .options(joinedload(Service.volunteer), joinedload(Service.category))
        .order_by(Service.starts_at, Service.id)
        .limit(limit)
    ))
