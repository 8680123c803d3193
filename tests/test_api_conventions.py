"""The conventions every API operation shares (API.md "Conventions"), checked
on every operation of the OpenAPI document so a new one is covered too: a
body that is not JSON is 415, malformed JSON 400, a huge body 413, and a
validation error names each field in the reader's language."""

import re

import pytest

from marketplace.extensions import db

from .api_helpers import auth, error_field
from .factories import make_service, make_user

API = "/api/v1"


def _operations_with_a_body(client):
    document = client.get(f"{API}/openapi.json").json
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "requestBody" in operation:
                # Any id will do: the body is refused before the view looks it up.
                yield method.upper(), re.sub(r"\{[^}]+\}", "1", path), operation


@pytest.fixture
def headers(client):
    return auth(client, make_user(is_volunteer=True))


def test_every_operation_with_a_body_refuses_a_form_with_415(client, headers):
    seen = 0
    for method, path, operation in _operations_with_a_body(client):
        response = client.open(path, method=method, headers=headers,
                               data={"title": "修水管", "ids": "1"})
        assert response.status_code == 415, (method, path, response.json)
        assert response.json["error"]["code"] == "unsupported_media_type"
        assert "415" in operation["responses"], (method, path)
        seen += 1
    assert seen >= 25  # the document really lists the write operations


def test_every_operation_with_a_body_answers_malformed_json_with_400(client, headers):
    for method, path, operation in _operations_with_a_body(client):
        response = client.open(path, method=method, headers=headers, data='{"title": ',
                               content_type="application/json")
        assert response.status_code == 400, (method, path, response.json)
        assert response.json["error"]["code"] == "bad_request"
        assert "400" in operation["responses"], (method, path)


def test_a_body_over_64_kib_is_413_and_nothing_is_saved(client):
    response = client.post(f"{API}/auth/register",
                           json={"username": "big_body", "password": "x" * 70_000,
                                 "display_name": "大"})
    assert response.status_code == 413
    assert response.json["error"]["code"] == "too_large"
    assert client.post(f"{API}/auth/token", json={"username": "big_body",
                                                   "password": "x"}).status_code == 401


def test_a_body_less_action_still_takes_no_body(client, headers):
    """415 is for a body that is there and not JSON; an action without one is fine."""
    response = client.post(f"{API}/me/notifications/read", headers=headers)
    assert response.status_code == 200


@pytest.mark.parametrize("body, fields", [
    ({"username": "ab", "password": "short", "display_name": ""},
     {"username": "长度应在 3 到 40 之间。", "password": "长度应在 8 到 128 之间。",
      "display_name": "长度应在 1 到 40 之间。"}),
    ({"password": "wangtao-demo-2026", "display_name": "王", "age": 3},
     {"username": "此项必填。", "age": "无法识别此字段。"}),
    ({"username": 12, "password": None, "display_name": "王"},
     {"username": "请填写文字。", "password": "此项不能为空。"}),
])
def test_validation_errors_name_each_field_in_chinese(client, body, fields):
    response = client.post(f"{API}/auth/register", json=body)
    assert error_field(response) == set(fields)
    assert response.json["error"]["fields"] == fields
    assert response.json["error"]["message"] == "请检查您填写的内容。"


def test_ranges_and_choices_are_told_with_their_limits(client, headers):
    response = client.post(f"{API}/services", headers=headers,
                           json={"title": "义务理发", "description": "给老人理发",
                                 "category_id": 1, "community": "米市巷", "mode": "boat",
                                 "capacity": 0})
    fields = response.json["error"]["fields"]
    assert fields["mode"] == "请从以下选项中选择：home, place, online。"
    assert fields["capacity"].startswith("请填写 1 到 ")


def test_an_english_speaking_account_reads_english_messages(client):
    user = make_user(locale="en")
    db.session.commit()
    response = client.post(f"{API}/services", headers=auth(client, user), json={"title": ""})
    assert response.json["error"]["message"] == "Please check what you entered."
    assert response.json["error"]["fields"]["description"] == "This field is required."


def test_a_patch_without_a_body_changes_nothing_as_documented(client):
    volunteer = make_user(is_volunteer=True)
    service = make_service(volunteer, title="义务理发")
    response = client.patch(f"{API}/services/{service.id}", headers=auth(client, volunteer))
    assert response.status_code == 200 and response.json["title"] == "义务理发"
    document = client.get(f"{API}/openapi.json").json
    assert document["paths"]["/api/v1/services/{service_id}"]["patch"]["requestBody"].get(
        "required") is not True
