"""Rate limits on what costs other people's attention: joining a service and
posting (a service, a help request, an offer of help). Each is counted per
account and per address, and a page and the API share one count, so a
client cannot double its allowance by switching between them. Counters live
in Redis when REDIS_URL is set, so every worker sees the same count."""

from flask import current_app, g
from flask_limiter.util import get_remote_address
from flask_login import current_user

from .extensions import limiter


def _account_key() -> str:
    user = g.get("api_user") or current_user  # the API's token user, else the session's
    return f"account:{user.id}" if user.is_authenticated else get_remote_address()


def _limits(kind: str):
    """The limit `kind` ("join" or "post") per account and per address; the
    account's is checked only after login, so apply it inside login checks."""
    by_account = limiter.shared_limit(
        lambda: current_app.config[f"{kind.upper()}_RATE_LIMIT"], scope=f"{kind}-account",
        key_func=_account_key, methods=["POST"])
    by_address = limiter.shared_limit(
        lambda: current_app.config[f"{kind.upper()}_ADDRESS_RATE_LIMIT"],
        scope=f"{kind}-address", methods=["POST"])
    return lambda view: by_address(by_account(view))


join_limits = _limits("join")
post_limits = _limits("post")
