"""The manifest (/manifest.webmanifest), the service worker (/sw.js, served
from the root so its scope is the whole site) and the offline page.

The worker keeps only the offline page and the static files: never a
signed-in page or an API answer (they carry names and contacts, and a
shared phone would show them to the next person)."""

import functools
import hashlib
import json
from pathlib import Path

from flask import Blueprint, current_app, make_response, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

bp = Blueprint("installable", __name__, template_folder="templates")

# The header's red (app.css --brand): the phone's title bar matches it.
THEME_COLOUR = "#c8102e"
BACKGROUND_COLOUR = "#ffffff"
ICONS = [("icons/icon-192.png", "192x192", "any"), ("icons/icon-512.png", "512x512", "any"),
         ("icons/icon-maskable-512.png", "512x512", "maskable")]
# Files in marketplace/static whose contents name the worker's cache: a new
# app.css or app.js is a new worker, which drops the old copies.
VERSIONED = ("css/app.css", "js/app.js")


def precached() -> list[str]:
    """What the worker keeps: the offline page and the core CSS and JS."""
    return [url_for("installable.offline"),
            url_for("bootstrap.static", filename="css/bootstrap.min.css"),
            url_for("static", filename="css/app.css"),
            url_for("static", filename="js/app.js"),
            url_for("bootstrap.static", filename="umd/popper.min.js"),
            url_for("bootstrap.static", filename="js/bootstrap.min.js"),
            url_for("static", filename="icons/icon-192.png")]


@bp.route("/manifest.webmanifest")
def manifest():
    # The home-screen name is the Chinese one whatever the reader's language.
    with force_locale("zh_CN"):
        name = _("Wangtao")
        description = _("Wangtao: free services by volunteers, for neighbours.")
    body = {
        "name": name, "short_name": name, "description": description, "lang": "zh-CN",
        "start_url": "/", "scope": "/", "display": "standalone",
        "theme_color": THEME_COLOUR, "background_color": BACKGROUND_COLOUR,
        "icons": [{"src": url_for("static", filename=path), "sizes": sizes,
                   "type": "image/png", "purpose": purpose}
                  for path, sizes, purpose in ICONS],
    }
    response = make_response(json.dumps(body, ensure_ascii=False))
    response.mimetype = "application/manifest+json"
    return response


@bp.route("/sw.js")
def service_worker():
    script = render_template("installable/sw.js", version=_version(),
                             offline=url_for("installable.offline"),
                             precache=json.dumps(precached()))
    response = make_response(script)
    response.mimetype = "application/javascript"
    # The browser asks again on every visit: a new version is seen at once.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/offline")
def offline():
    # No account in it: the worker stores this page for whoever holds the phone.
    return render_template("installable/offline.html")


@functools.cache
def _version() -> str:
    digest = hashlib.sha256()
    static = Path(current_app.static_folder)
    for name in VERSIONED:
        digest.update((static / name).read_bytes())
    return digest.hexdigest()[:12]
