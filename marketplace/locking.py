"""Row locks for rules that must see a row as nobody else is changing it
(places on a service, offers on a help request)."""

import sqlalchemy as sa

from .exceptions import NotFound
from .extensions import db


def lock_row(model, row_id: int):
    """The row, fresh and locked until the transaction ends: SELECT ... FOR
    UPDATE on PostgreSQL; on SQLite the write transaction is IMMEDIATE
    already (db.configure_sqlite), which serialises writers."""
    row = db.session.scalar(sa.select(model).where(model.id == row_id)
                            .with_for_update().execution_options(populate_existing=True))
    if row is None:
        raise NotFound()
    return row
