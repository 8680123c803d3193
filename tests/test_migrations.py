"""The migrations build the whole schema from empty on this engine (SQLite by
default, PostgreSQL under DATABASE_URL), match the models, and go back down."""

import os
import tempfile
import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from marketplace import create_app
from marketplace.extensions import db


@pytest.fixture
def empty_databases(app):
    """A maker of URIs to empty databases of the same engine as the suite's
    (on PostgreSQL databases of their own, dropped afterwards)."""
    url = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    made = []

    def _make() -> str:
        if url.get_backend_name() != "postgresql":
            return f"sqlite:///{os.path.join(tempfile.mkdtemp(), 'empty.sqlite3')}"
        name = f"{url.database}_mig_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return url.set(database=name).render_as_string(hide_password=False)

    admin = db.engine.execution_options(isolation_level="AUTOCOMMIT")
    yield _make
    with admin.connect() as conn:
        for name in made:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def empty_database(empty_databases):
    return empty_databases()


def test_migrate_empty_database_to_head_and_back(empty_database):
    fresh = create_app("testing", {"SQLALCHEMY_DATABASE_URI": empty_database})
    with fresh.app_context():
        upgrade()
        inspector = sa.inspect(db.engine)
        assert set(db.metadata.tables) <= set(inspector.get_table_names())
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM categories")).scalar() == 8
        downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        db.engine.dispose()


def test_flask_db_check_reports_no_difference(empty_database):
    fresh = create_app("testing", {"SQLALCHEMY_DATABASE_URI": empty_database})
    runner = fresh.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    with fresh.app_context():
        db.engine.dispose()


def test_the_latest_migrations_keep_and_serve_existing_data(empty_databases):
    """A database full of data (the demo district, its columns of today's
    rows written at revision 0004 through Core: the models describe only
    head) upgrades to head with every row kept and found by the new search
    and list indexes, then goes one step down and up again."""
    from marketplace.demo.seed import seed
    from marketplace.listings import search
    from marketplace.listings.models import Service

    reference = create_app("testing", {"SQLALCHEMY_DATABASE_URI": empty_databases()})
    with reference.app_context():
        upgrade()
        seed()
        db.session.commit()
        source = db.engine
        fresh = create_app("testing", {"SQLALCHEMY_DATABASE_URI": empty_databases()})
        with fresh.app_context():
            upgrade(revision="0004")
            copied = _copy_shared_columns(source, db.engine)
            with source.connect() as conn:
                before = _counts(conn, copied)
            upgrade()
            with db.engine.connect() as conn:
                after = _counts(conn, copied)
            assert after == before and before["services"] > 5
            title = db.session.scalar(sa.select(Service.title).order_by(Service.id))
            for word in (title[:1], title[:2], title[:3]):  # 1, 2 and 3 characters
                found = db.session.scalars(sa.select(Service.title).where(search.matches(word)))
                assert title in list(found), word
            db.session.commit()
            downgrade(revision="-1")
            upgrade()
            db.session.remove()
            db.engine.dispose()
        db.session.remove()
        db.engine.dispose()


def _counts(conn, names) -> dict[str, int]:
    return {name: conn.scalar(sa.select(sa.func.count()).select_from(db.metadata.tables[name]))
            for name in names}


def _rows(conn, table: sa.Table, columns) -> list:
    keys = [table.c[name] for name in columns]
    return conn.execute(sa.select(*keys).order_by(*table.primary_key.columns)).all()


def _copy_shared_columns(source: sa.Engine, target: sa.Engine) -> dict[str, list[str]]:
    """Every row of `source` into the tables of `target`, with the columns
    that `target`'s schema has (an older revision's); the columns copied."""
    old = sa.MetaData()
    old.reflect(target)
    copied = {}
    with source.connect() as read, target.begin() as write:
        for table in old.sorted_tables:
            if table.name not in db.metadata.tables:  # alembic_version, the search index's
                continue
            columns = [c.name for c in table.columns]
            rows = [dict(zip(columns, row, strict=True))
                    for row in _rows(read, db.metadata.tables[table.name], columns)]
            write.execute(table.delete())  # the categories 0001 seeds, as today
            if rows:
                write.execute(table.insert(), rows)
            copied[table.name] = columns
    return copied


def test_the_first_revision_with_data_upgrades_to_head(empty_databases):
    """The demo district written in the schema of revision 0001 (its columns
    of today's rows, through Core: the models describe only head) upgrades to
    head with every row and value kept; `flask stats rebuild` then fills the
    summary tables that 0004 added exactly as the live rules did; one step
    down and up again works with the data in."""
    from marketplace.demo.seed import seed

    reference = create_app("testing", {"SQLALCHEMY_DATABASE_URI": empty_databases()})
    with reference.app_context():
        upgrade()
        seed()
        db.session.commit()
        source = db.engine
        aged = create_app("testing", {"SQLALCHEMY_DATABASE_URI": empty_databases()})
        with aged.app_context():
            upgrade(revision="0001")
            copied = _copy_shared_columns(source, db.engine)
            assert {"services", "enrollments", "hour_records"} <= set(copied)
            upgrade()
            with source.connect() as want, db.engine.connect() as got:
                for name, columns in copied.items():  # every row, every value written
                    table = db.metadata.tables[name]
                    assert _rows(got, table, columns) == _rows(want, table, columns), name
                assert len(_rows(got, db.metadata.tables["services"], ["id"])) > 5
            result = aged.test_cli_runner().invoke(args=["stats", "rebuild"])
            assert result.exit_code == 0, result.output
            with source.connect() as want, db.engine.connect() as got:
                for name in ("branch_period_stats", "member_period_stats",
                             "district_period_stats"):
                    table = db.metadata.tables[name]
                    columns = [c.name for c in table.columns]
                    assert _rows(got, table, columns) == _rows(want, table, columns), name
            downgrade(revision="-1")
            upgrade()
            db.session.remove()
            db.engine.dispose()
        db.session.remove()
        db.engine.dispose()
