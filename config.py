"""Configuration classes. Every operator setting comes from the environment
(or a `.env` file beside this one, loaded by Flask's dotenv support)."""

import os
from pathlib import Path

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

# A .env beside this file works for `python run.py` and gunicorn too (the
# flask command loads it itself); the real environment wins.
load_dotenv(BASE_DIR / ".env", override=False)

# The key of a development checkout; production refuses to start with it.
DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105

# Methods cheap enough to be guessed offline: for synthetic users only.
STRONG_HASH_PREFIXES = ("scrypt",)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(default: str) -> str:
    """DATABASE_URL wins in every configuration; plain postgres URLs get psycopg 3."""
    url = os.environ.get("DATABASE_URL") or default
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def is_strong_hash_method(method: str) -> bool:
    if method.startswith(STRONG_HASH_PREFIXES):
        return True
    parts = method.split(":")
    return parts[0] == "pbkdf2" and len(parts) == 3 and int(parts[2]) >= 600_000


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{INSTANCE_DIR / 'wangtao.sqlite3'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # SQLite: how long a writer waits for another's write lock before the
    # request answers 503 (try again), in milliseconds.
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "15000"))
    # Behind PgBouncer in transaction mode (before 1.21), server-side
    # prepared statements would land on the wrong connection.
    if not _env_bool("DATABASE_PREPARED_STATEMENTS", True):
        SQLALCHEMY_ENGINE_OPTIONS["connect_args"] = {"prepare_threshold": None}
    # How many proxies (nginx) stand in front: their X-Forwarded-For and
    # -Proto are then believed, so limits and the audit log see the client.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    # Redirect plain HTTP to HTTPS in the app (when no proxy does it).
    FORCE_HTTPS = _env_bool("FORCE_HTTPS", False)
    REDIS_URL = os.environ.get("REDIS_URL")

    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt")

    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    REGISTER_RATE_LIMIT = os.environ.get("REGISTER_RATE_LIMIT", "10 per hour")
    # Joining and posting (a service, a help request, an offer), per account
    # and per address (limits.py); an address is often a whole community
    # centre's or a family's, so it allows more.
    JOIN_RATE_LIMIT = os.environ.get("JOIN_RATE_LIMIT", "20 per hour")
    JOIN_ADDRESS_RATE_LIMIT = os.environ.get("JOIN_ADDRESS_RATE_LIMIT", "200 per hour")
    POST_RATE_LIMIT = os.environ.get("POST_RATE_LIMIT", "20 per hour")
    POST_ADDRESS_RATE_LIMIT = os.environ.get("POST_ADDRESS_RATE_LIMIT", "100 per hour")
    # Public certificate checks, per address: codes cannot be guessed by trying many.
    VERIFY_RATE_LIMIT = os.environ.get("VERIFY_RATE_LIMIT", "30 per minute;300 per day")

    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_CN": "中文", "en": "English"}

    BOOTSTRAP_SERVE_LOCAL = True
    # Tokens live as long as the session: an elderly resident may leave a form
    # open for an hour before sending it.
    WTF_CSRF_TIME_LIMIT = None
    # `python run.py` fills an empty database with the demo district.
    DEMO_ON_FIRST_START = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    # The page cache (marketplace/pagecache.py) must be shared by every
    # worker, or one worker's write would leave another's pages stale: Redis
    # when there is one, else files in the instance folder (one machine).
    CACHE_TYPE = "RedisCache" if REDIS_URL else "FileSystemCache"
    CACHE_REDIS_URL = REDIS_URL
    CACHE_DIR = str(INSTANCE_DIR / "pagecache")
    CACHE_KEY_PREFIX = "wangtao:"
    CACHE_DEFAULT_TIMEOUT = 60  # what depends on the clock ("upcoming") is this stale at most
    PAGE_CACHE_ENABLED = _env_bool("PAGE_CACHE_ENABLED", True)

    API_TOKEN_TTL_HOURS = int(os.environ.get("API_TOKEN_TTL_HOURS", "720"))
    QUERY_COUNT_HEADER = _env_bool("QUERY_COUNT_HEADER", False)  # for bench/run.py

    # flask-smorest: the OpenAPI document is generated from the API's schemas.
    API_TITLE = "网淘 Wangtao API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "/api/v1/docs/assets/"

    TESTING = False
    DEBUG = False

    @staticmethod
    def check(config) -> None:
        """Refuse unsafe final settings (after overrides); strict in production."""


class DevelopmentConfig(Config):
    DEBUG = True


class TestingConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{INSTANCE_DIR / 'test.sqlite3'}")
    # Synthetic users only: hashing is not what the tests measure.
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "pbkdf2:sha256:1")
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    WTF_CSRF_ENABLED = False
    CACHE_TYPE = "SimpleCache"  # one process per test worker


class ProductionConfig(Config):
    DEMO_ON_FIRST_START = False
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @staticmethod
    def check(config) -> None:
        if not config.get("SECRET_KEY") or config["SECRET_KEY"] == DEV_SECRET_KEY:
            raise RuntimeError("SECRET_KEY must be set in production.")
        method = config["PASSWORD_HASH_METHOD"]
        if not is_strong_hash_method(method):
            raise RuntimeError(f"PASSWORD_HASH_METHOD={method!r} is too weak for production.")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
