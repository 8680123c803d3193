"""Sending and reading in-app notifications."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..db import utcnow
from ..extensions import db
from .models import Notification


def notify(user_id: int, kind: str, **params: Any) -> Notification:
    """Queue a notification in the current transaction (sent when it commits)."""
    note = Notification(user_id=user_id, kind=kind, params=params)
    db.session.add(note)
    return note


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None)))


def mark_all_read(user_id: int) -> int:
    return mark_read(user_id)


def mark_read(user_id: int, ids: list[int] | None = None) -> int:
    """Mark the person's unread notifications read (only those of `ids` when
    given: another person's ids, or read ones, are left alone); how many."""
    stmt = (sa.update(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .values(read_at=utcnow()).execution_options(synchronize_session=False))
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    return db.session.execute(stmt).rowcount
