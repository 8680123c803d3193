"""The bulk writer: PostgreSQL COPY (psycopg 3) or SQLite executemany in
batches, on the session's own connection and transaction (the caller
commits after each table), with progress: table, rows, rows/s."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from itertools import islice

import sqlalchemy as sa

BATCH = 10_000
REPORT_EVERY = 250_000

# The tables whose ids the generator gives: their sequences move past them.
ID_TABLES = ("branches", "users", "memberships", "alliances", "services", "enrollments",
             "help_requests", "help_offers", "hour_records", "point_entries")


class Progress:
    def __init__(self, table: str, echo: Callable[[str], None]):
        self.table, self.echo = table, echo
        self.rows = 0
        self.started = time.perf_counter()
        self._next_report = REPORT_EVERY

    def add(self, rows: int) -> None:
        self.rows += rows
        if self.rows >= self._next_report:
            self._next_report += REPORT_EVERY
            self.echo(f"  {self.table}: {self.rows:,} rows, {self.rate():,.0f} rows/s …")

    def rate(self) -> float:
        return self.rows / max(time.perf_counter() - self.started, 1e-9)

    def done(self) -> None:
        elapsed = time.perf_counter() - self.started
        self.echo(f"{self.table}: {self.rows:,} rows in {elapsed:.1f} s "
                  f"({self.rate():,.0f} rows/s)")


class Loader:
    def __init__(self, session, echo: Callable[[str], None] = print):
        self.session, self.echo = session, echo
        self.dialect = session.get_bind().dialect.name

    def _raw(self):
        return self.session.connection().connection.driver_connection

    def write(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple],
              progress: Progress | None = None) -> int:
        """Write every row; returns how many. Give `progress` to add to an
        earlier call's count (a table written in several calls)."""
        own = progress is None
        progress = progress or Progress(table, self.echo)
        before = progress.rows
        if self.dialect == "postgresql":
            self._copy(table, columns, rows, progress)
        else:
            self._insert(table, columns, rows, progress)
        if own:
            progress.done()
        return progress.rows - before

    def _copy(self, table, columns, rows, progress) -> None:
        """Binary COPY: psycopg dumps each value in C and the server parses
        no text (timestamps are what a text COPY spends most on)."""
        types = dict(self.fetch(
            "SELECT a.attname, format_type(a.atttypid, NULL) FROM pg_attribute a "
            "WHERE a.attrelid = CAST(:table AS regclass) AND a.attnum > 0", table=table))
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
        with self._raw().cursor() as cursor, cursor.copy(sql) as copy:
            copy.set_types([_PG_TYPES.get(types[c], types[c]) for c in columns])
            write = copy.write_row
            count = 0
            for row in rows:
                write(row)
                count += 1
                if count == BATCH:
                    progress.add(count)
                    count = 0
            progress.add(count)

    def _insert(self, table, columns, rows, progress) -> None:
        sql = (f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 (our own names)
               f"VALUES ({', '.join('?' * len(columns))})")
        cursor = self._raw().cursor()
        rows = iter(rows)
        try:
            while batch := [tuple(map(_sqlite_value, row)) for row in islice(rows, BATCH)]:
                cursor.executemany(sql, batch)
                progress.add(len(batch))
        finally:
            cursor.close()

    # -- PostgreSQL: load first, index and check afterwards ----------------------------
    def drop_indexes(self, tables: tuple[str, ...]) -> None:
        """PostgreSQL: drop the foreign keys and the indexes that back no
        constraint (kept: primary keys and unique constraints), as pg_restore
        orders a load; `restore_indexes` makes them again, in one pass per
        index, which also checks the data (unique indexes, foreign keys).
        In the caller's transaction: a failed load leaves the schema as it was."""
        if self.dialect != "postgresql":
            return
        names = {"tables": list(tables)}
        self._foreign_keys = self.fetch(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
            "FROM pg_constraint c WHERE c.contype = 'f' "
            "AND (c.conrelid::regclass::text = ANY(:tables) "
            "OR c.confrelid::regclass::text = ANY(:tables)) ORDER BY 1, 2", **names)
        self._indexes = self.fetch(
            "SELECT i.tablename, i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = 'public' AND i.tablename = ANY(:tables) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) "
            "ORDER BY 1", **names)
        for table, name, _definition in self._foreign_keys:
            self.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for _table, name, _definition in self._indexes:
            self.execute(f'DROP INDEX "{name}"')
        self.execute("SET LOCAL synchronous_commit = off")

    def restore_indexes(self, skip: tuple[str, ...] = ()) -> None:
        """Make again the dropped indexes and foreign keys, but those of the
        tables in `skip` (a later call makes them)."""
        if self.dialect != "postgresql":
            return
        self.execute("SET LOCAL maintenance_work_mem = '1GB'")
        indexes = [index for index in self._indexes if index[0] in skip]
        foreign_keys = [key for key in self._foreign_keys if key[0] in skip]
        for table, name, definition in self._indexes:
            if table in skip:
                continue
            started = time.perf_counter()
            self.execute(definition)
            self._slow(f"index {name}", started)
        for table, name, definition in self._foreign_keys:
            if table in skip:
                continue
            started = time.perf_counter()
            self.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            self._slow(f"foreign key {name}", started)
        self._indexes, self._foreign_keys = indexes, foreign_keys

    def _slow(self, what: str, started: float) -> None:
        elapsed = time.perf_counter() - started
        if elapsed >= 1:
            self.echo(f"  {what}: {elapsed:.1f} s")

    def fetch(self, sql: str, **params) -> list[tuple]:
        return [tuple(row) for row in self.session.execute(sa.text(sql), params)]

    def execute(self, sql: str, **params) -> None:
        self.session.execute(sa.text(sql), params)

    def commit(self) -> None:
        self.session.commit()

    def move_sequences(self) -> None:
        """PostgreSQL: the next id after the generated ones (SQLite's
        rowids follow the largest id by themselves)."""
        if self.dialect != "postgresql":
            return
        for table in ID_TABLES:
            self.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                         f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)")

    def analyze(self) -> None:
        self.execute("ANALYZE")


_PG_TYPES = {"integer": "int4", "bigint": "int8", "boolean": "bool", "character varying": "varchar",
             "timestamp with time zone": "timestamptz", "text": "text", "date": "date"}


def _sqlite_value(value):
    """As SQLAlchemy's SQLite DateTime stores it (naive UTC, microseconds),
    so that string comparisons in queries agree; booleans as 0/1."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if value is True or value is False:
        return int(value)
    return value
