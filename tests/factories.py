"""Test data through the domain services where they exist (so the data obeys
the same rules as the product's), with overrides for what a test varies."""

from __future__ import annotations

import itertools
from datetime import datetime, time, timedelta

from marketplace.accounts import services as accounts
from marketplace.branches import services as branches
from marketplace.branches.models import BranchKind, MembershipKind, MembershipRole
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.hours import services as hours
from marketplace.listings.categories import ensure_default_categories
from marketplace.listings.models import Service, ServiceMode, ServiceStatus
from marketplace.localtime import local_to_utc, utc_to_local

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def make_user(commit: bool = True, **overrides):
    n = next(_seq)
    data = {"username": f"user{n}", "password": PASSWORD, "display_name": f"居民{n}"}
    flags = {k: overrides.pop(k) for k in ("is_admin", "is_active", "is_party_member", "locale")
             if k in overrides}
    data.update(overrides)
    user = accounts.register(accounts.Registration(**data))
    for key, value in flags.items():
        setattr(user, key, value)
    if commit:
        db.session.commit()
    return user


def make_branch(name: str | None = None, kind: BranchKind = BranchKind.PARTY_BRANCH,
                parent=None, commit: bool = True):
    branch = branches.create_branch(name or f"第{next(_seq)}党支部", kind, parent=parent)
    if commit:
        db.session.commit()
    return branch


def make_lead(branch=None, **overrides):
    """A volunteer who leads `branch` (a new one when not given)."""
    branch = branch or make_branch()
    user = make_user(commit=False, is_volunteer=True, **overrides)
    branches.add_member(branch, user, MembershipKind.HOME, MembershipRole.LEAD)
    db.session.commit()
    return user


def make_service(volunteer=None, commit: bool = True, **overrides):
    volunteer = volunteer or make_user(is_volunteer=True)
    category = ensure_default_categories()["convenience"]
    values = dict(volunteer=volunteer, category=category, title="义务理发(上门)",
                  description="为老人上门理发", community="米市巷社区", mode=ServiceMode.HOME,
                  capacity=3, status=ServiceStatus.PUBLISHED, published_at=utcnow(),
                  starts_at=utcnow() + timedelta(days=2), ends_at=utcnow() + timedelta(days=2,
                                                                                     hours=2))
    values.update(overrides)
    service = Service(**values)
    db.session.add(service)
    if commit:
        db.session.commit()
    return service


def morning(days_ago: int, hour: int = 9) -> datetime:
    """`hour` o'clock local time `days_ago` days ago, in UTC: hours recorded
    from it never cross local midnight, whenever the suite runs."""
    day = utc_to_local(utcnow()).date() - timedelta(days=days_ago)
    return local_to_utc(datetime.combine(day, time(hour)))


def make_hour_record(volunteer, branch, days_ago: int = 3, length: float = 2.0,
                     approved_by=None):
    """Hours served `days_ago` from 09:00 local time, recorded through the rules
    (and approved by `approved_by`, a lead, when given)."""
    start = morning(days_ago)
    record = hours.record_hours(volunteer, hours.HourData(
        branch_id=branch.id, started_at=start, ended_at=start + timedelta(hours=length),
        description="上门打扫", place="米市巷社区"))
    if approved_by is not None:
        hours.approve(record, approved_by)
    db.session.commit()
    return record
