"""Screenshots of the main pages in Chinese, at 360 px (a phone) and 1280 px
(a desktop), full page, from the demo district, into docs/screenshots/;
then the same pages in elder mode (长辈模式), `-elder` in their names.

    .venv/bin/python bench/screenshots.py [--out DIR] [--elder-only] [--only home,shop]

Seeds a temporary SQLite database with `flask --app run seed-demo`, serves it
in this process, and drives Debian's Chromium (/usr/bin/chromium) with
Playwright. Not part of the test run: run it after a change to the look."""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import tempfile
import threading
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WIDTHS = {360: {"height": 740, "is_mobile": True, "has_touch": True}, 1280: {"height": 800}}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def seed(database_url: str) -> None:
    env = os.environ | {"DATABASE_URL": database_url, "PAGE_CACHE_ENABLED": "false"}
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([sys.executable, "-m", "flask", "--app", "run", *command],  # noqa: S603
                       cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def serve(database_url: str) -> str:
    from werkzeug.serving import WSGIRequestHandler, make_server

    from marketplace import create_app

    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": database_url, "DEBUG": False,
                                     "PAGE_CACHE_ENABLED": False, "RATELIMIT_ENABLED": False})
    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def log_in(page, username: str) -> None:
    from marketplace.demo.seed import DEMO_PASSWORD

    page.goto("/account/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def demo_service(page):
    """王师傅's 家电维修 (vol_wang): rated, served, a two-star volunteer."""
    page.goto("/services?q=家电维修")
    return page.locator("article.card-service a.stretched-link").first.get_attribute("href")


def shots(page, elder: bool):
    """(file name, how to get there) in the order a visitor meets them; the
    lead's dashboard and the public figures in the normal look only."""
    service = demo_service(page)
    yield "home", lambda: page.goto("/")
    yield "browse", lambda: page.goto("/services")
    yield "service", lambda: page.goto(service)
    yield "shop", lambda: (page.goto(service),
                           page.locator("a[href^='/volunteers/']").first.click())
    if not elder:  # printed on paper: one look
        yield "poster", lambda: page.goto(service + "/poster")
    log_in(page, "res_liu")
    yield "my-enrollments", lambda: page.goto("/my/enrollments")
    page.context.clear_cookies()
    log_in(page, "lead_mishi")
    page.goto("/branches/lead")
    review = page.get_by_role("link", name="审核服务时长").first.get_attribute("href")
    dashboard = review.replace("/review", "/dashboard")
    yield "review-queue", lambda: page.goto(review)
    if not elder:
        yield "branch-dashboard", lambda: page.goto(dashboard)
    page.context.clear_cookies()
    if not elder:
        yield "public", lambda: page.goto("/public")


def switch_to_elder(page) -> None:
    """The header's switch, as a resident presses it (it also sets the
    account's preference, which a log-in brings back)."""
    if "elder" not in (page.locator("html").get_attribute("class") or ""):
        page.locator("form.elder-switch button").click()
        page.wait_for_load_state()


def take(page, out: Path, name: str, width: int, height: int) -> None:
    page.wait_for_load_state("networkidle")
    if page.locator("canvas").count():
        # A full-page shot resizes the window, and Chart.js redraws its
        # bars growing: resize first, then let them grow.
        full = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": width, "height": full})
        page.wait_for_timeout(2000)
    path = out / f"{name}-{width}.png"
    page.screenshot(path=path, full_page=True)
    page.set_viewport_size({"width": width, "height": height})
    recompress(path)
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"{shown}  {path.stat().st_size // 1024} KB")


def recompress(path: Path) -> None:
    """Chromium writes PNGs with fast compression: the same pixels, zlib level 9."""
    data = path.read_bytes()
    chunks, pos, idat = [], 8, b""
    while pos < len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IDAT":
            idat += body
            if chunks and chunks[-1][0] == b"IDAT":
                continue
            chunks.append((b"IDAT", None))
        else:
            chunks.append((kind, body))
    packed = zlib.compress(zlib.decompress(idat), 9)
    out = bytearray(data[:8])
    for kind, body in chunks:
        body = packed if kind == b"IDAT" else body
        crc = zlib.crc32(kind + body).to_bytes(4, "big")
        out += len(body).to_bytes(4, "big") + kind + body + crc
    if len(out) < len(data):
        path.write_bytes(bytes(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--elder-only", action="store_true", help="only the elder-mode shots")
    parser.add_argument("--only", type=lambda text: set(text.split(",")), default=None,
                        help="comma-separated page names, e.g. home,shop")
    args = parser.parse_args()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    database_url = f"sqlite:///{tempfile.mkdtemp(prefix='wangtao-shots-')}/demo.sqlite3"
    seed(database_url)
    base_url = serve(database_url)

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=CHROMIUM_ARGS)
        modes = (True,) if args.elder_only else (False, True)
        for elder, width in itertools.product(modes, WIDTHS):
            options = dict(WIDTHS[width])
            height = options.pop("height")
            context = browser.new_context(base_url=base_url, locale="zh-CN",
                                          viewport={"width": width, "height": height},
                                          device_scale_factor=1, reduced_motion="reduce",
                                          **options)
            page = context.new_page()
            for name, visit in shots(page, elder):
                if args.only and name not in args.only:
                    continue
                visit()
                if elder:
                    switch_to_elder(page)
                take(page, out, f"{name}-elder" if elder else name, width, height)
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
