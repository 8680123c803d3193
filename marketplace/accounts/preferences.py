"""Elder mode (长辈模式), remembered per account and per device.

The rule, in one place: a signed-in person's account decides, and the
device's cookie is kept to match it (so the device stays in their mode after
they log out); an anonymous visitor's cookie decides. Switching while signed
in writes both. A new account takes the mode of the device it was made on.
"""

from __future__ import annotations

from flask import Response, g, request
from flask_login import current_user

ELDER_COOKIE = "wt_elder"
ONE_YEAR = 365 * 24 * 3600


def device_elder_mode() -> bool:
    """The device's choice (the cookie), whoever is signed in."""
    return request.cookies.get(ELDER_COOKIE) == "1"


def elder_mode() -> bool:
    """The mode this request's page is drawn in."""
    if current_user.is_authenticated:
        g.account_elder_mode = current_user.elder_mode  # for match_device_to_account
        return g.account_elder_mode
    return device_elder_mode()


def switch_elder_mode(on: bool, response: Response) -> None:
    """Set the mode on the device and, when signed in, on the account (the
    caller commits)."""
    if current_user.is_authenticated:
        set_account_elder_mode(current_user, on)
    _write_cookie(response, on)


def set_account_elder_mode(user, on: bool) -> None:
    """The account's choice (the page's switch, PATCH /api/v1/me): every
    device it is signed in on follows it."""
    user.elder_mode = on


def adopt_device_mode(user) -> None:
    """A new account starts in the mode its device is in."""
    user.elder_mode = device_elder_mode()


def _write_cookie(response: Response, on: bool) -> None:
    response.set_cookie(ELDER_COOKIE, "1" if on else "0", max_age=ONE_YEAR,
                        samesite="Lax", httponly=True)


def match_device_to_account(response: Response) -> Response:
    """After every request (registered by the accounts blueprint): a page
    drawn in the account's mode brings the device's cookie along (after a
    login, or a switch on another device). It uses the mode the page read,
    so it never costs a query; signed-in pages are never cached."""
    account = g.get("account_elder_mode")
    if account is not None and account != device_elder_mode():
        _write_cookie(response, account)
    return response
