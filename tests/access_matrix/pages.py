"""The matrix for the pages (forms post with CSRF off, as the testing config
has it). Words per role: anonymous resident volunteer other_volunteer lead
other_lead admin — see table.py."""

from marketplace.localtime import utc_to_local

from ..factories import PASSWORD, morning
from .table import ADMIN, BRANCH_MANAGER, PUBLIC, SEEN_BY_OWNER_AND_MANAGERS, SIGNED_IN, row

OWNER_ONLY_404 = "login 404 ok 404 404 404 404"   # the volunteer's own, unseen by others
VOLUNTEERS_SERVICE = "login 403 ok 403 403 403 403"
REQUESTER = "login ok no no no no no"             # the resident's (public) help request
RESIDENTS_ENROLLMENT = "login ok no 404 404 404 no"
SERVICES_VOLUNTEER = "login no ok 404 404 404 no"
IN_A_BRANCH = "login no ok ok ok ok no"


def _hour_form(v, days_ago=6):
    day = utc_to_local(morning(days_ago)).date()
    return {"branch_id": v["branch"], "day": day.isoformat(), "start": "09:00", "end": "11:00",
            "description": "上门打扫", "place": "米市巷社区"}


def _service_form(v):
    return {"title": "义务理发", "category_id": v["category"], "description": "上门理发",
            "community": "米市巷社区", "mode": "home", "capacity": "3", "publish": "1"}


def _help_form(v):
    return {"title": "水管漏水", "category_id": v["category"], "details": "需要帮忙",
            "urgency": "normal", "community": "米市巷社区", "contact": "13800138000"}


ACCOUNTS = [
    row("main.home", "GET", "/", PUBLIC),
    row("main.healthz", "GET", "/healthz", PUBLIC),
    row("installable.manifest", "GET", "/manifest.webmanifest", PUBLIC),
    row("installable.service_worker", "GET", "/sw.js", PUBLIC),
    row("installable.offline", "GET", "/offline", PUBLIC),
    row("main.set_language", "POST", "/lang/en", PUBLIC, {"next": "/"}),
    row("accounts.elder_mode", "POST", "/account/elder-mode", PUBLIC, {"on": "1", "next": "/"}),
    row("accounts.login", "GET", "/account/login", PUBLIC),
    # A wrong password shows the form again; who is signed in is sent on.
    row("accounts.login", "POST", "/account/login", "form ok ok ok ok ok ok",
        {"username": "nobody", "password": "wrong-password"}, shared=True),
    row("accounts.register", "GET", "/account/register", PUBLIC),
    row("accounts.register", "POST", "/account/register", PUBLIC,
        {"username": "newcomer", "display_name": "新人", "password": "a-long-pass-2026",
         "confirm": "a-long-pass-2026"}),
    row("accounts.logout", "POST", "/account/logout", SIGNED_IN, shared=True),
    row("accounts.change_password", "GET", "/account/password", SIGNED_IN),
    row("accounts.change_password", "POST", "/account/password", SIGNED_IN,
        {"current_password": PASSWORD, "new_password": "a-new-pass-2026",
         "confirm": "a-new-pass-2026"}, shared=True),
    row("accounts.become_volunteer", "POST", "/account/volunteer", SIGNED_IN, shared=True),
    row("notifications.index", "GET", "/notifications/", SIGNED_IN),
    row("notifications.read_all", "POST", "/notifications/read", SIGNED_IN, shared=True),
]

ADMIN_PAGES = [
    row("admin.dashboard", "GET", "/admin/", ADMIN),
    row("admin.audit", "GET", "/admin/audit", ADMIN),
    row("branches_admin.index", "GET", "/admin/branches/", ADMIN),
    row("branches_admin.create", "GET", "/admin/branches/new", ADMIN),
    row("branches_admin.create", "POST", "/admin/branches/new", ADMIN,
        {"name": "新支部", "kind": "party_branch"}),
    row("branches_admin.detail", "GET", "/admin/branches/{branch}", ADMIN),
    row("branches_admin.rename", "POST", "/admin/branches/{branch}/rename", ADMIN,
        {"name": "甲支部(新)"}),
    row("branches_admin.move", "POST", "/admin/branches/{branch}/move", ADMIN,
        lambda v: {"parent_id": v["committee"]}),
    row("branches_admin.retire", "POST", "/admin/branches/{committee}/retire", ADMIN),
    row("branches_admin.alliances", "GET", "/admin/branches/alliances", ADMIN),
    row("branches_admin.alliances", "POST", "/admin/branches/alliances", ADMIN,
        {"name": "新联盟"}),
    row("branches_admin.alliance", "GET", "/admin/branches/alliances/{alliance}", ADMIN),
    row("branches_admin.alliance", "POST", "/admin/branches/alliances/{alliance}", ADMIN,
        {"name": "运河联盟(新)"}),
    row("branches_admin.alliance_add", "POST", "/admin/branches/alliances/{alliance}/branches",
        ADMIN, lambda v: {"branch_id": v["other_branch"]}),
    row("branches_admin.alliance_remove", "POST",
        "/admin/branches/alliances/{alliance}/branches/{branch}/remove", ADMIN),
    row("roster.index", "GET", "/admin/roster/", ADMIN),
    row("roster.index", "POST", "/admin/roster/", "login 403 403 403 403 403 form"),  # no file
    row("roster.export", "GET", "/admin/roster/export/members.csv", ADMIN),
]

BRANCH_PAGES = [
    row("branches.directory", "GET", "/branches/", PUBLIC),
    row("branches.detail", "GET", "/branches/{branch}", PUBLIC),
    row("branches.lead_home", "GET", "/branches/lead", "login 403 403 403 ok ok 403"),
    row("branches.mine", "GET", "/my/branches", SIGNED_IN),
    # The resident has asked already; the volunteers and the lead are members.
    row("branches.join", "POST", "/branches/{branch}/join", "login form form form form ok ok",
        {"membership": "functional"}),
    row("branches.move_home_request", "POST", "/branches/{other_branch}/move-home",
        "login ok ok ok ok form ok"),  # other_lead's home is there already
    row("branches.members_page", "GET", "/branches/{branch}/members", BRANCH_MANAGER),
    row("branches.add_member", "POST", "/branches/{branch}/members/add", BRANCH_MANAGER,
        {"username": "admin", "membership": "functional", "role": "member"}),
    row("branches.accept_selected", "POST", "/branches/{branch}/requests/accept",
        BRANCH_MANAGER, lambda v: {"ids": [v["pending"]]}),
    row("branches.act", "POST", "/memberships/{pending}/accept", BRANCH_MANAGER),
    # Those who manage the branch are told why; anyone else but the asker is refused.
    row("branches.act", "POST", "/memberships/{pending}/withdraw",
        "login ok 403 403 no 403 no"),
    row("branches.act", "POST", "/memberships/{functional}/end", "login 403 403 ok ok 403 ok"),
    row("branches.refuse", "POST", "/memberships/{pending}/refuse", BRANCH_MANAGER),
    # Leads are appointed by admins and leads above the branch: its own lead is told no.
    row("branches.set_role", "POST", "/memberships/{membership}/role",
        "login 403 403 403 no 403 ok", {"role": "lead"}),
    row("branches.move_member_home", "POST", "/memberships/{membership}/move-home",
        "login 403 403 403 no 403 ok", lambda v: {"branch_id": v["other_branch"]}),
    row("dashboards.branch", "GET", "/branches/{branch}/dashboard", BRANCH_MANAGER),
    row("dashboards.export_csv", "GET",
        "/branches/{branch}/hours.csv?start={month_ago}&end={today}", BRANCH_MANAGER),
    row("rankings.members", "GET", "/branches/{branch}/rankings", "login 403 ok ok ok 403 ok"),
    row("rankings.branches", "GET", "/rankings", PUBLIC),
    row("rankings.public", "GET", "/public", PUBLIC),
]

HOURS_PAGES = [
    # Hours count for one of one's branches: the resident and the admin have none.
    row("hours.create", "GET", "/hours/new", IN_A_BRANCH),
    row("hours.create", "POST", "/hours/new", "login no ok ok ok form no", _hour_form),
    row("hours.mine", "GET", "/my/hours", SIGNED_IN),
    row("hours.points", "GET", "/my/points", SIGNED_IN),
    row("hours.review", "GET", "/branches/{branch}/review", BRANCH_MANAGER),
    row("hours.approve_selected", "POST", "/branches/{branch}/review/approve", BRANCH_MANAGER,
        lambda v: {"ids": [v["record"]]}),
    row("hours.approve", "POST", "/hours/{record}/approve", BRANCH_MANAGER),
    row("hours.reject", "POST", "/hours/{record}/reject", BRANCH_MANAGER, {"reason": "时间不对"}),
    row("hours.correct", "GET", "/hours/{approved}/correct", OWNER_ONLY_404),
    row("hours.correct", "POST", "/hours/{approved}/correct", OWNER_ONLY_404,
        lambda v: _hour_form(v, days_ago=4) | {"end": "10:00"}),
    row("hour_reports.create", "GET", "/hours/{approved}/report", OWNER_ONLY_404),
    row("hour_reports.create", "POST", "/hours/{approved}/report", OWNER_ONLY_404,
        {"message": "时间记错了"}),
    row("hour_reports.mine", "GET", "/my/reports", SIGNED_IN),
    row("hour_reports.branch", "GET", "/branches/{branch}/reports", BRANCH_MANAGER),
    row("hour_reports.detail", "GET", "/reports/{report}", SEEN_BY_OWNER_AND_MANAGERS),
    row("hour_reports.answer", "POST", "/reports/{report}/answer", BRANCH_MANAGER,
        {"answer": "已核实"}),
    row("hour_reports.correct", "POST", "/reports/{report}/correct", BRANCH_MANAGER,
        lambda v: _hour_form(v, days_ago=5) | {"end": "10:00", "answer": "已更正"}),
    row("certificates.mine", "GET", "/my/certificates", SIGNED_IN),
    # Only the volunteer has approved hours in the branch to certify.
    row("certificates.mine", "POST", "/my/certificates", "login form ok form form form form",
        lambda v: {"branch_id": v["branch"], "period_start": v["month_ago"],
                   "period_end": v["today"]}),
    row("certificates.detail", "GET", "/certificates/{certificate}",
        SEEN_BY_OWNER_AND_MANAGERS),
    row("certificates.revoke", "POST", "/certificates/{certificate}/revoke",
        "login 404 ok 404 403 404 ok"),
    row("certificates.verify", "GET", "/verify", PUBLIC),
    row("certificates.verify_code", "GET", "/verify/{code}", PUBLIC),
]

SERVICE_PAGES = [
    row("listings.browse", "GET", "/services", PUBLIC),
    row("listings.detail", "GET", "/services/{service}", PUBLIC),
    row("listings.detail", "GET", "/services/{hidden_service}", "404 404 ok 404 404 404 ok"),
    row("listings.volunteer", "GET", "/volunteers/{user_volunteer}", PUBLIC),
    row("listings.create", "GET", "/services/new", SIGNED_IN),
    # Only volunteers publish: the resident and the admin see the form again.
    row("listings.create", "POST", "/services/new", "login form ok ok ok ok form",
        _service_form),
    row("listings.mine", "GET", "/my/services", SIGNED_IN),
    row("listings.manage", "GET", "/my/services/{service}", "login 404 ok 404 404 404 ok"),
    row("listings.edit", "GET", "/services/{service}/edit", VOLUNTEERS_SERVICE),
    row("listings.edit", "POST", "/services/{service}/edit", VOLUNTEERS_SERVICE,
        _service_form),
    row("listings.change_status", "POST", "/services/{draft}/publish", VOLUNTEERS_SERVICE),
    *(row("listings.change_status", "POST", f"/services/{{service}}/{action}",
          VOLUNTEERS_SERVICE) for action in ("pause", "close", "cancel")),
    row("listings.hide", "POST", "/services/{service}/hide", ADMIN, {"reason": "广告"}),
    row("listings.unhide", "POST", "/services/{hidden_service}/unhide", ADMIN),
    row("feedback.hide", "POST", "/feedback/{feedback}/hide", ADMIN, {"reason": "含电话号码"}),
    row("feedback.show", "POST", "/feedback/{hidden_feedback}/show", ADMIN),
    # The resident has joined already and the volunteer's own: both told no.
    row("enrollments.join", "POST", "/services/{service}/join", "login no no ok ok ok ok",
        {"contact": "13900139000"}),
    row("enrollments.mine", "GET", "/my/enrollments", SIGNED_IN),
    row("enrollments.detail", "GET", "/enrollments/{enrollment}", "login ok ok 404 404 404 ok"),
    # Those who see an enrollment are told no; strangers are not told it exists.
    row("enrollments.act", "POST", "/enrollments/{enrollment}/cancel", RESIDENTS_ENROLLMENT),
    *(row("enrollments.act", "POST", path, SERVICES_VOLUNTEER) for path in (
        "/enrollments/{enrollment}/confirm", "/enrollments/{enrollment}/decline",
        "/enrollments/{served}/complete", "/enrollments/{served}/no-show")),
    row("enrollments.act", "POST", "/enrollments/{completed}/confirm-happened",
        RESIDENTS_ENROLLMENT),
    row("enrollments.feedback", "POST", "/enrollments/{completed}/feedback",
        RESIDENTS_ENROLLMENT, {"rating": "5", "comment": "很好"}),
]

HELP_PAGES = [
    row("help.browse", "GET", "/help", PUBLIC),
    row("help.detail", "GET", "/help/{help}", PUBLIC),
    row("help.detail", "GET", "/help/{hidden_help}", "404 ok 404 404 404 404 ok"),
    # The whole contact: the requester, the matched volunteer and admins.
    row("help.contact", "GET", "/help/{help_matched}/contact", "login ok ok 403 403 403 ok"),
    row("help.create", "GET", "/help/new", SIGNED_IN),
    row("help.create", "POST", "/help/new", SIGNED_IN, _help_form),
    row("help.mine", "GET", "/my/help", SIGNED_IN),
    row("help.edit", "GET", "/help/{help}/edit", "login ok 403 403 403 403 403"),
    row("help.edit", "POST", "/help/{help}/edit", "login ok 403 403 403 403 403", _help_form),
    row("help.act", "POST", "/help/{help_matched}/cancel", REQUESTER),
    row("help.act", "POST", "/help/{help_matched}/complete", "login ok ok no no no no"),
    row("help.act", "POST", "/help/{help_done}/confirm-happened", REQUESTER),
    row("help.feedback", "POST", "/help/{help_done}/feedback", REQUESTER,
        {"rating": "5", "comment": "很好"}),
    # The volunteer has offered already; the resident and the admin are no volunteers.
    row("help.offer", "POST", "/help/{help}/offers", "login no no ok ok ok no",
        {"message": "我可以帮忙"}),
    row("help.offer_action", "POST", "/help-offers/{offer}/accept",
        "login ok no 404 404 404 404"),
    row("help.offer_action", "POST", "/help-offers/{offer}/withdraw",
        "login no ok 404 404 404 404"),
    row("help.hide", "POST", "/help/{help}/hide", ADMIN, {"reason": "广告"}),
    row("help.unhide", "POST", "/help/{hidden_help}/unhide", ADMIN),
]

NOBODY = "404 404 404 404 404 404 404"  # shared links show only what anyone may read

SHARING_PAGES = [
    row("sharing.service_link", "GET", "/s/{service}", PUBLIC),
    row("sharing.service_link", "GET", "/s/{hidden_service}", NOBODY),
    row("sharing.help_link", "GET", "/h/{help}", PUBLIC),
    row("sharing.help_link", "GET", "/h/{hidden_help}", NOBODY),
    row("sharing.service_qr", "GET", "/services/{service}/qr.svg", PUBLIC),
    row("sharing.service_qr", "GET", "/services/{draft}/qr.svg", NOBODY),
    row("sharing.help_qr", "GET", "/help/{help}/qr.svg", PUBLIC),
    row("sharing.help_qr", "GET", "/help/{hidden_help}/qr.svg", NOBODY),
    # The poster is read as the service page is: a hidden one by its volunteer and admins.
    row("sharing.poster", "GET", "/services/{service}/poster", PUBLIC),
    row("sharing.poster", "GET", "/services/{hidden_service}/poster",
        "404 404 ok 404 404 404 ok"),
    # The resident's own file: even an admin is not told the enrollment exists.
    row("sharing.calendar", "GET", "/enrollments/{enrollment}/calendar.ics",
        "login ok 404 404 404 404 404"),
]

PAGES = [ACCOUNTS, ADMIN_PAGES, BRANCH_PAGES, HOURS_PAGES, SERVICE_PAGES, HELP_PAGES,
         SHARING_PAGES]
