"""Residents' contacts (DESIGN.md): an enrollment's only to its service's
volunteer while it is live and to admins, a help request's only to the
accepted volunteer while helping and to admins — masked wherever they are
listed, whole only on the record's own page or API read, each such look an
audit row.

Distinctive contacts are planted on live and ended enrollments and help
requests, then every GET page and API route of the URL map (built for the
planted rows) is read as each role: no wrong role ever gets a contact or its
masked form, and nobody gets more than the masked form outside the record's
own views."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.branches import services as branches
from marketplace.branches.models import Membership, MembershipKind
from marketplace.db import _may_write
from marketplace.enrollments import services as enrollments
from marketplace.extensions import db
from marketplace.help import services as help_requests
from marketplace.hours import services as hours
from marketplace.hours.models import HourRecord
from marketplace.listings.categories import ensure_default_categories
from marketplace.privacy import mask_contact
from marketplace.roster.views import EXPORTS

from .api_helpers import auth
from .factories import make_branch, make_lead, make_service, make_user, morning

CONTACTS = {  # planted on: the contact
    "live enrollment": "13912345678",
    "ended enrollment": "拱墅区测试路88号 13955501234",
    "live help request": "湖墅南路求助巷66号 13966602345",
    "ended help request": "13977703456",
}
EVERYTHING = frozenset(CONTACTS)
TABS = ("pending", "confirmed", "waitlisted", "ended")


def fragments(contact: str) -> list[str]:
    """What must not be shown of a contact: every 7 digits in a row of its
    numbers and every 3 of its other characters in a row (the masked form of
    an 11-digit number shows its first 3 and last 4, of other text one
    character at each end: never such a run). Not 5 or 6 digits: a
    timestamp's microseconds would match one now and then."""
    words = re.sub(r"[\d\s]", "", contact)
    return ([run[i:i + 7] for run in re.findall(r"\d{7,}", contact)
             for i in range(len(run) - 6)]
            + [words[i:i + 3] for i in range(len(words) - 2)])


@dataclass
class Scene:
    people: dict
    records: dict  # contact name -> its enrollment or help request
    urls: dict  # <argument> -> values for the URL map
    extra: list  # URLs with a query string


def _hours(volunteer, branch, **served):
    start = morning(2)
    hours.record_hours(volunteer, hours.HourData(
        branch_id=branch.id, started_at=start, ended_at=start + timedelta(hours=1),
        description="上门服务", place="米市巷社区", **served))


@pytest.fixture
def scene() -> Scene:
    branch = make_branch()
    people = {"lead": make_lead(branch), "admin": make_user(is_admin=True)}
    for name in ("volunteer", "helper", "other volunteer"):
        people[name] = make_user(commit=False, is_volunteer=True)
        branches.add_member(branch, people[name], MembershipKind.HOME)
    for name in ("resident", "other resident", "former resident", "requester",
                 "former requester"):
        people[name] = make_user(commit=False, community="米市巷社区")
    service = make_service(people["volunteer"], capacity=5)
    live = enrollments.join(service.id, people["resident"], CONTACTS["live enrollment"])
    ended = enrollments.join(service.id, people["former resident"], CONTACTS["ended enrollment"])
    enrollments.confirm(ended, people["volunteer"])
    enrollments.complete(ended, people["volunteer"])
    _hours(people["volunteer"], branch, enrollment_id=ended.id)
    requests = {}
    for name, who in (("live help request", "requester"),
                      ("ended help request", "former requester")):
        request = help_requests.post_request(people[who], help_requests.HelpRequestData(
            title="家里水管漏水", details="需要有人来看看",
            category_id=ensure_default_categories()["convenience"].id,
            community="米市巷社区", contact=CONTACTS[name]))
        help_requests.offer_help(request, people["other volunteer"], "我也能来")
        offer = help_requests.offer_help(request, people["helper"], "我有工具")
        help_requests.accept_offer(offer, people[who])
        requests[name] = request
    help_requests.complete_request(requests["ended help request"], people["helper"])
    _hours(people["helper"], branch, help_request_id=requests["ended help request"].id)
    db.session.commit()
    records = {"live enrollment": live, "ended enrollment": ended} | requests
    first, day = morning(5).date().isoformat(), morning(0).date().isoformat()  # local days
    return Scene(people, records, urls={
        "service_id": [service.id], "enrollment_id": [live.id, ended.id],
        "request_id": [r.id for r in requests.values()], "branch_id": [branch.id],
        "user_id": [people[n].id for n in ("volunteer", "helper", "resident", "requester")],
        "record_id": db.session.scalars(sa.select(HourRecord.id)).all(),
        "membership_id": db.session.scalars(sa.select(Membership.id).limit(2)).all(),
        "alliance_id": [1], "report_id": [1],
        "certificate_id": [1], "code": ["ABCD2345"], "what": list(EXPORTS),
    }, extra=[f"/my/services/{service.id}?tab={t}" for t in TABS] + [
        f"/api/v1/services/{service.id}/enrollments?status={s}"
        for s in ("pending", "completed")] + [
        f"/api/v1/help-requests?status={s}" for s in ("matched", "completed")] + [
        f"/branches/{branch.id}/hours.csv?start={first}&end={day}",
        f"/branches/{branch.id}/dashboard?start={first}&end={day}"])


def get_urls(app, scene: Scene) -> list[str]:
    """Every GET route of the URL map, for the planted rows (static files aside)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or "filename" in rule.arguments:
            continue
        combos = [{}]
        for name in sorted(rule.arguments):
            values = scene.urls.get(name) or getattr(rule._converters[name], "items", None)
            assert values, f"{rule.rule}: no value for <{name}>: add one to the scene"
            combos = [c | {name: v} for c in combos for v in sorted(values)]
        urls += [rule.build(c, append_unknown=False)[1] for c in combos]
    return urls + scene.extra


def own_views(scene: Scene, name: str) -> set[str]:
    """The record's own page and API read: where its whole contact is shown."""
    record_id = scene.records[name].id
    if "enrollment" in name:
        return {f"/enrollments/{record_id}", f"/api/v1/enrollments/{record_id}"}
    return {f"/help/{record_id}/contact", f"/api/v1/help-requests/{record_id}"}


def body(response) -> str:
    if response.is_json:
        return json.dumps(response.get_json(), ensure_ascii=False)
    return response.get_data(as_text=True)


# Who may see which contact masked in a list; nobody whole outside own_views.
MASKED_FOR = {
    "anonymous": set(), "other resident": set(), "other volunteer": set(), "lead": set(),
    "volunteer": {"live enrollment"},  # and no longer the ended one
    "helper": {"live help request"},
    "resident": set(), "admin": set(EVERYTHING),
}


def readers(client, client_for, scene: Scene, role: str):
    user = scene.people.get(role)
    headers = auth(client, user) if user else {}
    page_client = client_for(user)

    def read(url):
        return (client.get(url, headers=headers) if url.startswith("/api/")
                else page_client.get(url))

    return read


def contact_views() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action.like("%.contact_view")))


@pytest.mark.parametrize("role", list(MASKED_FOR))
def test_no_route_shows_a_role_more_than_it_may_see(app, client, client_for, scene, role):
    read = readers(client, client_for, scene, role)
    skipped = set().union(*(own_views(scene, n) for n in MASKED_FOR[role]))
    others = EVERYTHING - {"live enrollment"} if role == "resident" else EVERYTHING
    seen_masked = set()
    for url in get_urls(app, scene):
        if url in skipped:
            continue
        response = read(url)
        assert response.status_code < 500, url
        text = body(response)
        for name in others:
            leaked = [f for f in fragments(CONTACTS[name]) if f in text]
            assert not leaked, (role, url, name, leaked)
            masked = mask_contact(CONTACTS[name]) in text
            assert not masked or name in MASKED_FOR[role], (role, url, name, "masked")
            seen_masked |= {name} if masked else set()
    # The walk reached the lists that show them: it would see a leak there.
    assert seen_masked == MASKED_FOR[role]
    assert contact_views() == 0  # lists are no look at a whole contact


@pytest.mark.parametrize(("role", "name"), [
    ("volunteer", "live enrollment"), ("admin", "live enrollment"),
    ("admin", "ended enrollment"), ("helper", "live help request"),
    ("admin", "ended help request")])
def test_the_allowed_person_sees_it_whole_on_its_own_views_and_the_look_is_audited(
        client, client_for, scene, role, name):
    read, record = readers(client, client_for, scene, role), scene.records[name]
    viewer = scene.people[role]
    for url in sorted(own_views(scene, name)):
        before = contact_views()
        response = read(url)
        assert response.status_code == 200 and CONTACTS[name] in body(response), url
        assert contact_views() == before + 1, url
        entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (entry.actor_id, entry.target_id) == (viewer.id, record.id)
        assert entry.action == ("enrollment.contact_view" if "enrollment" in name
                                else "help_request.contact_view")
        assert entry.details == {"via": "api" if url.startswith("/api/") else "page"}
        if response.is_json:
            assert response.json["contact_masked"] is False


def test_the_list_links_to_the_whole_contact_and_the_audit_page_names_the_look(
        client, client_for, scene):
    live = scene.records["live enrollment"]
    service_id = live.service_id
    volunteer = client_for(scene.people["volunteer"])
    page = volunteer.get(f"/my/services/{service_id}").get_data(as_text=True)
    assert "139****5678" in page and f'href="/enrollments/{live.id}"' in page
    assert "查看联系方式" in page
    shown = volunteer.get(f"/enrollments/{live.id}").get_data(as_text=True)
    assert 'href="tel:13912345678"' in shown and "审计日志" in shown
    audit = client_for(scene.people["admin"]).get("/admin/audit").get_data(as_text=True)
    assert "查看了报名居民的联系方式" in audit
    assert not [f for f in fragments(CONTACTS["live enrollment"]) if f in audit]


def test_residents_read_their_own_contact_whole_without_an_audit_row(client, client_for,
                                                                     scene):
    resident = client_for(scene.people["resident"])
    live = scene.records["live enrollment"]
    assert CONTACTS["live enrollment"] in resident.get(f"/enrollments/{live.id}").get_data(
        as_text=True)
    mine = client.get("/api/v1/me/enrollments", headers=auth(client, scene.people["resident"]))
    assert mine.json["items"][0]["contact"] == CONTACTS["live enrollment"]
    request = scene.records["live help request"]
    page = client_for(scene.people["requester"]).get(f"/help/{request.id}")
    assert CONTACTS["live help request"] in page.get_data(as_text=True)
    assert contact_views() == 0


def test_an_action_answer_shows_the_volunteer_the_masked_contact(client, scene):
    live = scene.records["live enrollment"]
    response = client.post(f"/api/v1/enrollments/{live.id}/confirm",
                           headers=auth(client, scene.people["volunteer"]))
    assert response.status_code == 200 and response.json["status"] == "confirmed"
    assert response.json["contact"] == "139****5678" and response.json["contact_masked"]
    assert contact_views() == 0


@pytest.mark.parametrize(("contact", "masked"), [
    ("13800000000", "138****0000"), ("138-0000-1234", "138****1234"),
    ("0571-88881234", "057****1234"), ("88881234", "88****34"), ("12345", "1****5"),
    ("拱墅区测试路88号", "拱****号"), ("王阿姨 13912345678", "王****8"), ("ab", "****"),
])
def test_the_mask(contact, masked):
    assert mask_contact(contact) == masked
    assert not [f for f in fragments(contact) if f in masked]


@pytest.mark.parametrize(("url", "writes"), [
    ("/enrollments/1", True), ("/help/1/contact", True), ("/api/v1/enrollments/1", True),
    ("/api/v1/help-requests/1", True), ("/my/services/1", False), ("/help/1", False),
    ("/api/v1/services/1/enrollments", False)])
def test_a_look_at_a_contact_begins_as_a_write(app, url, writes):
    """On SQLite such a GET begins IMMEDIATE (db.writes_on_get), so its audit
    row never meets a stale read snapshot; the mark survives the decorators."""
    with app.test_request_context(url):
        assert _may_write() is writes
