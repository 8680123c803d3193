"""Security headers on every answer, set by Flask-Talisman: a Content
Security Policy with no inline script or style, no framing, no MIME
sniffing, a same-site referrer, and HSTS on HTTPS in production."""

from flask import Flask

from .extensions import talisman

# Everything is served from this site (no CDN: the machines have no
# internet); the dashboard's figures travel in a JSON block, not a script.
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:"],
    "font-src": "'self'",
    "connect-src": "'self'",
    # The home-screen manifest and the service worker (/sw.js), both from here.
    "manifest-src": "'self'",
    "worker-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# flask-smorest's Swagger UI page starts itself with an inline script.
API_DOCS = "api-docs.openapi_swagger_ui"
API_DOCS_POLICY = POLICY | {"script-src": ["'self'", "'unsafe-inline'"]}


def init_app(app: Flask) -> None:
    talisman.init_app(
        app,
        content_security_policy=POLICY,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        # HTTPS is the proxy's job (PROXY_COUNT passes on the scheme); HSTS
        # goes out on HTTPS answers of a production app.
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=not app.debug and not app.testing,
        # The cookie flags stay config.py's (Secure in production only).
        session_cookie_secure=app.config.get("SESSION_COOKIE_SECURE", False),
        session_cookie_http_only=True,
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )
    if API_DOCS in app.view_functions:
        docs = app.view_functions[API_DOCS]  # a bound method: it takes no attributes

        def docs_page(*args, **kwargs):
            return docs(*args, **kwargs)

        app.view_functions[API_DOCS] = talisman(
            content_security_policy=API_DOCS_POLICY)(docs_page)
