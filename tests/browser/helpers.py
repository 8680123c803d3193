"""What a person does and sees in the browser: log in through the form,
read the flash messages."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from ..factories import PASSWORD


def log_in(page: Page, user, password: str = PASSWORD) -> None:
    """Through the real login form, CSRF token and all."""
    page.goto("/account/login")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert "/account/login" not in page.url, (
        f"not logged in as {user.username}: {page.title()} {flashes(page)}")


def flashes(page: Page) -> list[str]:
    return [text.strip() for text in page.locator("main [role=alert]").all_inner_texts()]


def expect_flash(page: Page, text: str) -> None:
    expect(page.locator("main [role=alert]").filter(has_text=text)).to_be_visible()
