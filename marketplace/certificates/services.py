"""The rules of certificates of approved hours (志愿服务证明).

A volunteer asks for a certificate of a branch's approved hours in a period
of local days: the period ends today at the latest, starts no later than it
ends and spans at most five years; the hours are those the hours rules count
(an approved record replaced by an approved correction no longer counts,
the correction does). A period without approved hours gets no certificate.
What it certifies is copied when it is issued. The volunteer (or an admin)
may revoke it; a revoked certificate still verifies, as revoked.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record as audit
from ..authz import can_manage_branch
from ..branches.models import Branch
from ..db import utcnow
from ..exceptions import Conflict, InvalidInput, NotAllowed
from ..extensions import db
from ..localtime import local_zone
from ..locking import lock_row
from . import queries
from .models import Certificate

MAX_PERIOD_YEARS = 5
# No 0/O, 1/I: a code read aloud or typed from paper is not mistaken.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 12  # 60 bits
CODE_GROUP = 4
_NOT_IN_CODE = re.compile(r"[\s\-–—_.]")


@dataclass(frozen=True)
class CertificateRequest:
    branch_id: int
    period_start: date
    period_end: date


def volunteer_number(user_id: int) -> str:
    """The volunteer's number on certificates: WT and the account id, 8 digits."""
    return f"WT{user_id:08d}"


def certificate_number(certificate_id: int, issued_at: datetime) -> str:
    """WT-<local year of issue>-<id, 6 digits or more>, e.g. WT-2026-000123."""
    return f"WT-{issued_at.astimezone(local_zone()).year}-{certificate_id:06d}"


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str | None) -> str:
    """What a person typed, as stored: no spaces or dashes, upper case."""
    return _NOT_IN_CODE.sub("", raw or "").upper()


def format_code(code: str) -> str:
    """ABCD-EFGH-JKLM: easier to read aloud and to copy."""
    return "-".join(code[i:i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


def can_view(certificate: Certificate, user) -> bool:
    """Its volunteer, the issuing branch's leads (and leads above) and admins."""
    return bool(user and user.is_authenticated and (
        certificate.user_id == user.id or can_manage_branch(user, certificate.branch)))


def can_revoke(certificate: Certificate, user) -> bool:
    return bool(user and user.is_authenticated and (
        certificate.user_id == user.id or user.is_admin))


def find_by_code(raw: str | None) -> Certificate | None:
    """The certificate a typed code names, or None."""
    code = normalize_code(raw)
    if not 10 <= len(code) <= 16 or any(c not in CODE_ALPHABET for c in code):
        return None
    return db.session.scalar(sa.select(Certificate).where(Certificate.verify_code == code))


def public_facts(certificate: Certificate) -> dict:
    """What anyone holding the code may see, and nothing more: the name, the
    period, the hours, the branch, the number, the day of issue, and whether
    it is revoked (no phone, account, records or what was done)."""
    return {
        "number": certificate.number, "volunteer_name": certificate.volunteer_name,
        "branch_name": certificate.branch_name, "period_start": certificate.period_start,
        "period_end": certificate.period_end, "hours": certificate.minutes / 60,
        "issued_on": issued_on(certificate),
        "revoked": certificate.revoked_at is not None,
    }


def issued_on(certificate: Certificate) -> date:
    """The local day of issue, as printed."""
    return certificate.issued_at.astimezone(local_zone()).date()


def check_period(start: date | None, end: date | None) -> None:
    if start is None:
        raise InvalidInput(_l("Please give the first day of the period."), field="period_start")
    if end is None:
        raise InvalidInput(_l("Please give the last day of the period."), field="period_end")
    if end > utcnow().astimezone(local_zone()).date():
        raise InvalidInput(_l("The period cannot end in the future."), field="period_end")
    if start > end:
        raise InvalidInput(_l("The period must start on or before its last day."),
                           field="period_start")
    if start < earliest_start(end):
        raise InvalidInput(_l("A certificate covers at most five years."),
                           field="period_start")


def earliest_start(end: date) -> date:
    """The first day of the longest period ending on `end`: five calendar
    years, e.g. 2021-01-01 for 2025-12-31 (a 29 February that the year
    lacks is 1 March)."""
    after = end + timedelta(days=1)
    try:
        return after.replace(year=after.year - MAX_PERIOD_YEARS)
    except ValueError:  # 29 February
        return date(after.year - MAX_PERIOD_YEARS, 3, 1)


def issue(volunteer, request: CertificateRequest) -> Certificate:
    """Issue a certificate of the volunteer's approved hours in a branch."""
    check_period(request.period_start, request.period_end)
    branch = db.session.get(Branch, request.branch_id)
    if branch is None:
        raise InvalidInput(_l("Please choose a branch."), field="branch_id")
    tally = queries.approved_in_period(volunteer.id, branch.id, request.period_start,
                                       request.period_end)
    if tally.minutes <= 0:
        raise InvalidInput(_l("You have no approved hours in this branch in this period."),
                           field="branch_id")
    code = _unused_code()
    certificate = Certificate(
        number=f"new-{code}",  # unique until the id is known, just below
        verify_code=code, user_id=volunteer.id, branch_id=branch.id,
        volunteer_name=volunteer.display_name, volunteer_number=volunteer_number(volunteer.id),
        branch_name=branch.name, lead_name=queries.first_lead_name(branch.id),
        period_start=request.period_start, period_end=request.period_end,
        minutes=tally.minutes, records=tally.records, content=tally.content, issued_at=utcnow())
    db.session.add(certificate)
    db.session.flush()
    certificate.number = certificate_number(certificate.id, certificate.issued_at)
    audit(volunteer, "certificate.issue", certificate, number=certificate.number,
          minutes=tally.minutes)
    return certificate


def _unused_code() -> str:
    for _ in range(5):
        code = new_code()
        taken = db.session.scalar(sa.select(sa.exists().where(Certificate.verify_code == code)))
        if not taken:
            return code
    raise Conflict()  # 32^12 codes: not reached in practice


def revoke(certificate: Certificate, actor) -> Certificate:
    """Its volunteer or an admin withdraws it; it then verifies as revoked."""
    certificate = lock_row(Certificate, certificate.id)
    if not can_revoke(certificate, actor):
        raise NotAllowed()
    if certificate.revoked_at is not None:
        raise Conflict(_l("This certificate is revoked already."))
    certificate.revoked_at = utcnow()
    audit(actor, "certificate.revoke", certificate, number=certificate.number)
    return certificate
