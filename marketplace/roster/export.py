"""CSV export of the live branches and the active memberships, in the
columns the imports read: an exported file imports unchanged.

Rows come from one streamed query each (yield_per: a server-side cursor on
PostgreSQL), in id order, so a province's 1.7 million members leave in flat
memory, for a download or a file. A branch without a code is written as
#id, which the imports read as "the branch with this id".
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from ..accounts.models import User
from ..branches.models import Branch, Membership
from ..extensions import db
from . import csvformat

STREAM_BATCH = 2_000
EXPORTS = ("branches", "members")


def _code(branch_id: int | None, code: str | None) -> str | None:
    if branch_id is None:
        return None
    return code or f"#{branch_id}"


def _text(column):
    """The stored string of an enum column (no Enum object per row)."""
    return sa.type_coerce(column, sa.String)


def branch_rows() -> Iterator[tuple]:
    """code, name, kind, parent_code, community of every live branch."""
    b = Branch.__table__
    parent = b.alias("parent")
    stmt = (sa.select(b.c.id, b.c.code, b.c.name, _text(b.c.kind), parent.c.id, parent.c.code,
                      b.c.community)
            .outerjoin(parent, parent.c.id == b.c.parent_id)
            .where(b.c.retired_at.is_(None)).order_by(b.c.id)
            .execution_options(yield_per=STREAM_BATCH))
    for branch_id, code, name, kind, parent_id, parent_code, community in (
            db.session.execute(stmt)):
        yield (_code(branch_id, code), name, kind, _code(parent_id, parent_code),
               community)


def member_rows() -> Iterator[tuple]:
    """username, display_name, phone, branch_code, membership, role of every
    active membership of a live branch."""
    m, u, b = Membership.__table__, User.__table__, Branch.__table__
    stmt = (sa.select(u.c.username, u.c.display_name, u.c.phone, b.c.id, b.c.code,
                      _text(m.c.membership), _text(m.c.role))
            .select_from(m).join(u, u.c.id == m.c.user_id).join(b, b.c.id == m.c.branch_id)
            .where(m.c.status == "active", b.c.retired_at.is_(None)).order_by(m.c.id)
            .execution_options(yield_per=STREAM_BATCH))
    for username, display_name, phone, branch_id, code, membership, role in (
            db.session.execute(stmt)):
        yield (username, display_name, phone, _code(branch_id, code), membership, role)


def export_chunks(what: str) -> Iterator[str]:
    """The CSV text of an export ("branches" or "members") in chunks."""
    if what == "branches":
        return csvformat.csv_chunks(csvformat.BRANCH_COLUMNS, branch_rows())
    if what == "members":
        return csvformat.csv_chunks(csvformat.MEMBER_COLUMNS, member_rows())
    raise ValueError(what)
