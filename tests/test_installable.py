"""On the phone's home screen: the manifest (name, colours, icons whose PNG
files really have their sizes), the service worker served from the root
with nothing personal in its cache list, the Chinese offline page, and a
policy that lets the browser load both."""

from __future__ import annotations

import json
import struct
from pathlib import Path

from marketplace.installable.views import THEME_COLOUR

from .factories import make_user
from .page_helpers import text

STATIC = Path(__file__).resolve().parent.parent / "marketplace" / "static"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the IHDR chunk, the first after the signature."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE and head[12:16] == b"IHDR", f"{path} is no PNG"
    return struct.unpack(">II", head[16:24])


def test_manifest_names_the_app_in_chinese_with_the_header_red(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["name"] == manifest["short_name"] == "网淘"
    assert manifest["lang"] == "zh-CN"
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == THEME_COLOUR == "#c8102e"
    assert manifest["background_color"].startswith("#")
    # An English reader's cookie does not rename the icon on the home screen.
    client.set_cookie("lang", "en")
    again = json.loads(client.get("/manifest.webmanifest").get_data(as_text=True))
    assert again["name"] == "网淘"


def test_every_icon_of_the_manifest_is_a_png_of_its_size(client):
    manifest = json.loads(client.get("/manifest.webmanifest").get_data(as_text=True))
    sizes = set()
    for icon in manifest["icons"]:
        assert icon["type"] == "image/png"
        assert icon["src"].startswith("/static/")
        width, height = png_size(STATIC / icon["src"].removeprefix("/static/"))
        assert f"{width}x{height}" == icon["sizes"]
        sizes.add((icon["sizes"], icon.get("purpose", "any")))
        assert client.get(icon["src"]).status_code == 200
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    assert png_size(STATIC / "icons" / "apple-touch-icon.png") == (180, 180)


def test_pages_link_the_manifest_colour_and_touch_icon(client):
    page = client.get("/account/login").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert '<meta name="theme-color" content="#c8102e">' in page
    assert 'rel="apple-touch-icon" href="/static/icons/apple-touch-icon.png"' in page
    assert 'data-sw="/sw.js"' in page  # app.js registers the worker from here


def test_service_worker_is_served_from_the_root_and_never_kept_stale(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "application/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    script = response.get_data(as_text=True)
    assert 'var OFFLINE = "/offline";' in script
    assert "caches.match(OFFLINE)" in script and 'request.mode === "navigate"' in script
    assert client.get("/static/js/app.js").get_data(as_text=True).count(
        "navigator.serviceWorker.register") == 1


def test_worker_keeps_only_the_offline_page_and_static_files(client):
    script = client.get("/sw.js").get_data(as_text=True)
    listed = script.split("var PRECACHE = ", 1)[1].split(";\n", 1)[0]
    kept = json.loads(listed)
    assert "/offline" in kept and "/static/css/app.css" in kept and "/static/js/app.js" in kept
    # Privacy: a shared phone must not show the next person someone's pages.
    assert all(url == "/offline" or "/static/" in url for url in kept), kept
    assert 'credentials: "omit"' in script


def test_offline_page_says_the_network_is_down_in_chinese(client, login_as):
    response = client.get("/offline")
    assert response.status_code == 200
    page = text(response)
    assert "网络好像断开了" in page and "重试" in page
    html = response.get_data(as_text=True)
    assert '<a class="btn btn-brand btn-lg" href="">' in html  # reloads the page asked for
    # It is kept for whoever holds the phone: no account's name in it.
    login_as(make_user(username="wang", display_name="王阿姨"))
    assert "王阿姨" not in text(client.get("/offline"))


def test_policy_lets_the_browser_load_the_worker_and_the_manifest(client):
    for path in ("/", "/offline", "/sw.js", "/manifest.webmanifest"):
        header = client.get(path).headers["Content-Security-Policy"]
        policy = {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}
        assert policy["worker-src"] == "worker-src 'self'"
        assert policy["manifest-src"] == "manifest-src 'self'"
        assert policy["script-src"] == "script-src 'self'"
