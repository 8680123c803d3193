"""`python run.py` on an empty database: migrate, fill with the demo, say how to log in."""

import os
import tempfile

import sqlalchemy as sa

from marketplace import create_app
from marketplace.extensions import db
from marketplace.firstrun import prepare_embedded_database


def _users(app):
    with app.app_context():
        count = db.session.scalar(sa.text("SELECT count(*) FROM users"))
        db.engine.dispose()
        return count


def _empty_sqlite():
    return f"sqlite:///{os.path.join(tempfile.mkdtemp(), 'first.sqlite3')}"


def test_first_start_migrates_seeds_and_prints_the_accounts(capsys):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": _empty_sqlite()})
    prepare_embedded_database(app)
    out = capsys.readouterr().out
    assert "vol_wang" in out and "wangtao-demo-2026" in out
    seeded = _users(app)
    assert seeded >= 15

    prepare_embedded_database(app)  # a second start changes nothing
    assert "Demo data created" not in capsys.readouterr().out
    assert _users(app) == seeded


def test_production_start_migrates_but_never_seeds():
    app = create_app("production", {"SQLALCHEMY_DATABASE_URI": _empty_sqlite(),
                                    "SECRET_KEY": "s3cret-enough"})
    prepare_embedded_database(app)
    assert _users(app) == 0
