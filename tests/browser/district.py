"""A small district for the page checks and the screenshots' test
counterpart: a branch with a lead and members, services with people joined,
hours waiting and approved, a help request, an admin."""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.branches.models import BranchKind
from marketplace.enrollments import services as enrollments
from marketplace.extensions import db
from marketplace.help import services as help_requests
from marketplace.listings.categories import ensure_default_categories

from ..factories import make_branch, make_hour_record, make_lead, make_service, make_user


@dataclass
class District:
    admin: object
    lead: object
    volunteer: object
    resident: object
    branch: object
    service: object
    help_request: object


def _served_and_rated(service, resident, comment: str) -> None:
    enrollment = enrollments.join(service.id, resident, "13800000002")
    enrollments.confirm(enrollment, service.volunteer)
    enrollments.complete(enrollment, service.volunteer)
    enrollments.rate(enrollment, resident, 5, comment)


def build_district() -> District:
    committee = make_branch("米市巷街道党委", kind=BranchKind.COMMITTEE)
    branch = make_branch("米市巷第一党支部", parent=committee)
    lead = make_lead(branch, display_name="周书记")
    volunteer = make_lead(branch, display_name="王建国", is_party_member=True)
    other = make_lead(branch, display_name="李秀英")
    resident = make_user(display_name="刘奶奶")
    admin = make_user(display_name="组织部", is_admin=True)
    categories = ensure_default_categories()
    service = make_service(volunteer, title="义务理发(上门)", capacity=4)
    make_service(other, title="家电维修", category=categories["convenience"],
                 description="修空调、洗衣机", starts_at=None, ends_at=None)
    enrollments.join(service.id, resident, "13800000001", "下午在家")
    make_hour_record(volunteer, branch, days_ago=5, approved_by=lead)
    make_hour_record(other, branch, days_ago=4, approved_by=lead)
    make_hour_record(volunteer, branch, days_ago=2)
    for days_ago in (7, 9, 11, 13, 15):  # 100 h more: a star on the shop and the cards
        make_hour_record(volunteer, branch, days_ago=days_ago, length=20, approved_by=lead)
    _served_and_rated(service, make_user(display_name="孙大爷"), "王师傅理得很精神,还陪我聊天。")
    make_hour_record(other, branch, days_ago=1)
    request = help_requests.post_request(resident, help_requests.HelpRequestData(
        title="楼道灯坏了", details="三楼楼道灯不亮", category_id=categories["convenience"].id,
        community="米市巷社区", contact="13800000001"))
    db.session.commit()
    return District(admin, lead, volunteer, resident, branch, service, request)
