"""The sharing rules: what may be shared, and whose calendar file is whose."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from ..db import utcnow
from ..enrollments.models import PLACE_HOLDING, Enrollment, EnrollmentStatus
from ..extensions import db
from ..help.models import HelpRequest
from ..labels import label
from ..listings.models import Service
from .calendar import Event
from .links import preview_text, shareable


def shared_service(service_id: int) -> Service | None:
    """The service behind a short link, or None (missing, draft, paused, hidden)."""
    service = db.session.get(Service, service_id)
    return service if service is not None and shareable(service) else None


def shared_request(request_id: int) -> HelpRequest | None:
    request = db.session.get(HelpRequest, request_id)
    return request if request is not None and shareable(request) else None


def residents_enrollment(enrollment_id: int, user) -> Enrollment | None:
    """Only the resident's own: anyone else is not told it exists."""
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.resident_id != user.id:
        return None
    return enrollment


def calendar_refusal(enrollment: Enrollment) -> str | None:
    """Why there is no calendar file, in the resident's words; None when there is one."""
    if enrollment.status not in PLACE_HOLDING:
        return _("This enrollment holds no place now, so there is nothing to add to "
                 "your calendar.")
    if enrollment.service.starts_at is None:
        return _("This service is offered any time, by arrangement: it has no date to "
                 "add to your calendar. Agree a time with the volunteer.")
    return None


def calendar_event(enrollment: Enrollment, host: str) -> Event:
    """No contact goes in: a calendar is synced to other devices and services."""
    service = enrollment.service
    where = f"{service.place} ({service.community})" if service.place else service.community
    description = "\n".join((
        preview_text(service.description, 200),
        _("Volunteer: %(name)s", name=service.volunteer.display_name),
        _("Mode: %(mode)s", mode=label(service.mode)),
        _("My enrollment: %(status)s", status=label(EnrollmentStatus(enrollment.status))),
    ))
    return Event(
        uid=f"enrollment-{enrollment.id}@{host}", starts_at=service.starts_at,
        ends_at=service.ends_at, summary=service.title, location=where,
        description=description,
        url=url_for("sharing.service_link", service_id=service.id, _external=True),
        stamp=utcnow(), tentative=enrollment.status == EnrollmentStatus.PENDING)
