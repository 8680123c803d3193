"""No main page reads a large table without an index (issue 7): the SQL each
page and API call of test_main_page_queries runs is recorded through the test
client, then EXPLAINed on the same database.

- PostgreSQL: `EXPLAIN (FORMAT JSON)` after `SET LOCAL enable_seqscan = off`,
  so the test's tiny tables do not make a sequential scan look cheapest; a
  "Seq Scan" of a large table that remains means no index can serve it.
- SQLite: `EXPLAIN QUERY PLAN`; a `SCAN <table>` without `USING ... INDEX`.

Keyword search is left out here: tests/test_search.py checks its plans
(the grams index on PostgreSQL; on SQLite, 1- and 2-character words scan
with LIKE, the small-deployment engine's documented limit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from marketplace.extensions import db

from . import test_main_page_queries as pages
from .conftest import listening
from .test_main_page_queries import strict_loading, uncached_pages, world  # noqa: F401

# Tables that grow with the province (millions of rows, or 81,000 branches);
# the others (categories, alliances, district figures…) may be read whole.
LARGE = {"users", "api_tokens", "services", "enrollments", "help_requests", "help_offers",
         "feedback", "hour_records", "point_entries", "hour_reports", "memberships",
         "branches", "notifications", "audit_entries", "certificates",
         "branch_period_stats", "member_period_stats"}
PLANNED = ("SELECT", "UPDATE", "DELETE", "WITH")


@dataclass(frozen=True)
class Statement:
    sql: str
    parameters: object


class Recorder:
    """Counts like conftest's QueryCounter (`statements`) and keeps what can
    be planned with its parameters (`planned`)."""

    def __init__(self):
        self.statements: list[str] = []
        self.planned: list[Statement] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)
        if not executemany and statement.lstrip().upper().startswith(PLANNED):
            self.planned.append(Statement(statement, parameters))


def _record(client_for, strict_loading, world, call) -> list[Statement]:  # noqa: F811
    """The statements of the call's request alone (not of building its data)."""
    recorders = []

    def recording():
        recorders.append(Recorder())
        return listening(recorders[-1])

    pages._send(client_for, recording, strict_loading, world, call)
    return [s for r in recorders for s in r.planned]


def _postgresql_scans(conn, statement: Statement) -> set[str]:
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    plan = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement.sql}",
                                statement.parameters).scalar()
    found = set()

    def walk(node):
        if node.get("Node Type") == "Seq Scan":
            found.add(node["Relation Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return found


# "SCAN users" or, for SQLAlchemy's aliases, "SCAN users_1"; with an index
# the line goes on ("SCAN services USING INDEX ix_services_soon").
_SQLITE_SCAN = re.compile(r"^SCAN (\w+?)(?:_\d+)?$")


def _sqlite_scans(conn, statement: Statement) -> set[str]:
    rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement.sql}", statement.parameters)
    return {m.group(1) for *_ids, detail in rows if (m := _SQLITE_SCAN.match(detail))}


def full_scans(statement: Statement) -> set[str]:
    """The large tables the statement's plan reads whole."""
    with db.engine.connect() as conn, conn.begin() as transaction:
        if conn.dialect.name == "postgresql":
            tables = _postgresql_scans(conn, statement)
        else:
            tables = _sqlite_scans(conn, statement)
        transaction.rollback()
    return tables & LARGE


def test_explain_flags_a_full_scan_of_a_large_table():
    """The check itself: a filter on an unindexed column is a full scan."""
    seen = full_scans(Statement("SELECT id FROM users WHERE display_name = 'x'", ()))
    if db.engine.dialect.name == "postgresql":
        seen |= full_scans(Statement("SELECT id FROM users WHERE display_name = %(n)s",
                                     {"n": "x"}))
    assert seen == {"users"}
    aliased = ("SELECT hour_records_1.description FROM hour_records AS hour_records_1 "
               "WHERE hour_records_1.place = 'x'")
    assert full_scans(Statement(aliased, ())) == {"hour_records"}
    assert full_scans(Statement("SELECT name FROM categories", ())) == set()


PAGES = [name for name in pages.CALLS if not name.startswith("search")]


@pytest.mark.parametrize("name", PAGES)
def test_main_page_reads_no_large_table_whole(client_for, strict_loading, world,  # noqa: F811
                                              name):
    call = pages.CALLS[name]
    call.grow(world, pages.FEW)
    statements = _record(client_for, strict_loading, world, call)
    assert statements
    scans = {s.sql: tables for s in statements if (tables := full_scans(s))}
    assert scans == {}, "\n\n".join(f"{sorted(t)}: {sql}" for sql, t in scans.items())
