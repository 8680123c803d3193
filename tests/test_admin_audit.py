"""The audit log page: admins browse and filter who did what, newest first,
a keyset page at a time."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.audit.services import record
from marketplace.branches import requests as join_requests
from marketplace.branches.models import BranchKind, MembershipKind
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.localtime import utc_to_local

from .factories import make_branch, make_lead, make_user
from .page_helpers import text

AUDIT = "/admin/audit"


@pytest.fixture
def admin():
    return make_user(is_admin=True, username="zuzhibu")


@pytest.fixture
def branch():
    return make_branch("米市巷第一党支部")


def _ids(page: str) -> list[int]:
    """The entries listed, by their ids, in page order."""
    return [int(n) for n in re.findall(r'<article class="card mb-2" data-entry="(\d+)"', page)]


def _entry(actor, action, target, days_ago=0, **details) -> AuditEntry:
    entry = record(actor, action, target, **details)
    db.session.flush()
    entry.created_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()
    return entry


def test_only_admins_see_the_audit_log(client_for, admin, branch):
    response = client_for().get(AUDIT)
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    volunteer = make_user(is_volunteer=True)
    for user in (make_user(), volunteer, make_lead(branch), make_lead(make_branch(
            "联合党委", kind=BranchKind.COMMITTEE))):
        assert client_for(user).get(AUDIT).status_code == 403
    assert client_for(admin).get(AUDIT).status_code == 200
    # The dashboard leads there.
    assert f'href="{AUDIT}"' in text(client_for(admin).get("/admin/"))


def test_real_actions_read_newest_first_with_their_details(client_for, admin, branch):
    lead = make_lead(branch, display_name="周书记", username="zhoushuji")
    asker = make_user(display_name="王建国")
    request = join_requests.request_to_join(branch, asker, MembershipKind.FUNCTIONAL, "想参加")
    db.session.commit()
    join_requests.refuse(request, lead, "不在本社区")
    db.session.commit()
    page = text(client_for(admin).get(AUDIT))
    entries = list(db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())))
    assert _ids(page) == [e.id for e in entries]
    assert [e.action for e in entries[:2]] == ["membership.refuse", "membership.request"]
    refusal = page[page.index(f'data-entry="{entries[0].id}"'):]
    refusal = refusal[:refusal.index("</article>")]
    assert "周书记" in refusal and "zhoushuji" in refusal and "不在本社区" in refusal
    assert "<code>membership.refuse</code>" in refusal
    assert f"target_type=memberships&amp;target_id={request.id}" in refusal
    # A system action (no actor) says so instead of a name.
    system = page[page.index(f'data-entry="{entries[-1].id}"'):]
    assert "zhoushuji" not in system[:system.index("</article>")]


def test_filter_by_action_actor_and_record(client_for, admin, branch):
    lead = make_lead(branch, username="zhoushuji")
    other = make_branch("湖墅社区党支部")
    approve = _entry(lead, "hour_record.approve", branch)
    accept = _entry(lead, "membership.accept", other)
    renamed = _entry(admin, "branch.rename", branch, name="新名", was="旧名")
    client = client_for(admin)

    def listed(query):
        response = client.get(f"{AUDIT}?{query}")
        assert response.status_code == 200
        return set(_ids(text(response)))

    assert listed("action=hour_record.approve") == {approve.id}
    assert listed("action=membership.accept") == {accept.id}
    # A kind alone: every action of that kind (the lead's own add included).
    assert accept.id in listed("action=membership") and approve.id not in listed(
        "action=membership")
    assert listed("actor=zuzhibu") == {renamed.id}
    assert listed("actor=zhoushuji") == {approve.id, accept.id}
    assert listed("actor=zhoushuji&action=hour_record.approve") == {approve.id}
    assert listed(f"target_type=branches&target_id={branch.id}") >= {approve.id, renamed.id}
    assert accept.id not in listed(f"target_type=branches&target_id={branch.id}")
    assert listed("target_type=branches") >= {approve.id, accept.id, renamed.id}


def test_an_unknown_username_matches_nothing_and_says_so(client_for, admin, branch):
    _entry(admin, "branch.rename", branch, name="新名")
    page = text(client_for(admin).get(f"{AUDIT}?actor=nobody-here"))
    assert _ids(page) == [] and "没有使用这个用户名的账号。" in page
    assert 'value="nobody-here"' in page


def test_filter_by_date_range(client_for, admin, branch):
    old = _entry(admin, "branch.rename", branch, days_ago=40, name="一")
    recent = _entry(admin, "branch.rename", branch, days_ago=3, name="二")
    today = _entry(admin, "branch.rename", branch, name="三")
    client = client_for(admin)
    day = utc_to_local(utcnow()).date()  # dates are typed in local days

    def listed(query):
        return set(_ids(text(client.get(f"{AUDIT}?action=branch.rename&{query}"))))

    assert listed(f"date_from={day - timedelta(days=10)}") == {recent.id, today.id}
    assert listed(f"date_to={day - timedelta(days=10)}") == {old.id}
    assert listed(f"date_from={day - timedelta(days=5)}&date_to={day - timedelta(days=1)}"
                  ) == {recent.id}
    assert listed(f"date_from={day}&date_to={day}") == {today.id}


@pytest.mark.parametrize("query", [
    "action=DROP%20TABLE", "action=" + "a" * 61, "target_type=bogus", "target_id=5",
    "target_id=abc", "date_from=yesterday", "date_from=2026-05-02&date_to=2026-05-01",
    "target_type=branches&target_id=99999999999", "cursor=forged",
])
def test_bad_filters_are_marked_and_ignored(client_for, admin, branch, query):
    entry = _entry(admin, "branch.rename", branch, name="新名")
    client = client_for(admin)
    response = client.get(f"{AUDIT}?{query}")
    assert response.status_code == 200
    page = text(response)
    assert entry.id in _ids(page)
    assert _ids(page) == _ids(text(client.get(AUDIT)))  # the whole log, as with no filter
    if "cursor" not in query:
        assert "is-invalid" in page


def test_pages_continue_where_the_last_ended(client_for, admin, branch):
    entries = [record(admin, "branch.rename", branch, name=f"名{i}") for i in range(53)]
    db.session.commit()
    client = client_for(admin)
    first = text(client.get(f"{AUDIT}?action=branch.rename"))
    assert _ids(first) == [e.id for e in reversed(entries)][:50]
    more = re.search(r'href="(/admin/audit\?[^"]*cursor=[^"]+)"', first).group(1)
    assert "action=branch.rename" in more
    second = text(client.get(more.replace("&amp;", "&")))
    assert _ids(second) == [e.id for e in reversed(entries)][50:]
    assert re.search(r'href="/admin/audit\?[^"]*cursor=', second) is None


def test_details_are_readable(client_for, admin, branch):
    _entry(admin, "membership.role", branch, role="lead", was="member", moving_home=True,
           counts={"created": 2}, empty=None, note="字" * 300)
    page = text(client_for(admin).get(AUDIT))
    assert "负责人" in page  # the role's word, not its code
    assert "字" * 200 + "…" in page and "字" * 201 not in page
    assert ">empty<" not in page  # empty values are left out


def _queries(count_queries, client, url) -> int:
    assert client.get(url).status_code == 200  # warm up
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return counter.count


def test_the_audit_log_costs_the_same_for_1_or_20_entries(client_for, count_queries, admin,
                                                          branch):
    client = client_for(admin)
    urls = [AUDIT, f"{AUDIT}?action=branch.rename", f"{AUDIT}?actor=zuzhibu"]
    _entry(admin, "branch.rename", branch, name="一")
    one = [_queries(count_queries, client, url) for url in urls]
    for i in range(19):  # by different people
        record(make_user(commit=False), "branch.rename", branch, name=f"名{i}")
        record(admin, "branch.rename", branch, name=f"名{i}")
    db.session.commit()
    assert len(_ids(text(client.get(AUDIT)))) == 40  # with the branch's creation
    assert [_queries(count_queries, client, url) for url in urls] == one
