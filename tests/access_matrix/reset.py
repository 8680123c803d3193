"""A fresh scene for each request that needs one.

The first scene a worker builds is saved, and put back each time after:
the same rows, ids and tokens, at a fraction of the cost of building it
(the matrix needs a fresh scene hundreds of times). On SQLite the whole
database is copied into memory and back (SQLite's online backup, which also
keeps the search index's own tables right); on PostgreSQL every table is
copied into a schema of its own (scene_copy) and back, by one script of
statements that the server runs without sending a row. The page cache gets a
new generation, so no page stored from an earlier state is served."""

from __future__ import annotations

import sqlite3

from marketplace import pagecache
from marketplace.extensions import db
from marketplace.listings.categories import ensure_default_categories

from .scene import Scene, build_scene

_saved: dict = {}  # this worker's first scene and its copy of the database


def reset(categories: bool = True) -> None:
    # DELETE, children first (as conftest's teardown does): fast on small tables.
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    if categories:
        ensure_default_categories()
    db.session.commit()


def fresh_scene() -> Scene:
    db.session.commit()  # nothing of the test's own may hold a lock
    if not _saved:
        reset()
        _saved["scene"] = build_scene()
        _saved["copy"] = _save()
    else:
        _restore(_saved["copy"])
        pagecache.invalidate()
    return _saved["scene"]


COPY_SCHEMA = "scene_copy"


def _save():
    if db.engine.dialect.name == "sqlite":
        copy = sqlite3.connect(":memory:")
        _sqlite_copy(source=None, target=copy)
        return copy
    # Every row of every table, as it is now, in tables of the same columns.
    quote = db.engine.dialect.identifier_preparer.quote
    names = [quote(table.name) for table in db.metadata.sorted_tables]
    _script([f"DROP SCHEMA IF EXISTS {COPY_SCHEMA} CASCADE", f"CREATE SCHEMA {COPY_SCHEMA}",
             *(f"CREATE UNLOGGED TABLE {COPY_SCHEMA}.{name} AS TABLE {name}" for name in names)])
    db.session.commit()
    # Put back: emptied children first, then filled parents first. The rows
    # keep their ids; the sequences are past them already, so rows made
    # after this get new ids as usual.
    return ([f"DELETE FROM {name}" for name in reversed(names)]  # noqa: S608 (our tables)
            + [f"INSERT INTO {name} SELECT * FROM {COPY_SCHEMA}.{name}"  # noqa: S608
               for name in names])


def _script(statements: list[str]) -> None:
    """PostgreSQL runs them in one round trip (a script without parameters)."""
    db.session.connection().exec_driver_sql("; ".join(statements))


def _restore(copy) -> None:
    if db.engine.dialect.name == "sqlite":
        _sqlite_copy(source=copy, target=None)
        return
    _script(copy)
    db.session.commit()


def _sqlite_copy(source, target) -> None:
    """Copy the whole database from `source` to `target` (None: the app's)."""
    db.session.remove()
    with db.engine.connect() as conn:
        app_db = conn.connection.driver_connection
        (source or app_db).backup(target or app_db)
