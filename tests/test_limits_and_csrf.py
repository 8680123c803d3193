"""Rate limits on logging in and CSRF on forms, with those protections on
(the shared test app turns both off)."""


import pytest

from .factories import PASSWORD, make_user
from .limits_helpers import limited_app


@pytest.fixture
def strict_app(app):
    with limited_app(app, LOGIN_RATE_LIMIT="3 per minute", REGISTER_RATE_LIMIT="2 per minute",
                     WTF_CSRF_ENABLED=True) as strict:
        yield strict


def _csrf_token(client, path):
    import re

    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_login_is_rate_limited_with_a_chinese_page_and_retry_after(strict_app):
    make_user(username="lili")
    client = strict_app.test_client()
    token = _csrf_token(client, "/account/login")
    for _ in range(3):
        response = client.post("/account/login", data={
            "username": "lili", "password": "wrong-password", "csrf_token": token})
        assert response.status_code == 200
    response = client.post("/account/login", data={
        "username": "lili", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 429
    assert "尝试次数过多" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0


def test_login_limit_also_counts_per_username_across_addresses(strict_app):
    make_user(username="lili")
    statuses = []
    for n in range(4):
        client = strict_app.test_client()
        token = _csrf_token(client, "/account/login")
        statuses.append(client.post(
            "/account/login", environ_base={"REMOTE_ADDR": f"10.0.0.{n}"},
            data={"username": "lili", "password": "wrong", "csrf_token": token}).status_code)
    assert statuses == [200, 200, 200, 429]


def test_api_token_endpoint_is_rate_limited(strict_app):
    make_user(username="lili")
    client = strict_app.test_client()
    codes = [client.post("/api/v1/auth/token", json={"username": "lili", "password": "x"})
             .status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    assert client.post("/api/v1/auth/token", json={"username": "lili", "password": "x"}
                       ).json["error"]["code"] == "rate_limited"


def test_api_password_change_is_rate_limited_per_account(strict_app):
    """A stolen token must not be a way to guess the current password."""
    make_user(username="mima")
    client = strict_app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "mima", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.json['token']}"}
    for _ in range(3):
        response = client.post("/api/v1/me/password", headers=headers,
                               json={"current_password": "guess-1234",
                                     "new_password": "a-new-pass-2026"})
        assert response.status_code == 422
    response = client.post("/api/v1/me/password", headers=headers,
                           json={"current_password": PASSWORD,
                                 "new_password": "a-new-pass-2026"})
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert response.json["error"]["code"] == "rate_limited"


def test_forms_without_csrf_token_are_refused(strict_app):
    make_user(username="lili")
    client = strict_app.test_client()
    response = client.post("/account/login", data={"username": "lili", "password": PASSWORD})
    assert response.status_code == 400
    assert "页面已过期" in response.get_data(as_text=True)
    assert client.post("/account/register", data={"username": "x"}).status_code == 400
    assert client.post("/lang/en", data={"next": "/"}).status_code == 400


def test_api_needs_no_csrf_token(strict_app):
    client = strict_app.test_client()
    response = client.post("/api/v1/auth/register", json={
        "username": "apiuser", "password": "a-long-pass-phrase", "display_name": "接口用户"})
    assert response.status_code == 201


def _post_urls(app) -> list[str]:
    """Every form route in the app's URL map (not the API, which takes
    bearer tokens), with its arguments filled in: a new form is covered by
    the next test without anyone adding it."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith("/api/"):
            continue
        values = {}
        for name, converter in rule._converters.items():
            items = getattr(converter, "items", None)
            values[name] = sorted(items)[0] if items else ("1" if converter.regex == r"\d+"
                                                           else "x")
        urls.append(rule.build(values, append_unknown=False)[1])
    return urls


def test_every_form_route_refuses_a_post_without_its_csrf_token(strict_app, login_as):
    admin = make_user(is_admin=True)
    urls = _post_urls(strict_app)
    assert len(urls) > 40  # the whole map, not a handful
    for who in (None, admin):
        client = strict_app.test_client()
        if who is not None:
            login_as(who, on=client)
        for url in urls:
            response = client.post(url, data={"name": "x"})
            assert response.status_code == 400, (url, response.status_code)
