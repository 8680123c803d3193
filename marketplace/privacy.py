"""Residents' contacts (an enrollment's, a help request's): how a list shows
one, and what a deliberate look at the whole of it leaves behind.

Who may see a contact at all is each domain's `visible_contact`
(enrollments/services.py, help/services.py). On top of that rule:

- the resident who wrote a contact always reads it back whole;
- anybody else (the volunteer, an admin) sees it masked wherever it is
  listed or answered in passing, and whole only on the one record's own
  page or API read, opened on purpose; each such look is an audit row.
"""

from __future__ import annotations

import re

from .audit.services import record as audit

STARS = "****"
# A phone number: digits, perhaps with a leading + and spaces or dashes.
PHONE = re.compile(r"^\+?[\d\s-]+$")
PHONE_DIGITS = 11  # a mobile number: keep its first 3 and last 4


def mask_contact(text: str | None) -> str | None:
    """13800000000 → 138****0000; other text keeps its first and last
    character. The stars are always four, so a mask tells nothing of the
    length either."""
    if text is None:
        return None
    text = text.strip()
    digits = re.sub(r"\D", "", text)
    if PHONE.match(text) and digits:
        if len(digits) >= PHONE_DIGITS:
            return digits[:3] + STARS + digits[-4:]
        if len(digits) >= 7:  # a landline: as much as a mobile shows of 11, about
            return digits[:2] + STARS + digits[-2:]
        return digits[:1] + STARS + digits[-1:]
    if len(text) <= 2:
        return STARS
    return text[0] + STARS + text[-1]


def listed(contact: str | None, user, owner_id: int) -> str | None:
    """A contact the rules let `user` see, as a list or a passing answer
    shows it: whole for the resident who wrote it, masked for anyone else."""
    if contact is None or user.id == owner_id:
        return contact
    return mask_contact(contact)


def revealed(contact: str | None, user, owner_id: int, action: str, target,
             via: str) -> str | None:
    """A contact the rules let `user` see, shown whole on purpose: a look by
    anyone but its resident is written to the audit log (`via` "page" or
    "api"), in the caller's transaction, one row."""
    if contact is not None and user.id != owner_id:
        audit(user, action, target, via=via)
    return contact


# Inside free text (a resident's public comment): a run of 7+ digits, perhaps
# split by spaces or dashes (a phone), or an 18-character ID number.
NUMBER_IN_TEXT = re.compile(r"\+?\d[\d\s-]{5,}[\dXx]")


def scrub_text(text: str | None) -> str | None:
    """Public free text without the numbers that identify someone: each
    phone or ID number in it masked as a contact is (13812345678 →
    138****5678)."""
    if text is None:
        return None

    def mask(match: re.Match) -> str:
        found = match.group()
        digits = re.sub(r"\D", "", found)
        return mask_contact(digits) if len(digits) >= 7 else found

    return NUMBER_IN_TEXT.sub(mask, text)
