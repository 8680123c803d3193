"""Account actions over the API: becoming a volunteer and changing the
password (the pages' POST /account/volunteer and /account/password)."""

import pytest

from marketplace.accounts.passwords import verify_password
from marketplace.extensions import db

from .api_helpers import auth, error_field
from .factories import PASSWORD, make_user

ME = "/api/v1/me"
NEW = "a-brand-new-secret"


def _token_for(client, username, password=PASSWORD) -> dict:
    response = client.post("/api/v1/auth/token", json={"username": username,
                                                        "password": password})
    assert response.status_code == 200, response.json
    return {"Authorization": f"Bearer {response.json['token']}"}


# -- becoming a volunteer -----------------------------------------------------------

def test_a_resident_becomes_a_volunteer_and_may_publish(client):
    resident = make_user(display_name="刘奶奶")
    headers = auth(client, resident)
    response = client.post(f"{ME}/volunteer", headers=headers)
    assert response.status_code == 200, response.json
    assert response.json["id"] == resident.id and response.json["is_volunteer"] is True
    assert response.json == client.get(ME, headers=headers).json
    db.session.refresh(resident)
    assert resident.is_volunteer is True
    # twice changes nothing (as the page's button)
    again = client.post(f"{ME}/volunteer", headers=headers)
    assert again.status_code == 200 and again.json["is_volunteer"] is True


def test_becoming_a_volunteer_needs_a_token(client):
    assert client.post(f"{ME}/volunteer").status_code == 401
    assert client.post(f"{ME}/volunteer",
                       headers={"Authorization": "Bearer forged"}).status_code == 401


def test_the_page_and_the_api_make_a_volunteer_alike(client, client_for):
    by_page, by_api = make_user(), make_user()
    client_for(by_page).post("/account/volunteer")
    client.post(f"{ME}/volunteer", headers=auth(client, by_api))
    db.session.refresh(by_page)
    db.session.refresh(by_api)
    assert by_page.is_volunteer is by_api.is_volunteer is True


# -- changing the password --------------------------------------------------------------

def test_changing_the_password_ends_every_older_token_and_gives_a_fresh_one(client):
    user = make_user(username="lili")
    this = _token_for(client, "lili")
    other = _token_for(client, "lili")
    response = client.post(f"{ME}/password", headers=this,
                           json={"current_password": PASSWORD, "new_password": NEW})
    assert response.status_code == 200, response.json
    assert set(response.json) == {"token", "expires_at"}
    fresh = {"Authorization": f"Bearer {response.json['token']}"}
    assert client.get(ME, headers=this).status_code == 401
    assert client.get(ME, headers=other).status_code == 401
    assert client.get(ME, headers=fresh).status_code == 200
    # the new password logs in, the old one no more
    assert client.post("/api/v1/auth/token", json={"username": "lili",
                                                    "password": PASSWORD}).status_code == 401
    _token_for(client, "lili", NEW)
    db.session.refresh(user)
    assert verify_password(user.password_hash, NEW)


def test_changing_the_password_ends_page_sessions_too(client, client_for):
    user = make_user()
    browser = client_for(user)
    assert browser.get("/account/password").status_code == 200
    client.post(f"{ME}/password", headers=auth(client, user),
                json={"current_password": PASSWORD, "new_password": NEW})
    assert browser.get("/account/password").status_code == 302  # to the login page


def test_a_wrong_current_password_is_refused_naming_it(client):
    user = make_user()
    headers = auth(client, user)
    response = client.post(f"{ME}/password", headers=headers,
                           json={"current_password": "not-my-password", "new_password": NEW})
    assert error_field(response) == {"current_password"}
    assert client.get(ME, headers=headers).status_code == 200  # nothing changed
    db.session.refresh(user)
    assert verify_password(user.password_hash, PASSWORD)


@pytest.mark.parametrize("new", ["short", "password", "x" * 129])
def test_a_weak_new_password_is_refused_naming_it(client, new):
    user = make_user()
    headers = auth(client, user)
    response = client.post(f"{ME}/password", headers=headers,
                           json={"current_password": PASSWORD, "new_password": new})
    assert error_field(response) == {"new_password"}
    assert client.get(ME, headers=headers).status_code == 200
    db.session.refresh(user)
    assert verify_password(user.password_hash, PASSWORD)


def test_the_username_as_new_password_is_refused(client):
    user = make_user(username="liuxiaoming")
    response = client.post(f"{ME}/password", headers=auth(client, user),
                           json={"current_password": PASSWORD, "new_password": "LiuXiaoMing"})
    assert error_field(response) == {"new_password"}


@pytest.mark.parametrize("body, field", [
    ({"new_password": NEW}, "current_password"),
    ({"current_password": PASSWORD}, "new_password"),
    ({"current_password": "", "new_password": NEW}, "current_password"),
    ({"current_password": PASSWORD, "new_password": 12345678}, "new_password"),
])
def test_missing_or_malformed_fields_are_named(client, body, field):
    user = make_user()
    response = client.post(f"{ME}/password", headers=auth(client, user), json=body)
    assert field in error_field(response)


def test_changing_the_password_needs_a_token(client):
    response = client.post(f"{ME}/password",
                           json={"current_password": PASSWORD, "new_password": NEW})
    assert response.status_code == 401


def test_the_page_and_the_api_refuse_the_same_new_password(client, client_for):
    user = make_user()
    page = client_for(user).post("/account/password", data={
        "current_password": PASSWORD, "new_password": "password", "confirm": "password"})
    assert page.status_code == 200  # the form again, with the error beside new_password
    api = client.post(f"{ME}/password", headers=auth(client, user),
                      json={"current_password": PASSWORD, "new_password": "password"})
    assert error_field(api) == {"new_password"}
    assert api.json["error"]["fields"]["new_password"] in page.get_data(as_text=True)
    db.session.refresh(user)
    assert verify_password(user.password_hash, PASSWORD)


def test_the_openapi_document_lists_the_account_actions(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"200", "401"} <= set(paths["/api/v1/me/volunteer"]["post"]["responses"])
    assert {"200", "401", "422"} <= set(paths["/api/v1/me/password"]["post"]["responses"])
