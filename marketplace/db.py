"""The declarative base, column types and helpers shared by every domain's models."""

from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from sqlalchemy.orm import DeclarativeBase, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(sa.types.TypeDecorator):
    """A timezone-aware UTC datetime on every engine.

    PostgreSQL keeps the zone itself; SQLite drops it, so values are stored as
    naive UTC and come back marked as UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def checked_enum(enum_cls: type[StrEnum], name: str) -> sa.Enum:
    """A status column stored as its string value with a CHECK constraint."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda cls: [m.value for m in cls],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UtcDateTime()},
    )


def configure_sqlite(engine: sa.Engine, busy_timeout_ms: int = 15000) -> None:
    """Make the embedded SQLite safe for concurrent requests.

    pysqlite opens its transaction late, at the first write, so two requests
    could both read a service with one place left and both take it. Instead,
    SQLAlchemy emits BEGIN itself, and a request that may write (any method
    but GET/HEAD/OPTIONS, or a view marked writes_on_get) begins IMMEDIATE:
    it holds the write lock from its first read, writers queue behind it
    (busy timeout), readers go on (WAL).
    A writer still waiting after `busy_timeout_ms` gets "database is locked"
    (a 503, errors.py).
    """

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # no implicit BEGIN from pysqlite
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _may_write() else "BEGIN")


WRITES_ON_GET = "writes_on_get"


def writes_on_get(view):
    """Mark a GET view that writes (a look at a contact writes its audit row):
    on SQLite it begins IMMEDIATE as a POST does, so its write never meets a
    snapshot older than another request's commit (SQLITE_BUSY, no waiting)."""
    setattr(view, WRITES_ON_GET, True)
    return view


def _may_write() -> bool:
    if not has_request_context():
        return False
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        return True
    view = current_app.view_functions.get(request.endpoint)
    return getattr(view, WRITES_ON_GET, False)
