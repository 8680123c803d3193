"""One scene of the district for the access matrix: every kind of object a
route can point at, each owned by a known role, built through the domain
services (so it obeys the product's rules) and committed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from marketplace.accounts.tokens import issue_token
from marketplace.branches import requests as joining
from marketplace.branches import services as branches
from marketplace.branches import tree
from marketplace.branches.models import BranchKind, MembershipKind, MembershipRole
from marketplace.certificates import services as certificates
from marketplace.db import utcnow
from marketplace.enrollments import services as enrollments
from marketplace.extensions import db
from marketplace.feedback import services as feedback
from marketplace.help import services as help_requests
from marketplace.hours import reports
from marketplace.hours import services as hours
from marketplace.listings import services as listings
from marketplace.listings.categories import ensure_default_categories
from marketplace.listings.models import ServiceMode
from marketplace.localtime import utc_to_local

from ..factories import make_branch, make_user, morning

# Every role the matrix asks about, in the order of its expectation strings.
ROLES = ("anonymous", "resident", "volunteer", "other_volunteer", "lead", "other_lead", "admin")


@dataclass
class Scene:
    """Who is who (`users`, by role) and the objects routes point at."""

    users: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)       # role -> API bearer token
    session_ids: dict = field(default_factory=dict)  # role -> Flask-Login's id
    objects: dict = field(default_factory=dict)

    values: dict = field(default_factory=dict)

    def path_values(self) -> dict[str, object]:
        """What a matrix path's {placeholders} name: an object's id, a
        user's id as {user_<role>}, the certificate's code as {code}, local
        {today} and {month_ago}. Read
        once: after each request the objects are expired (IsolatedClient)."""
        if not self.values:
            self.values = {name: obj.id for name, obj in self.objects.items()}
            self.values["code"] = self.objects["certificate"].verify_code
            self.values |= {f"user_{role}": user.id for role, user in self.users.items()}
            today = utc_to_local(utcnow()).date()
            self.values |= {"today": today.isoformat(),
                            "month_ago": (today - timedelta(days=30)).isoformat()}
        return self.values


def build_scene() -> Scene:
    """Branch A (led by `lead`; `volunteer` is a home member, and
    `other_volunteer` a functional one) and branch B (led by `other_lead`);
    the resident's things with the volunteer; an empty committee to move a
    branch under (or retire); a service and a help request hidden by the admin."""
    s = Scene()
    o = s.objects
    o["branch"] = make_branch("甲支部", commit=False)
    o["other_branch"] = make_branch("乙支部", commit=False)
    o["committee"] = make_branch("丙党委", kind=BranchKind.COMMITTEE, commit=False)
    o["category"] = ensure_default_categories()["convenience"]
    s.users = {
        "resident": make_user(commit=False, username="resident", display_name="居民"),
        "volunteer": _member(o["branch"], "volunteer"),
        "other_volunteer": _member(o["branch"], "other_volunteer", kind=MembershipKind.FUNCTIONAL),
        "lead": _member(o["branch"], "lead", MembershipRole.LEAD),
        "other_lead": _member(o["other_branch"], "other_lead", MembershipRole.LEAD),
        "admin": make_user(commit=False, username="admin", is_admin=True),
    }
    o["membership"] = branches.live_membership(s.users["volunteer"], o["branch"])
    o["functional"] = branches.live_membership(s.users["other_volunteer"], o["branch"])
    _services_and_enrollments(s)
    _help(s)
    _hours(s)
    _branch_things(s)
    for role, user in s.users.items():
        s.tokens[role] = issue_token(user)[0]
        s.session_ids[role] = user.get_id()
    db.session.commit()
    s.path_values()
    return s


def _member(branch, username: str, role=MembershipRole.MEMBER, kind=MembershipKind.HOME):
    """A volunteer in `branch` (a plain member, or its lead)."""
    user = make_user(commit=False, username=username, is_volunteer=True)
    branches.add_member(branch, user, kind, role)
    db.session.flush()
    return user


def _services_and_enrollments(s: Scene) -> None:
    o, resident, volunteer = s.objects, s.users["resident"], s.users["volunteer"]
    o["service"] = _service(s, "义务理发(上门)")
    o["past_service"] = _service(s, "上门打扫(上周)", capacity=5)
    o["hidden_service"] = _service(s, "推销")
    o["draft"] = _service(s, "草稿", publish=False)
    listings.hide_service(o["hidden_service"], s.users["admin"], "广告")
    o["enrollment"] = enrollments.join(o["service"].id, resident, "13800138000")
    # On the past service: one completed and rated-not-yet, one confirmed.
    o["completed"] = enrollments.join(o["past_service"].id, resident, "13800138000")
    enrollments.confirm(o["completed"], volunteer)
    enrollments.complete(o["completed"], volunteer)
    o["served"] = enrollments.join(o["past_service"].id, resident, "13800138000")
    enrollments.confirm(o["served"], volunteer)
    # Two rated with a comment: one on the volunteer's page, one hidden by the admin.
    for name in ("feedback", "hidden_feedback"):
        neighbour = make_user(commit=False, username=f"neighbour_{name}")
        rated = enrollments.join(o["past_service"].id, neighbour, "13800138001")
        enrollments.confirm(rated, volunteer)
        enrollments.complete(rated, volunteer)
        o[name] = enrollments.rate(rated, neighbour, 5, "王师傅手艺好")
    feedback.hide_comment(o["hidden_feedback"], s.users["admin"], "含个人信息")
    past = o["past_service"]
    past.starts_at, past.ends_at = utcnow() - timedelta(days=2), utcnow() - timedelta(days=1)
    db.session.flush()


def _service(s: Scene, title: str, publish: bool = True, capacity: int = 3):
    """The volunteer's, in two days, through the rules (so the category's
    count of open services stays right when one is hidden or closed)."""
    starts = utcnow() + timedelta(days=2)
    return listings.create_service(s.users["volunteer"], listings.ServiceData(
        title=title, description="为老人上门服务", category_id=s.objects["category"].id,
        community="米市巷社区", mode=ServiceMode.HOME, capacity=capacity, starts_at=starts,
        ends_at=starts + timedelta(hours=2)), publish=publish)


def _help(s: Scene) -> None:
    o, resident, volunteer = s.objects, s.users["resident"], s.users["volunteer"]

    def post(title):
        return help_requests.post_request(resident, help_requests.HelpRequestData(
            title=title, details="水管漏水,需要有人帮忙", category_id=o["category"].id,
            community="米市巷社区", contact="13800138000"))

    o["help"] = post("水管漏水")
    o["offer"] = help_requests.offer_help(o["help"], volunteer, "我下午有空")
    o["help_matched"] = post("搬家具")
    help_requests.accept_offer(help_requests.offer_help(o["help_matched"], volunteer, "我来"),
                               resident)
    o["help_done"] = post("换灯泡")
    help_requests.accept_offer(help_requests.offer_help(o["help_done"], volunteer, "我来"),
                               resident)
    help_requests.complete_request(o["help_done"], resident)
    o["hidden_help"] = post("推销")
    help_requests.hide_request(o["hidden_help"], s.users["admin"], "广告")
    db.session.flush()


def _hours(s: Scene) -> None:
    o, volunteer, lead = s.objects, s.users["volunteer"], s.users["lead"]
    o["record"] = _served(volunteer, o["branch"], days_ago=3)
    o["approved"] = _served(volunteer, o["branch"], days_ago=4)
    o["reported"] = _served(volunteer, o["branch"], days_ago=5)
    hours.approve(o["approved"], lead)
    hours.approve(o["reported"], lead)
    o["report"] = reports.report_error(volunteer, o["reported"], "时间记错了")
    today = utc_to_local(utcnow()).date()
    o["certificate"] = certificates.issue(volunteer, certificates.CertificateRequest(
        branch_id=o["branch"].id, period_start=today - timedelta(days=30), period_end=today))
    db.session.flush()


def _served(volunteer, branch, days_ago: int):
    """Two hours from 09:00 local time `days_ago` days ago (factories' way,
    without its commit: one commit for the whole scene is much faster)."""
    start = morning(days_ago)
    return hours.record_hours(volunteer, hours.HourData(
        branch_id=branch.id, started_at=start, ended_at=start + timedelta(hours=2),
        description="上门打扫", place="米市巷社区"))


def _branch_things(s: Scene) -> None:
    o = s.objects
    o["pending"] = joining.request_to_join(o["branch"], s.users["resident"],
                                           MembershipKind.FUNCTIONAL, "想参加活动")
    o["alliance"] = tree.create_alliance("运河联盟", None, s.users["admin"])
    db.session.flush()
    tree.add_to_alliance(o["alliance"], o["branch"], s.users["admin"])
