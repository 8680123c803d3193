"""A fresh scene for each request that needs one.

The first scene a worker builds is saved, and put back each time after:
the same rows, ids and tokens, at a fraction of the cost of building it
(the matrix needs a fresh scene hundreds of times). On SQLite the whole
database is copied into memory and back (SQLite's online backup, which also
keeps the search index's own tables right); on PostgreSQL every table's rows
are kept and inserted again into the emptied tables. The page cache gets a
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


def _save():
    if db.engine.dialect.name == "sqlite":
        copy = sqlite3.connect(":memory:")
        _sqlite_copy(source=None, target=copy)
        return copy
    # Every row of every table, as it is now.
    return [(table, [dict(row) for row in db.session.execute(table.select()).mappings()])
            for table in db.metadata.sorted_tables]


def _restore(copy) -> None:
    if db.engine.dialect.name == "sqlite":
        _sqlite_copy(source=copy, target=None)
        return
    reset(categories=False)
    # The rows with their ids; the sequences are past them already, so rows
    # made after this get new ids as usual.
    for table, rows in copy:
        if rows:
            db.session.execute(table.insert(), rows)
    db.session.commit()


def _sqlite_copy(source, target) -> None:
    """Copy the whole database from `source` to `target` (None: the app's)."""
    db.session.remove()
    with db.engine.connect() as conn:
        app_db = conn.connection.driver_connection
        (source or app_db).backup(target or app_db)
