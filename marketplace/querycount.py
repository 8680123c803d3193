"""Queries per request, for the benchmark (bench/run.py): with
QUERY_COUNT_HEADER on, every response says in X-Query-Count how many SQL
statements its request ran. Off by default: nothing is counted then."""

from flask import Flask, g, has_app_context
from sqlalchemy import event

from .extensions import db

HEADER = "X-Query-Count"


def init_app(app: Flask) -> None:
    if not app.config.get("QUERY_COUNT_HEADER"):
        return
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _count)

    @app.after_request
    def _tell(response):
        response.headers[HEADER] = str(g.get("query_count", 0))
        return response


def _count(*_args) -> None:
    if has_app_context():
        g.query_count = g.get("query_count", 0) + 1
