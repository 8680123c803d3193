"""网淘 (Wangtao): a volunteer-service marketplace."""

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import CONFIGS, INSTANCE_DIR

from .routing import IdConverter


def create_app(config: str | type | None = None, overrides: dict | None = None) -> Flask:
    """Build the app. `config` is a name from config.CONFIGS (default: the
    WANGTAO_CONFIG environment variable, else development) or a class."""
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    if config is None or isinstance(config, str):
        config = CONFIGS[config or os.environ.get("WANGTAO_CONFIG", "development")]
    app.config.from_object(config)
    app.config.update(overrides or {})
    config.check(app.config)
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)
    os.makedirs(app.instance_path, exist_ok=True)
    app.json.ensure_ascii = False  # Chinese stays readable in API answers
    app.url_map.converters["int"] = IdConverter

    _init_extensions(app)
    from .guards import refuse_non_json_body, refuse_unstorable_text

    app.before_request(refuse_non_json_body)
    app.before_request(refuse_unstorable_text)
    _register_blueprints(app)

    from . import cli, errors, i18n, pagecache, querycount, security_headers, templating

    errors.init_app(app)
    querycount.init_app(app)
    pagecache.init_app(app)
    security_headers.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (complete metadata for Alembic)
    from .accounts.auth import init_login
    from .db import configure_sqlite
    from .extensions import bootstrap, csrf, db, limiter, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    csrf.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)
    init_login(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])


def _register_blueprints(app: Flask) -> None:
    from .accounts.views import bp as accounts_bp
    from .admin.views import bp as admin_bp
    from .api import init_api
    from .branches.admin_views import bp as branches_admin_bp
    from .branches.views import bp as branches_bp
    from .certificates.views import bp as certificates_bp
    from .dashboards.views import bp as dashboards_bp
    from .enrollments.views import bp as enrollments_bp
    from .feedback.views import bp as feedback_bp
    from .help.views import bp as help_bp
    from .hours.report_views import bp as hour_reports_bp
    from .hours.views import bp as hours_bp
    from .installable.views import bp as installable_bp
    from .listings.views import bp as listings_bp
    from .main.views import bp as main_bp
    from .notifications.views import bp as notifications_bp
    from .rankings.views import bp as rankings_bp
    from .roster.views import bp as roster_bp
    from .sharing.views import bp as sharing_bp

    for blueprint in (main_bp, accounts_bp, listings_bp, enrollments_bp, help_bp, hours_bp,
                      notifications_bp, branches_bp, branches_admin_bp, dashboards_bp,
                      hour_reports_bp, certificates_bp, rankings_bp, roster_bp, admin_bp,
                      installable_bp, sharing_bp, feedback_bp):
        app.register_blueprint(blueprint)
    init_api(app)
