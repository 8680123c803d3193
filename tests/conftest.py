"""Fixtures: one app per session on a real database migrated to head
(SQLite by default, PostgreSQL when DATABASE_URL says so); every table is
emptied after each test."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade

from .workers import isolate_worker

isolate_worker()  # before the app's config reads DATABASE_URL and REDIS_URL

from marketplace import create_app
from marketplace.branches.models import BranchKind
from marketplace.extensions import db, limiter
from marketplace.listings.categories import ensure_default_categories

from .factories import make_branch

USING_DATABASE_URL = bool(os.environ.get("DATABASE_URL"))


def reset_schema(engine: sa.Engine) -> None:
    """Start from an empty database (the migrations must build everything)."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        else:
            conn.execute(sa.text("PRAGMA foreign_keys = OFF"))
            tables = conn.execute(sa.text(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"))
            for (name,) in tables.all():
                conn.execute(sa.text(f'DROP TABLE IF EXISTS "{name}"'))


@pytest.fixture(scope="session")
def app():
    overrides = {}
    if not USING_DATABASE_URL:
        path = os.path.join(tempfile.mkdtemp(prefix="wangtao-test-"), "test.sqlite3")
        overrides["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    app = create_app("testing", overrides)
    with app.app_context():
        reset_schema(db.engine)
        upgrade()
    return app


def _empty_all_tables() -> None:
    # DELETE, children first: on tables this small it is much faster than
    # TRUNCATE, whose fixed cost per table dominates a PostgreSQL test run.
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture(autouse=True)
def app_ctx(app):
    """Each test runs in an app context of its own (for factories and
    queries) and leaves every table empty behind it."""
    # The limiter object is shared by every app in the process, and an app
    # made by an earlier test (production settings) may have switched it on.
    limiter.enabled = app.config["RATELIMIT_ENABLED"]
    with app.app_context():
        ensure_default_categories()
        db.session.commit()
        yield app
        db.session.rollback()
        _empty_all_tables()


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh app context, with its own session and
    `g`, as in production; the test's pending rows are committed before, and
    its loaded objects refreshed after."""

    def open(self, *args, **kwargs):
        outer = has_app_context()
        if outer:
            db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if outer:
            db.session.expire_all()
        return response


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def client_for(app, login_as):
    """A client of its own (another browser), logged in as `user`, or anonymous."""

    def _make(user=None):
        fresh = app.test_client()
        if user is not None:
            login_as(user, on=fresh)
        return fresh

    return _make


@pytest.fixture
def login_as(client):
    """Log `user` in on the test client, as a real login would."""

    def _login(user, on=None):
        target = on or client
        with target.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return target

    return _login


class QueryCounter:
    def __init__(self):
        self.count = 0
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, *args):
        self.count += 1
        self.statements.append(statement)


@contextmanager
def listening(listener):
    """`listener` sees each SQL statement run inside (before_cursor_execute)."""
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield listener
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as counter:` counts the SQL statements run inside."""
    return lambda: listening(QueryCounter())


# A small branch tree many tests share (a file may define its own instead).
@pytest.fixture
def committee():
    return make_branch("米市巷联合党委", kind=BranchKind.COMMITTEE)


@pytest.fixture
def branch(committee):
    return make_branch("米市巷第一党支部", parent=committee)


@pytest.fixture
def other(committee):
    return make_branch("湖墅社区党支部", parent=committee)
