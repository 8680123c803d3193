"""Every endpoint the contract (shared/API.md, "Endpoints that must exist")
names is in the OpenAPI document with its success status and the error
statuses the contract promises, and the fields it lists are in the
documented answers. The behaviour behind each is tested in test_api_*.py."""

import pytest

API = "/api/v1"

# (method, path, success, errors the contract names for it)
CONTRACT = [
    ("post", "/auth/register", "201", {"409", "422"}),
    ("post", "/auth/token", "200", {"401"}),
    ("delete", "/auth/token", "204", {"401"}),
    ("get", "/me", "200", {"401"}),
    ("get", "/categories", "200", set()),
    ("get", "/services", "200", {"422"}),
    ("post", "/services", "201", {"401", "422"}),
    ("get", "/services/{service_id}", "200", {"404"}),
    ("patch", "/services/{service_id}", "200", {"403", "404", "422"}),
    ("post", "/services/{service_id}/enrollments", "201", {"403", "409", "422"}),
    ("get", "/services/{service_id}/enrollments", "200", {"403", "404"}),
    ("get", "/enrollments/{enrollment_id}", "200", {"404"}),
    *[("post", f"/enrollments/{{enrollment_id}}/{action}", "200", {"403", "404", "409"})
      for action in ("cancel", "confirm", "decline", "complete", "no-show")],
    ("post", "/enrollments/{enrollment_id}/feedback", "201", {"409", "422"}),
    ("get", "/me/enrollments", "200", {"401"}),
    ("post", "/help-requests", "201", {"422"}),
    ("get", "/help-requests", "200", {"422"}),
    ("get", "/help-requests/{request_id}", "200", {"404"}),
    ("post", "/help-requests/{request_id}/offers", "201", {"403", "409", "422"}),
    ("post", "/help-offers/{offer_id}/accept", "200", {"403", "409"}),
    ("post", "/help-requests/{request_id}/complete", "200", {"403", "409"}),
    ("post", "/help-requests/{request_id}/cancel", "200", {"403", "409"}),
    ("post", "/branches", "201", {"403", "422"}),
    ("get", "/branches", "200", {"422"}),
    ("post", "/branches/{branch_id}/members", "201", {"403", "404", "409", "422"}),
    ("get", "/branches/{branch_id}/summary", "200", {"404"}),
    ("post", "/hours", "201", {"403", "422"}),
    ("get", "/branches/{branch_id}/hours", "200", {"403", "404"}),
    ("post", "/hours/{record_id}/approve", "200", {"403", "409"}),
    ("post", "/hours/{record_id}/reject", "200", {"403", "409", "422"}),
    ("get", "/me/hours", "200", {"401"}),
]

# Fields the contract lists for an answer: (method, path, status) -> fields.
FIELDS = {
    ("post", "/auth/register", "201"): {"id", "username", "display_name"},
    ("post", "/auth/token", "200"): {"token", "expires_at"},
    ("get", "/me", "200"): {"id", "username", "display_name", "is_admin", "branches"},
    ("post", "/services", "201"): {"id", "status", "places_left"},
    ("get", "/services/{service_id}", "200"): {"places_left", "waitlist_length"},
    ("post", "/services/{service_id}/enrollments", "201"): {"id", "status",
                                                            "waitlist_position"},
    ("get", "/help-requests/{request_id}", "200"): {"status", "contact"},
    ("post", "/help-requests/{request_id}/offers", "201"): {"id"},
    ("post", "/hours", "201"): {"id", "status", "hours"},
    ("get", "/branches/{branch_id}/summary", "200"): {"id", "name", "members",
                                                     "approved_hours"},
    ("get", "/me/hours", "200"): {"approved_hours", "items"},
}


@pytest.fixture(scope="module")
def document(app):
    return app.test_client().get(f"{API}/openapi.json").json


@pytest.mark.parametrize(("method", "path", "success", "errors"), CONTRACT,
                         ids=[f"{m.upper()} {p}" for m, p, _, _ in CONTRACT])
def test_the_contract_endpoint_is_documented(document, method, path, success, errors):
    operation = document["paths"][f"{API}{path}"][method]
    responses = set(operation["responses"])
    assert success in responses
    assert errors <= responses, errors - responses


@pytest.mark.parametrize(("key", "fields"), FIELDS.items(),
                         ids=[f"{m.upper()} {p}" for m, p, _ in FIELDS])
def test_the_contract_fields_are_in_the_answer(document, key, fields):
    method, path, status = key
    schema = document["paths"][f"{API}{path}"][method]["responses"][status]["content"][
        "application/json"]["schema"]
    assert fields <= set(_properties(document, schema))


def test_lists_are_items_and_next_cursor(document):
    for path in ("/services", "/help-requests", "/me/enrollments", "/branches/{branch_id}/hours"):
        schema = document["paths"][f"{API}{path}"]["get"]["responses"]["200"]["content"][
            "application/json"]["schema"]
        assert {"items", "next_cursor"} <= set(_properties(document, schema)), path


def _properties(document, schema) -> dict:
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    properties = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        properties |= _properties(document, part)
    return properties
