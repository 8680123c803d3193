"""The first start of the embedded default: migrate the database to the
newest schema and, when it is empty, fill it with the demo district."""

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from .extensions import db


def prepare_embedded_database(app: Flask) -> None:
    with app.app_context():
        upgrade()
        if not app.config["DEMO_ON_FIRST_START"]:
            return
        if db.session.scalar(sa.text("SELECT count(*) FROM users")) == 0:
            from .demo.seed import DEMO_PASSWORD, demo_accounts_text, seed

            seed()
            db.session.commit()
            print("Demo data created. Demo accounts (password: "
                  f"{DEMO_PASSWORD}):\n{demo_accounts_text()}", flush=True)
