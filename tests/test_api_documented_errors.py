"""Error answers the document promises, reached on every operation that
promises them (so a new operation is held to them too): 401 without a
token, 404 for an unknown id, 422 naming a forged cursor. The operations'
own files test their rules; this closes what those leave out."""

import re

import pytest

from marketplace.enrollments import services as enrollments
from marketplace.extensions import db
from marketplace.routing import MAX_ID

from .api_helpers import PHONE, auth, error_field
from .factories import make_service, make_user

API = "/api/v1"
UNKNOWN = str(MAX_ID)  # a valid id no row has


def _operations(client):
    document = client.get(f"{API}/openapi.json").json
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield method.upper(), path, operation


def _fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", UNKNOWN, path)


def test_every_operation_that_needs_a_token_refuses_none_with_401(client):
    checked = 0
    for method, path, operation in _operations(client):
        if "401" not in operation["responses"] or {} in operation.get("security", [{}]):
            continue  # public, or a token is optional there
        response = client.open(_fill(path), method=method, json={})
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.json["error"]["code"] == "unauthorized"
        checked += 1
    assert checked > 60


def test_every_operation_on_an_unknown_id_is_404_for_an_admin(client):
    """An admin may reach everything, so only the id can be missing. (Bodies
    are left out where they are optional; the rest are validated first.)"""
    headers = auth(client, make_user(is_admin=True, is_volunteer=True))
    checked = 0
    for method, path, operation in _operations(client):
        body = operation.get("requestBody")
        if "{" not in path or (body and body.get("required")):
            continue
        if path.endswith("/certificates/verify/{code}"):
            continue  # a code, not an id (its own tests cover it)
        response = client.open(_fill(path), method=method, headers=headers)
        assert response.status_code == 404, (method, path, response.json)
        checked += 1
    assert checked > 40


def test_every_list_refuses_a_forged_cursor_with_422_naming_it(client):
    headers = auth(client, make_user(is_admin=True, is_volunteer=True))
    checked = 0
    for method, path, operation in _operations(client):
        names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        if method != "GET" or "cursor" not in names or "{" in path or "parent_id" in names:
            continue  # (a ranking needs its group first; its own tests cover it)
        response = client.get(path, query_string={"cursor": "forged"}, headers=headers)
        assert "cursor" in error_field(response), path
        checked += 1
    assert checked > 10


@pytest.mark.parametrize("path", ["/hour-reports/{id}/answer", "/hour-reports/{id}/correct"])
def test_answering_an_unknown_report_is_404(client, path):
    body = {"answer": "记录无误"} if path.endswith("answer") else {
        "started_at": "2026-11-01T09:00", "ended_at": "2026-11-01T11:00",
        "description": "上门理发", "place": "米市巷"}
    response = client.post(API + path.replace("{id}", UNKNOWN), json=body,
                           headers=auth(client, make_user(is_admin=True)))
    assert response.status_code == 404


def test_only_the_resident_confirms_an_enrollment_took_place(client):
    volunteer = make_user(is_volunteer=True)
    enrollment = enrollments.join(make_service(volunteer, auto_confirm=True).id, make_user(),
                                  PHONE)
    db.session.commit()
    response = client.post(f"{API}/enrollments/{enrollment.id}/confirm-happened",
                           headers=auth(client, volunteer))
    assert response.status_code == 403


def test_renaming_an_alliance_to_nothing_is_422(client):
    headers = auth(client, make_user(is_admin=True))
    alliance = client.post(f"{API}/alliances", json={"name": "运河联盟"}, headers=headers).json
    response = client.patch(f"{API}/alliances/{alliance['id']}", json={"name": ""},
                            headers=headers)
    assert error_field(response) == {"name"}
