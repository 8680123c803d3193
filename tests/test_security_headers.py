"""Security headers on every answer: a Content Security Policy with no
inline script or style (and pages that need none), no framing, no MIME
sniffing, a same-site referrer, HSTS on HTTPS in production."""

from __future__ import annotations

import re

import pytest

from marketplace import create_app

from .factories import make_branch, make_lead, make_service, make_user
from .page_helpers import text

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle=", re.I)


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


def _assert_protected(response) -> None:
    policy = _policy(response)
    assert policy["script-src"] == "script-src 'self'"
    assert policy["style-src"] == "style-src 'self'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["object-src"] == "object-src 'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.fixture
def pages(client_for):
    """The main pages, each read as the role that uses it."""
    service = make_service()
    branch = make_branch("米市巷第一党支部")
    lead = make_lead(branch)
    anonymous, resident, lead_client = client_for(), client_for(make_user()), client_for(lead)
    return [
        (anonymous, "/"), (anonymous, "/services?q=理发"), (anonymous, f"/services/{service.id}"),
        (anonymous, "/rankings"), (anonymous, "/public"), (anonymous, "/account/login"),
        (anonymous, "/no-such-page"), (anonymous, "/api/v1/services"),
        (resident, "/"), (resident, f"/services/{service.id}"), (resident, "/my/enrollments"),
        (resident, "/help"), (resident, "/help/new"),
        (lead_client, f"/branches/{branch.id}/review"),
        (lead_client, f"/branches/{branch.id}/dashboard"),
    ]


def test_every_main_page_and_api_answer_carries_the_headers(pages):
    for client, url in pages:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        _assert_protected(response)
    anonymous = pages[0][0]
    _assert_protected(anonymous.get("/"))  # a page served from the page cache too


def test_no_page_needs_an_inline_script_or_style(pages):
    for client, url in pages:
        page = text(client.get(url))
        if not page.lstrip().startswith("<"):
            continue  # JSON
        assert not INLINE_SCRIPT.search(page), url
        assert not STYLE_ATTRIBUTE.search(page), url


def test_only_the_api_documentation_runs_its_inline_start_script(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert _policy(response)["script-src"] == "script-src 'self' 'unsafe-inline'"
    assert _policy(response)["frame-ancestors"] == "frame-ancestors 'none'"


@pytest.fixture
def testing_talisman_after(app):
    """Flask-Talisman is one object for every app: a production app built
    here would leave its HSTS and FORCE_HTTPS on the session's app for the
    tests that run after these (302s to https://). Built again as testing."""
    yield
    create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})


@pytest.mark.usefixtures("testing_talisman_after")
def test_production_sends_hsts_over_https_and_secure_cookies(app):
    production = create_app("production", {
        "SECRET_KEY": "a-real-secret-for-this-test",
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    client = production.test_client()
    secure = client.get("/account/login", base_url="https://wangtao.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=315")  # a year
    cookie = secure.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    plain = client.get("/account/login", base_url="http://wangtao.example")
    assert "Strict-Transport-Security" not in plain.headers
    assert plain.status_code == 200  # HTTPS is the proxy's job unless FORCE_HTTPS


@pytest.mark.usefixtures("testing_talisman_after")
def test_force_https_redirects_plain_requests(app):
    forced = create_app("production", {
        "SECRET_KEY": "a-real-secret-for-this-test", "FORCE_HTTPS": True,
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    response = forced.test_client().get("/", base_url="http://wangtao.example")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("https://wangtao.example/")
