"""Elder mode (长辈模式): the header's switch, remembered on the device (a
cookie) and on the account; pages drawn with html.elder and elder.css; the
page cache keeps a copy of each mode for anonymous readers."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.extensions import db

from .api_helpers import auth
from .factories import PASSWORD, make_service, make_user
from .limits_helpers import limited_app
from .page_helpers import text

ELDER_HTML = re.compile(r'<html class="[^"]*\belder\b')
SWITCH = "/account/elder-mode"


def in_elder_mode(response) -> bool:
    page = text(response)
    drawn = bool(ELDER_HTML.search(page))
    assert drawn == ("css/elder.css" in page)  # the class and its styles come together
    return drawn


def account_mode(user) -> bool:
    return db.session.scalar(sa.select(User.elder_mode).filter_by(id=user.id))


def test_pages_are_in_the_normal_mode_by_default(client):
    page = client.get("/")
    assert not in_elder_mode(page)
    assert 'name="on" value="1"' in text(page) and "长辈模式" in text(page)


def test_an_anonymous_visitor_switches_on_this_device(client):
    response = client.post(SWITCH, data={"on": "1", "next": "/services?page=2"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/services?page=2"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("wt_elder=1;") and "SameSite=Lax" in cookie
    assert "Max-Age=31536000" in cookie
    page = client.get("/services")
    assert in_elder_mode(page) and "退出长辈模式" in text(page)

    client.post(SWITCH, data={"on": "0", "next": "/"})
    assert not in_elder_mode(client.get("/services"))


def test_a_signed_in_switch_is_kept_on_the_account_on_every_device(client, client_for):
    user = make_user()
    phone = client_for(user)
    phone.post(SWITCH, data={"on": "1", "next": "/"})
    assert account_mode(user) is True
    assert in_elder_mode(client_for(user).get("/"))  # another device, no cookie
    phone.post(SWITCH, data={"on": "0", "next": "/"})
    assert account_mode(user) is False
    assert not in_elder_mode(client_for(user).get("/"))


def test_the_account_decides_over_the_device_cookie(client_for):
    user = make_user()
    user.elder_mode = True
    db.session.commit()
    device = client_for(user)
    device.set_cookie("wt_elder", "0")
    response = device.get("/")
    assert in_elder_mode(response)
    # The device follows the account, to stay in its mode after logging out.
    assert response.headers["Set-Cookie"].startswith("wt_elder=1;")


def test_logging_in_keeps_the_accounts_choice_and_the_device_follows(client):
    user = make_user(username="liunainai")
    user.elder_mode = True
    db.session.commit()
    response = client.post("/account/login", data={"username": "liunainai",
                                                   "password": PASSWORD})
    assert response.status_code == 302
    assert "wt_elder=1;" in client.get(response.headers["Location"]).headers["Set-Cookie"]
    client.post("/account/logout")
    assert in_elder_mode(client.get("/"))  # the device remembers after the logout

    other = make_user(username="zhangshu")  # the normal mode, on an elder device
    client.post("/account/login", data={"username": "zhangshu", "password": PASSWORD})
    assert not in_elder_mode(client.get("/")) and account_mode(other) is False


def test_a_new_account_starts_in_the_mode_of_its_device(client):
    client.post(SWITCH, data={"on": "1", "next": "/"})
    client.post("/account/register", data={
        "username": "newcomer", "display_name": "新人", "password": "a-long-pass-2026",
        "confirm": "a-long-pass-2026"})
    user = db.session.scalars(sa.select(User).filter_by(username="newcomer")).one()
    assert account_mode(user) is True


def test_a_get_changes_nothing(client, login_as):
    user = make_user()
    login_as(user)
    response = client.get(SWITCH + "?on=1&next=/")
    assert response.status_code == 405
    assert "wt_elder" not in response.headers.get("Set-Cookie", "")
    assert account_mode(user) is False and not in_elder_mode(client.get("/"))


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", ""])
def test_the_switch_never_sends_off_the_site(client, target):
    response = client.post(SWITCH, data={"on": "1", "next": target})
    assert response.headers["Location"] == "/"


def test_the_switch_needs_its_csrf_token(app):
    with limited_app(app, WTF_CSRF_ENABLED=True) as strict:
        client = strict.test_client()
        response = client.post(SWITCH, data={"on": "1", "next": "/"})
        assert response.status_code == 400
        assert "wt_elder" not in response.headers.get("Set-Cookie", "")
        token = re.search(r'name="csrf_token" value="([^"]+)"', text(client.get("/"))).group(1)
        done = client.post(SWITCH, data={"on": "1", "next": "/", "csrf_token": token})
        assert done.status_code == 302 and in_elder_mode(client.get("/"))


@pytest.mark.parametrize("url", ["/", "/services", "/service"])
def test_the_page_cache_keeps_a_copy_of_each_mode(client_for, url, count_queries):
    service = make_service(title="义务理发(上门)")
    url = f"/services/{service.id}" if url == "/service" else url
    normal, elder = client_for(), client_for()
    elder.set_cookie("wt_elder", "1")
    for _ in range(2):  # the second round is served from the cache
        assert not in_elder_mode(normal.get(url))
        assert in_elder_mode(elder.get(url))
    with count_queries() as counter:
        assert in_elder_mode(elder.get(url)) and not in_elder_mode(normal.get(url))
    assert counter.count == 0  # both from the cache, each its own copy


def test_the_api_sets_the_accounts_mode_for_its_pages(client, client_for):
    user = make_user()
    headers = auth(client, user)
    assert client.get("/api/v1/me", headers=headers).json["elder_mode"] is False
    response = client.patch("/api/v1/me", json={"elder_mode": True}, headers=headers)
    assert response.status_code == 200 and response.json["elder_mode"] is True
    assert account_mode(user) is True and in_elder_mode(client_for(user).get("/"))
    for not_a_boolean in ("maybe", 0, "yes", None):  # only JSON true or false
        refused = client.patch("/api/v1/me", json={"elder_mode": not_a_boolean},
                               headers=headers)
        assert refused.status_code == 422, not_a_boolean
        assert "elder_mode" in refused.json["error"]["fields"]
    assert client.patch("/api/v1/me", json={"elder_mode": False}).status_code == 401
    assert account_mode(user) is True


def test_elder_mode_says_statuses_and_modes_in_plain_words(client_for):
    from marketplace.enrollments import services as enrollments

    service = make_service(capacity=1)  # 上门服务
    resident, queued = make_user(), make_user()
    place = enrollments.join(service.id, resident, "13800000000")
    enrollments.confirm(place, service.volunteer)
    enrollments.join(service.id, queued, "13800000001")
    db.session.commit()

    normal = text(client_for(resident).get("/my/enrollments"))
    assert "已确认" in normal and "约好了,志愿者会来" not in normal
    resident.elder_mode = queued.elder_mode = True
    db.session.commit()
    elder = text(client_for(resident).get("/my/enrollments"))
    assert "约好了,志愿者会来" in elder and ">已确认<" not in elder
    assert "正在排队等空位" in text(client_for(queued).get("/my/enrollments"))
    service_page = text(client_for(queued).get(f"/services/{service.id}"))
    assert "志愿者上门" in service_page and "上门服务" not in service_page
