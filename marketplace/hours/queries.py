"""Read-side figures of approved hours, from the points ledger."""

import sqlalchemy as sa

from ..extensions import db
from .models import PointEntry


def approved_minutes(user_id: int) -> int:
    """Approved minutes net of reversals (the ledger is append-only)."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(PointEntry.minutes), 0))
        .where(PointEntry.user_id == user_id)) or 0
