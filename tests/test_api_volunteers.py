"""A volunteer's public page ("shop") over the API: GET /api/v1/volunteers/{id}
shows what /volunteers/<id> shows, and nothing personal."""

import json

from marketplace.accounts import services as accounts
from marketplace.branches import services as branches
from marketplace.branches.models import MembershipKind
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.help import services as help_requests
from marketplace.help.models import Urgency
from marketplace.listings.categories import ensure_default_categories
from marketplace.listings.models import ServiceStatus
from marketplace.profiles.queries import volunteer_profile

from .api_helpers import PHONE, auth, error_field
from .factories import make_branch, make_hour_record, make_lead, make_service, make_user

VOLUNTEERS = "/api/v1/volunteers"


def _helped(volunteer, rating: int, comment: str | None):
    """A help request the volunteer completed and its requester rated."""
    requester = make_user()
    request = help_requests.post_request(requester, help_requests.HelpRequestData(
        title="修水管", details="厨房水管漏水",
        category_id=ensure_default_categories()["convenience"].id, community="米市巷社区",
        contact=PHONE, urgency=Urgency.NORMAL))
    offer = help_requests.offer_help(request, volunteer, "我来")
    help_requests.accept_offer(offer, requester)
    help_requests.complete_request(request, requester)
    help_requests.rate(request, requester, rating, comment)
    db.session.commit()
    return request


def _shop_volunteer():
    volunteer = make_user(is_volunteer=True, is_party_member=True, display_name="王建国",
                          username="wang_private", phone="13911112222",
                          community="米市巷秘密小区")
    branch = make_branch()
    branches.add_member(branch, volunteer, MembershipKind.HOME)
    db.session.commit()
    lead = make_lead(branch)
    for day in range(2, 7):  # 5 x 20 h = 100 approved hours: the first star
        make_hour_record(volunteer, branch, days_ago=day, length=20, approved_by=lead)
    _helped(volunteer, 5, "非常耐心")
    _helped(volunteer, 4, None)
    return volunteer


def test_a_volunteers_public_page(client):
    volunteer = _shop_volunteer()
    published = make_service(volunteer, title="上门理发")
    closed = make_service(volunteer, title="家电维修", status=ServiceStatus.CLOSED)
    make_service(volunteer, title="草稿", status=ServiceStatus.DRAFT, published_at=None)
    make_service(volunteer, title="被隐藏", hidden_at=utcnow(), hidden_reason="重复")
    make_service(title="别人的服务")

    response = client.get(f"{VOLUNTEERS}/{volunteer.id}")
    assert response.status_code == 200, response.json
    body = response.json
    profile = volunteer_profile(volunteer.id)
    assert body["id"] == volunteer.id and body["display_name"] == "王建国"
    assert body["is_party_member"] is True
    assert body["stars"] == profile.stars == 1
    assert body["approved_hours"] == profile.approved_hours == 100
    assert body["completed"] == profile.completed == 2
    assert body["services_count"] == profile.services == 4
    assert body["rating"] == {"average": 4.5, "count": 2}
    assert [c["rating"] for c in body["comments"]] == [5]
    assert body["comments"][0]["comment"] == "非常耐心"
    # published and closed only, newest first
    assert [s["id"] for s in body["services"]["items"]] == [closed.id, published.id]
    assert body["services"]["next_cursor"] is None
    # nothing personal: no username, phone, community (address) of anyone
    text = json.dumps(body, ensure_ascii=False)
    for secret in ("wang_private", "13911112222", "米市巷秘密小区", PHONE, "username", "phone",
                   "contact"):
        assert secret not in text, secret


def test_the_services_of_a_volunteer_page_by_cursor(client):
    volunteer = make_user(is_volunteer=True)
    services = [make_service(volunteer, title=f"服务{n}") for n in range(5)]
    first = client.get(f"{VOLUNTEERS}/{volunteer.id}?limit=2").json["services"]
    assert [s["id"] for s in first["items"]] == [services[4].id, services[3].id]
    second = client.get(f"{VOLUNTEERS}/{volunteer.id}?limit=2&cursor={first['next_cursor']}")
    assert [s["id"] for s in second.json["services"]["items"]] == [services[2].id,
                                                                  services[1].id]
    assert error_field(client.get(f"{VOLUNTEERS}/{volunteer.id}?cursor=forged")) == {"cursor"}
    assert error_field(client.get(f"{VOLUNTEERS}/{volunteer.id}?limit=0")) == {"limit"}
    assert error_field(client.get(f"{VOLUNTEERS}/{volunteer.id}?limit=101")) == {"limit"}


def test_a_volunteer_not_in_the_party_says_so(client):
    volunteer = make_user(is_volunteer=True)
    body = client.get(f"{VOLUNTEERS}/{volunteer.id}").json
    assert body["is_party_member"] is False and body["stars"] == 0
    assert body["rating"] == {"average": None, "count": 0}
    assert body["services"] == {"items": [], "next_cursor": None} and body["comments"] == []


def test_no_page_for_residents_deactivated_accounts_or_unknown_ids(client):
    resident = make_user()
    gone = make_user(is_volunteer=True)
    accounts.deactivate(gone, actor=None)
    db.session.commit()
    for user_id in (resident.id, gone.id, 999999):
        response = client.get(f"{VOLUNTEERS}/{user_id}")
        assert response.status_code == 404, user_id
        assert response.json["error"]["code"] == "not_found"
        # the page agrees
        assert client.get(f"/volunteers/{user_id}").status_code == 404


def test_a_token_is_optional_but_a_bad_one_is_refused(client):
    volunteer = make_user(is_volunteer=True)
    viewer = make_user()
    anonymous = client.get(f"{VOLUNTEERS}/{volunteer.id}")
    with_token = client.get(f"{VOLUNTEERS}/{volunteer.id}", headers=auth(client, viewer))
    assert anonymous.status_code == with_token.status_code == 200
    assert anonymous.json == with_token.json
    forged = client.get(f"{VOLUNTEERS}/{volunteer.id}",
                        headers={"Authorization": "Bearer forged"})
    assert forged.status_code == 401


def test_the_page_and_the_api_show_the_same_volunteer(client):
    volunteer = _shop_volunteer()
    service = make_service(volunteer, title="上门理发服务")
    page = client.get(f"/volunteers/{volunteer.id}").get_data(as_text=True)
    body = client.get(f"{VOLUNTEERS}/{volunteer.id}").json
    assert body["display_name"] in page and "上门理发服务" in page and "非常耐心" in page
    assert [s["id"] for s in body["services"]["items"]] == [service.id]
    assert f"{body['approved_hours']:.1f}" in page


def test_the_openapi_document_lists_the_volunteer_path(client):
    operation = client.get("/api/v1/openapi.json").json["paths"][
        "/api/v1/volunteers/{user_id}"]["get"]
    assert {"200", "401", "404", "422"} <= set(operation["responses"])
