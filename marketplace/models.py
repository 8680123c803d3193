"""Imports every domain's models so that the metadata is complete
(for Alembic, the CLI and the tests)."""

from .accounts.models import ApiToken, User
from .audit.models import AuditEntry
from .branches.models import Alliance, Branch, Membership, alliance_branches
from .enrollments.models import Enrollment
from .feedback.models import Feedback
from .help.models import HelpOffer, HelpRequest
from .hours.models import HourRecord, PointEntry
from .listings.models import Category, Service
from .notifications.models import Notification

__all__ = [
    "Alliance", "ApiToken", "AuditEntry", "Branch", "Category", "Enrollment", "Feedback",
    "HelpOffer", "HelpRequest", "HourRecord", "Membership", "Notification", "PointEntry",
    "Service", "User", "alliance_branches",
]
