"""Draw the home-screen icons once: a white heart (the header's logo) on the
header's red, rendered by headless Chromium at each size and saved as PNG
under marketplace/static/icons/. Run again only when the logo changes:
    .venv/bin/python bench/make_icons.py
No network: the SVG is inline and the browser is Debian's /usr/bin/chromium."""

from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent.parent / "marketplace" / "static" / "icons"
RED = "#c8102e"
# Bootstrap Icons' heart-fill path (the header's logo), 16×16 view box.
HEART = ("M8 1.314C12.438-3.248 23.534 4.735 8 15-7.534 4.736 3.562-3.248 8 1.314")
# (file name, size, share of the side the heart takes). A maskable icon is cut
# to a circle by the phone: its heart stays inside the middle 80 % safe zone.
ICONS = [("icon-192.png", 192, 0.62), ("icon-512.png", 512, 0.62),
         ("icon-maskable-512.png", 512, 0.46), ("apple-touch-icon.png", 180, 0.62)]


def svg(size: int, share: float) -> str:
    heart = size * share
    offset = (size - heart) / 2
    scale = heart / 16
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}">'
            f'<rect width="{size}" height="{size}" fill="{RED}"/>'
            f'<path fill="#fff" fill-rule="evenodd" transform="translate({offset} '
            f'{offset + heart * 0.04}) scale({scale})" d="{HEART}"/></svg>')


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--no-sandbox", "--disable-gpu"])
        for name, size, share in ICONS:
            page = browser.new_page(viewport={"width": size, "height": size},
                                    device_scale_factor=1)
            page.set_content(f'<html><body style="margin:0">{svg(size, share)}</body></html>')
            page.screenshot(path=str(OUT / name), clip={"x": 0, "y": 0, "width": size,
                                                         "height": size})
            page.close()
            print(OUT / name)
        browser.close()


if __name__ == "__main__":
    main()
