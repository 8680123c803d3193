"""Building data for ranking tests through the real rules: hours recorded
and approved by a lead, so the summary tables fill as in production."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from marketplace.branches import services as branches
from marketplace.branches.models import BranchKind, MembershipKind
from marketplace.extensions import db
from marketplace.hours import services as hours
from marketplace.localtime import local_to_utc
from marketplace.rankings.models import BranchPeriodStat, DistrictPeriodStat, MemberPeriodStat

from .factories import make_branch, make_lead, make_user

_clock = {"day": 0}


def committee(name: str = "米市巷街道党工委"):
    return make_branch(name, BranchKind.COMMITTEE)


def member(branch, commit: bool = True, **overrides):
    """A volunteer whose home (or, when they have one, functional) branch it is."""
    user = make_user(commit=False, is_volunteer=True, **overrides)
    branches.add_member(branch, user, MembershipKind.HOME)
    if commit:
        db.session.commit()
    return user


def a_day_ago(n: int = 0) -> datetime:
    """A distinct local morning in the past (records never overlap)."""
    _clock["day"] += 1
    return datetime(2026, 1, 1, 8) + timedelta(days=_clock["day"] % 300, hours=n)


def approved(volunteer, branch, lead, start: datetime | None = None, length: float = 1.0,
             commit: bool = True, **extra):
    """Record `length` hours starting at local `start` and approve them."""
    started = local_to_utc(start or a_day_ago())
    record = hours.record_hours(volunteer, hours.HourData(
        branch_id=branch.id, started_at=started, ended_at=started + timedelta(hours=length),
        description="上门打扫", place="米市巷社区", **extra))
    hours.approve(record, lead)
    if commit:
        db.session.commit()
    return record


def branch_with_lead(name: str, parent=None):
    branch = make_branch(name, parent=parent)
    return branch, make_lead(branch)


def table_rows() -> dict[str, set]:
    """Every non-zero row of the three summary tables."""
    found = {}
    for model in (MemberPeriodStat, BranchPeriodStat, DistrictPeriodStat):
        table = model.__table__
        keys = [c for c in table.c if not c.primary_key]
        found[model.__tablename__] = {
            tuple(row) for row in db.session.execute(sa.select(*table.c))
            if any(getattr(row, c.key) for c in keys)}
    return found
