"""Keyset pagination: a page continues after the last row's sort key, so the
thousandth page costs what the first does (no OFFSET)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .exceptions import InvalidInput
from .extensions import db


@dataclass(frozen=True)
class SortKey:
    column: Any  # a column or expression that is never NULL
    descending: bool = False
    kind: type = int  # what its cursor value must be: int, str or datetime


@dataclass
class Page:
    items: list
    next_cursor: str | None
    positions: dict = field(default_factory=dict)  # e.g. waitlist positions by id


class BadCursor(InvalidInput):
    message = _l("This list position is not valid; please start from the first page.")


def encode_cursor(values: Sequence[Any]) -> str:
    plain = [{"dt": v.isoformat()} if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, keys: Sequence[SortKey]) -> list[Any]:
    """The values a cursor holds, each of its key's kind, or BadCursor: a
    forged cursor never reaches SQL."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(keys):
            raise ValueError
        return [_typed(value, key.kind) for value, key in zip(values, keys, strict=True)]
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadCursor(field="cursor") from exc


def _typed(value: Any, kind: type) -> Any:
    if kind is datetime:
        parsed = datetime.fromisoformat(value["dt"])
        if parsed.tzinfo is None:
            raise ValueError("naive datetime")
        return parsed
    if type(value) is not kind:  # bool is not int here
        raise ValueError(f"expected {kind.__name__}")
    if kind is int and not -(2**63) <= value < 2**63:  # what a BIGINT holds
        raise ValueError("out of range")
    return value


def _after(keys: Sequence[SortKey], values: Sequence[Any]) -> sa.ColumnElement[bool]:
    """(k1, k2, ...) strictly after (v1, v2, ...) in the sort order."""
    clauses = []
    for i, key in enumerate(keys):
        equal_before = [keys[j].column == values[j] for j in range(i)]
        beyond = key.column < values[i] if key.descending else key.column > values[i]
        clauses.append(sa.and_(*equal_before, beyond))
    # Implied by the OR, but only a plain bound on the first key lets the
    # database start its index scan at the cursor instead of at the top.
    first = keys[0]
    start = first.column <= values[0] if first.descending else first.column >= values[0]
    return sa.and_(start, sa.or_(*clauses))


def paginate(stmt: sa.Select, keys: Sequence[SortKey], cursor: str | None,
             limit: int) -> Page:
    """Run `stmt` (selecting one entity) sorted by `keys`, after `cursor`."""
    if cursor:
        stmt = stmt.where(_after(keys, decode_cursor(cursor, keys)))
    stmt = stmt.add_columns(*(k.column for k in keys)).order_by(
        *(k.column.desc() if k.descending else k.column.asc() for k in keys)).limit(limit + 1)
    rows = db.session.execute(stmt).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(list(rows[-1][1:])) if more and rows else None
    return Page(items=[row[0] for row in rows], next_cursor=next_cursor)
