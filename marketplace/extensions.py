"""Every Flask extension object, created unbound and wired in create_app()."""

import marshmallow as ma
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf import CSRFProtect

from .db import Base


class ErrorBody(ma.Schema):
    code = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    fields = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())


class ErrorSchema(ma.Schema):
    """The API's one error shape: {"error": {code, message, fields?}}."""

    error = ma.fields.Nested(ErrorBody, required=True)


class JsonApi(Api):
    """flask-smorest without its app-wide error handler: errors.py answers
    every error, JSON under /api and HTML elsewhere, in one format."""

    ERROR_SCHEMA = ErrorSchema
    # No catch-all "default" answer: each operation documents the statuses it
    # can give, so a client (and schemathesis) can hold the server to them.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self):
        pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()
limiter = Limiter(key_func=get_remote_address)
cache = Cache()  # the page cache (pagecache.py)
talisman = Talisman()  # security headers (security_headers.py)
api = JsonApi()
