"""The rules of a service listing (服务项目): who may publish, what a valid
listing is, and its life: draft -> published <-> paused -> closed.

Functions take the actor, change rows, flush, and raise domain exceptions;
the caller commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record as audit
from ..db import utcnow
from ..exceptions import Conflict, InvalidInput, NotAllowed, NotFound
from ..extensions import db
from ..locking import lock_row
from ..rankings import totals
from ..validation import check_category, check_community, check_reason, check_title
from .models import Category, Service, ServiceMode, ServiceStatus

MAX_CAPACITY = 10_000


class ServiceNotOpen(Conflict):
    message = _l("This service is not open for joining.")


@dataclass(frozen=True)
class ServiceData:
    title: str
    description: str
    category_id: int
    community: str
    mode: ServiceMode
    capacity: int
    auto_confirm: bool = False
    place: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None


def get_service(service_id: int) -> Service:
    service = db.session.get(Service, service_id)
    if service is None:
        raise NotFound()
    return service


def is_open(service: Service) -> bool:
    """Listed in browse and search, and open for joining."""
    return service.status == ServiceStatus.PUBLISHED and service.hidden_at is None


def has_ended(service: Service) -> bool:
    """An event whose time is over; open-ended offers never end by time."""
    last = service.ends_at or service.starts_at
    return last is not None and last < utcnow()


def accepts_joins(service: Service) -> bool:
    """Residents may join now (or join its waitlist)."""
    return is_open(service) and not has_ended(service)


def can_view(service: Service, user) -> bool:
    """Drafts, paused, closed and hidden services are seen by their volunteer
    and admins; closed ones stay public so their history can be read."""
    if is_open(service) or (service.status == ServiceStatus.CLOSED and service.hidden_at is None):
        return True
    return bool(user and user.is_authenticated and (user.is_admin or user.id ==
                                                    service.volunteer_id))


def is_owner(service: Service, user) -> bool:
    return bool(user and user.is_authenticated and user.id == service.volunteer_id)


def _require_owner(service: Service, actor) -> None:
    if not is_owner(service, actor):
        raise NotAllowed()


def check_service_data(data: ServiceData) -> Category:
    """Every field rule; the message names the field it is about."""
    check_title(data.title)
    if not 1 <= len(data.description.strip()) <= 5000:
        raise InvalidInput(_l("Please describe the service (at most 5000 characters)."),
                           field="description")
    category = check_category(data.category_id)
    check_community(data.community)
    if data.mode == ServiceMode.PLACE and not (data.place or "").strip():
        raise InvalidInput(_l("Please say where the service takes place."), field="place")
    if not 1 <= data.capacity <= MAX_CAPACITY:
        raise InvalidInput(_l("Places: from 1 to %(n)d.", n=MAX_CAPACITY), field="capacity")
    if data.ends_at and not data.starts_at:
        raise InvalidInput(_l("An end time needs a start time."), field="starts_at")
    if data.starts_at and data.ends_at and data.ends_at <= data.starts_at:
        raise InvalidInput(_l("The end must be after the start."), field="ends_at")
    return category


def create_service(volunteer, data: ServiceData, publish: bool = True) -> Service:
    if not volunteer.is_volunteer:
        raise NotAllowed(_l("Only volunteers can publish services."))
    check_service_data(data)
    service = Service(volunteer=volunteer, status=ServiceStatus.DRAFT, **_fields(data))
    db.session.add(service)
    db.session.flush()
    if publish:
        publish_service(service, volunteer)
    return service


def update_service(service: Service, actor, data: ServiceData) -> Service:
    _require_owner(service, actor)
    check_service_data(data)
    service = lock_service(service.id)
    if service.status == ServiceStatus.CLOSED:
        raise Conflict(_l("A closed service cannot be changed."))
    if data.capacity < service.taken:
        raise InvalidInput(_l("%(n)d people hold places already; places cannot be fewer.",
                              n=service.taken), field="capacity")
    was_open = is_open(service)
    old_category_id = service.category_id
    for key, value in _fields(data).items():
        setattr(service, key, value)
    if was_open and old_category_id != service.category_id:
        _count_open(old_category_id, -1)
        _count_open(service.category_id, +1)
    db.session.flush()
    totals.on_service_recategorised(service, old_category_id)
    # More places: the waitlist moves up at once.
    from ..enrollments.services import promote_waitlisted

    promote_waitlisted(service)
    return service


def _fields(data: ServiceData) -> dict:
    return dict(title=data.title.strip(), description=data.description.strip(),
                category_id=data.category_id, community=data.community.strip(),
                mode=data.mode, place=(data.place or "").strip() or None,
                starts_at=data.starts_at, ends_at=data.ends_at, capacity=data.capacity,
                auto_confirm=data.auto_confirm)


def publish_service(service: Service, actor) -> None:
    """Publish a draft, or reopen a paused service."""
    _require_owner(service, actor)
    service = lock_service(service.id)
    if service.status not in (ServiceStatus.DRAFT, ServiceStatus.PAUSED):
        raise Conflict(_l("Only a draft or paused service can be published."))
    _set_status(service, ServiceStatus.PUBLISHED)
    if service.published_at is None:  # counted once, when first published
        service.published_at = utcnow()
        totals.on_first_published(service.category_id, service.published_at)


def pause_service(service: Service, actor) -> None:
    _require_owner(service, actor)
    service = lock_service(service.id)
    if service.status != ServiceStatus.PUBLISHED:
        raise Conflict(_l("Only a published service can be paused."))
    _set_status(service, ServiceStatus.PAUSED)


def close_service(service: Service, actor, call_off: bool = False) -> None:
    """Close for good. Waiting and unconfirmed residents are let go; with
    `call_off` (the activity is cancelled) confirmed ones too."""
    _require_owner(service, actor)
    service = lock_service(service.id)
    if service.status == ServiceStatus.CLOSED:
        raise Conflict(_l("This service is closed already."))
    _set_status(service, ServiceStatus.CLOSED)
    from ..enrollments.services import end_for_closed_service

    end_for_closed_service(service, call_off)


def hide_service(service: Service, admin, reason: str) -> None:
    """Moderation: take a service out of every list, with the reason logged."""
    if not admin.is_admin:
        raise NotAllowed()
    reason = check_reason(reason)
    service = lock_service(service.id)
    if service.hidden_at is not None:
        raise Conflict(_l("This service is hidden already."))
    was_open = is_open(service)
    service.hidden_at, service.hidden_reason = utcnow(), reason
    if was_open:
        _count_open(service.category_id, -1)
    audit(admin, "service.hide", service, reason=reason)


def unhide_service(service: Service, admin) -> None:
    if not admin.is_admin:
        raise NotAllowed()
    service = lock_service(service.id)
    if service.hidden_at is None:
        raise Conflict(_l("This service is not hidden."))
    service.hidden_at = None
    if is_open(service):
        _count_open(service.category_id, +1)
    audit(admin, "service.unhide", service, reason=service.hidden_reason)


def lock_service(service_id: int) -> Service:
    """Joins, cancellations and status changes of one service queue here."""
    return lock_row(Service, service_id)


def _set_status(service: Service, status: ServiceStatus) -> None:
    was_open = is_open(service)
    service.status = status
    now_open = is_open(service)
    if was_open != now_open:
        _count_open(service.category_id, +1 if now_open else -1)


def _count_open(category_id: int, delta: int) -> None:
    db.session.execute(sa.update(Category).where(Category.id == category_id)
                       .values(open_service_count=Category.open_service_count + delta))


def recount_open_services() -> None:
    """Recompute every category's open count from the services (demo, repair)."""
    counts = dict(db.session.execute(
        sa.select(Service.category_id, sa.func.count())
        .where(Service.status == ServiceStatus.PUBLISHED, Service.hidden_at.is_(None))
        .group_by(Service.category_id)).all())
    for category in db.session.scalars(sa.select(Category)):
        category.open_service_count = counts.get(category.id, 0)
