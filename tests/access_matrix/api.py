"""The matrix for the JSON API (bearer tokens; JSON bodies). Words per role:
anonymous resident volunteer other_volunteer lead other_lead admin — see
table.py."""

from datetime import timedelta

from ..factories import PASSWORD, morning
from .table import (
    API_ADMIN,
    API_BRANCH_MANAGER,
    API_SEEN_BY_OWNER_AND_MANAGERS,
    API_SIGNED_IN,
    PUBLIC,
    row,
)

P = "/api/v1"
OWNER_ONLY_404 = "401 404 ok 404 404 404 404"
VOLUNTEERS_SERVICE = "401 403 ok 403 403 403 403"
REQUESTER = "401 ok 403 403 403 403 403"
RESIDENTS_ENROLLMENT = "401 ok 403 404 404 404 403"
SERVICES_VOLUNTEER = "401 403 ok 404 404 404 403"


def _hours(v, days_ago=6, length=2):
    start = morning(days_ago)
    return {"branch_id": v["branch"], "started_at": start.isoformat(),
            "ended_at": (start + timedelta(hours=length)).isoformat(),
            "description": "上门打扫", "place": "米市巷社区"}


def _service(v):
    return {"title": "义务理发", "description": "上门理发", "category_id": v["category"],
            "community": "米市巷社区", "mode": "home", "capacity": 3}


def _help(v):
    return {"title": "水管漏水", "details": "需要帮忙", "category_id": v["category"],
            "community": "米市巷社区", "contact": "13800138000"}


def _period(v):
    return {"branch_id": v["branch"], "period_start": v["month_ago"], "period_end": v["today"]}


ACCOUNTS = [
    row("api_accounts.register", "POST", P + "/auth/register", PUBLIC,
        {"username": "newcomer", "password": "a-long-pass-2026", "display_name": "新人"}),
    row("api_accounts.issue_token", "POST", P + "/auth/token", PUBLIC,
        {"username": "resident", "password": PASSWORD}, shared=True),
    row("api_accounts.revoke_token", "DELETE", P + "/auth/token", API_SIGNED_IN, shared=True),
    row("api_accounts.me", "GET", P + "/me", API_SIGNED_IN),
    row("api_accounts.update_me", "PATCH", P + "/me", API_SIGNED_IN, {"elder_mode": True},
        shared=True),
    row("api_accounts.change_password", "POST", P + "/me/password", API_SIGNED_IN,
        {"current_password": PASSWORD, "new_password": "a-new-pass-2026"}, shared=True),
    row("api_accounts.become_volunteer", "POST", P + "/me/volunteer", API_SIGNED_IN,
        shared=True),
    *(row(endpoint, "GET", P + path, API_SIGNED_IN) for endpoint, path in (
        ("api_certificates.mine", "/me/certificates"),
        ("api_enrollments.my_enrollments", "/me/enrollments"),
        ("api_help.my_offers", "/me/help-offers"),
        ("api_help.my_requests", "/me/help-requests"),
        ("api_hour_reports.mine", "/me/hour-reports"),
        ("api_hours.my_hours", "/me/hours"),
        ("api_memberships.my_memberships", "/me/memberships"),
        ("api_notifications.my_notifications", "/me/notifications"),
        ("api_notifications.my_unread_count", "/me/notifications/unread-count"),
        ("api_hour_reports.points", "/me/points"),
        ("api_services.my_services", "/me/services"))),
    row("api_notifications.mark_notifications_read", "POST", P + "/me/notifications/read",
        API_SIGNED_IN, {}, shared=True),
    row("api-docs.openapi_json", "GET", P + "/openapi.json", PUBLIC),
    row("api-docs.openapi_swagger_ui", "GET", P + "/docs", PUBLIC),
    row("api_catalog.categories", "GET", P + "/categories", PUBLIC),
    row("api_rankings.public_figures", "GET", P + "/public/figures", PUBLIC),
    row("api_rankings.branch_ranking", "GET", P + "/rankings/branches?alliance_id={alliance}",
        PUBLIC),
    row("api_admin.audit", "GET", P + "/admin/audit", API_ADMIN),
]

BRANCHES = [
    row("api_branches.search", "GET", P + "/branches", PUBLIC),
    row("api_branches.create", "POST", P + "/branches", API_ADMIN,
        {"name": "新支部", "kind": "party_branch"}),
    row("api_branches.detail", "GET", P + "/branches/{branch}", PUBLIC),
    row("api_branches.summary", "GET", P + "/branches/{branch}/summary", PUBLIC),
    row("api_branches.rename", "PATCH", P + "/branches/{branch}", API_ADMIN,
        {"name": "甲支部(新)"}),
    row("api_branches.move", "POST", P + "/branches/{branch}/move", API_ADMIN,
        lambda v: {"parent_id": v["committee"]}),
    row("api_branches.retire", "POST", P + "/branches/{committee}/retire", API_ADMIN, {}),
    row("api_branches.add_member", "POST", P + "/branches/{branch}/members",
        API_BRANCH_MANAGER, lambda v: {"user_id": v["user_admin"], "membership": "functional"}),
    row("api_memberships.branch_members", "GET", P + "/branches/{branch}/members",
        API_BRANCH_MANAGER),
    row("api_memberships.pending_requests", "GET", P + "/branches/{branch}/membership-requests",
        API_BRANCH_MANAGER),
    row("api_memberships.request_to_join", "POST",
        P + "/branches/{branch}/membership-requests", "401 409 409 409 409 ok ok",
        {"membership": "functional"}),
    row("api_memberships.request_move_home", "POST",
        P + "/branches/{other_branch}/move-home-requests", "401 ok ok ok ok 409 ok", {}),
    row("api_dashboards.dashboard", "GET", P + "/branches/{branch}/dashboard",
        API_BRANCH_MANAGER),
    row("api_hour_reports.branch_reports", "GET", P + "/branches/{branch}/hour-reports",
        API_BRANCH_MANAGER),
    row("api_hours.branch_hours", "GET", P + "/branches/{branch}/hours", API_BRANCH_MANAGER),
    row("api_rankings.member_ranking", "GET", P + "/branches/{branch}/rankings",
        "401 403 ok ok ok 403 ok"),
    row("api_memberships.detail", "GET", P + "/memberships/{membership}",
        API_SEEN_BY_OWNER_AND_MANAGERS),
    row("api_memberships.accept_membership", "POST", P + "/memberships/{pending}/accept",
        API_BRANCH_MANAGER),
    row("api_memberships.refuse", "POST", P + "/memberships/{pending}/refuse",
        API_BRANCH_MANAGER, {}),
    row("api_memberships.withdraw_membership", "POST", P + "/memberships/{pending}/withdraw",
        "401 ok 403 403 403 403 403"),
    row("api_memberships.accept_batch", "POST", P + "/memberships/accept", API_BRANCH_MANAGER,
        lambda v: {"ids": [v["pending"]]}),
    # A functional membership (a home one is moved, not ended): other_volunteer's.
    row("api_memberships.end_membership", "POST", P + "/memberships/{functional}/end",
        "401 403 403 ok ok 403 ok"),
    # Leads are appointed by admins and leads above the branch, not its own.
    row("api_memberships.set_role", "POST", P + "/memberships/{membership}/role",
        "401 403 403 403 403 403 ok", {"role": "lead"}),
    row("api_memberships.move_member_home", "POST", P + "/memberships/{membership}/move-home",
        "401 403 403 403 403 403 ok", lambda v: {"branch_id": v["other_branch"]}),
    # Alliances over the API are the admins' (as /admin/branches/alliances).
    row("api_alliances.alliances", "GET", P + "/alliances", API_ADMIN),
    row("api_alliances.create", "POST", P + "/alliances", API_ADMIN, {"name": "新联盟"}),
    row("api_alliances.detail", "GET", P + "/alliances/{alliance}", API_ADMIN),
    row("api_alliances.update", "PATCH", P + "/alliances/{alliance}", API_ADMIN,
        {"name": "运河联盟(新)"}),
    row("api_alliances.add_branch", "POST", P + "/alliances/{alliance}/branches", API_ADMIN,
        lambda v: {"branch_id": v["other_branch"]}),
    row("api_alliances.remove_branch", "DELETE", P + "/alliances/{alliance}/branches/{branch}",
        API_ADMIN),
]

HOURS = [
    row("api_hours.record", "POST", P + "/hours", "401 422 ok ok ok 422 422", _hours),
    row("api_hours.detail", "GET", P + "/hours/{record}", API_SEEN_BY_OWNER_AND_MANAGERS),
    row("api_hours.approve", "POST", P + "/hours/{record}/approve", API_BRANCH_MANAGER),
    row("api_hours.reject", "POST", P + "/hours/{record}/reject", API_BRANCH_MANAGER,
        {"reason": "时间不对"}),
    row("api_hours.approve_batch", "POST", P + "/hours/approve", API_BRANCH_MANAGER,
        lambda v: {"ids": [v["record"]]}),
    row("api_hours.correct", "POST", P + "/hours/{approved}/correct", OWNER_ONLY_404,
        lambda v: _hours(v, days_ago=4, length=1)),
    # Those who see the record (its branch's lead, admins) are refused, others not told.
    row("api_hour_reports.report", "POST", P + "/hours/{approved}/reports",
        "401 404 ok 404 403 404 403",
        {"message": "时间记错了"}),
    row("api_hour_reports.detail", "GET", P + "/hour-reports/{report}",
        API_SEEN_BY_OWNER_AND_MANAGERS),
    row("api_hour_reports.answer", "POST", P + "/hour-reports/{report}/answer",
        API_BRANCH_MANAGER, {"answer": "已核实"}),
    row("api_hour_reports.correct", "POST", P + "/hour-reports/{report}/correct",
        API_BRANCH_MANAGER,
        lambda v: {k: x for k, x in _hours(v, days_ago=5, length=1).items()
                   if k != "branch_id"}),
    row("api_certificates.issue", "POST", P + "/certificates", "401 422 ok 422 422 422 422",
        _period),
    row("api_certificates.detail", "GET", P + "/certificates/{certificate}",
        API_SEEN_BY_OWNER_AND_MANAGERS),
    row("api_certificates.revoke", "POST", P + "/certificates/{certificate}/revoke",
        "401 404 ok 404 403 404 ok"),
    row("api_certificates.verify", "GET", P + "/certificates/verify/{code}", PUBLIC),
]

SERVICES = [
    row("api_services.browse", "GET", P + "/services", PUBLIC),
    row("api_services.create", "POST", P + "/services", "401 403 ok ok ok ok 403", _service),
    row("api_services.detail", "GET", P + "/services/{service}", PUBLIC),
    row("api_services.detail", "GET", P + "/services/{hidden_service}",
        "404 404 ok 404 404 404 ok"),
    row("api_services.update", "PATCH", P + "/services/{service}", VOLUNTEERS_SERVICE,
        {"title": "义务理发(周末)"}),
    row("api_services.hide", "POST", P + "/services/{service}/hide", API_ADMIN,
        {"reason": "广告"}),
    row("api_services.unhide", "POST", P + "/services/{hidden_service}/unhide", API_ADMIN),
    row("api_volunteers.volunteer", "GET", P + "/volunteers/{user_volunteer}", PUBLIC),
    row("api_enrollments.join", "POST", P + "/services/{service}/enrollments",
        "401 409 403 ok ok ok ok", {"contact": "13900139000"}),
    row("api_enrollments.service_enrollments", "GET", P + "/services/{service}/enrollments",
        "401 403 ok 403 403 403 ok"),
    row("api_enrollments.detail", "GET", P + "/enrollments/{enrollment}",
        "401 ok ok 404 404 404 ok"),
    row("api_enrollments.cancel", "POST", P + "/enrollments/{enrollment}/cancel",
        RESIDENTS_ENROLLMENT),
    row("api_enrollments.confirm", "POST", P + "/enrollments/{enrollment}/confirm",
        SERVICES_VOLUNTEER),
    row("api_enrollments.decline", "POST", P + "/enrollments/{enrollment}/decline",
        SERVICES_VOLUNTEER),
    row("api_enrollments.complete", "POST", P + "/enrollments/{served}/complete",
        SERVICES_VOLUNTEER),
    row("api_enrollments.no_show", "POST", P + "/enrollments/{served}/no-show",
        SERVICES_VOLUNTEER),
    row("api_enrollments.confirm_happened", "POST",
        P + "/enrollments/{completed}/confirm-happened", RESIDENTS_ENROLLMENT),
    row("api_enrollments.feedback", "POST", P + "/enrollments/{completed}/feedback",
        RESIDENTS_ENROLLMENT, {"rating": 5, "comment": "很好"}),
]

HELP = [
    row("api_help.browse", "GET", P + "/help-requests", PUBLIC),
    row("api_help.create", "POST", P + "/help-requests", API_SIGNED_IN, _help),
    row("api_help.detail", "GET", P + "/help-requests/{help}", PUBLIC),
    row("api_help.detail", "GET", P + "/help-requests/{hidden_help}",
        "404 ok 404 404 404 404 ok"),
    row("api_help.update", "PATCH", P + "/help-requests/{help}", REQUESTER,
        {"title": "水管漏水(急)"}),
    row("api_help.cancel", "POST", P + "/help-requests/{help_matched}/cancel", REQUESTER),
    row("api_help.complete", "POST", P + "/help-requests/{help_matched}/complete",
        "401 ok ok 403 403 403 403"),
    row("api_help.confirm_happened", "POST", P + "/help-requests/{help_done}/confirm-happened",
        REQUESTER),
    row("api_help.feedback", "POST", P + "/help-requests/{help_done}/feedback", REQUESTER,
        {"rating": 5, "comment": "很好"}),
    row("api_help.hide", "POST", P + "/help-requests/{help}/hide", API_ADMIN,
        {"reason": "广告"}),
    row("api_help.unhide", "POST", P + "/help-requests/{hidden_help}/unhide", API_ADMIN),
    row("api_help.offer", "POST", P + "/help-requests/{help}/offers",
        "401 403 409 ok ok ok 403", {"message": "我可以帮忙"}),
    # The requester sees every offer, a volunteer only their own; nobody else.
    row("api_help.offers", "GET", P + "/help-requests/{help}/offers",
        "401 ok ok ok ok ok 403"),
    row("api_help.offer_accept", "POST", P + "/help-offers/{offer}/accept",
        "401 ok 403 404 404 404 404"),
    row("api_help.offer_withdraw", "POST", P + "/help-offers/{offer}/withdraw",
        "401 403 ok 404 404 404 404"),
]

API = [ACCOUNTS, BRANCHES, HOURS, SERVICES, HELP]
