"""Words shown for stored values (statuses, modes, kinds), in the reader's language."""

from flask_babel import lazy_gettext as _l

from .enrollments.models import EnrollmentStatus
from .i18n import select_locale
from .listings.models import ServiceMode, ServiceStatus

SERVICE_MODE = {
    ServiceMode.HOME: _l("At your home"),
    ServiceMode.PLACE: _l("At a place"),
    ServiceMode.ONLINE: _l("Online"),
}
SERVICE_STATUS = {
    ServiceStatus.DRAFT: _l("Draft"),
    ServiceStatus.PUBLISHED: _l("Open"),
    ServiceStatus.PAUSED: _l("Paused"),
    ServiceStatus.CLOSED: _l("Closed"),
}
ENROLLMENT_STATUS = {
    EnrollmentStatus.PENDING: _l("Awaiting confirmation"),
    EnrollmentStatus.CONFIRMED: _l("Confirmed"),
    EnrollmentStatus.WAITLISTED: _l("On the waitlist"),
    EnrollmentStatus.CANCELLED: _l("Cancelled"),
    EnrollmentStatus.DECLINED: _l("Declined"),
    EnrollmentStatus.COMPLETED: _l("Completed"),
    EnrollmentStatus.NO_SHOW: _l("Did not take place"),
}
# Bootstrap colours for status badges.
STATUS_COLOUR = {
    "draft": "secondary", "published": "success", "paused": "warning", "closed": "dark",
    "pending": "warning", "confirmed": "success", "waitlisted": "info", "cancelled": "secondary",
    "declined": "secondary", "completed": "primary", "no_show": "danger",
}


def label(value) -> str:
    for table in (SERVICE_MODE, SERVICE_STATUS, ENROLLMENT_STATUS):
        if value in table:
            return str(table[value])
    return str(value)


def category_name(category) -> str:
    return category.name if select_locale() == "zh_CN" else category.name_en
