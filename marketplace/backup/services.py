"""A consistent copy of the whole database while the app keeps serving:
SQLite's online backup API, PostgreSQL's pg_dump (custom format, restored
with pg_restore). Both read one snapshot, so the copy is never half of an
action."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from ..extensions import db

SUFFIX = {"sqlite": ".sqlite3", "postgresql": ".dump"}


def default_path(folder: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return folder / f"wangtao-{stamp}{SUFFIX[db.engine.dialect.name]}"


def backup(target: Path) -> Path:
    """Write the database to `target` (a new file) and return it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise FileExistsError(target)
    if db.engine.dialect.name == "sqlite":
        _sqlite_backup(target)
    else:
        _pg_dump(db.engine.url, target)
    return target


def _sqlite_backup(target: Path) -> None:
    raw = db.engine.raw_connection()
    try:
        copy = sqlite3.connect(target)
        with copy:
            raw.driver_connection.backup(copy)
        copy.close()
    finally:
        raw.close()


def libpq_command(url: sa.URL) -> tuple[list[str], dict]:
    """Connection arguments for PostgreSQL's own tools, the password in the
    environment (never on a command line others can read)."""
    args = ["--host", url.host or "localhost", "--port", str(url.port or 5432),
            "--username", url.username or "postgres", "--dbname", url.database]
    env = os.environ | ({"PGPASSWORD": url.password} if url.password else {})
    return args, env


def _pg_dump(url: sa.URL, target: Path) -> None:
    args, env = libpq_command(url)
    # An argument list, no shell; pg_dump is the server's own, from PATH.
    subprocess.run(  # noqa: S603
        ["pg_dump", "--format=custom", "--no-owner", "--file", str(target), *args],  # noqa: S607
        env=env, check=True, capture_output=True, text=True)
