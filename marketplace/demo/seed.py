"""Build the demo district (flask seed-demo, and the first start of the app).

Accounts, branches and memberships go through the domain services; the
history (enrollments, requests, hours) is written as it would stand after
those actions, with the counters that the services keep.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..accounts import services as accounts
from ..audit.services import record as audit
from ..branches import services as branches
from ..branches.models import Alliance, BranchKind, MembershipKind, MembershipRole
from ..db import utcnow
from ..enrollments.models import LIVE_STATUSES, PLACE_HOLDING, Enrollment, EnrollmentStatus
from ..extensions import db
from ..feedback.models import Feedback
from ..help.models import HelpOffer, HelpOfferStatus, HelpRequest, HelpRequestStatus, Urgency
from ..hours.models import HourRecord, HourStatus, PointEntry, PointReason
from ..hours.points import points_for
from ..listings.categories import ensure_default_categories
from ..listings.models import Service, ServiceMode, ServiceStatus
from ..listings.services import recount_open_services
from ..notifications.models import Notification
from . import data

DEMO_PASSWORD = "wangtao-demo-2026"  # noqa: S105  (printed for the demo on purpose)
LOCAL = ZoneInfo("Asia/Shanghai")
MARKER = "vol_wang"


def seed() -> bool:
    """Create the demo data unless it is there already; True when created."""
    ensure_default_categories()
    if accounts.find_by_username(MARKER) is not None:
        return False
    users = _users()
    branch_map = _branches(users)
    categories = {c.slug: c for c in ensure_default_categories().values()}
    services = _services(users, categories)
    enrollments = _enrollments(services, users)
    requests = _help_requests(users, categories)
    _hours(users, branch_map, enrollments, requests)
    _notifications(users, services)
    db.session.flush()
    return True


def _local(days: int, hour: float) -> datetime:
    day = (datetime.now(LOCAL) + timedelta(days=days)).date()
    hours, minutes = int(hour), int(round((hour % 1) * 60))
    return datetime.combine(day, time(hours, minutes), LOCAL).astimezone(ZoneInfo("UTC"))


def _users() -> dict:
    users = {"admin": accounts.make_admin(data.ADMIN[0], DEMO_PASSWORD)}
    users["admin"].display_name = data.ADMIN[1]
    for username, (name, community, phone) in data.PEOPLE.items():
        users[username] = accounts.register(accounts.Registration(
            username=username, password=DEMO_PASSWORD, display_name=name, phone=phone,
            community=community, is_volunteer=not username.startswith("res_")))
    return users


def _branches(users: dict) -> dict:
    name, kind, community = data.COMMITTEE
    admin = users["admin"]
    committee = branches.create_branch(name, BranchKind(kind), actor=admin, community=community)
    found = {"committee": committee}
    for key, (name, kind, community) in data.BRANCHES.items():
        found[key] = branches.create_branch(name, BranchKind(kind), parent=committee,
                                            actor=admin, community=community)
    alliance_name, description, members = data.ALLIANCE
    db.session.add(Alliance(name=alliance_name, description=description,
                            branches=[found[key] for key in members]))
    for username, key, membership, role in data.MEMBERSHIPS:
        branches.add_member(found[key], users[username], MembershipKind(membership),
                            MembershipRole(role), actor=admin)
    for username in data.PARTY_MEMBERS:
        users[username].is_party_member = True
    return found


def _services(users: dict, categories: dict) -> dict:
    services = {}
    for key, row in data.SERVICES.items():
        (volunteer, category, title, description, community, mode, place, start, duration,
         capacity, auto_confirm, status) = row
        starts_at = _local(*start) if start else None
        service = Service(
            volunteer=users[volunteer], category=categories[category], title=title,
            description=description, community=community, mode=ServiceMode(mode), place=place,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=duration) if starts_at else None,
            capacity=capacity, auto_confirm=auto_confirm, status=ServiceStatus(status),
            published_at=None if status == "draft" else utcnow() - timedelta(days=20))
        db.session.add(service)
        services[key] = service
    db.session.flush()
    recount_open_services()
    return services


def _enrollments(services: dict, users: dict) -> dict:
    found = {}
    for key, username, status, note in data.ENROLLMENTS:
        status = EnrollmentStatus(status)
        service, resident = services[key], users[username]
        ended = status not in LIVE_STATUSES
        enrollment = Enrollment(
            service=service, resident=resident, status=status, contact=resident.phone,
            note=note,
            confirmed_at=utcnow() if status in (EnrollmentStatus.CONFIRMED,
                                                EnrollmentStatus.COMPLETED) else None,
            ended_at=utcnow() if ended else None,
            resident_confirmed_at=utcnow() if status == EnrollmentStatus.COMPLETED else None)
        db.session.add(enrollment)
        found[(key, username)] = enrollment
        service.joined_total += 1
        if status in PLACE_HOLDING:
            service.taken += 1
        elif status == EnrollmentStatus.WAITLISTED:
            service.waitlisted += 1
        elif status == EnrollmentStatus.COMPLETED:
            service.completed_count += 1
    db.session.flush()
    for key, username, rating, comment in data.FEEDBACK:
        enrollment = found[(key, username)]
        service = enrollment.service
        db.session.add(Feedback(enrollment_id=enrollment.id, resident_id=enrollment.resident_id,
                                volunteer_id=service.volunteer_id, rating=rating,
                                comment=comment))
        service.rating_count += 1
        service.rating_sum += rating
    return found


def _help_requests(users: dict, categories: dict) -> dict:
    found = {}
    for key, row in data.HELP_REQUESTS.items():
        (requester, category, title, details, community, urgency, preferred, status, days_ago,
         offers) = row
        status = HelpRequestStatus(status)
        created = utcnow() - timedelta(days=days_ago)
        accepted = [users[v] for v, _, s in offers if s == "accepted"]
        request = HelpRequest(
            requester=users[requester], category=categories[category], title=title,
            details=details, community=community, contact=users[requester].phone,
            urgency=Urgency(urgency), preferred_time=preferred, status=status,
            volunteer=accepted[0] if accepted else None,
            offer_count=sum(1 for _, _, s in offers if s == "open"),
            created_at=created, matched_at=created + timedelta(hours=1) if accepted else None,
            ended_at=created + timedelta(days=1) if status in (
                HelpRequestStatus.COMPLETED, HelpRequestStatus.CANCELLED) else None)
        db.session.add(request)
        for volunteer, message, offer_status in offers:
            db.session.add(HelpOffer(help_request=request, volunteer=users[volunteer],
                                     message=message, status=HelpOfferStatus(offer_status),
                                     created_at=created + timedelta(minutes=10)))
        found[key] = request
    db.session.flush()
    for key, rating, comment in data.HELP_FEEDBACK:
        request = found[key]
        request.resident_confirmed_at = utcnow()
        db.session.add(Feedback(help_request_id=request.id, resident_id=request.requester_id,
                                volunteer_id=request.volunteer_id, rating=rating,
                                comment=comment))
    return found


def _hours(users: dict, branch_map: dict, enrollments: dict, requests: dict) -> None:
    leads = {key: users[username] for username, key, _, role in data.MEMBERSHIPS
             if role == "lead"}
    records = []
    for row in data.HOURS:
        (volunteer, key, days_ago, hour, hours, description, place, status, reason,
         served) = row
        record = _hour_record(users[volunteer], branch_map[key], _local(-days_ago, hour), hours,
                              description, place, served, enrollments, requests)
        records.append(record)
        if status != "submitted":
            _review(record, HourStatus(status), reason, leads[key])
    volunteer, days_ago, hours, description = data.CORRECTION
    original = next(r for r in records if r.volunteer is users[volunteer]
                    and r.status == HourStatus.APPROVED)
    correction = _hour_record(original.volunteer, original.branch, original.started_at, hours,
                              description, original.place, None, enrollments, requests)
    correction.corrects_id = original.id


def _hour_record(volunteer, branch, started_at, hours, description, place, served,
                 enrollments, requests) -> HourRecord:
    enrollment = help_request = None
    served_person = None
    if served and served[0] == "service":
        enrollment = next((e for (key, _), e in enrollments.items()
                           if key == served[1] and e.status == EnrollmentStatus.COMPLETED), None)
        served_person = enrollment.resident.display_name if enrollment else None
    elif served:
        help_request = requests[served[1]]
        served_person = help_request.requester.display_name
    minutes = int(hours * 60)
    record = HourRecord(
        volunteer=volunteer, branch=branch, started_at=started_at,
        ended_at=started_at + timedelta(minutes=minutes), minutes=minutes,
        description=description, place=place, enrollment_id=enrollment.id if enrollment else None,
        help_request_id=help_request.id if help_request else None, served_person=served_person,
        recorded_by_id=volunteer.id,
        resident_confirmed_at=utcnow() if served else None,
        created_at=started_at + timedelta(hours=hours + 1))
    db.session.add(record)
    db.session.flush()
    return record


def _review(record: HourRecord, status: HourStatus, reason: str | None, lead) -> None:
    record.status = status
    record.reviewed_by_id = lead.id
    record.reviewed_at = record.created_at + timedelta(hours=20)
    record.reject_reason = reason
    if status == HourStatus.APPROVED:
        db.session.add(PointEntry(user_id=record.volunteer_id, branch_id=record.branch_id,
                                  hour_record_id=record.id, reason=PointReason.HOURS_APPROVED,
                                  minutes=record.minutes, points=points_for(record.minutes),
                                  created_by_id=lead.id, created_at=record.reviewed_at))
    audit(lead, f"hour_record.{'approve' if status == HourStatus.APPROVED else 'reject'}",
          record, reason=reason)


def _notifications(users: dict, services: dict) -> None:
    notes = (
        ("vol_wang", "enrollment.created", {"service_id": services["clean"].id,
                                            "resident": users["res_liu"].display_name}),
        ("res_liu", "enrollment.confirmed", {"service_id": services["haircut"].id}),
        ("res_zhou", "enrollment.waitlisted", {"service_id": services["rainbow"].id,
                                               "position": 1}),
        ("res_liu", "help_offer.created", {"volunteer": users["vol_wang"].display_name}),
        ("vol_zhang", "hours.rejected", {}),
    )
    for username, kind, params in notes:
        db.session.add(Notification(user_id=users[username].id, kind=kind, params=params))


def demo_accounts_text() -> str:
    rows = [("admin", data.ADMIN[1], "管理员 admin")]
    for username, (name, _, _) in data.PEOPLE.items():
        role = ("支部书记 branch lead" if username.startswith("lead_")
                else "志愿者 volunteer" if username.startswith("vol_") else "居民 resident")
        rows.append((username, name, role))
    width = max(len(u) for u, _, _ in rows)
    return "\n".join(f"  {u.ljust(width)}  {name}  ({role})" for u, name, role in rows)
