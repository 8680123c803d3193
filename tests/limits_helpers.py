"""An app with rate limits on (the shared test app turns them off), in Redis
when REDIS_URL is set (as several workers share them in production), else in
memory."""

import os
from contextlib import contextmanager

from marketplace import create_app
from marketplace.extensions import limiter


@contextmanager
def limited_app(app, **config):
    """The session app's database with limits on and `config` over it."""
    strict = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL") or "memory://",
        **config,
    })
    limiter.reset()
    try:
        yield strict
    finally:
        # The limiter object is shared by every app in this process: give it
        # back to the session's app as that app configured it.
        limiter.reset()
        limiter.enabled = app.config["RATELIMIT_ENABLED"]
