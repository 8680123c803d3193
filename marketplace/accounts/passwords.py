"""Password rules and hashing, shared by the pages, the API and the CLI."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from ..exceptions import InvalidInput

MIN_LENGTH = 8
MAX_LENGTH = 128

# The most common passwords of Chinese and English leaks (a short list here;
# issue-tracked to grow). Refused whatever their length.
COMMON_PASSWORDS = frozenset({
    "12345678", "123456789", "1234567890", "11111111", "88888888", "00000000",
    "password", "password1", "iloveyou", "qwertyuiop", "1qaz2wsx", "abc12345",
    "a1234567", "qwerty123", "woaini1314", "5201314520", "147258369", "123123123",
    "87654321", "66666666", "aa123456", "asdfghjkl", "zxcvbnm123", "11223344",
})


def check_password_rules(password: str, username: str = "") -> None:
    """Raise InvalidInput (field 'password') when the password is too weak."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(_l("Password must be at least %(n)d characters.", n=MIN_LENGTH),
                           field="password")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(_l("Password must be at most %(n)d characters.", n=MAX_LENGTH),
                           field="password")
    if password.lower() in COMMON_PASSWORDS or (username and password.lower() == username.lower()):
        raise InvalidInput(_l("This password is too easy to guess."), field="password")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def verify_password(password_hash: str | None, password: str) -> bool:
    """Costs one hash check even for an unknown user, so timing tells nothing."""
    if password_hash is None:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(password_hash, password)


def _dummy_hash() -> str:
    cache = current_app.extensions.setdefault("wangtao_dummy_hash", {})
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in cache:
        cache[method] = generate_password_hash("not-a-real-password", method=method)
    return cache[method]
