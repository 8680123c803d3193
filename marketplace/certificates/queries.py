"""Read-side queries for certificates: what a period's approved hours add
up to, the branches a volunteer can ask a certificate of, their own
certificates, and the lookup by verification code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..branches.models import Branch, Membership, MembershipRole, MembershipStatus
from ..enrollments.models import Enrollment
from ..exceptions import NotFound
from ..extensions import db
from ..help.models import HelpRequest
from ..hours.models import HourRecord, HourStatus, PointEntry
from ..hours.services import _counting  # the one rule of which records count
from ..listings.models import Category, Service
from ..localtime import local_day_start
from ..pagination import Page, SortKey, paginate
from .models import Certificate

CONTENT_MAX = 300  # Certificate.content
TOP_CATEGORIES = 3
TOP_DESCRIPTIONS = 5
DESCRIPTION_CUT = 40


@dataclass(frozen=True)
class Tally:
    minutes: int
    records: int
    content: str

    @property
    def hours(self) -> float:
        return self.minutes / 60


def approved_in_period(volunteer_id: int, branch_id: int, start: date, end: date) -> Tally:
    """The volunteer's approved minutes in a branch for records that started
    from local `start` to local `end` (both days included), counted as the
    hours rules count them: an approved record replaced by an approved
    correction no longer counts; the correction does. Three queries."""
    where = [*_counting(volunteer_id, None), HourRecord.status == HourStatus.APPROVED,
             HourRecord.branch_id == branch_id,
             HourRecord.started_at >= local_day_start(start),
             HourRecord.started_at < local_day_start(end + timedelta(days=1))]
    minutes, records = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(HourRecord.minutes), 0), sa.func.count())
        .where(*where)).one()
    if not records:
        return Tally(0, 0, "")
    return Tally(int(minutes), int(records), _content(where))


def _content(where) -> str:
    """What the service was: its main categories (of the services and help
    requests it served) and the most frequent descriptions, by time spent."""
    spent = sa.func.sum(HourRecord.minutes)
    category_id = sa.func.coalesce(Service.category_id, HelpRequest.category_id)
    categories = db.session.scalars(
        sa.select(Category.name)
        .select_from(HourRecord)
        .outerjoin(Enrollment, Enrollment.id == HourRecord.enrollment_id)
        .outerjoin(Service, Service.id == Enrollment.service_id)
        .outerjoin(HelpRequest, HelpRequest.id == HourRecord.help_request_id)
        .join(Category, Category.id == category_id)
        .where(*where).group_by(Category.id, Category.name)
        .order_by(spent.desc(), Category.id).limit(TOP_CATEGORIES)).all()
    descriptions = db.session.scalars(
        sa.select(HourRecord.description).where(*where).group_by(HourRecord.description)
        .order_by(spent.desc(), HourRecord.description).limit(TOP_DESCRIPTIONS)).all()
    done = "、".join(_cut(" ".join(d.split()), DESCRIPTION_CUT) for d in descriptions)
    text = f"{'、'.join(categories)}：{done}" if categories else done
    return _cut(text, CONTENT_MAX)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def issuable_branches(volunteer_id: int) -> list[Branch]:
    """Branches the volunteer has approved hours in (the ledger's entries),
    also ones they have left since: the hours were served there."""
    ids = sa.select(PointEntry.branch_id).where(PointEntry.user_id == volunteer_id).distinct()
    return list(db.session.scalars(sa.select(Branch).where(Branch.id.in_(ids))
                                   .order_by(Branch.name, Branch.id)))


def first_lead_name(branch_id: int) -> str | None:
    """The display name of the branch's longest-serving active lead."""
    return db.session.scalar(
        sa.select(User.display_name).join(Membership, Membership.user_id == User.id)
        .where(Membership.branch_id == branch_id, Membership.role == MembershipRole.LEAD,
               Membership.status == MembershipStatus.ACTIVE)
        .order_by(sa.func.coalesce(Membership.started_at, Membership.created_at),
                  Membership.id).limit(1))


def certificates_of(user_id: int, cursor: str | None, limit: int) -> Page:
    """A volunteer's certificates, newest first (ix_certificates_user)."""
    stmt = sa.select(Certificate).where(Certificate.user_id == user_id)
    return paginate(stmt, [SortKey(Certificate.id, descending=True)], cursor, limit)


def get_certificate(certificate_id: int) -> Certificate:
    found = db.session.get(Certificate, certificate_id)
    if found is None:
        raise NotFound()
    return found


def certificate_with_branch(certificate_id: int) -> Certificate:
    found = db.session.scalar(sa.select(Certificate).where(Certificate.id == certificate_id)
                              .options(joinedload(Certificate.branch)))
    if found is None:
        raise NotFound()
    return found
