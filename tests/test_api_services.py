"""Services over the API: browse, publish, read, change (API.md "services")."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from marketplace.db import utcnow
from marketplace.enrollments import services as enrollments
from marketplace.enrollments.models import Enrollment
from marketplace.extensions import db
from marketplace.listings.categories import ensure_default_categories
from marketplace.listings.models import Service, ServiceMode, ServiceStatus

from .api_helpers import PHONE, auth, error_field, not_open
from .factories import make_service, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _volunteer(**overrides):
    return make_user(is_volunteer=True, **overrides)


def _new_service(category_id, **overrides):
    body = {"title": "义务理发", "description": "为老人上门理发", "category_id": category_id,
            "community": "米市巷社区", "mode": "home", "capacity": 3, "auto_confirm": False}
    body.update(overrides)
    return body


def _category(slug="convenience"):
    return ensure_default_categories()[slug]


def _ids(response):
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


# -- browse ------------------------------------------------------------------

def test_browse_lists_open_services_publicly(client):
    volunteer = _volunteer(display_name="王师傅")
    open_one = make_service(volunteer, capacity=2, taken=1, waitlisted=0)
    for state in ("draft", "paused", "closed", "hidden", "ended"):
        make_service(volunteer, **not_open(state))
    response = client.get("/api/v1/services")
    assert _ids(response) == [open_one.id]
    item = response.json["items"][0]
    assert item["places_left"] == 1 and item["waitlist_length"] == 0
    assert item["status"] == "published" and item["mode"] == "home"
    assert item["volunteer"] == {"id": volunteer.id, "display_name": "王师傅"}
    assert item["category"]["slug"] == "convenience"
    assert item["rating"] == {"average": None, "count": 0}
    assert response.json["next_cursor"] is None


def test_browse_filters(client):
    volunteer = _volunteer()
    haircut = make_service(volunteer, title="义务理发", community="米市巷社区")
    lawyer = make_service(volunteer, title="法律咨询", description="律师答疑",
                          category=_category("legal"), community="湖墅社区",
                          mode=ServiceMode.ONLINE)
    full = make_service(volunteer, title="健康讲座", description="社区医生讲高血压",
                        capacity=1, taken=1,
                        community="米市巷社区", starts_at=utcnow() + timedelta(days=9),
                        ends_at=None)
    legal = _category("legal")
    assert _ids(client.get(f"/api/v1/services?category={legal.id}")) == [lawyer.id]
    assert _ids(client.get("/api/v1/services?category=legal")) == [lawyer.id]
    assert _ids(client.get("/api/v1/services?q=理发")) == [haircut.id]
    assert _ids(client.get("/api/v1/services?q=律师答疑")) == [lawyer.id]
    assert set(_ids(client.get("/api/v1/services?community=米市巷"))) == {haircut.id, full.id}
    assert _ids(client.get("/api/v1/services?mode=online")) == [lawyer.id]
    assert full.id not in _ids(client.get("/api/v1/services?has_places=true"))
    late = (utcnow() + timedelta(days=8)).date().isoformat()
    assert _ids(client.get(f"/api/v1/services?date_from={late}")) == [full.id]
    assert full.id not in _ids(client.get(f"/api/v1/services?date_to={late}"))


def test_browse_days_are_the_sites_days(client):
    """A day runs from local midnight (Asia/Shanghai, +08:00) to the next."""
    late = make_service(starts_at=datetime(2030, 4, 30, 23, 58, tzinfo=SHANGHAI), ends_at=None)
    make_service(starts_at=datetime(2030, 5, 1, 0, 3, tzinfo=SHANGHAI), ends_at=None)
    one_day = "date_from=2030-04-30&date_to=2030-04-30"
    assert _ids(client.get(f"/api/v1/services?{one_day}")) == [late.id]


def test_browse_is_keyset_paginated(client):
    volunteer = _volunteer()
    services = [make_service(volunteer, starts_at=utcnow() + timedelta(days=n + 1),
                             ends_at=None) for n in range(5)]
    first = client.get("/api/v1/services?limit=2")
    assert _ids(first) == [s.id for s in services[:2]]
    cursor = first.json["next_cursor"]
    second = client.get(f"/api/v1/services?limit=2&cursor={cursor}")
    assert _ids(second) == [s.id for s in services[2:4]]
    third = client.get(f"/api/v1/services?limit=2&cursor={second.json['next_cursor']}")
    assert _ids(third) == [services[4].id] and third.json["next_cursor"] is None
    newest = client.get("/api/v1/services?sort=newest&limit=100")
    assert len(_ids(newest)) == 5


@pytest.mark.parametrize(("query", "field"), [
    ("limit=0", "limit"), ("limit=101", "limit"), ("limit=x", "limit"),
    ("cursor=not-a-cursor", "cursor"), ("mode=boat", "mode"), ("sort=best", "sort"),
    ("category=nothing", "category"), ("category=9999", "category"),
    ("date_from=tomorrow", "date_from"),
])
def test_browse_names_a_bad_filter(client, query, field):
    assert field in error_field(client.get(f"/api/v1/services?{query}"))


@pytest.mark.parametrize("cursor", ["WyJhYmMiLCAiZGVmIl0",  # ["abc", "def"]
                                    "W251bGwsIG51bGxd"])  # [null, null]
def test_browse_refuses_a_forged_cursor(client, cursor):
    make_service()
    assert "cursor" in error_field(client.get(f"/api/v1/services?cursor={cursor}"))


def test_browse_runs_a_fixed_number_of_queries(client, count_queries):
    volunteer = _volunteer()
    make_service(volunteer)
    with count_queries() as few:
        client.get("/api/v1/services")
    for _ in range(6):
        make_service(_volunteer())
    with count_queries() as many:
        response = client.get("/api/v1/services")
    assert len(response.json["items"]) == 7
    assert many.count == few.count


# -- publish -----------------------------------------------------------------------

def test_a_volunteer_publishes_a_service(client):
    volunteer = _volunteer()
    body = _new_service(_category().id, starts_at="2030-05-01T09:00:00",
                        ends_at="2030-05-01T11:00:00+08:00", auto_confirm=True)
    response = client.post("/api/v1/services", json=body, headers=auth(client, volunteer))
    assert response.status_code == 201, response.json
    created = response.json
    assert isinstance(created["id"], int)
    assert created["status"] == "published" and created["places_left"] == 3
    assert created["auto_confirm"] is True and created["volunteer"]["id"] == volunteer.id
    # Without an offset a time is the site's (Asia/Shanghai), as on the pages.
    assert created["starts_at"] == "2030-05-01T01:00:00+00:00"
    assert created["ends_at"] == "2030-05-01T03:00:00+00:00"
    assert _ids(client.get("/api/v1/services")) == [created["id"]]


def test_publishing_needs_a_token_and_a_volunteer(client):
    body = _new_service(_category().id)
    response = client.post("/api/v1/services", json=body)
    assert response.status_code == 401
    resident = make_user()
    response = client.post("/api/v1/services", json=body, headers=auth(client, resident))
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"
    assert db.session.query(Service).count() == 0


@pytest.mark.parametrize(("overrides", "field"), [
    ({"title": "x"}, "title"),
    ({"title": None}, "title"),
    ({"description": ""}, "description"),
    ({"mode": "boat"}, "mode"),
    ({"capacity": 0}, "capacity"),
    ({"capacity": 10_001}, "capacity"),
    ({"category_id": 9999}, "category_id"),
    ({"community": "x" * 61}, "community"),
    ({"mode": "place"}, "place"),
    ({"starts_at": "soon"}, "starts_at"),
    ({"ends_at": "2030-05-01T09:00:00+08:00"}, "starts_at"),
    ({"starts_at": "2030-05-01T09:00:00+08:00", "ends_at": "2030-05-01T08:00:00+08:00"},
     "ends_at"),
    ({"colour": "red"}, "colour"),
])
def test_publishing_names_the_field_that_fails(client, overrides, field):
    volunteer = _volunteer()
    body = _new_service(_category().id) | overrides
    response = client.post("/api/v1/services", json=body, headers=auth(client, volunteer))
    assert field in error_field(response)


def test_publishing_a_missing_field_names_it(client):
    body = _new_service(_category().id)
    del body["capacity"]
    response = client.post("/api/v1/services", json=body, headers=auth(client, _volunteer()))
    assert "capacity" in error_field(response)


def test_publishing_malformed_json_is_a_bad_request(client):
    response = client.post("/api/v1/services", data="{oops",
                           content_type="application/json",
                           headers=auth(client, _volunteer()))
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"


# -- read --------------------------------------------------------------------------

def test_service_detail_is_public_and_never_shows_a_contact(client):
    volunteer = _volunteer(display_name="王师傅", phone="13900139000")
    service = make_service(volunteer, capacity=1, rating_count=2, rating_sum=9)
    for _ in range(2):
        enrollments.join(service.id, make_user(), PHONE, "note")
    db.session.commit()
    for headers in ({}, auth(client, make_user()), auth(client, volunteer)):
        response = client.get(f"/api/v1/services/{service.id}", headers=headers)
        assert response.status_code == 200
        body = response.json
        assert body["places_left"] == 0 and body["waitlist_length"] == 1
        assert body["volunteer"] == {"id": volunteer.id, "display_name": "王师傅"}
        assert body["category"]["slug"] == "convenience"
        assert body["rating"] == {"average": 4.5, "count": 2}
        assert body["description"] == "为老人上门理发"
        text = response.get_data(as_text=True)
        assert "contact" not in body and PHONE not in text and "13900139000" not in text


@pytest.mark.parametrize("state", ["draft", "paused", "hidden"])
def test_unlisted_services_are_seen_only_by_their_volunteer_and_admins(client, state):
    volunteer = _volunteer()
    service = make_service(volunteer, **not_open(state))
    path = f"/api/v1/services/{service.id}"
    assert client.get(path).status_code == 404
    assert client.get(path, headers=auth(client, make_user())).status_code == 404
    assert client.get(path, headers=auth(client, _volunteer())).status_code == 404
    assert client.get(path, headers=auth(client, volunteer)).status_code == 200
    assert client.get(path, headers=auth(client, make_user(is_admin=True))).status_code == 200


def test_closed_services_stay_public(client):
    service = make_service(status=ServiceStatus.CLOSED)
    response = client.get(f"/api/v1/services/{service.id}")
    assert response.status_code == 200 and response.json["status"] == "closed"


def test_service_detail_unknown_and_forged_token(client):
    assert client.get("/api/v1/services/9999").status_code == 404
    service = make_service()
    response = client.get(f"/api/v1/services/{service.id}",
                          headers={"Authorization": "Bearer forged"})
    assert response.status_code == 401


# -- change ------------------------------------------------------------------------

def test_the_volunteer_patches_some_fields(client):
    volunteer = _volunteer()
    service = make_service(volunteer)
    response = client.patch(f"/api/v1/services/{service.id}", json={"title": "理发与修面",
                                                                     "capacity": 5},
                            headers=auth(client, volunteer))
    assert response.status_code == 200, response.json
    body = response.json
    assert body["title"] == "理发与修面" and body["capacity"] == 5 and body["places_left"] == 5
    assert body["description"] == "为老人上门理发" and body["community"] == "米市巷社区"
    db.session.refresh(service)
    assert service.title == "理发与修面" and service.mode == ServiceMode.HOME


def test_patch_checks_the_whole_listing(client):
    volunteer = _volunteer()
    service = make_service(volunteer)
    headers = auth(client, volunteer)
    path = f"/api/v1/services/{service.id}"
    # The end must stay after the (unchanged) start.
    before = (service.starts_at - timedelta(hours=1)).isoformat()
    assert "ends_at" in error_field(client.patch(path, json={"ends_at": before},
                                                 headers=headers))
    assert "place" in error_field(client.patch(path, json={"mode": "place"}, headers=headers))
    assert "capacity" in error_field(client.patch(path, json={"capacity": 0}, headers=headers))
    assert "status" in error_field(client.patch(path, json={"status": "draft"},
                                                headers=headers))
    response = client.patch(path, data="{", content_type="application/json", headers=headers)
    assert response.status_code == 400


def test_patch_cannot_make_places_fewer_than_taken(client):
    volunteer = _volunteer()
    service = make_service(volunteer, capacity=3)
    for _ in range(2):
        enrollments.join(service.id, make_user(), PHONE)
    db.session.commit()
    response = client.patch(f"/api/v1/services/{service.id}", json={"capacity": 1},
                            headers=auth(client, volunteer))
    assert "capacity" in error_field(response)


def test_patch_is_for_the_volunteer_only(client):
    volunteer = _volunteer()
    service = make_service(volunteer)
    path = f"/api/v1/services/{service.id}"
    assert client.patch(path, json={"title": "改一改"}).status_code == 401
    for other in (make_user(), _volunteer(), make_user(is_admin=True)):
        response = client.patch(path, json={"title": "改一改"}, headers=auth(client, other))
        assert response.status_code == 403
        assert client.patch(path, json={}, headers=auth(client, other)).status_code == 403
    assert client.patch("/api/v1/services/9999", json={},
                        headers=auth(client, volunteer)).status_code == 404
    paused = make_service(volunteer, status=ServiceStatus.PAUSED)
    response = client.patch(f"/api/v1/services/{paused.id}", json={"title": "改一改"},
                            headers=auth(client, _volunteer()))
    assert response.status_code == 404
    db.session.refresh(service)
    assert service.title == "义务理发(上门)"


def test_patch_status_pauses_reopens_and_closes(client):
    volunteer = _volunteer()
    service = make_service(volunteer)
    headers = auth(client, volunteer)
    path = f"/api/v1/services/{service.id}"

    def set_status(status, **extra):
        return client.patch(path, json={"status": status, **extra}, headers=headers)

    assert set_status("paused").json["status"] == "paused"
    assert _ids(client.get("/api/v1/services")) == []
    assert set_status("paused").status_code == 200  # already there: nothing to do
    both = client.patch(path, json={"status": "published", "title": "重新开放"},
                        headers=headers)
    assert both.json["status"] == "published" and both.json["title"] == "重新开放"
    assert _ids(client.get("/api/v1/services")) == [service.id]
    assert set_status("closed").json["status"] == "closed"
    response = client.patch(path, json={"title": "关了还改"}, headers=headers)
    assert response.status_code == 409 and response.json["error"]["code"] == "conflict"
    assert set_status("published").status_code == 409


def test_closing_lets_waiting_residents_go_and_calling_off_everyone(client):
    volunteer = _volunteer()
    service = make_service(volunteer, capacity=1, auto_confirm=True)
    confirmed = enrollments.join(service.id, make_user(), PHONE)
    waiting = enrollments.join(service.id, make_user(), PHONE)
    db.session.commit()
    response = client.patch(f"/api/v1/services/{service.id}",
                            json={"status": "closed", "call_off": True},
                            headers=auth(client, volunteer))
    assert response.status_code == 200
    for enrollment in (confirmed, waiting):
        db.session.refresh(enrollment)
        assert enrollment.status == "declined"


def test_more_places_promote_the_waitlist(client):
    volunteer = _volunteer()
    service = make_service(volunteer, capacity=1)
    enrollments.join(service.id, make_user(), PHONE)
    waiting = enrollments.join(service.id, make_user(), PHONE)
    db.session.commit()
    response = client.patch(f"/api/v1/services/{service.id}", json={"capacity": 2},
                            headers=auth(client, volunteer))
    assert response.json["waitlist_length"] == 0 and response.json["places_left"] == 0
    assert db.session.get(Enrollment, waiting.id).status == "pending"


def test_my_services_include_unlisted_ones(client):
    volunteer = _volunteer()
    mine = [make_service(volunteer), make_service(volunteer, status=ServiceStatus.PAUSED)]
    make_service(_volunteer())
    response = client.get("/api/v1/me/services", headers=auth(client, volunteer))
    assert _ids(response) == [s.id for s in reversed(mine)]
    assert client.get("/api/v1/me/services").status_code == 401
