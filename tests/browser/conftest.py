"""Browser tests: Debian's headless Chromium, driven by Playwright, against
the app served by werkzeug in a thread on a free 127.0.0.1 port. The live app
is a second app on the session's own database (tests/conftest.py), with CSRF
on, so the factories' rows are what the browser sees and what the browser
writes is what the test reads back. Each xdist worker has its own app,
database, server and browser."""

from __future__ import annotations

import glob
import os
import threading

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from marketplace import create_app
from marketplace.extensions import db

CHROMIUM = "/usr/bin/chromium"
CJK_FONTS = "/usr/share/fonts/opentype/noto/NotoSansCJK*"
INSTALL = "apt-get install chromium fonts-noto-cjk"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
# Two cores shared by the workers, their servers and browsers: room to wait.
expect.set_options(timeout=10_000)
# A phone in a resident's hand: the first screen every page is made for.
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2, "locale": "zh-CN",
         "reduced_motion": "reduce"}  # the menu opens at once (Bootstrap's transitions off)


def launch_chromium(playwright):
    """Debian's Chromium, never a downloaded build; a clear failure without it."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need `{INSTALL}`", pytrace=False)
    if not glob.glob(CJK_FONTS):
        pytest.fail(f"No Noto CJK font: Chinese pages cannot be measured; `{INSTALL}`",
                    pytrace=False)
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # a line per asset drowns the failure
        pass


@pytest.fixture(scope="session")
def live_server(app):
    """The base URL of the live app. Its page cache is off: the generation
    that invalidates it is kept by the session app, which the factories write
    through, so the live app's copies would go stale between tests."""
    live = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "WTF_CSRF_ENABLED": True, "PAGE_CACHE_ENABLED": False})
    server = make_server("127.0.0.1", 0, live, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    with live.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


def _new_context(browser, live_server, **options):
    context = browser.new_context(base_url=live_server, **(PHONE | options))
    context.set_default_timeout(10_000)
    return context


@pytest.fixture(scope="session")
def phone_context(browser, live_server):
    """One phone browser for the whole run (its cache keeps the CSS, script
    and icons); each test starts without cookies."""
    context = _new_context(browser, live_server)
    yield context
    context.close()


@pytest.fixture(scope="session")
def phone_context_without_js(browser, live_server):
    context = _new_context(browser, live_server, java_script_enabled=False)
    yield context
    context.close()


def _fresh_page(context):
    context.clear_cookies()
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # "Cancel your place?" — yes
    return page


@pytest.fixture
def phone(phone_context):
    """A page on the phone, JavaScript on, nobody logged in."""
    page = _fresh_page(phone_context)
    yield page
    page.close()


@pytest.fixture
def phone_without_js(phone_context_without_js):
    """The same phone with JavaScript switched off."""
    page = _fresh_page(phone_context_without_js)
    yield page
    page.close()


@pytest.fixture
def settle():
    """End the test's own transaction before the browser writes and after it
    did, so the test reads what the live app committed."""

    def _settle():
        db.session.commit()
        db.session.expire_all()

    return _settle
