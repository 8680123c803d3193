"""A volunteer's public figures, for any number of volunteers in four
grouped queries (a request's offers list several volunteers at once), and
their star levels alone in one (a page of service cards)."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from ..accounts.models import User
from ..extensions import db
from ..feedback.models import Feedback
from ..help.models import HelpRequest, HelpRequestStatus
from ..hours.models import PointEntry
from ..hours.stars import star_level
from ..listings.models import Service


@dataclass(frozen=True)
class VolunteerProfile:
    services: int = 0
    completed: int = 0  # enrollments served and help requests completed
    rating_count: int = 0
    rating_average: float | None = None
    approved_minutes: int = 0

    @property
    def approved_hours(self) -> float:
        return self.approved_minutes / 60

    @property
    def stars(self) -> int:
        return star_level(self.approved_minutes)


def volunteer_profiles(user_ids) -> dict[int, VolunteerProfile]:
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    services = _grouped(sa.select(Service.volunteer_id, sa.func.count(),
                                  sa.func.sum(Service.completed_count))
                        .where(Service.volunteer_id.in_(ids)).group_by(Service.volunteer_id))
    helped = _grouped(sa.select(HelpRequest.volunteer_id, sa.func.count())
                      .where(HelpRequest.volunteer_id.in_(ids),
                             HelpRequest.status == HelpRequestStatus.COMPLETED)
                      .group_by(HelpRequest.volunteer_id))
    ratings = _grouped(sa.select(Feedback.volunteer_id, sa.func.count(),
                                 sa.func.avg(Feedback.rating))
                       .where(Feedback.volunteer_id.in_(ids))
                       .group_by(Feedback.volunteer_id))
    minutes = _approved_minutes(ids)
    profiles = {}
    for user_id in ids:
        count, served = services.get(user_id, (0, 0))
        rated, average = ratings.get(user_id, (0, None))
        profiles[user_id] = VolunteerProfile(
            services=count, completed=int(served or 0) + helped.get(user_id, (0,))[0],
            rating_count=rated,
            rating_average=round(float(average), 1) if average is not None else None,
            approved_minutes=minutes.get(user_id, 0))
    return profiles


@dataclass(frozen=True)
class CardVolunteers:
    """The volunteers of a page of service cards and their star levels.
    Holding it keeps the volunteers in the session (its identity map holds
    objects weakly) while the page is drawn, so each `service.volunteer` is
    found there without a query."""

    users: tuple[User, ...] = ()
    stars: dict[int, int] = field(default_factory=dict)

    def get(self, user_id: int, default: int = 0) -> int:
        return self.stars.get(user_id, default)


def volunteer_stars(user_ids) -> CardVolunteers:
    """The volunteers and their star levels in one query (load the page's
    services without their volunteers: listings.queries.browse's
    volunteers_loaded)."""
    ids = sorted(set(user_ids))
    if not ids:
        return CardVolunteers()
    minutes = (sa.select(sa.func.coalesce(sa.func.sum(PointEntry.minutes), 0))
               .where(PointEntry.user_id == User.id).correlate(User).scalar_subquery())
    rows = db.session.execute(sa.select(User, minutes).where(User.id.in_(ids))).all()
    return CardVolunteers(users=tuple(user for user, _ in rows),
                          stars={user.id: star_level(int(total)) for user, total in rows})


def public_volunteer(user_id: int) -> User | None:
    """The volunteer whose public page (their "shop") may be shown: None for
    an unknown account, one that is no volunteer, or a deactivated one."""
    person = db.session.get(User, user_id)
    if person is None or not person.is_active or not person.is_volunteer:
        return None
    return person


def volunteer_profile(user_id: int) -> VolunteerProfile:
    return volunteer_profiles([user_id])[user_id]


def _approved_minutes(ids: list[int]) -> dict[int, int]:
    """Net approved minutes per volunteer, from the points ledger."""
    return {user_id: int(total or 0) for user_id, total in db.session.execute(
        sa.select(PointEntry.user_id, sa.func.sum(PointEntry.minutes))
        .where(PointEntry.user_id.in_(ids)).group_by(PointEntry.user_id))}


def _grouped(stmt) -> dict[int, tuple]:
    return {row[0]: tuple(row[1:]) for row in db.session.execute(stmt)}
