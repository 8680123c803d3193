"""`flask backup`: a copy of the whole database that restores with every
record (SQLite's online backup API; pg_dump and pg_restore on PostgreSQL)."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa

from marketplace.backup.services import libpq_command
from marketplace.demo.seed import seed
from marketplace.extensions import db


def _counts(conn) -> dict[str, int]:
    return {table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()
            for table in db.metadata.sorted_tables}


def _restored_counts(backup: Path) -> dict[str, int]:
    """Restore `backup` into a database of its own and count its rows."""
    if db.engine.dialect.name == "sqlite":
        with sqlite3.connect(backup) as copy:  # the copy is a database file itself
            engine = sa.create_engine("sqlite://", creator=lambda: copy)
            with engine.connect() as conn:
                return _counts(conn)
    url = db.engine.url
    scratch = url.set(database=f"{url.database}_restore")
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch.database}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{scratch.database}"'))
    try:
        args, env = libpq_command(scratch)
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", *args, str(backup)],  # noqa: S603, S607
                       env=env, check=True, capture_output=True)
        engine = sa.create_engine(scratch)
        with engine.connect() as conn:
            counts = _counts(conn)
        engine.dispose()
        return counts
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch.database}" WITH (FORCE)'))
        admin.dispose()


def test_a_backup_restores_with_every_record(runner, tmp_path):
    seed()
    db.session.commit()
    with db.engine.connect() as conn:
        live = _counts(conn)
    assert live["users"] > 10 and live["services"] > 5 and live["hour_records"] > 5

    target = tmp_path / "copy"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output

    assert _restored_counts(target) == live


def test_a_backup_never_overwrites_a_file(runner, tmp_path):
    target = tmp_path / "taken"
    target.write_text("an older backup")
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code != 0 and "exists already" in result.output
    assert target.read_text() == "an older backup"
