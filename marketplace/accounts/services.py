"""Account rules: registration, authentication, passwords, roles.

Functions change rows and flush; the caller (view, API, CLI) commits once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record as audit
from ..db import utcnow
from ..exceptions import Conflict, InvalidInput, NotAllowed
from ..extensions import db
from .models import User
from .passwords import check_password_rules, hash_password, verify_password

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,40}$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 -]{5,18}[0-9]$")


class UsernameTaken(Conflict):
    message = _l("This username is already taken.")


class InvalidCredentials(NotAllowed):
    status = 401
    code = "unauthorized"
    message = _l("Wrong username or password.")


class AccountDeactivated(NotAllowed):
    message = _l("This account has been deactivated.")


@dataclass(frozen=True)
class Registration:
    username: str
    password: str
    display_name: str
    phone: str | None = None
    community: str | None = None
    is_volunteer: bool = False


def normalize_username(username: str) -> str:
    return username.strip().lower()


def find_by_username(username: str) -> User | None:
    return db.session.scalar(sa.select(User).filter_by(username=normalize_username(username)))


def check_registration(data: Registration) -> None:
    """Every field rule of a registration, raising InvalidInput naming the field."""
    if not USERNAME_RE.match(data.username.strip()):
        raise InvalidInput(
            _l("Username: 3-40 letters, digits, '_', '.' or '-'."), field="username")
    if not 1 <= len(data.display_name.strip()) <= 40:
        raise InvalidInput(_l("Display name: 1-40 characters."), field="display_name")
    if data.phone and not PHONE_RE.match(data.phone.strip()):
        raise InvalidInput(_l("Please enter a valid phone number."), field="phone")
    check_password_rules(data.password, data.username)


def register(data: Registration) -> User:
    check_registration(data)
    if find_by_username(data.username):
        raise UsernameTaken(field="username")
    user = User(
        username=normalize_username(data.username),
        display_name=data.display_name.strip(),
        phone=(data.phone or "").strip() or None,
        community=(data.community or "").strip() or None,
        is_volunteer=data.is_volunteer,
        password_hash=hash_password(data.password),
    )
    db.session.add(user)
    # A concurrent registration of the same name fails on the unique
    # constraint here; errors.py answers it as a conflict.
    db.session.flush()
    return user


def authenticate(username: str, password: str) -> User:
    user = find_by_username(username)
    if not verify_password(user.password_hash if user else None, password):
        raise InvalidCredentials()
    if not user.is_active:
        raise AccountDeactivated()
    user.last_login_at = utcnow()
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise InvalidInput(_l("The current password is wrong."), field="current_password")
    try:
        check_password_rules(new, user.username)
    except InvalidInput as exc:  # named as the page's form and the API's body name it
        raise InvalidInput(exc.message, field="new_password") from None
    set_password(user, new)


def set_password(user: User, password: str) -> None:
    """Set a password and end every other session and token of the account."""
    user.password_hash = hash_password(password)
    end_sessions(user)


def end_sessions(user: User) -> None:
    """End every session and API token of the account, on every device and
    app server: a cookie copied before is refused like the browser's own
    (their login id carries the version this replaces)."""
    user.session_version += 1


def become_volunteer(user: User) -> None:
    user.is_volunteer = True


def deactivate(user: User, actor: User | None) -> None:
    user.is_active = False
    end_sessions(user)
    audit(actor, "user.deactivate", user)


def make_admin(username: str, password: str | None, actor: User | None = None) -> User:
    """Create an admin, or promote an existing account (CLI: create-admin)."""
    user = find_by_username(username)
    if user is None:
        if password is None:
            raise InvalidInput(_l("A new account needs a password."), field="password")
        user = register(Registration(username=username, password=password,
                                     display_name=username))
    elif password is not None:
        check_password_rules(password, username)
        set_password(user, password)
    user.is_admin = True
    user.is_active = True
    audit(actor, "user.make_admin", user)
    return user
