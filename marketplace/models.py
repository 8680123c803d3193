"""Imports every domain's models so that the metadata is complete
(for Alembic, the CLI and the tests)."""

from .accounts.models import ApiToken, User
from .audit.models import AuditEntry
from .branches.models import Alliance, Branch, Membership, alliance_branches
from .certificates.models import Certificate
from .enrollments.models import Enrollment
from .feedback.models import Feedback
from .help.models import HelpOffer, HelpRequest
from .hours.models import HourRecord, HourReport, PointEntry
from .listings.models import Category, Service
from .notifications.models import Notification
from .rankings.models import BranchPeriodStat, DistrictPeriodStat, MemberPeriodStat

__all__ = [
    "Alliance", "ApiToken", "AuditEntry", "Branch", "BranchPeriodStat", "Category",
    "Certificate", "DistrictPeriodStat", "Enrollment", "Feedback", "HelpOffer", "HelpRequest",
    "HourRecord", "HourReport", "MemberPeriodStat", "Membership", "Notification", "PointEntry",
    "Service", "User", "alliance_branches",
]
