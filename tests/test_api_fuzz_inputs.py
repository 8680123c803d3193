"""Inputs a schemathesis run found to break the API (.ci/fuzz-api):
each must be answered with a documented status and an error body, never a 500."""

import json

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.listings.models import Category

from .api_helpers import auth, error_field
from .factories import make_service, make_user


@pytest.mark.parametrize("path", ["/api/v1/services", "/api/v1/help-requests"])
@pytest.mark.parametrize("category", [
    "99999999999999999999999",  # overflowed the database driver
    "9223372036854775808",  # one past the largest id
    "²",  # a Unicode digit: str.isdigit() is true, int() refuses it
    "٣",  # an Arabic-Indic digit
])
def test_a_category_filter_that_is_no_id_is_a_named_422(client, path, category):
    assert "category" in error_field(client.get(path, query_string={"category": category}))


@pytest.mark.parametrize("path", ["/api/v1/services", "/api/v1/help-requests"])
def test_a_category_filter_by_id_or_slug_still_works(client, path):
    category_id = db.session.scalar(sa.select(Category.id).where(Category.slug == "convenience"))
    assert client.get(path, query_string={"category": str(category_id)}).status_code == 200
    assert client.get(path, query_string={"category": "convenience"}).status_code == 200


# NUL is refused by PostgreSQL in any text value, and a lone surrogate cannot
# be encoded by either driver: both were 500s once they reached a query.
UNSTORABLE = ["a\x00b", "a\ud800b"]


def _post_json(client, path, body):
    """As a client sends it: escaped (the test client cannot encode a lone surrogate)."""
    return client.post(path, data=json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("text", UNSTORABLE)
def test_unstorable_text_in_a_json_field_is_a_named_422(client, text):
    response = _post_json(client, "/api/v1/auth/token", {"username": text, "password": "x"})
    assert "username" in error_field(response)


@pytest.mark.parametrize("text", UNSTORABLE)
def test_unstorable_text_nested_in_json_names_the_top_field(client, text):
    response = _post_json(client, "/api/v1/auth/register",
                          {"username": "fuzz_user", "password": "pw",
                           "display_name": {"nested": [text]}})
    assert "display_name" in error_field(response)


@pytest.mark.parametrize("path", ["/api/v1/services", "/api/v1/help-requests",
                                  "/api/v1/branches"])
def test_a_nul_in_a_query_argument_is_a_named_422(client, path):
    assert "q" in error_field(client.get(path, query_string={"q": "a\x00b"}))


def test_a_nul_in_a_category_slug_is_a_named_422(client):
    assert "category" in error_field(
        client.get("/api/v1/services", query_string={"category": "a\x00"}))


def test_ordinary_text_is_untouched(client):
    assert client.get("/api/v1/services", query_string={"q": "上门 打扫"}).status_code == 200
    response = client.post("/api/v1/auth/token", json={"username": "nobody", "password": "x"})
    assert response.status_code == 401


def test_malformed_json_is_still_a_bad_request(client):
    response = client.post("/api/v1/auth/token", data="{\"username\": \"a\\u0000",
                           content_type="application/json")
    assert response.status_code == 400


# POST /services with {"category_id": 853766241896094498816} was a 500
# (OverflowError in the driver): the id is bounded like every other body id.
SERVICE = {"title": "义务理发", "description": "为老人上门理发", "community": "米市巷社区",
           "mode": "home", "capacity": 3}


@pytest.mark.parametrize("category_id", [853766241896094498816, 2**31, 0, -1])
def test_publishing_with_an_impossible_category_id_is_a_named_422(client, category_id):
    headers = auth(client, make_user(is_volunteer=True))
    response = client.post("/api/v1/services", json=SERVICE | {"category_id": category_id},
                           headers=headers)
    assert "category_id" in error_field(response)


def test_patching_to_an_impossible_category_id_is_a_named_422(client):
    service = make_service()
    headers = auth(client, service.volunteer)
    response = client.patch(f"/api/v1/services/{service.id}",
                            json={"category_id": 853766241896094498816}, headers=headers)
    assert "category_id" in error_field(response)


@pytest.mark.parametrize("path", ["/api/v1/services/2147483648", "/api/v1/hours/2147483648",
                                  "/services/2147483648", "/branches/9223372036854775806"])
def test_an_id_past_the_integer_columns_is_not_found(client, path):
    """Ids in paths are bounded to a 32-bit INTEGER column (routing.MAX_ID):
    one past it was "integer out of range", a 500 on PostgreSQL."""
    headers = auth(client, make_user()) if path.startswith("/api/") else {}
    assert client.get(path, headers=headers).status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/branches/2147483648/members",
                                  "/api/v1/help-requests/2147483648/offers"])
def test_such_an_id_is_404_where_the_path_has_another_method_too(client, path):
    """Not 405: the path exists (POST), it is the id that does not."""
    assert client.get(path, headers=auth(client, make_user())).status_code == 404


def test_the_document_bounds_path_ids_to_the_columns(client):
    document = client.get("/api/v1/openapi.json").json
    parameter = next(p for p in document["paths"]["/api/v1/services/{service_id}"]["parameters"]
                     if p["name"] == "service_id")
    assert parameter["schema"]["maximum"] == 2**31 - 1


@pytest.mark.parametrize("query", [{"q": "a\x00b"}, {"community": "社区\x00"}])
def test_unstorable_text_in_a_page_query_is_a_clear_422(client, query):
    """Pages too: "%00" in a search box was a 500 on PostgreSQL."""
    response = client.get("/services", query_string=query)
    assert response.status_code == 422
    assert "<html" in response.get_data(as_text=True)


def test_unstorable_text_in_a_posted_form_is_refused(client, login_as):
    login_as(make_user())
    response = client.post("/help/new", data={"title": "修\x00水管"})
    assert response.status_code == 422
