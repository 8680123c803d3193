"""The JSON API under /api/v1 (contract: shared/API.md). flask-smorest
generates the OpenAPI document from the same schemas that validate requests."""

import swagger_ui_bundle
from flask import Flask, send_from_directory

from ..extensions import api, csrf
from ..routing import IdConverter, id_schema
from . import spec_errors


def init_api(app: Flask) -> None:
    from . import (
        accounts,
        branches,
        catalog,
        certificates,
        enrollments,
        help,
        hour_reports,
        hours,
        memberships,
        notifications,
        rankings,
        services,
    )

    api.init_app(app, spec_kwargs={"info": {"description": "网淘 volunteer-service marketplace"},
                                   "extra_plugins": [spec_errors.SharedErrorsPlugin()]})
    api.register_converter(IdConverter, id_schema)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer",
                       "description": "POST /api/v1/auth/token gives a token."})
    for blueprint in (accounts.blp, catalog.blp, services.blp, enrollments.blp, help.blp,
                      branches.blp, hours.blp, hour_reports.blp, certificates.blp, rankings.blp,
                      memberships.blp, notifications.blp):
        csrf.exempt(blueprint)  # bearer tokens only, never cookies: no CSRF to fear
        api.register_blueprint(blueprint, url_prefix="/api/v1")

    # Swagger UI's assets, served from the installed package (no CDN).
    @app.route("/api/v1/docs/assets/<path:filename>")
    def swagger_ui_assets(filename):
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)
