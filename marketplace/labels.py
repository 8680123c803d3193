"""Words shown for stored values (statuses, modes, kinds), in the reader's language."""

from flask_babel import lazy_gettext as _l

from .enrollments.models import EnrollmentStatus
from .help.models import HelpOfferStatus, HelpRequestStatus, Urgency
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
URGENCY = {
    Urgency.LOW: _l("Not urgent"),
    Urgency.NORMAL: _l("Normal"),
    Urgency.HIGH: _l("Urgent"),
}
HELP_STATUS = {
    HelpRequestStatus.OPEN: _l("Waiting for help"),
    HelpRequestStatus.MATCHED: _l("Helper found"),
    HelpRequestStatus.COMPLETED: _l("Done"),
    HelpRequestStatus.CANCELLED: _l("Cancelled"),
}
OFFER_STATUS = {
    HelpOfferStatus.OPEN: _l("Offered"),
    HelpOfferStatus.ACCEPTED: _l("Accepted"),
    HelpOfferStatus.WITHDRAWN: _l("Withdrawn"),
    HelpOfferStatus.CLOSED: _l("Not chosen"),
}
# Bootstrap colours for status badges.
STATUS_COLOUR = {
    "draft": "secondary", "published": "success", "paused": "warning", "closed": "dark",
    "pending": "warning", "confirmed": "success", "waitlisted": "info", "cancelled": "secondary",
    "declined": "secondary", "completed": "primary", "no_show": "danger",
    "open": "warning", "matched": "success", "accepted": "success", "withdrawn": "secondary",
    "high": "danger", "normal": "secondary", "low": "light",
}


# Each stored value's enum says which table words it: "closed" is a closed
# service, a cancelled request's offer is "not chosen".
TABLES = {ServiceMode: SERVICE_MODE, ServiceStatus: SERVICE_STATUS,
          EnrollmentStatus: ENROLLMENT_STATUS, Urgency: URGENCY,
          HelpRequestStatus: HELP_STATUS, HelpOfferStatus: OFFER_STATUS}


# Elder mode's plain words (长辈模式): the statuses a resident meets, said as
# one would say them to a neighbour; by enum, as TABLES (StrEnum values of
# two enums can be equal strings). A value missing here keeps its word.
PLAIN = {
    EnrollmentStatus: {
        EnrollmentStatus.PENDING: _l("Waiting for the volunteer to say yes"),
        EnrollmentStatus.CONFIRMED: _l("Booked: the volunteer will come"),
        EnrollmentStatus.WAITLISTED: _l("In the queue for a place"),
        EnrollmentStatus.DECLINED: _l("The volunteer cannot take it"),
        EnrollmentStatus.COMPLETED: _l("Served: all done"),
        EnrollmentStatus.NO_SHOW: _l("It did not happen"),
    },
    HelpRequestStatus: {
        HelpRequestStatus.OPEN: _l("Waiting for someone to help"),
        HelpRequestStatus.MATCHED: _l("Someone is coming to help"),
        HelpRequestStatus.COMPLETED: _l("Helped"),
    },
    ServiceMode: {
        ServiceMode.HOME: _l("Comes to your home"),
        ServiceMode.PLACE: _l("Go to the place"),
        ServiceMode.ONLINE: _l("On the phone or online"),
    },
}


def label(value, plain: bool = False) -> str:
    """The word for a stored value; `plain`: elder mode's plain words."""
    words = PLAIN.get(type(value), {}) if plain else {}
    table = TABLES.get(type(value))
    if value in words:
        return str(words[value])
    return str(table[value]) if table else str(value)


def category_name(category) -> str:
    return category.name if select_locale() == "zh_CN" else category.name_en
