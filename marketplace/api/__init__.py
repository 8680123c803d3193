"""The JSON API under /api/v1 (contract: shared/API.md). flask-smorest
generates the OpenAPI document from the same schemas that validate requests."""

import swagger_ui_bundle
from flask import Flask, send_from_directory

from ..extensions import api, csrf
from ..routing import IdConverter, id_schema
from . import spec_errors, spec_links


def init_api(app: Flask) -> None:
    from . import (
        accounts,
        admin,
        alliances,
        branches,
        catalog,
        certificates,
        dashboards,
        enrollments,
        help,
        hour_reports,
        hours,
        memberships,
        notifications,
        rankings,
        services,
        volunteers,
    )

    api.init_app(app, spec_kwargs={"info": {"description": "网淘 volunteer-service marketplace"},
                                   "extra_plugins": [spec_errors.SharedErrorsPlugin()]})
    api.register_converter(IdConverter, id_schema)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer",
                       "description": "POST /api/v1/auth/token gives a token."})
    for blueprint in (accounts.blp, catalog.blp, services.blp, enrollments.blp, help.blp,
                      branches.blp, hours.blp, hour_reports.blp, certificates.blp, rankings.blp,
                      memberships.blp, notifications.blp, alliances.blp, dashboards.blp,
                      admin.blp, volunteers.blp):
        csrf.exempt(blueprint)  # bearer tokens only, never cookies: no CSRF to fear
        api.register_blueprint(blueprint, url_prefix="/api/v1")
    spec_links.add_links(api.spec)

    # Swagger UI's assets, served from the installed package (no CDN).
    @app.route("/api/v1/docs/assets/<path:filename>")
    def swagger_ui_assets(filename):
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)
