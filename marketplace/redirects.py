"""Only ever redirect within this site (the `next` parameter)."""

from urllib.parse import urlsplit

from flask import url_for


def is_safe_next(target: str | None) -> bool:
    if not target:
        return False
    target = target.strip()
    # Browsers treat a backslash as a slash: "/\x" is protocol-relative too.
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and not any(ord(c) < 32 for c in target)


def safe_next_url(target: str | None, default_endpoint: str = "main.home") -> str:
    return target.strip() if is_safe_next(target) else url_for(default_endpoint)
