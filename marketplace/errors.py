"""Error answers: JSON ({"error": {code, message}}) under /api, a Chinese page
elsewhere; a failed request's transaction is always rolled back. When the
database is unreachable or locked the answer is 503 with Retry-After, and
the next request simply tries again (the pool pings before lending)."""

import sqlite3
from contextlib import suppress
from functools import wraps

from flask import Flask, current_app, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from werkzeug.exceptions import Conflict, HTTPException, InternalServerError

from .api.field_messages import localized
from .exceptions import DomainError
from .extensions import db

ERROR_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
    422: "validation", 429: "rate_limited", 500: "server_error", 503: "unavailable",
}

# Seconds a client is asked to wait when the database is down or locked:
# about what a restart or a failover takes.
RETRY_AFTER_SECONDS = 30

# SQLite says OperationalError for mistakes in the SQL too ("no such table"):
# only these mean "try again later".
SQLITE_UNAVAILABLE = ("database is locked", "database table is locked",
                      "unable to open database file", "disk i/o error")


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        401: _("Please log in first."),
        403: _("You do not have permission to do this."),
        404: _("The page you asked for does not exist."),
        405: _("This action is not allowed here."),
        409: _("This conflicts with the current state; please reload and try again."),
        413: _("What you sent is too large."),
        415: _("Please send JSON."),
        422: _("Please check what you entered."),
        429: _("Too many attempts. Please wait a moment and try again."),
        500: _("Something went wrong on our side. Please try again later."),
        503: _("The service is busy or under maintenance. Please try again in a moment."),
    }


def json_error(status: int, message: str, code: str | None = None, fields: dict | None = None,
               headers: dict | None = None):
    body = {"error": {"code": code or ERROR_CODES.get(status, "error"), "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return body, status, headers or {}


def _validation_fields(exc: HTTPException) -> dict | None:
    """webargs/flask-smorest put {location: {field: [messages]}} on exc.data."""
    messages = (getattr(exc, "data", None) or {}).get("messages")
    if not messages:
        return None
    fields = {}
    for location_errors in messages.values():
        if isinstance(location_errors, dict):  # a list means the body itself is bad
            for name, errors in location_errors.items():
                fields[name] = _first_message(errors)
    return fields or None


def _first_message(errors) -> str:
    """Marshmallow nests messages in lists and dicts; one line is enough."""
    while isinstance(errors, list | dict) and errors:
        errors = errors[0] if isinstance(errors, list) else next(iter(errors.values()))
    return localized(str(errors))


def handle_http_exception(exc: HTTPException):
    status = exc.code or 500
    db.session.rollback()  # nothing of a failed request is kept
    # Keep what the client needs to retry: Allow on 405 (Retry-After on 429
    # is added by Flask-Limiter after the handler).
    headers = {"Allow": exc.get_response().headers["Allow"]} if status == 405 else {}
    message = _messages().get(status, exc.description or "")
    if wants_json():
        return json_error(status, message, fields=_validation_fields(exc), headers=headers)
    return render_template("errors/error.html", status=status, message=message), status, headers


def handle_csrf_error(exc: CSRFError):
    """The commonest 400 on pages: a form from an expired session."""
    db.session.rollback()
    message = _("This page has expired. Please go back, reload it and try again.")
    return render_template("errors/error.html", status=400, message=message), 400


def handle_domain_error(exc: DomainError):
    """A rule refused an action that no view caught: answer its status."""
    db.session.rollback()
    if wants_json():
        fields = {exc.field: str(exc.message)} if exc.field else None
        return json_error(exc.status, str(exc.message), exc.code, fields)
    return render_template("errors/error.html", status=exc.status,
                           message=str(exc.message)), exc.status


def handle_integrity_error(exc: IntegrityError):
    """A database constraint caught a race the services could not see."""
    db.session.rollback()
    return handle_http_exception(Conflict())


def database_unavailable(exc: DBAPIError) -> bool:
    """Whether the database could not be reached or was locked, rather than
    refusing what was asked of it."""
    if exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError):
        return False
    if isinstance(exc.orig, sqlite3.Error):
        return any(text in str(exc.orig).lower() for text in SQLITE_UNAVAILABLE)
    # PostgreSQL: refused or lost connections, shutdown, too many clients,
    # lock and statement timeouts, serialization failures: all transient.
    return True


def handle_database_error(exc: DBAPIError):
    if not database_unavailable(exc):
        return handle_unexpected(exc)
    _rollback_quietly()
    # One line, without the statement and its parameters (they may be personal).
    first_line = (str(exc.orig).strip().splitlines() or [""])[0]
    current_app.logger.warning("Database unavailable on %s: %s", request.path, first_line)
    _forget_accounts()
    message = _messages()[503]
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if wants_json():
        return json_error(503, message, headers=headers)
    return render_template("errors/error.html", status=503, message=message), 503, headers


def _rollback_quietly() -> None:
    with suppress(DBAPIError):  # the connection went with the database: nothing to undo
        db.session.rollback()


def _forget_accounts() -> None:
    """The page's menu and language would load the signed-in account (its
    name, unread count, lead role) from the database that just failed, and a
    loaded account is expired by the rollback: answer as to a visitor.
    g._login_user is where Flask-Login keeps the request's user."""
    g._login_user = current_app.login_manager.anonymous_user()
    g.pop("api_user", None)


def drawn_without_the_database(handler):
    """An error page loads the signed-in account (for the menu and the
    language): when the database is down just then (a 404 at that moment),
    the page is drawn again as for a visitor instead of failing in its
    handler."""

    @wraps(handler)
    def wrapped(exc):
        try:
            return handler(exc)
        except DBAPIError as failure:
            if not database_unavailable(failure):
                raise
            _rollback_quietly()
            _forget_accounts()
            return handler(exc)

    return wrapped


def handle_unexpected(exc: Exception):
    db.session.rollback()
    current_app.logger.exception("Unhandled error on %s", request.path)
    return handle_http_exception(InternalServerError())


def init_app(app: Flask) -> None:
    handlers = {HTTPException: handle_http_exception, CSRFError: handle_csrf_error,
                DomainError: handle_domain_error, IntegrityError: handle_integrity_error,
                Exception: handle_unexpected}
    for error, handler in handlers.items():
        app.register_error_handler(error, drawn_without_the_database(handler))
    app.register_error_handler(DBAPIError, handle_database_error)  # OperationalError…
