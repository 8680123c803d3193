"""Admin moderation over the API: hiding and unhiding services and help
requests, who may, and what the detail answers show afterwards."""

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.extensions import db
from marketplace.help import services as help_requests
from marketplace.help.models import HelpRequest, Urgency
from marketplace.listings.categories import ensure_default_categories
from marketplace.listings.models import Category, Service

from .api_helpers import auth, error_field
from .factories import make_lead, make_service, make_user

SERVICES = "/api/v1/services"
BOARD = "/api/v1/help-requests"


def _posted(requester=None) -> HelpRequest:
    request = help_requests.post_request(requester or make_user(), help_requests.HelpRequestData(
        title="修水管", details="厨房水管漏水", category_id=ensure_default_categories()[
            "convenience"].id, community="米市巷社区", contact="13800138000",
        urgency=Urgency.NORMAL))
    db.session.commit()
    return request


def _open_count(service) -> int:
    return db.session.scalar(sa.select(Category.open_service_count)
                             .where(Category.id == service.category_id))


def _post(client, path, user=None, **kwargs):
    return client.post(path, headers=auth(client, user) if user else {}, **kwargs)


def _get(client, path, user=None):
    return client.get(path, headers=auth(client, user) if user else {})


# -- services -----------------------------------------------------------------------

def test_admin_hides_and_unhides_a_service(client):
    admin = make_user(is_admin=True)
    service = make_service()
    volunteer = service.volunteer
    # the factory does not count; start from what the rules would have
    db.session.execute(sa.update(Category).where(Category.id == service.category_id)
                       .values(open_service_count=1))
    db.session.commit()

    response = _post(client, f"{SERVICES}/{service.id}/hide", admin,
                     json={"reason": "  重复发布  "})
    assert response.status_code == 200, response.json
    assert response.json["id"] == service.id
    assert response.json["hidden"] is True
    assert response.json["hidden_reason"] == "重复发布"
    assert response.json["hidden_at"] is not None
    assert _open_count(service) == 0
    entry = db.session.scalar(sa.select(AuditEntry).filter_by(action="service.hide"))
    assert entry.actor_id == admin.id and entry.target_id == service.id

    # out of every list; its volunteer and admins still see it, marked hidden
    assert _get(client, f"{SERVICES}/{service.id}").status_code == 404
    assert _get(client, f"{SERVICES}/{service.id}", make_user()).status_code == 404
    assert service.id not in [i["id"] for i in _get(client, SERVICES).json["items"]]
    for viewer in (volunteer, admin):
        seen = _get(client, f"{SERVICES}/{service.id}", viewer)
        assert seen.status_code == 200
        assert seen.json["hidden"] is True and seen.json["hidden_reason"] == "重复发布"
    mine = _get(client, "/api/v1/me/services", volunteer).json["items"]
    assert [(i["id"], i["hidden"]) for i in mine] == [(service.id, True)]

    response = _post(client, f"{SERVICES}/{service.id}/unhide", admin)
    assert response.status_code == 200, response.json
    assert response.json["hidden"] is False and response.json["hidden_reason"] is None
    assert response.json["hidden_at"] is None
    assert _open_count(service) == 1
    public = _get(client, f"{SERVICES}/{service.id}")
    assert public.status_code == 200 and public.json["hidden"] is False
    assert public.json["hidden_reason"] is None
    assert db.session.scalar(sa.select(AuditEntry).filter_by(action="service.unhide"))


def test_only_admins_hide_or_unhide_a_service(client):
    service = make_service()
    branch_lead = make_lead()
    for user in (make_user(), make_user(is_volunteer=True), service.volunteer, branch_lead):
        assert _post(client, f"{SERVICES}/{service.id}/hide", user,
                     json={"reason": "垃圾信息"}).status_code == 403
    assert _post(client, f"{SERVICES}/{service.id}/hide",
                 json={"reason": "垃圾信息"}).status_code == 401
    assert _post(client, f"{SERVICES}/{service.id}/unhide").status_code == 401
    db.session.refresh(service)
    assert service.hidden_at is None

    service.hidden_at, service.hidden_reason = db.func.now(), "垃圾信息"
    db.session.commit()
    for user in (make_user(), service.volunteer, branch_lead):
        assert _post(client, f"{SERVICES}/{service.id}/unhide", user).status_code == 403
    db.session.refresh(service)
    assert service.hidden_at is not None


def test_hiding_a_service_twice_or_unhiding_a_visible_one_is_a_conflict(client):
    admin = make_user(is_admin=True)
    service = make_service()
    assert _post(client, f"{SERVICES}/{service.id}/unhide", admin).status_code == 409
    assert _post(client, f"{SERVICES}/{service.id}/hide", admin,
                 json={"reason": "重复发布"}).status_code == 200
    response = _post(client, f"{SERVICES}/{service.id}/hide", admin, json={"reason": "又一次"})
    assert response.status_code == 409
    assert response.json["error"]["code"] == "conflict"


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "x"}, {"reason": "   "},
                                  {"reason": "长" * 201}, {"reason": 5}])
def test_hiding_a_service_needs_a_reason(client, body):
    admin = make_user(is_admin=True)
    service = make_service()
    response = _post(client, f"{SERVICES}/{service.id}/hide", admin, json=body)
    assert error_field(response) == {"reason"}
    db.session.refresh(service)
    assert service.hidden_at is None


def test_moderating_an_unknown_service_is_404(client):
    admin = make_user(is_admin=True)
    assert _post(client, f"{SERVICES}/999999/hide", admin,
                 json={"reason": "重复发布"}).status_code == 404
    assert _post(client, f"{SERVICES}/999999/unhide", admin).status_code == 404


def test_the_page_and_the_api_hide_a_service_alike(client, client_for):
    admin = make_user(is_admin=True)
    by_page, by_api = make_service(), make_service()
    client_for(admin).post(f"/services/{by_page.id}/hide", data={"reason": "重复发布"})
    _post(client, f"{SERVICES}/{by_api.id}/hide", admin, json={"reason": "重复发布"})
    rows = db.session.scalars(sa.select(Service).order_by(Service.id)).all()
    assert [(s.hidden_at is not None, s.hidden_reason) for s in rows] == [(True, "重复发布")] * 2
    # what the page refuses (no reason) the API refuses too
    again = make_service()
    client_for(admin).post(f"/services/{again.id}/hide", data={"reason": ""})
    assert error_field(_post(client, f"{SERVICES}/{again.id}/hide", admin,
                             json={"reason": " "})) == {"reason"}
    db.session.refresh(again)
    assert again.hidden_at is None


# -- help requests ----------------------------------------------------------------------

def test_admin_hides_and_unhides_a_help_request(client):
    admin = make_user(is_admin=True)
    requester = make_user()
    request = _posted(requester)
    response = _post(client, f"{BOARD}/{request.id}/hide", admin, json={"reason": "广告"})
    assert response.status_code == 200, response.json
    assert response.json["hidden"] is True and response.json["hidden_reason"] == "广告"
    assert db.session.scalar(sa.select(AuditEntry).filter_by(action="help_request.hide"))

    assert _get(client, f"{BOARD}/{request.id}").status_code == 404
    assert _get(client, f"{BOARD}/{request.id}", make_user(is_volunteer=True)).status_code == 404
    assert request.id not in [i["id"] for i in _get(client, BOARD).json["items"]]
    for viewer in (requester, admin):
        seen = _get(client, f"{BOARD}/{request.id}", viewer)
        assert seen.status_code == 200
        assert seen.json["hidden"] is True and seen.json["hidden_reason"] == "广告"

    response = _post(client, f"{BOARD}/{request.id}/unhide", admin)
    assert response.status_code == 200, response.json
    assert response.json["hidden"] is False and response.json["hidden_reason"] is None
    public = _get(client, f"{BOARD}/{request.id}")
    assert public.status_code == 200 and public.json["hidden_reason"] is None
    assert db.session.scalar(sa.select(AuditEntry).filter_by(action="help_request.unhide"))


def test_only_admins_hide_or_unhide_a_help_request(client):
    requester = make_user()
    request = _posted(requester)
    for user in (requester, make_user(is_volunteer=True), make_lead()):
        assert _post(client, f"{BOARD}/{request.id}/hide", user,
                     json={"reason": "广告"}).status_code == 403
        assert _post(client, f"{BOARD}/{request.id}/unhide", user).status_code == 403
    assert _post(client, f"{BOARD}/{request.id}/hide", json={"reason": "广告"}).status_code == 401
    assert _post(client, f"{BOARD}/{request.id}/unhide").status_code == 401
    db.session.refresh(request)
    assert request.hidden_at is None


def test_help_request_moderation_conflicts_bad_input_and_unknown_ids(client):
    admin = make_user(is_admin=True)
    request = _posted()
    assert _post(client, f"{BOARD}/{request.id}/unhide", admin).status_code == 409
    assert error_field(_post(client, f"{BOARD}/{request.id}/hide", admin,
                             json={"reason": "a"})) == {"reason"}
    assert error_field(_post(client, f"{BOARD}/{request.id}/hide", admin, json={})) == {"reason"}
    assert _post(client, f"{BOARD}/{request.id}/hide", admin,
                 json={"reason": "广告"}).status_code == 200
    assert _post(client, f"{BOARD}/{request.id}/hide", admin,
                 json={"reason": "广告"}).status_code == 409
    assert _post(client, f"{BOARD}/999999/hide", admin, json={"reason": "广告"}).status_code == 404
    assert _post(client, f"{BOARD}/999999/unhide", admin).status_code == 404


def test_the_page_and_the_api_hide_a_help_request_alike(client, client_for):
    admin = make_user(is_admin=True)
    by_page, by_api = _posted(), _posted()
    client_for(admin).post(f"/help/{by_page.id}/hide", data={"reason": "广告"})
    _post(client, f"{BOARD}/{by_api.id}/hide", admin, json={"reason": "广告"})
    rows = db.session.scalars(sa.select(HelpRequest).order_by(HelpRequest.id)).all()
    assert [(r.hidden_at is not None, r.hidden_reason) for r in rows] == [(True, "广告")] * 2


def test_the_openapi_document_lists_the_moderation_paths(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/services/{service_id}/hide", "/api/v1/services/{service_id}/unhide",
                 "/api/v1/help-requests/{request_id}/hide",
                 "/api/v1/help-requests/{request_id}/unhide"):
        responses = paths[path]["post"]["responses"]
        assert {"200", "401", "403", "404", "409"} <= set(responses), path
    assert "422" in paths["/api/v1/services/{service_id}/hide"]["post"]["responses"]
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    for name in ("ServiceOut", "HelpRequestOut"):
        assert {"hidden", "hidden_reason"} <= set(schemas[name]["properties"]), name
