"""Reading the audit log: newest first, filtered on indexed columns, one
keyset page at a time (at 5 million records no page counts or rescans)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..audit.models import AuditEntry
from ..exceptions import InvalidInput
from ..extensions import db
from ..localtime import local_day_end, local_day_start
from ..pagination import Page, SortKey, paginate


@dataclass(frozen=True)
class AuditFilters:
    action: str | None = None  # "membership.accept", or "membership" for all of its kind
    actor_id: int | None = None
    target_type: str | None = None
    target_id: int | None = None
    date_from: date | None = None  # local days, both included
    date_to: date | None = None


# An action filter: "membership.accept", or "membership" for all of its kind.
ACTION_PATTERN = r"^[a-z_]+(\.[a-z_]+)?$"
TARGET_NEEDS_TYPE = _l("Choose the record type too.")
DATES_REVERSED = _l("The end date is before the start date.")


def check(filters: AuditFilters) -> AuditFilters:
    """The rules that span two filters (the page's form shows the same
    messages): a record number needs its type; the end is not before the start."""
    if filters.target_id is not None and not filters.target_type:
        raise InvalidInput(TARGET_NEEDS_TYPE, field="target_id")
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        raise InvalidInput(DATES_REVERSED, field="date_to")
    return filters


def actor_id(username: str) -> int:
    """The account a "done by" filter names, or a refusal naming `actor`."""
    user = user_by_username(username)
    if user is None:
        raise InvalidInput(_l("No account has this username."), field="actor")
    return user.id


def _like_prefix(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + ".%"


def entries(filters: AuditFilters, cursor: str | None, limit: int) -> Page:
    """One page of entries, newest first. An action or an actor is served by
    its index (ix_audit_entries_action / _actor: the column, then id), a
    record by ix_audit_entries_target, a date range by created_at's."""
    stmt = sa.select(AuditEntry)
    if filters.action:
        if "." in filters.action:
            stmt = stmt.where(AuditEntry.action == filters.action)
        else:
            stmt = stmt.where(AuditEntry.action.like(_like_prefix(filters.action), escape="\\"))
    if filters.actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == filters.actor_id)
    if filters.target_type:
        stmt = stmt.where(AuditEntry.target_type == filters.target_type)
        if filters.target_id is not None:
            stmt = stmt.where(AuditEntry.target_id == filters.target_id)
    if filters.date_from:
        stmt = stmt.where(AuditEntry.created_at >= local_day_start(filters.date_from))
    if filters.date_to:
        stmt = stmt.where(AuditEntry.created_at < local_day_end(filters.date_to))
    return paginate(stmt, [SortKey(AuditEntry.id, descending=True)], cursor, limit)


def user_by_username(username: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.username == username.strip()))


def actors(page: Page) -> dict[int, User]:
    """Who did the entries of a page, in one query."""
    ids = {entry.actor_id for entry in page.items if entry.actor_id is not None}
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}
