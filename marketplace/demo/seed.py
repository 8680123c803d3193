"""Build the demo district (flask seed-demo, and the first start of the app).

Accounts, branches and memberships go through the domain services; the
history (enrollments, requests, hours) is written as it would stand after
those actions, with the counters that the services keep.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..accounts import services as accounts
from ..branches import services as branches
from ..branches.models import Alliance, BranchKind, MembershipKind, MembershipRole
from ..db import utcnow
from ..enrollments.models import LIVE_STATUSES, PLACE_HOLDING, Enrollment, EnrollmentStatus
from ..extensions import db
from ..feedback.models import Feedback
from ..help.models import HelpOffer, HelpOfferStatus, HelpRequest, HelpRequestStatus, Urgency
from ..hours import services as hour_rules
from ..hours.models import HourStatus
from ..listings.categories import ensure_default_categories
from ..listings.models import Service, ServiceMode, ServiceStatus
from ..listings.services import recount_open_services
from ..notifications.models import Notification
from ..rankings import totals
from ..visitcodes import new_code
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
    for service in services.values():  # the public page counts publications
        if service.published_at:
            totals.on_first_published(service.category_id, service.published_at)
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
            # a confirmed place has its one-time code, as enrollments.confirm gives
            visit_code=new_code() if status == EnrollmentStatus.CONFIRMED else None,
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
            visit_code=new_code() if status == HelpRequestStatus.MATCHED else None,
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
    """Through the hours rules themselves: recorded, reviewed by the branch's
    lead, one approved record corrected; the veterans' years of service."""
    leads = {key: users[username] for username, key, _, role in data.MEMBERSHIPS
             if role == "lead"}
    records = []
    for row in data.HOURS:
        (volunteer, key, days_ago, hour, hours, description, place, status, reason,
         served) = row
        started = _local(-days_ago, hour)
        record = hour_rules.record_hours(users[volunteer], hour_rules.HourData(
            branch_id=branch_map[key].id, started_at=started,
            ended_at=started + timedelta(hours=hours), description=description, place=place,
            **_served(served, enrollments, requests)))
        records.append(record)
        if status == "approved":
            hour_rules.approve(record, leads[key])
        elif status == "rejected":
            hour_rules.reject(record, leads[key], reason)
    for volunteer, key, months, description, place in data.VETERANS:
        for month in range(months):
            started = _local(-(45 + 30 * month), 8)
            record = hour_rules.record_hours(users[volunteer], hour_rules.HourData(
                branch_id=branch_map[key].id, started_at=started,
                ended_at=started + timedelta(hours=8), description=description, place=place))
            hour_rules.approve(record, leads[key])
    volunteer, _, hours, description = data.CORRECTION
    original = next(r for r in records if r.volunteer_id == users[volunteer].id
                    and r.status == HourStatus.APPROVED)
    hour_rules.correct_record(original, users[volunteer], hour_rules.HourData(
        branch_id=original.branch_id, started_at=original.started_at,
        ended_at=original.started_at + timedelta(hours=hours), description=description,
        place=original.place))


def _served(served, enrollments: dict, requests: dict) -> dict:
    """The completed enrollment or the help request a demo record served."""
    if not served:
        return {}
    kind, key = served
    if kind == "help":
        return {"help_request_id": requests[key].id}
    completed = next((e for (service, _), e in enrollments.items()
                      if service == key and e.status == EnrollmentStatus.COMPLETED), None)
    return {"enrollment_id": completed.id} if completed else {}


def _notifications(users: dict, services: dict) -> None:
    notes = (
        ("vol_wang", "enrollment.created", {"service_id": services["clean"].id,
                                            "resident": users["res_liu"].display_name}),
        ("res_liu", "enrollment.confirmed", {"service_id": services["haircut"].id}),
        ("res_zhou", "enrollment.waitlisted", {"service_id": services["rainbow"].id,
                                               "position": 1}),
        ("res_liu", "help_offer.created", {"volunteer": users["vol_wang"].display_name}),
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
