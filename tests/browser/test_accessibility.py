"""The main pages on a phone, in Chinese, with the menu open: axe-core finds
no serious or critical violation, text is at least 16 px and touch targets
at least 44 × 44 px (page_checks.py lists the exceptions and their reasons).
In elder mode (长辈模式) the resident's pages again, with text at least 20 px
and buttons and form controls at least 56 px high."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from .district import build_district
from .helpers import log_in
from .page_checks import ELDER_TEXT_PX, axe_findings, low_buttons, small_targets, small_text

# Who visits (None: nobody logged in) → {page: its path in the district}. One
# test per visitor: the district is built and the login made once for its pages.
PAGES = {
    None: {"home": lambda d: "/", "browse": lambda d: "/services",
           "search results": lambda d: "/services?q=理发",
           "service page": lambda d: f"/services/{d.service.id}",
           "volunteer's shop": lambda d: f"/volunteers/{d.volunteer.id}",
           "login": lambda d: "/account/login", "register": lambda d: "/account/register",
           "rankings": lambda d: "/rankings", "public page": lambda d: "/public"},
    "resident": {"service page": lambda d: f"/services/{d.service.id}",
                 "my enrollments": lambda d: "/my/enrollments",
                 "help request": lambda d: f"/help/{d.help_request.id}",
                 "help form": lambda d: "/help/new"},
    "volunteer": {"help list": lambda d: "/help",
                  "who joined": lambda d: f"/my/services/{d.service.id}",
                  "hours form": lambda d: "/hours/new"},
    "lead": {"review queue": lambda d: f"/branches/{d.branch.id}/review",
             "branch dashboard": lambda d: f"/branches/{d.branch.id}/dashboard"},
    "admin": {"admin dashboard": lambda d: "/admin/",
              "admin branches": lambda d: "/admin/branches/",
              "admin roster": lambda d: "/admin/roster/",
              "admin audit log": lambda d: "/admin/audit",
              "shop, moderating": lambda d: f"/volunteers/{d.volunteer.id}"},
}


def open_menu(page: Page) -> None:
    """The phone menu folds behind ☰: open it so its links are checked too."""
    page.get_by_role("button", name="菜单").click()
    page.locator("#nav.collapse.show").wait_for()


def findings_on(page: Page, name: str, path: str, elder: bool = False) -> list[str]:
    response = page.goto(path)
    assert response.status == 200, f"{name}: {path} answered {response.status}"
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert ("elder" in page.locator("html").get_attribute("class").split()) == elder
    open_menu(page)
    checks = {"axe-core, serious or critical": axe_findings(page),
              "text under 16 px": small_text(page),
              "touch targets under 44 × 44 px": small_targets(page)}
    if elder:
        checks |= {"text under 20 px (elder mode)": small_text(page, ELDER_TEXT_PX),
                   "buttons under 56 px high (elder mode)": low_buttons(page)}
    return [f"{name} ({path}) — {check}:\n    " + "\n    ".join(found)
            for check, found in checks.items() if found]


@pytest.mark.parametrize("who", list(PAGES), ids=lambda who: who or "anonymous")
def test_main_pages_are_accessible_on_a_phone(phone, settle, who):
    district = build_district()
    settle()
    if who:
        log_in(phone, getattr(district, who))
    failed = [finding for name, path in PAGES[who].items()
              for finding in findings_on(phone, name, path(district))]
    assert not failed, "\n".join(failed)


# Elder mode: the pages of a resident's errands, anonymous and signed in.
ELDER_PAGES = {None: {name: PAGES[None][name] for name in (
                   "home", "browse", "search results", "service page", "volunteer's shop",
                   "login", "register")},
               "resident": PAGES["resident"]}


@pytest.mark.parametrize("who", list(ELDER_PAGES), ids=lambda who: who or "anonymous")
def test_main_pages_in_elder_mode(phone, settle, who):
    district = build_district()
    if who:
        getattr(district, who).elder_mode = True  # the account's choice wins at login
    settle()
    phone.goto("/")
    phone.get_by_role("button", name="长辈模式").click()  # the header's switch
    if who:
        log_in(phone, getattr(district, who))
    failed = [finding for name, path in ELDER_PAGES[who].items()
              for finding in findings_on(phone, name, path(district), elder=True)]
    assert not failed, "\n".join(failed)
