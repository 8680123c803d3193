"""Text no database can store, refused before any view reads it.

JSON may carry "\\u0000" and lone surrogates ("\\ud800"), and a query string
or a form "%00": PostgreSQL refuses NUL in a text value and neither driver
can encode a lone surrogate, so such a string reaching a query was a 500.
Every request is checked here instead and answered 422 with the field named
(JSON for the API, the error page elsewhere). API bodies must be JSON (415)."""

from flask import abort, request

from .exceptions import InvalidInput


def _unstorable(text: str) -> bool:
    return "\x00" in text or any("\ud800" <= char <= "\udfff" for char in text)


def _bad_field(value, name: str | None) -> str | None:
    """The (top-level) field whose value holds unstorable text, if any."""
    if isinstance(value, str):
        return (name or "_body") if _unstorable(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and _unstorable(key):
                return name or "_body"
            found = _bad_field(item, name or key)
            if found:
                return found
    elif isinstance(value, list):
        for item in value:
            found = _bad_field(item, name)
            if found:
                return found
    return None


def refuse_unstorable_text() -> None:
    for fields in (request.args, *_page_form()):
        for key, values in fields.lists():
            if _unstorable(key) or any(_unstorable(v) for v in values):
                raise InvalidInput(field=key if not _unstorable(key) else "_query")
    if request.is_json:
        # Malformed JSON is left to the view (a 400); this only reads what parses.
        field = _bad_field(request.get_json(silent=True), None)
        if field:
            raise InvalidInput(field=field)


def _page_form():
    """A page's posted fields. Only a plain form: parsing an upload here would
    run before the view sets its size limit, and the API reads JSON (a form
    body there is the view's to refuse)."""
    if request.path.startswith("/api/") or request.mimetype != "application/x-www-form-urlencoded":
        return ()
    return (request.form,)


API_BODY_MAX = 64 * 1024  # the longest API body (a batch of 100 ids) is far below
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def refuse_non_json_body() -> None:
    """The API reads JSON only: a form or text body is refused (415) before a
    view could read it as "no fields", and a body over API_BODY_MAX is 413."""
    if not request.path.startswith("/api/") or request.method not in BODY_METHODS:
        return
    request.max_content_length = API_BODY_MAX
    if (request.content_length or request.headers.get("Transfer-Encoding")) and not request.is_json:
        abort(415)

