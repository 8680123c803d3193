"""The audit log over the API (admins only), as the /admin/audit page lists
it: newest first, its filters, keyset pages; a bad filter is 422 naming it."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.branches import services as branches
from marketplace.branches import tree
from marketplace.branches.models import BranchKind, MembershipKind
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.localtime import utc_to_local

from .api_helpers import auth, error_field
from .factories import make_branch, make_lead, make_user
from .page_helpers import text

API = "/api/v1"


@pytest.fixture
def admin():
    return make_user(is_admin=True, username="chief", display_name="区委组织部")


@pytest.fixture
def history(admin):
    """A few entries: a branch created by the system, renamed and retired by
    the admin, an alliance, a member added by a lead."""
    branch = make_branch("米市巷第一党支部")
    lead = make_lead(branch, username="lead_mishi")
    tree.rename_branch(branch, "米市巷街道第一党支部", admin)
    alliance = tree.create_alliance("e起学习", None, admin)
    other = make_branch("湖墅社区党支部")
    other_lead = make_lead(other, username="lead_hushu")
    branches.add_member(other, make_user(), MembershipKind.FUNCTIONAL, actor=other_lead)
    tree.retire_branch(make_branch("已撤销"), admin)
    db.session.commit()
    return {"branch": branch, "lead": lead, "alliance": alliance}


def _audit(client, user, query=""):
    return client.get(f"{API}/admin/audit{query}", headers=auth(client, user) if user else {})


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


def test_the_log_newest_first_as_the_page_shows_it(client, client_for, admin, history):
    body = _audit(client, admin).json
    every = list(db.session.scalars(sa.select(AuditEntry.id).order_by(AuditEntry.id.desc())))
    assert [item["id"] for item in body["items"]] == every and body["next_cursor"] is None
    rename = next(i for i in body["items"] if i["action"] == "branch.rename")
    assert rename["actor"] == {"id": admin.id, "username": "chief", "display_name": "区委组织部"}
    assert (rename["target_type"], rename["target_id"]) == ("branches", history["branch"].id)
    assert rename["details"] == {"name": "米市巷街道第一党支部", "was": "米市巷第一党支部"}
    assert {"label", "text"} <= set(rename["details_text"][0])
    assert rename["action_label"] and rename["target_label"]
    created = next(i for i in body["items"] if i["action"] == "branch.create")
    assert created["actor"] is None  # the system

    page = text(client_for(admin).get("/admin/audit"))
    shown = [int(i) for i in re.findall(r'data-entry="(\d+)"', page)]
    assert shown == [item["id"] for item in body["items"]]
    assert rename["action_label"] in page and rename["details_text"][0]["text"] in page


@pytest.mark.parametrize("query", [
    "?action=branch", "?action=branch.rename", "?actor=chief", "?target_type=alliances",
    "?target_type=branches&target_id={branch}", "?actor=lead_hushu&action=membership"])
def test_the_filters_match_the_page(client, client_for, admin, history, query):
    query = query.format(branch=history["branch"].id)
    ids = _ids(_audit(client, admin, query))
    assert ids
    page = text(client_for(admin).get("/admin/audit" + query))
    assert [int(i) for i in re.findall(r'data-entry="(\d+)"', page)] == ids
    entries = [db.session.get(AuditEntry, i) for i in ids]
    if "action=branch." in query:
        assert {e.action for e in entries} == {"branch.rename"}
    if "actor=chief" in query:
        assert {e.actor_id for e in entries} == {admin.id}
    if "actor=lead_hushu" in query:
        assert {e.action for e in entries} == {"membership.add"}


def test_dates_are_local_days(client, admin, history):
    today = utc_to_local(utcnow()).date()
    everything = _ids(_audit(client, admin))
    assert _ids(_audit(client, admin, f"?date_from={today - timedelta(days=1)}"
                                      f"&date_to={today + timedelta(days=1)}")) == everything
    assert _ids(_audit(client, admin, f"?date_to={today - timedelta(days=1)}")) == []
    # A client leaves a filter out; an empty one is no date (as the document says).
    assert error_field(_audit(client, admin, "?date_to=")) == {"date_to"}


def test_keyset_pages(client, admin, history):
    everything = _ids(_audit(client, admin))
    seen, cursor = [], None
    while True:
        body = _audit(client, admin, "?limit=2" + (f"&cursor={cursor}" if cursor else "")).json
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == everything and len(everything) > 2


@pytest.mark.parametrize(("query", "field"), [
    ("?action=Branch Rename", "action"), ("?action=" + "a" * 61, "action"),
    ("?actor=nobody_here", "actor"), ("?actor=" + "a" * 41, "actor"),
    ("?target_type=planets", "target_type"), ("?target_id=5", "target_id"),
    ("?target_type=branches&target_id=0", "target_id"),
    ("?target_type=branches&target_id=x", "target_id"),
    ("?date_from=2026-13-01", "date_from"), ("?date_from=2026-11-02&date_to=2026-11-01",
                                             "date_to"),
    ("?cursor=forged", "cursor"), ("?limit=101", "limit")])
def test_a_bad_filter_is_422_naming_it(client, admin, history, query, field):
    assert error_field(_audit(client, admin, query)) == {field}


@pytest.mark.parametrize("role", ["resident", "volunteer", "lead", "committee lead"])
def test_only_admins(client, role):
    branch = make_branch()
    user = {"resident": lambda: make_user(),
            "volunteer": lambda: make_user(is_volunteer=True),
            "lead": lambda: make_lead(branch),
            "committee lead": lambda: make_lead(make_branch(kind=BranchKind.COMMITTEE))}[role]()
    assert _audit(client, user).status_code == 403
    assert _audit(client, None).status_code == 401


def test_the_path_is_documented(client):
    operation = client.get(f"{API}/openapi.json").json["paths"]["/api/v1/admin/audit"]["get"]
    assert {"200", "401", "403", "422"} <= set(operation["responses"])
    names = {p["name"] for p in operation["parameters"]}
    assert {"action", "actor", "target_type", "target_id", "date_from", "date_to", "cursor",
            "limit"} <= names
