"""One-time visit codes: a resident reads six digits to the volunteer at the
door; entered with the hours, they show the lead that the resident confirmed
the visit (what a volunteer's word alone cannot)."""

import secrets

from flask_babel import lazy_gettext as _l

from .db import utcnow
from .exceptions import InvalidInput

LENGTH = 6


def new_code() -> str:
    return f"{secrets.randbelow(10**LENGTH):0{LENGTH}d}"


def use_code(subject, code: str) -> None:
    """Consume `subject`'s code (an enrollment or a help request), or refuse."""
    code = (code or "").strip()
    if subject.visit_code is None or subject.visit_code_used_at is not None:
        raise InvalidInput(_l("This visit has no unused code."), field="visit_code")
    if not secrets.compare_digest(code, subject.visit_code):
        raise InvalidInput(_l("The visit code does not match."), field="visit_code")
    subject.visit_code_used_at = utcnow()
    subject.resident_confirmed_at = subject.resident_confirmed_at or utcnow()
