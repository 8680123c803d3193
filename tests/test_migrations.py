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
def empty_database(app):
    """A URI to an empty database of the same engine as the suite's (on
    PostgreSQL a database of its own, dropped afterwards)."""
    url = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{os.path.join(tempfile.mkdtemp(), 'empty.sqlite3')}"
        return
    name = f"{url.database}_mig_{uuid.uuid4().hex[:8]}"
    admin = db.engine.execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


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


def test_the_latest_migrations_keep_and_serve_existing_data(empty_database):
    """A database full of data (the demo district, written at revision 0004,
    whose schema the models still match) upgrades to head with every row
    kept and found by the new search and list indexes, then goes one step
    down and up again."""
    from marketplace.demo.seed import seed
    from marketplace.listings import search
    from marketplace.listings.models import Service

    fresh = create_app("testing", {"SQLALCHEMY_DATABASE_URI": empty_database})
    with fresh.app_context():
        upgrade(revision="0004")
        seed()
        db.session.commit()
        before = {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
                  for t in db.metadata.sorted_tables}
        db.session.commit()  # no read transaction may hold a lock the migrations need
        upgrade()
        after = {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
                 for t in db.metadata.sorted_tables}
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
