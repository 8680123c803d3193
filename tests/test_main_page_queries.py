"""Every main page and API call (issue 7's list) runs a fixed small number of
SQL statements: at most MAX_QUERIES, and the same with 10 or 50 rows behind
it. While the counted request runs, relationships raise on lazy load
(`strict_loading`), so a template that walks an unloaded relationship fails
here instead of running one query per row."""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, raiseload

from marketplace.branches import services as branches
from marketplace.branches.models import MembershipKind
from marketplace.db import utcnow
from marketplace.enrollments import services as enrollments
from marketplace.extensions import db
from marketplace.help import services as help_requests
from marketplace.help.models import Urgency
from marketplace.listings.categories import ensure_default_categories

from .api_helpers import PHONE, auth
from .factories import make_branch, make_hour_record, make_lead, make_service, make_user

MAX_QUERIES = 6
# Transaction control is not a query (and only SQLite's BEGIN IMMEDIATE shows up at all).
TRANSACTION = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
FEW, MANY = 10, 50
COMMUNITY = "米市巷社区"


@pytest.fixture(autouse=True)
def uncached_pages(app, monkeypatch):
    """What a page costs when it is built (a signed-in reader, or a miss of
    the anonymous page cache, which has tests of its own)."""
    monkeypatch.setitem(app.config, "PAGE_CACHE_ENABLED", False)


# --- lazy loads raise -----------------------------------------------------------------------

def _raise_on_lazy_load(state) -> None:
    """Every ORM select of the request gets raiseload('*'): relationships it
    does not load eagerly raise when touched, unless the row is already in the
    session (sql_only). Explicit joinedload/selectinload options are more
    specific than the wildcard and still apply."""
    if state.is_select and not state.is_column_load and not state.is_relationship_load:
        state.statement = state.statement.options(raiseload("*", sql_only=True))


@pytest.fixture
def strict_loading():
    """`with strict_loading():` lazy loads raise inside."""

    @contextmanager
    def _strict():
        sa.event.listen(Session, "do_orm_execute", _raise_on_lazy_load)
        try:
            yield
        finally:
            sa.event.remove(Session, "do_orm_execute", _raise_on_lazy_load)

    return _strict


# --- the data behind the pages ----------------------------------------------------------------

@dataclass
class World:
    """The people and rows each page is read for; `grow(world, n)` adds n
    rows to what a page lists."""

    branch: object
    lead: object
    resident: object
    volunteer: object
    service: object
    extra: dict = field(default_factory=dict)


def _category(slug: str = "convenience"):
    return ensure_default_categories()[slug]


def _member(branch):
    user = make_user(commit=False, is_volunteer=True, is_party_member=True)
    branches.add_member(branch, user, MembershipKind.HOME)
    db.session.commit()
    return user


def _add_services(world, n, title="义务理发(上门)修空调"):
    for i in range(n):
        service = make_service(volunteer=make_user(is_volunteer=True), title=f"{title}{i}",
                               category=_category("convenience"), community=COMMUNITY,
                               starts_at=utcnow() + timedelta(days=1, minutes=i), ends_at=None)
        if i % 3 == 0:
            enrollments.join(service.id, make_user(), PHONE)
            db.session.commit()


def _join_service(world, n):
    for _ in range(n):
        enrollments.join(world.service.id, make_user(), PHONE)
    db.session.commit()


def _shop(world, n):
    """n more services of the volunteer, each served and rated with a comment."""
    for i in range(n):
        service = make_service(volunteer=world.volunteer, title=f"上门服务{i}")
        resident = make_user()
        enrollment = enrollments.join(service.id, resident, PHONE)
        enrollments.confirm(enrollment, world.volunteer)
        enrollments.complete(enrollment, world.volunteer)
        enrollments.rate(enrollment, resident, 1 + i % 5, f"很好,电话 1380000{i:04d}")
    db.session.commit()


def _my_enrollments(world, n):
    for i in range(n):
        service = make_service(volunteer=world.volunteer, title=f"服务{i}",
                               starts_at=utcnow() + timedelta(days=1, minutes=i), ends_at=None)
        enrollments.join(service.id, world.resident, PHONE)
    db.session.commit()


def _help_requests(world, n):
    for i in range(n):
        help_requests.post_request(make_user(community=COMMUNITY), help_requests.HelpRequestData(
            title=f"家里水管漏水{i}", details="需要有人来看看", category_id=_category().id,
            community=COMMUNITY, contact=PHONE,
            urgency=(Urgency.HIGH, Urgency.NORMAL, Urgency.LOW)[i % 3]))
    db.session.commit()


def _submitted_hours(world, n):
    for i in range(n):
        make_hour_record(_member(world.branch), world.branch, days_ago=2 + i % 20)


def _approved_hours(world, n):
    """Approved hours of n members, this month and earlier this quarter."""
    for i in range(n):
        make_hour_record(_member(world.branch), world.branch, days_ago=3 + i % 40,
                         approved_by=world.lead)


def _branches_with_hours(world, n):
    """n more branches of the committee, each with a member's approved hours."""
    for i in range(n):
        other = make_branch(parent=world.branch.parent)
        make_hour_record(_member(other), other, days_ago=3 + i % 20,
                         approved_by=make_lead(other))


_days = itertools.count(1)


def _my_hours(world, n):
    for i in range(n):
        make_hour_record(world.volunteer, world.branch, days_ago=next(_days),
                         approved_by=world.lead if i % 2 else None)


# --- the requests -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Call:
    grow: object
    url: object  # world -> path
    who: str | None = None  # the attribute of World logged in (None: anonymous)
    api: bool = False  # a bearer token instead of a session
    method: str = "GET"
    body: object = None  # world -> form data or JSON (a fresh actor each time)
    status: int = 200
    # Writes run more statements than a page, a fixed number: join locks the
    # service, checks the resident's live enrollment, writes it and two notices
    # (the API reads the answer back); approve writes the ledger, the month's,
    # quarter's and year's summaries, a notice and the audit entry.
    most: int = MAX_QUERIES




def _join_form(world):
    return {"contact": PHONE}


def _approve_target(world):
    """A new submitted record to approve."""
    record = make_hour_record(_member(world.branch), world.branch, days_ago=1)
    return record.id


CALLS = {
    "home": Call(_add_services, lambda w: "/"),
    "browse by category and community": Call(
        _add_services, lambda w: f"/services?category=convenience&community={COMMUNITY}"),
    # Signed in: the header's account, lead-or-not and unread count are three
    # of its seven (the categories, the community chips, the services, their
    # volunteers with their stars).
    "browse, signed in": Call(_add_services, lambda w: "/services?mode=home", "resident",
                              most=7),
    # The shop: the volunteer, their services, their four figures (grouped
    # queries: services, help given, ratings, the ledger) and the comments.
    "volunteer's shop": Call(_shop, lambda w: f"/volunteers/{w.volunteer.id}", most=7),
    "search 理": Call(_add_services, lambda w: "/services?q=理"),
    "search 理发": Call(_add_services, lambda w: "/services?q=理发"),
    "search 修空调": Call(_add_services, lambda w: "/services?q=修空调"),
    "service page": Call(_join_service, lambda w: f"/services/{w.service.id}", "resident"),
    "join (page)": Call(_join_service, lambda w: f"/services/{w.service.id}/join", "joiner",
                        method="POST", body=_join_form, status=302,
                        most=10),
    "join (API)": Call(_join_service, lambda w: f"/api/v1/services/{w.service.id}/enrollments",
                       "joiner", api=True, method="POST", body=_join_form, status=201, most=12),
    "my enrollments": Call(_my_enrollments, lambda w: "/my/enrollments", "resident"),
    "help-request list": Call(_help_requests, lambda w: "/help", "volunteer"),
    "lead review queue": Call(_submitted_hours, lambda w: f"/branches/{w.branch.id}/review",
                              "lead"),
    "approve": Call(_submitted_hours, lambda w: f"/hours/{_approve_target(w)}/approve", "lead",
                    method="POST", status=302, most=21),
    "branch dashboard": Call(_approved_hours, lambda w: f"/branches/{w.branch.id}/dashboard",
                             "lead"),
    "rankings": Call(_branches_with_hours, lambda w: f"/rankings?parent={w.branch.parent_id}"),
    "public page": Call(_branches_with_hours, lambda w: "/public"),
    "API services": Call(_add_services, lambda w: "/api/v1/services?limit=20"),
    "API my hours": Call(_my_hours, lambda w: "/api/v1/me/hours", "volunteer", api=True),
    "API my enrollments": Call(_my_enrollments, lambda w: "/api/v1/me/enrollments", "resident",
                               api=True),
    "API help requests": Call(_help_requests, lambda w: "/api/v1/help-requests"),
}


@pytest.fixture
def world(branch):
    lead = make_lead(branch)
    volunteer = _member(branch)
    volunteer.community = COMMUNITY
    resident = make_user(community=COMMUNITY)
    service = make_service(volunteer=volunteer, capacity=5, starts_at=utcnow() + timedelta(days=3),
                           ends_at=None)
    enrollments.join(service.id, resident, PHONE)
    db.session.commit()
    return World(branch=branch, lead=lead, resident=resident, volunteer=volunteer,
                 service=service)


def _headers(client, world, call, user) -> dict:
    return auth(client, user) if call.api and user is not None else {}


def _send(client_for, count_queries, strict_loading, world, call) -> list[str]:
    """The call's SQL statements, counted on its second run (the first warms
    the app's caches); a POST is made by a fresh actor each time."""
    counts = []
    for _ in range(2):
        user = (make_user() if call.who == "joiner"
                else getattr(world, call.who) if call.who else None)
        client = client_for(None if call.api else user)
        headers = _headers(client, world, call, user)
        url = call.url(world)
        body = call.body(world) if call.body else None
        if call.api and body is not None:
            kwargs = {"json": body}
        else:
            kwargs = {"data": body} if body is not None else {}
        db.session.commit()
        with strict_loading(), count_queries() as counter:
            response = client.open(url, method=call.method, headers=headers, **kwargs)
        assert response.status_code == call.status, (url, response.get_data(as_text=True)[:2000])
        counts.append([s for s in counter.statements if not s.startswith(TRANSACTION)])
    return counts[-1]


@pytest.mark.parametrize("name", list(CALLS))
def test_main_page_runs_a_fixed_small_number_of_queries(client_for, count_queries,
                                                        strict_loading, world, name):
    call = CALLS[name]
    call.grow(world, FEW)
    few = _send(client_for, count_queries, strict_loading, world, call)
    call.grow(world, MANY - FEW)
    many = _send(client_for, count_queries, strict_loading, world, call)
    assert len(few) <= call.most, "\n".join(s[:90] for s in few)
    assert len(many) == len(few), many
