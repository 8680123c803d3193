"""What both imports share: the report, the error list, the staging tables
and the one transaction.

An import reads the file once, checking each row on its own and loading it
into a temporary staging table (COPY on PostgreSQL, batched executemany
elsewhere); then set-based queries check what spans rows and the database
(duplicates, parents, home branches), each naming the offending lines. Only
when nothing is wrong do a few INSERT … SELECT / UPDATE … FROM statements
write, all in the caller's single transaction: an error anywhere rolls back
everything, and the staging tables go with it. Python holds one record at a
time and, for members, the branch codes (a dict of ids, ~81,000 entries at
provincial scale); never the file or the people.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..exceptions import Conflict, InvalidInput
from .csvformat import LineError

MAX_SHOWN_ERRORS = 200
PROGRESS_EVERY = 100_000
BATCH = 5_000
# Stored for accounts an import creates: no hash method has this name, so
# no password ever matches it; the person sets one through a password reset.
UNUSABLE_PASSWORD = "!imported-no-password"  # noqa: S105 (not a secret)

Progress = Callable[[str, int], None]


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportReport:
    """What an import did (or, with errors, why it did nothing)."""

    what: str  # "branches" or "members"
    filename: str | None = None
    rows: int = 0
    counts: dict[str, Counts] = field(default_factory=dict)
    errors: list[LineError] = field(default_factory=list)
    error_count: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def audit_details(self) -> dict:
        details = {"rows": self.rows, "seconds": round(self.seconds, 1)}
        if self.filename:
            details["filename"] = self.filename[:120]
        for name, counts in self.counts.items():
            details[name] = {"created": counts.created, "updated": counts.updated,
                             "unchanged": counts.unchanged}
        return details


class ImportRejected(InvalidInput):
    """The file has errors: nothing was imported; `report.errors` says where."""

    message = _l("The file has errors; nothing was imported.")

    def __init__(self, report: ImportReport):
        super().__init__(field="file")
        self.report = report


class RosterChanged(Conflict):
    message = _l("The database changed while the file was being imported, so nothing was "
                 "imported. Please import it again.")


class ImportTarget:
    """What the audit entry of an import is about: the roster, not one row."""

    __tablename__ = "roster"
    id = None


class ErrorList:
    """Every error counted; the first MAX_SHOWN_ERRORS by line kept."""

    def __init__(self, shown: int = MAX_SHOWN_ERRORS):
        self.shown = shown
        self.items: list[LineError] = []
        self.count = 0

    def add(self, error: LineError) -> None:
        self.count += 1
        if len(self.items) < self.shown * 4:  # sorted and cut in `first`
            self.items.append(error)

    def from_query(self, conn, stmt, make: Callable[[sa.Row], LineError]) -> None:
        """Add an error for each row of `stmt` (its first column is the line,
        it is ordered by line); counts them all, fetches at most `shown`."""
        rows = conn.execute(stmt.limit(self.shown)).all()
        total = len(rows)
        if total == self.shown:
            total = conn.execute(sa.select(sa.func.count()).select_from(
                stmt.order_by(None).subquery())).scalar_one()
        self.count += total
        self.items.extend(make(row) for row in rows)

    def first(self) -> list[LineError]:
        return sorted(self.items, key=lambda e: e.line)[:self.shown]

    def fill(self, report: ImportReport) -> None:
        report.errors, report.error_count = self.first(), self.count


class Stage:
    """A temporary table for one import, on the session's connection (so in
    its transaction), loaded row by row in batches."""

    def __init__(self, conn: sa.Connection, table: sa.Table, method: str = "auto"):
        self.conn, self.table = conn, table
        self.columns = [column.name for column in table.columns]
        if method == "auto":
            method = "copy" if _psycopg(conn) else "many"
        self.method = method
        self._batch: list[tuple] = []
        self._stack = ExitStack()
        self._copy = None

    def __enter__(self) -> Stage:
        self.conn.execute(sa.text(f"DROP TABLE IF EXISTS {self.table.name}"))
        self.table.create(self.conn)
        if self.method == "copy":
            from psycopg import sql

            cursor = self._stack.enter_context(self.conn.connection.dbapi_connection.cursor())
            self._copy = self._stack.enter_context(cursor.copy(
                sql.SQL("COPY {} ({}) FROM STDIN").format(
                    sql.Identifier(self.table.name),
                    sql.SQL(", ").join(sql.Identifier(c) for c in self.columns))))
        return self

    def add(self, row: tuple) -> None:
        if self._copy is not None:
            self._copy.write_row(row)
            return
        self._batch.append(row)
        if len(self._batch) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._batch:
            self.conn.execute(self.table.insert(),
                              [dict(zip(self.columns, row, strict=True)) for row in self._batch])
            self._batch = []

    def __exit__(self, exc_type, exc, tb) -> None:
        self._stack.__exit__(exc_type, exc, tb)  # ends the COPY (or aborts it)
        if exc_type is None:
            self._flush()
            if self.conn.dialect.name == "postgresql":
                # Autovacuum never analyzes temporary tables: the planner needs it.
                self.conn.execute(sa.text(f"ANALYZE {self.table.name}"))


def inserted(conn: sa.Connection, stmt: sa.Insert) -> int:
    """Run an INSERT … SELECT and say how many rows it wrote. SQLAlchemy keeps
    the row count of inserts only when asked (psycopg would give -1)."""
    return conn.execute(stmt.execution_options(preserve_rowcount=True)).rowcount


# After a bulk write, PostgreSQL's planner still sees the old table sizes
# until autovacuum comes by: the next pages (and a re-run) would pick plans
# for tiny tables.
ANALYZE_AFTER = 10_000


def analyze(conn: sa.Connection, rows_written: int, *tables: sa.Table,
            at_least: int = ANALYZE_AFTER) -> None:
    if conn.dialect.name == "postgresql" and rows_written >= at_least:
        for table in tables:
            conn.execute(sa.text(f"ANALYZE {table.name}"))


def drop(conn: sa.Connection, *tables: sa.Table) -> None:
    for table in tables:
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {table.name}"))


def _psycopg(conn: sa.Connection) -> bool:
    return conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"


class Clock:
    def __init__(self):
        self.started = time.perf_counter()

    def seconds(self) -> float:
        return time.perf_counter() - self.started


def no_progress(_step: str, _rows: int) -> None:
    pass


def write_guard(step: Callable[[], None]) -> None:
    """Run the writes; a unique index tripped by a change made meanwhile (a
    membership added on a page during the import) rolls everything back."""
    try:
        step()
    except sa.exc.IntegrityError as exc:
        raise RosterChanged() from exc
