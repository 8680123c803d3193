"""Register, log in and out, change password, deactivation, safe redirects."""

import pytest
import sqlalchemy as sa

from marketplace.accounts import services as accounts
from marketplace.accounts.models import User
from marketplace.extensions import db

from .factories import PASSWORD, make_user


def _register(client, **overrides):
    data = {"username": "laowang", "display_name": "老王", "phone": "13900001111",
            "password": "a-long-pass-phrase", "confirm": "a-long-pass-phrase"}
    data.update(overrides)
    return client.post("/account/register", data=data)


def _login(client, username, password=PASSWORD, **extra):
    return client.post("/account/login", data={"username": username, "password": password},
                       **extra)


def _find(username):
    return db.session.scalar(sa.select(User).filter_by(username=username))


def test_register_creates_the_account_and_logs_in(client):
    response = _register(client)
    assert response.status_code == 302
    user = _find("laowang")
    assert user.display_name == "老王" and user.phone == "13900001111"
    assert user.password_hash != "a-long-pass-phrase"
    assert "老王" in client.get("/").get_data(as_text=True)


def test_register_a_taken_username_keeps_what_was_typed(client):
    make_user(username="laowang")
    response = _register(client, display_name="另一个老王")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "这个用户名已被注册" in page
    assert 'value="另一个老王"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_username_is_unique_whatever_the_case(client):
    make_user(username="laowang")
    assert "这个用户名已被注册" in _register(client, username="LaoWang").get_data(as_text=True)


@pytest.mark.parametrize(("password", "message"), [
    ("short", "至少"),
    ("12345678", "太容易被猜到"),
    ("laowang", "至少"),
    ("x" * 129, "最多"),
])
def test_register_refuses_a_weak_password(client, password, message):
    page = _register(client, password=password, confirm=password).get_data(as_text=True)
    assert message in page
    assert _find("laowang") is None


def test_register_refuses_a_password_equal_to_the_username(client):
    page = _register(client, username="laowang2024", password="laowang2024",
                     confirm="laowang2024").get_data(as_text=True)
    assert "太容易被猜到" in page


def test_register_requires_matching_passwords_and_fields(client):
    page = _register(client, confirm="something-else", display_name="").get_data(as_text=True)
    assert "两次输入的密码不一致" in page
    assert "该字段是必填字段" in page
    assert _find("laowang") is None


def test_a_long_password_is_allowed(client):
    long_password = "长城" * 40
    assert _register(client, password=long_password, confirm=long_password).status_code == 302


def test_login_and_logout(client):
    make_user(username="lili", display_name="李丽")
    response = _login(client, "lili")
    assert response.status_code == 302
    assert "李丽" in client.get("/").get_data(as_text=True)
    assert _find("lili").last_login_at is not None
    assert client.post("/account/logout").status_code == 302
    assert "李丽" not in client.get("/").get_data(as_text=True)


def test_logging_out_ends_every_session_and_token_of_the_account(app, client):
    make_user(username="lili", display_name="李丽")
    _login(client, "lili")
    copied = app.test_client()  # the same cookie, copied before the logout
    copied.set_cookie("session", client.get_cookie("session").value)
    other_device = app.test_client()
    _login(other_device, "lili")
    token = client.post("/api/v1/auth/token", json={
        "username": "lili", "password": PASSWORD}).json["token"]
    assert copied.get("/my/enrollments").status_code == 200
    assert client.post("/account/logout").status_code == 302
    for browser in (copied, other_device):
        response = browser.get("/my/enrollments")
        assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert client.get("/api/v1/me", headers={
        "Authorization": f"Bearer {token}"}).status_code == 401


def test_logging_in_starts_a_new_session(client):
    make_user(username="lili")
    with client.session_transaction() as before:
        before["csrf_token"] = "planted-before-login"
        before["planted"] = "by someone else"
    _login(client, "lili")
    with client.session_transaction() as after:
        assert "planted" not in after and after.get("csrf_token") != "planted-before-login"
        assert after["_user_id"]


def test_logout_is_not_possible_by_get(client, login_as):
    login_as(make_user())
    assert client.get("/account/logout").status_code == 405


def test_wrong_password_and_unknown_user_get_the_same_answer(client):
    make_user(username="lili")
    wrong = _login(client, "lili", "not-the-password").get_data(as_text=True)
    unknown = _login(client, "nobody", "not-the-password").get_data(as_text=True)
    assert "用户名或密码错误" in wrong and "用户名或密码错误" in unknown
    assert client.get("/admin/").status_code == 302  # still anonymous


def test_deactivated_account_cannot_log_in(client):
    make_user(username="lili", is_active=False)
    page = _login(client, "lili").get_data(as_text=True)
    assert "该账号已被停用" in page
    assert client.get("/account/password").status_code == 302


def test_deactivation_ends_an_open_session(client, login_as):
    user = make_user()
    login_as(user)
    assert client.get("/account/password").status_code == 200
    accounts.deactivate(user, actor=None)
    db.session.commit()
    assert client.get("/account/password").status_code == 302


def test_change_password_ends_other_sessions_but_not_this_one(app, client, login_as):
    user = make_user()
    other_device = login_as(user, on=app.test_client())
    login_as(user)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "brand-new-secret",
        "confirm": "brand-new-secret"})
    assert response.status_code == 302
    assert client.get("/account/password").status_code == 200
    assert other_device.get("/account/password").status_code == 302
    client.post("/account/logout")
    assert _login(client, user.username, "brand-new-secret").status_code == 302


def test_change_password_with_a_wrong_current_password(client, login_as):
    user = make_user()
    login_as(user)
    page = client.post("/account/password", data={
        "current_password": "wrong-one", "new_password": "brand-new-secret",
        "confirm": "brand-new-secret"}).get_data(as_text=True)
    assert "当前密码不正确" in page
    assert accounts.authenticate(user.username, PASSWORD)


def test_change_password_refuses_a_weak_new_password(client, login_as):
    login_as(make_user())
    page = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "password",
        "confirm": "password"}).get_data(as_text=True)
    assert "太容易被猜到" in page


def test_login_follows_a_local_next(client):
    make_user(username="lili", is_admin=True)
    response = client.post("/account/login?next=/admin/", data={
        "username": "lili", "password": PASSWORD, "next": "/admin/"})
    assert response.headers["Location"] == "/admin/"


@pytest.mark.parametrize("target", [
    "//evil.example", "/\\evil.example", "////evil.example", "https://evil.example",
    "javascript:alert(1)", "http:/evil.example", " //evil.example", "/\t/evil.example",
])
def test_login_never_redirects_off_site(client, target):
    make_user(username="lili")
    response = client.post("/account/login", data={
        "username": "lili", "password": PASSWORD, "next": target})
    assert response.headers["Location"] == "/"


def test_login_page_asks_for_login_on_protected_pages(client):
    response = client.get("/account/password")
    assert response.status_code == 302
    assert "/account/login?next=" in response.headers["Location"]


def test_remember_me_keeps_the_login_until_the_password_changes(app, client):
    user = make_user(username="lili")
    client.post("/account/login", data={"username": "lili", "password": PASSWORD,
                                        "remember": "y"})
    remember = client.get_cookie("remember_token")
    assert remember is not None

    fresh_browser = app.test_client()  # the session cookie is gone, the remember cookie stays
    fresh_browser.set_cookie("remember_token", remember.value)
    assert fresh_browser.get("/account/password").status_code == 200

    accounts.set_password(user, "a-brand-new-secret")
    db.session.commit()
    stale_browser = app.test_client()
    stale_browser.set_cookie("remember_token", remember.value)
    assert stale_browser.get("/account/password").status_code == 302
