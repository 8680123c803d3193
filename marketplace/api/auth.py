"""Bearer-token authentication for API views: the Authorization header only,
never a cookie, so a browser session cannot be used to call the API."""

from functools import wraps

from flask import abort, g, request
from flask_smorest import Blueprint

from ..accounts.tokens import find_token

BEARER = "bearer "
SECURITY = [{"bearerAuth": []}]


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[: len(BEARER)].lower() != BEARER:
        return None
    return header[len(BEARER):].strip()


def token_required(view):
    """Require a live token; the account is then `g.api_user`."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        token = find_token(bearer_token() or "")
        if token is None:
            abort(401)
        g.api_token = token
        g.api_user = token.user
        return view(*args, **kwargs)

    return Blueprint.doc(security=SECURITY)(wrapped)
