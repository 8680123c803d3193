"""The API's ground: register, tokens, me, categories, errors, the document."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts import services as accounts
from marketplace.accounts.models import ApiToken
from marketplace.branches import services as branches
from marketplace.branches.models import MembershipKind, MembershipRole
from marketplace.db import utcnow
from marketplace.extensions import db

from .factories import PASSWORD, make_branch, make_user


def _token(client, username, password=PASSWORD):
    response = client.post("/api/v1/auth/token", json={"username": username,
                                                        "password": password})
    assert response.status_code == 200, response.json
    return response.json["token"]


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_register(client):
    response = client.post("/api/v1/auth/register", json={
        "username": "apiuser", "password": "a-long-pass-phrase", "display_name": "接口用户"})
    assert response.status_code == 201
    body = response.json
    assert body["username"] == "apiuser" and body["display_name"] == "接口用户"
    assert isinstance(body["id"], int) and "password" not in body


def test_register_a_taken_username_is_a_conflict(client):
    make_user(username="apiuser")
    response = client.post("/api/v1/auth/register", json={
        "username": "apiuser", "password": "a-long-pass-phrase", "display_name": "x"})
    assert response.status_code == 409
    assert response.json["error"]["code"] == "conflict"


@pytest.mark.parametrize(("body", "field"), [
    ({"username": "apiuser", "password": "short", "display_name": "x"}, "password"),
    ({"username": "apiuser", "password": "12345678", "display_name": "x"}, "password"),
    ({"username": "a", "password": "a-long-pass-phrase", "display_name": "x"}, "username"),
    ({"username": "apiuser", "password": "a-long-pass-phrase"}, "display_name"),
    ({"username": "bad name!", "password": "a-long-pass-phrase", "display_name": "x"},
     "username"),
])
def test_register_names_the_field_that_fails(client, body, field):
    response = client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation" and field in error["fields"]


def test_malformed_json_is_a_bad_request(client):
    response = client.post("/api/v1/auth/register", data="{not json",
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"


def test_token_and_me(client):
    user = make_user(username="lili", display_name="李丽", is_volunteer=True)
    branch = make_branch("湖墅社区党支部")
    branches.add_member(branch, user, MembershipKind.HOME, MembershipRole.LEAD)
    db.session.commit()
    token = _token(client, "lili")
    response = client.get("/api/v1/me", headers=_auth(token))
    assert response.status_code == 200
    assert response.json == {
        "id": user.id, "username": "lili", "display_name": "李丽", "is_admin": False,
        "is_volunteer": True, "is_party_member": True, "elder_mode": False,
        "branches": [{"id": branch.id, "name": "湖墅社区党支部", "membership": "home",
                      "role": "lead"}]}


def test_token_is_stored_only_as_a_digest(client):
    make_user(username="lili")
    token = _token(client, "lili")
    stored = db.session.scalar(sa.select(ApiToken.token_hash))
    assert stored != token and len(stored) == 64


def test_wrong_password_gets_401(client):
    make_user(username="lili")
    response = client.post("/api/v1/auth/token", json={"username": "lili", "password": "nope"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("header", [
    None, "Bearer forged-token", "Basic bGlsaTpwYXNz", "Bearer ", "bearer"])
def test_me_refuses_a_missing_or_forged_token(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_tokens_are_never_read_from_cookies(client):
    make_user(username="lili")
    token = _token(client, "lili")
    client.set_cookie("Authorization", f"Bearer {token}")
    client.set_cookie("token", token)
    assert client.get("/api/v1/me").status_code == 401


def test_a_browser_session_does_not_open_the_api(client, login_as):
    login_as(make_user())
    assert client.get("/api/v1/me").status_code == 401


def test_expired_token_is_refused(client):
    make_user(username="lili")
    token = _token(client, "lili")
    db.session.execute(sa.update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert client.get("/api/v1/me", headers=_auth(token)).status_code == 401


def test_logout_revokes_the_token(client):
    make_user(username="lili")
    token = _token(client, "lili")
    assert client.delete("/api/v1/auth/token", headers=_auth(token)).status_code == 204
    assert client.get("/api/v1/me", headers=_auth(token)).status_code == 401


def test_password_change_and_deactivation_end_tokens(client):
    user = make_user(username="lili")
    token = _token(client, "lili")
    accounts.change_password(user, PASSWORD, "another-long-secret")
    db.session.commit()
    assert client.get("/api/v1/me", headers=_auth(token)).status_code == 401
    token = _token(client, "lili", "another-long-secret")
    accounts.deactivate(user, actor=None)
    db.session.commit()
    assert client.get("/api/v1/me", headers=_auth(token)).status_code == 401
    response = client.post("/api/v1/auth/token", json={"username": "lili",
                                                        "password": "another-long-secret"})
    assert response.status_code == 403


def test_categories(client):
    response = client.get("/api/v1/categories")
    assert response.status_code == 200
    items = response.json["items"]
    assert [c["name"] for c in items] == ["便民利民", "环保公益", "爱心捐赠", "帮扶结对",
                                          "咨询辅导", "医疗健康", "法律援助", "文体教育"]
    assert all(set(c) >= {"id", "slug", "name", "name_en"} for c in items)


def test_unknown_api_path_answers_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


def test_openapi_document_lists_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, item in spec["paths"].items()
                  for method in item if method in HTTP_METHODS}
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith(
                ("api-docs.", "swagger_ui_assets")):
            continue
        path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        served |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == documented
    assert spec["paths"]["/api/v1/me"]["get"]["security"] == [{"bearerAuth": []}]


def test_api_docs_page_uses_local_assets(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/docs/assets/" in page and "cdn" not in page.lower()
    assert client.get("/api/v1/docs/assets/swagger-ui-bundle.js").status_code == 200
