"""The rules of joining a service (加入该项目) and of what follows.

Never more pending + confirmed than capacity, under any concurrency: every
change that takes or frees a place first locks the service row
(listings.services.lock_service), then reads the counters on it, so joins
and cancellations of one service happen one after another. The CHECK
constraint taken <= capacity and the unique index on live enrollments are
the database's own backstop.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from ..db import utcnow
from ..exceptions import Conflict, InvalidInput, NotAllowed, NotFound
from ..extensions import db
from ..feedback.models import Feedback
from ..feedback.services import check_rating, leave_feedback
from ..listings.models import Service
from ..listings.services import ServiceNotOpen, accepts_joins, has_ended, lock_service
from ..notifications.services import notify
from ..privacy import listed, revealed
from ..visitcodes import new_code
from .models import LIVE_STATUSES, PLACE_HOLDING, Enrollment, EnrollmentStatus

S = EnrollmentStatus
CONTACT_RE = re.compile(r"\d{5,}")


class AlreadyJoined(Conflict):
    message = _l("You have joined this service already.")


class OwnService(NotAllowed):
    message = _l("You cannot join your own service.")


class WrongState(Conflict):
    message = _l("This cannot be done in the enrollment's current state.")


def get_enrollment(enrollment_id: int) -> Enrollment:
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None:
        raise NotFound()
    return enrollment


def can_view(enrollment: Enrollment, user) -> bool:
    """Its resident, its service's volunteer and admins know it exists."""
    return bool(user and user.is_authenticated) and (
        user.is_admin or user.id in (enrollment.resident_id, enrollment.service.volunteer_id))


def visible_contact(enrollment: Enrollment, user) -> str | None:
    """DESIGN.md: the service's volunteer while the enrollment is live, and
    admins; the resident wrote it and may read it back. Nobody else, ever."""
    if not (user and user.is_authenticated):
        return None
    if user.is_admin or user.id == enrollment.resident_id:
        return enrollment.contact
    if user.id == enrollment.service.volunteer_id and enrollment.is_live:
        return enrollment.contact
    return None


def visible_note(enrollment: Enrollment, user) -> str | None:
    """The resident's note often says where they live ("住3号楼"): it is
    read by whoever may read the contact, and by nobody else."""
    return enrollment.note if visible_contact(enrollment, user) is not None else None


def listed_contact(enrollment: Enrollment, user) -> str | None:
    """The contact as lists and action answers show it: masked unless it is
    the resident's own (privacy.py)."""
    return listed(visible_contact(enrollment, user), user, enrollment.resident_id)


def reveal_contact(enrollment: Enrollment, user, via: str) -> str | None:
    """The whole contact on the enrollment's own page or API read; the
    volunteer's or an admin's look is audited (the caller commits)."""
    return revealed(visible_contact(enrollment, user), user, enrollment.resident_id,
                    "enrollment.contact_view", enrollment, via)


def check_contact(contact: str, note: str | None) -> None:
    contact = (contact or "").strip()
    if not 5 <= len(contact) <= 200 or not CONTACT_RE.search(contact):
        raise InvalidInput(_l("Please leave a phone number the volunteer can call."),
                           field="contact")
    if note and len(note) > 500:
        raise InvalidInput(_l("The note can have at most 500 characters."), field="note")


def join(service_id: int, resident, contact: str, note: str | None = None) -> Enrollment:
    """Take a place, or the next place on the waitlist when all are taken."""
    check_contact(contact, note)
    service = lock_service(service_id)
    if not accepts_joins(service):
        raise ServiceNotOpen()
    if service.volunteer_id == resident.id:
        raise OwnService()
    if live_enrollment(service.id, resident.id) is not None:
        raise AlreadyJoined()
    if service.taken < service.capacity:
        status = S.CONFIRMED if service.auto_confirm else S.PENDING
        service.taken += 1
    else:
        status = S.WAITLISTED
        service.waitlisted += 1
    service.joined_total += 1
    enrollment = Enrollment(service=service, resident=resident, status=status,
                            contact=contact.strip(), note=(note or "").strip() or None)
    if status == S.CONFIRMED:
        _confirmed(enrollment)
    db.session.add(enrollment)
    db.session.flush()
    notify(service.volunteer_id, "enrollment.joined", service_id=service.id,
           service_title=service.title, resident=resident.display_name,
           status=status.value)
    if status != S.PENDING:
        notify(resident.id, f"enrollment.{status.value}", service_id=service.id,
               service_title=service.title)
    return enrollment


def live_enrollment(service_id: int, resident_id: int) -> Enrollment | None:
    return db.session.scalar(sa.select(Enrollment).where(
        Enrollment.service_id == service_id, Enrollment.resident_id == resident_id,
        Enrollment.status.in_(LIVE_STATUSES)))


def cancel(enrollment: Enrollment, resident) -> None:
    """The resident withdraws; a freed place goes to the first on the waitlist."""
    if enrollment.resident_id != resident.id:
        raise NotAllowed()
    _end(enrollment, S.CANCELLED)
    notify(enrollment.service.volunteer_id, "enrollment.cancelled",
           service_id=enrollment.service_id, service_title=enrollment.service.title,
           resident=resident.display_name)


def confirm(enrollment: Enrollment, volunteer) -> None:
    _require_volunteer(enrollment, volunteer)
    _lock(enrollment)
    _require_status(enrollment, S.PENDING)
    _confirmed(enrollment)
    _tell_resident(enrollment, "enrollment.confirmed")


def decline(enrollment: Enrollment, volunteer) -> None:
    _require_volunteer(enrollment, volunteer)
    _end(enrollment, S.DECLINED)
    _tell_resident(enrollment, "enrollment.declined")


def complete(enrollment: Enrollment, volunteer) -> None:
    service = _mark_served(enrollment, volunteer, S.COMPLETED)
    service.completed_count += 1
    _tell_resident(enrollment, "enrollment.completed")


def no_show(enrollment: Enrollment, volunteer) -> None:
    _mark_served(enrollment, volunteer, S.NO_SHOW)


def _mark_served(enrollment: Enrollment, volunteer, status: S) -> Service:
    """After the visit a confirmed place is completed or no-show. The place is
    free again: an open offer (weekly cleaning) serves the next resident."""
    _require_volunteer(enrollment, volunteer)
    service = _lock(enrollment)
    _require_status(enrollment, S.CONFIRMED)
    enrollment.status, enrollment.ended_at = status, utcnow()
    service.taken -= 1
    db.session.flush()
    if not has_ended(service):
        promote_waitlisted(service)
    return service


def confirm_happened(enrollment: Enrollment, resident) -> None:
    """The resident says the service really took place (once)."""
    if enrollment.resident_id != resident.id:
        raise NotAllowed()
    _require_status(enrollment, S.COMPLETED)
    if enrollment.resident_confirmed_at is not None:
        raise Conflict(_l("You have confirmed this already."))
    enrollment.resident_confirmed_at = utcnow()


def rate(enrollment: Enrollment, resident, rating: int, comment: str | None) -> Feedback:
    """1-5 with an optional comment, once, after completion."""
    if enrollment.resident_id != resident.id:
        raise NotAllowed()
    check_rating(rating, comment)
    service = _lock(enrollment)
    _require_status(enrollment, S.COMPLETED)
    feedback = leave_feedback(resident, service.volunteer_id, rating, comment,
                              enrollment_id=enrollment.id)
    if enrollment.resident_confirmed_at is None:
        enrollment.resident_confirmed_at = utcnow()
    service.rating_count += 1
    service.rating_sum += rating
    return feedback


def promote_waitlisted(service: Service) -> list[Enrollment]:
    """Fill free places from the head of the waitlist; `service` must be locked."""
    free = service.capacity - service.taken
    if free <= 0 or service.waitlisted == 0:
        return []
    promoted = list(db.session.scalars(
        sa.select(Enrollment)
        .where(Enrollment.service_id == service.id, Enrollment.status == S.WAITLISTED)
        .order_by(Enrollment.id).limit(free)))
    for enrollment in promoted:
        if service.auto_confirm:
            _confirmed(enrollment)
        else:
            enrollment.status = S.PENDING
        _tell_resident(enrollment, "enrollment.promoted")
    service.taken += len(promoted)
    service.waitlisted -= len(promoted)
    db.session.flush()
    return promoted


def end_for_closed_service(service: Service, call_off: bool) -> None:
    """A closed service lets its waiting residents go (and, when called off,
    everyone still live), each told why. `service` must be locked."""
    ending = [S.PENDING, S.WAITLISTED] + ([S.CONFIRMED] if call_off else [])
    for enrollment in db.session.scalars(
            sa.select(Enrollment).where(Enrollment.service_id == service.id,
                                        Enrollment.status.in_(ending))):
        if enrollment.status in PLACE_HOLDING:
            service.taken -= 1
        else:
            service.waitlisted -= 1
        enrollment.status, enrollment.ended_at = S.DECLINED, utcnow()
        _tell_resident(enrollment, "service.cancelled")


def joined_position(enrollment: Enrollment) -> dict[int, int]:
    """The waitlist position of an enrollment `join` just made, without a
    query: still under the join's lock, it is the last of the service's
    waitlisted (a query would count them all, inside the lock)."""
    if enrollment.status != S.WAITLISTED:
        return {}
    return {enrollment.id: enrollment.service.waitlisted}


def waitlist_positions(enrollments: list[Enrollment]) -> dict[int, int]:
    """Position (1-based) of each waitlisted enrollment, in one query."""
    ids = [e.id for e in enrollments if e.status == S.WAITLISTED]
    if not ids:
        return {}
    ahead = aliased(Enrollment)
    rows = db.session.execute(
        sa.select(Enrollment.id, sa.func.count(ahead.id))
        .join(ahead, sa.and_(ahead.service_id == Enrollment.service_id,
                             ahead.status == S.WAITLISTED, ahead.id <= Enrollment.id))
        .where(Enrollment.id.in_(ids)).group_by(Enrollment.id))
    return dict(rows.all())


def _lock(enrollment: Enrollment) -> Service:
    """Lock the enrollment's service, then re-read the enrollment: whatever
    changed it before the lock is now visible."""
    service = lock_service(enrollment.service_id)
    db.session.refresh(enrollment)
    return service


def _end(enrollment: Enrollment, status: S) -> None:
    service = _lock(enrollment)
    if enrollment.status not in LIVE_STATUSES:
        raise WrongState()
    if enrollment.status in PLACE_HOLDING:
        service.taken -= 1
    else:
        service.waitlisted -= 1
    enrollment.status, enrollment.ended_at = status, utcnow()
    db.session.flush()
    promote_waitlisted(service)


def _confirmed(enrollment: Enrollment) -> None:
    """A confirmed place gets the resident's one-time visit code."""
    enrollment.status, enrollment.confirmed_at = S.CONFIRMED, utcnow()
    enrollment.visit_code = enrollment.visit_code or new_code()


def _require_volunteer(enrollment: Enrollment, volunteer) -> None:
    if enrollment.service.volunteer_id != volunteer.id:
        raise NotAllowed()


def _require_status(enrollment: Enrollment, status: S) -> None:
    if enrollment.status != status:
        raise WrongState()


def _tell_resident(enrollment: Enrollment, kind: str) -> None:
    notify(enrollment.resident_id, kind, service_id=enrollment.service_id,
           service_title=enrollment.service.title)
