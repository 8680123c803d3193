"""Joining and posting are limited per account and per address, and a page
and the API draw on one count (limits.py); the answer is a Chinese 429 page
or JSON error with Retry-After."""

import pytest
import sqlalchemy as sa

from marketplace.enrollments.models import Enrollment
from marketplace.extensions import db
from marketplace.help import services as help_requests
from marketplace.help.models import HelpOffer, HelpRequest, Urgency
from marketplace.listings.categories import ensure_default_categories
from marketplace.listings.models import Service

from .api_helpers import PHONE, auth
from .conftest import IsolatedClient
from .factories import make_service, make_user
from .limits_helpers import limited_app

ROOMY = "1000 per minute"


@pytest.fixture
def limited(app):
    """A client factory on an app with the given limits: clients(**config)(address)."""
    apps = []

    def _clients(**config):
        context = limited_app(app, **config)
        strict = context.__enter__()
        apps.append(context)
        strict.test_client_class = IsolatedClient

        def client(address="10.0.0.1"):
            made = strict.test_client()
            made.environ_base["REMOTE_ADDR"] = address
            return made

        return client

    yield _clients
    for context in reversed(apps):
        context.__exit__(None, None, None)


def _login(client, user):
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


def _join_by_page(client, service):
    return client.post(f"/services/{service.id}/join", data={"contact": PHONE})


def _join_by_api(client, service, user):
    return client.post(f"/api/v1/services/{service.id}/enrollments", json={"contact": PHONE},
                       headers=auth(client, user))


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _help_form() -> dict:
    category = ensure_default_categories()["convenience"]
    return {"title": "帮忙换灯泡", "category_id": str(category.id), "details": "厨房的灯坏了",
            "urgency": "normal", "community": "米市巷社区",
            "preferred_time": "周末", "contact": PHONE}


def _assert_refused_in_chinese(response):
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    page = response.get_data(as_text=True)
    assert "尝试次数过多" in page
    assert "Traceback" not in page


def test_joining_by_page_and_api_shares_one_count_per_account(limited):
    client = limited(JOIN_RATE_LIMIT="2 per minute", JOIN_ADDRESS_RATE_LIMIT=ROOMY)()
    resident = make_user()
    _login(client, resident)
    first = _join_by_page(client, make_service())
    assert first.status_code == 302
    assert _join_by_api(client, make_service(), resident).status_code == 201
    third_service = make_service()
    _assert_refused_in_chinese(_join_by_page(client, third_service))
    api = _join_by_api(client, third_service, resident)
    assert api.status_code == 429 and api.json["error"]["code"] == "rate_limited"
    assert "Retry-After" in api.headers
    assert _count(Enrollment) == 2  # the refused joins took no place
    # Another resident on the same address still joins: the count is theirs.
    assert _join_by_page(_login(limited()(), make_user()), third_service).status_code == 302


def test_joining_is_limited_per_address_across_accounts(limited):
    clients = limited(JOIN_RATE_LIMIT=ROOMY, JOIN_ADDRESS_RATE_LIMIT="2 per minute")
    service = make_service(capacity=10)
    statuses = [_join_by_page(_login(clients("10.0.0.7"), make_user()), service).status_code
                for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert _join_by_page(_login(clients("10.0.0.8"), make_user()), service).status_code == 302
    assert _count(Enrollment) == 3


def test_posting_a_request_an_offer_and_a_service_share_one_count(limited):
    client = limited(POST_RATE_LIMIT="2 per minute", POST_ADDRESS_RATE_LIMIT=ROOMY)()
    volunteer = make_user(is_volunteer=True)
    _login(client, volunteer)
    assert client.post("/help/new", data=_help_form()).status_code == 302
    theirs = _someone_elses_request()
    headers = auth(client, volunteer)
    assert client.post(f"/api/v1/help-requests/{theirs.id}/offers", headers=headers,
                       json={"message": "我来"}).status_code == 201
    refused = client.post("/api/v1/services", headers=headers, json={
        "title": "上门理发", "description": "为老人理发", "category_id": theirs.category_id,
        "community": "米市巷社区", "mode": "home", "capacity": 3, "auto_confirm": True})
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    _assert_refused_in_chinese(client.post("/help/new", data=_help_form()))
    assert (_count(HelpRequest), _count(HelpOffer), _count(Service)) == (2, 1, 0)


def _someone_elses_request() -> HelpRequest:
    form = _help_form()
    request = help_requests.post_request(make_user(), help_requests.HelpRequestData(
        title=form["title"], details=form["details"], category_id=int(form["category_id"]),
        community=form["community"], contact=PHONE, urgency=Urgency.NORMAL,
        preferred_time=form["preferred_time"]))
    db.session.commit()
    return request


def test_posting_is_limited_per_address_and_the_forms_still_open(limited):
    clients = limited(POST_RATE_LIMIT=ROOMY, POST_ADDRESS_RATE_LIMIT="1 per minute")
    first = _login(clients("10.0.0.5"), make_user())
    assert first.post("/help/new", data=_help_form()).status_code == 302
    second = _login(clients("10.0.0.5"), make_user())
    _assert_refused_in_chinese(second.post("/help/new", data=_help_form()))
    assert second.get("/help/new").status_code == 200  # reading the form costs nothing
    elsewhere = _login(clients("10.0.0.6"), make_user())
    assert elsewhere.post("/help/new", data=_help_form()).status_code == 302
    assert _count(HelpRequest) == 2
