"""Whole-page cache for anonymous readers of the public pages (home, browse
and search, a service, a volunteer's shop, rankings, the public page).

Correct, not merely fast: every key holds the current *generation*, a token
replaced after each commit that wrote to a table the pages show. A writer
replaces it after its commit and a reader reads it before its data, so a
page rendered from old rows is stored under an old generation and never
served again. The cache (Redis, shared by every worker and instance, or
files on one machine) holds the generation too. Pages that depend on the
clock ("upcoming") are at most CACHE_DEFAULT_TIMEOUT seconds old.

Only anonymous GETs (no session login, no API token) without a flashed
message are served from the cache; the page's CSRF token (in the language
switch) is cut out before storing and the reader's own token put back when
serving. The public API reads (JSON) are cached the same way.
"""

from __future__ import annotations

import functools
import logging
import re
import uuid

from flask import Flask, Response, current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from sqlalchemy.orm import Session

from .accounts.preferences import device_elder_mode
from .extensions import cache, db

log = logging.getLogger(__name__)

GENERATION_KEY = "pagecache:generation"
# Written on every request or read by no cached page: writing them keeps
# the cache.
QUIET_TABLES = frozenset({"api_tokens", "audit_entries", "notifications"})
WRITE = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)'
                   r'\s+"?(\w+)', re.IGNORECASE)
TOKEN_HOLE = b"__wangtao_csrf_token__"
DIRTY = "pagecache.dirty"
SESSION_INFO = "pagecache.session_info"


def init_app(app: Flask) -> None:
    cache.init_app(app)
    with app.app_context():
        event.listen(db.engine, "after_cursor_execute", _note_write)


@event.listens_for(Session, "after_begin")
def _watch(session, _transaction, connection) -> None:
    # The connection tells its session when it writes (_note_write).
    connection.info[SESSION_INFO] = session.info


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    if session.info.pop(DIRTY, False):
        invalidate()


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session, transaction) -> None:
    # A rolled-back transaction wrote nothing (a savepoint's end is not the
    # end: the writes before it may still be committed).
    if transaction.parent is None:
        session.info.pop(DIRTY, None)


def _note_write(conn, _cursor, statement, *_args) -> None:
    found = WRITE.match(statement)
    if found and found.group(1) not in QUIET_TABLES:
        mark_dirty(conn.info.get(SESSION_INFO))


def mark_dirty(session_info: dict | None = None) -> None:
    """The current transaction wrote what pages show: new generation at its
    commit. (Writes through the driver's own connection, such as COPY, are
    not seen by SQLAlchemy; their code calls this.)"""
    (session_info if session_info is not None else db.session.info)[DIRTY] = True


def invalidate() -> None:
    """Every cached page is old from now on."""
    try:
        cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=0)
    except Exception:  # a cache that is down serves nothing either (_generation)
        log.exception("page cache: could not start a new generation")


def _generation() -> str | None:
    try:
        current = cache.get(GENERATION_KEY)
        if current is None:
            cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=0)
            current = cache.get(GENERATION_KEY)
        return current
    except Exception:
        log.exception("page cache unavailable")
        return None


def _cacheable_request() -> bool:
    return (current_app.config["PAGE_CACHE_ENABLED"] and request.method == "GET"
            and "Authorization" not in request.headers
            and "_flashes" not in session and not current_user.is_authenticated)


def public_page(view):
    """Serve `view` to anonymous readers from the cache when it can (put it
    right under the route decorator, above flask-smorest's)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not _cacheable_request():
            return view(*args, **kwargs)
        generation = _generation()
        if generation is None:
            return view(*args, **kwargs)
        # Elder mode (the device's cookie) draws another page: its own copy.
        mode = "elder" if device_elder_mode() else "normal"
        key = f"page:{generation}:{get_locale()}:{mode}:{request.full_path}"
        stored = cache.get(key)
        if stored is None:
            response = current_app.make_response(view(*args, **kwargs))
            if not _storable(response):
                return response
            stored = (response.mimetype, _cut_token(response.get_data()))
            cache.set(key, stored)
        mimetype, body = stored
        return Response(_fill_token(body), mimetype=mimetype)

    return wrapper


def _storable(response: Response) -> bool:
    return (response.status_code == 200
            and response.mimetype in ("text/html", "application/json")
            and "Set-Cookie" not in response.headers)


def _cut_token(body: bytes) -> bytes:
    token = g.get("csrf_token")
    return body.replace(token.encode(), TOKEN_HOLE) if token else body


def _fill_token(body: bytes) -> bytes:
    if TOKEN_HOLE not in body:
        return body
    return body.replace(TOKEN_HOLE, generate_csrf().encode())
