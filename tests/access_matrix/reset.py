"""A fresh scene for each request that needs one.

On PostgreSQL the tables are emptied and the scene built again. On SQLite
the first scene a worker builds is copied into memory (SQLite's online
backup) and copied back each time after: the same rows, ids and tokens, at
a fraction of the cost of building it (the matrix needs a fresh scene
hundreds of times). The page cache gets a new generation either way, so no
page stored from an earlier state is served."""

from __future__ import annotations

import sqlite3

from marketplace import pagecache
from marketplace.extensions import db
from marketplace.listings.categories import ensure_default_categories

from .scene import Scene, build_scene

_saved: dict = {}  # this worker's first scene and its copy of the database


def reset() -> None:
    # DELETE, children first (as conftest's teardown does): fast on small tables.
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    ensure_default_categories()
    db.session.commit()


def fresh_scene() -> Scene:
    db.session.commit()  # nothing of the test's own may hold a lock
    if db.engine.dialect.name != "sqlite":
        reset()
        return build_scene()
    if not _saved:
        reset()
        _saved["scene"], _saved["copy"] = build_scene(), sqlite3.connect(":memory:")
        _copy(source=None, target=_saved["copy"])
    else:
        _copy(source=_saved["copy"], target=None)
        pagecache.invalidate()
    return _saved["scene"]


def _copy(source, target) -> None:
    """Copy the whole database from `source` to `target` (None: the app's)."""
    db.session.remove()
    with db.engine.connect() as conn:
        app_db = conn.connection.driver_connection
        (source or app_db).backup(target or app_db)
