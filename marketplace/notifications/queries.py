"""Reading a person's notifications: the page and the API list the same
way, newest first, one indexed query per page (ix_notifications_user)."""

from __future__ import annotations

import sqlalchemy as sa

from ..pagination import Page, SortKey, paginate
from .models import Notification


def notifications_of(user_id: int, cursor: str | None, limit: int,
                     unread_only: bool = False) -> Page:
    stmt = sa.select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return paginate(stmt, [SortKey(Notification.id, descending=True)], cursor, limit)
