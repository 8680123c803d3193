"""The page cache: anonymous readers of public pages get a stored copy, and
no copy outlives a write that changes what it shows."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace import create_app, pagecache
from marketplace.extensions import cache, db
from marketplace.listings.models import Service
from marketplace.notifications.models import Notification

from .api_helpers import auth
from .factories import make_service, make_user
from .page_helpers import flashes, text

PUBLIC_PAGES = ["/", "/services", "/services?q=理发", "/help", "/rankings", "/public"]
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _queries(count_queries, client, url) -> int:
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return counter.count


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_an_anonymous_reader_gets_the_stored_page_without_a_query(client, count_queries, url):
    make_service(title="义务理发(上门)")
    first = client.get(url)
    assert _queries(count_queries, client, url) == 0
    assert _without_token(client.get(url)) == _without_token(first)


def _without_token(response) -> str:
    """The page without its CSRF token, which is the reader's own and signed
    with the second it was made in."""
    return re.sub(r'(name="csrf_token"[^>]*?value=")[^"]+"', r'\1"', text(response))


def test_the_pages_of_a_service_and_a_volunteer_are_cached_too(client, count_queries):
    service = make_service()
    for url in (f"/services/{service.id}", f"/volunteers/{service.volunteer_id}"):
        client.get(url)
        assert _queries(count_queries, client, url) == 0


def test_an_edit_through_the_app_shows_at_once(client, client_for):
    service = make_service(title="义务理发(上门)")
    assert "义务理发" in text(client.get("/services"))
    volunteer = client_for(service.volunteer)
    response = volunteer.post(f"/services/{service.id}/edit", data={
        "title": "义务修鞋", "category_id": str(service.category_id),
        "description": "修皮鞋", "community": service.community, "mode": "home",
        "capacity": "3", "starts_at": "", "ends_at": ""})
    assert response.status_code == 302
    page = text(client.get("/services"))
    assert "义务修鞋" in page and "义务理发" not in page
    assert "义务修鞋" in text(client.get(f"/services/{service.id}"))


def test_a_join_changes_the_places_left_on_the_anonymous_page(client, client_for):
    service = make_service(capacity=3, auto_confirm=True)
    assert "剩余 3 个名额" in text(client.get(f"/services/{service.id}"))
    resident = client_for(make_user())
    joined = resident.post(f"/services/{service.id}/join", data={"contact": "13800000000"},
                           follow_redirects=True)
    assert "加入成功" in text(joined)
    assert "剩余 2 个名额" in text(client.get(f"/services/{service.id}"))


def test_a_write_by_a_script_or_the_cli_invalidates_too(client):
    service = make_service(title="义务理发(上门)")
    client.get("/services")
    db.session.execute(sa.update(Service).where(Service.id == service.id)
                       .values(title="社区义诊"))
    db.session.commit()
    assert "社区义诊" in text(client.get("/services"))


def test_a_rolled_back_write_and_a_quiet_table_keep_the_cache(client):
    service = make_service()
    client.get("/services")
    before = cache.get(pagecache.GENERATION_KEY)
    db.session.execute(sa.update(Service).values(title="未保存"))
    db.session.rollback()
    db.session.add(Notification(user_id=service.volunteer_id, kind="test"))
    db.session.commit()
    assert cache.get(pagecache.GENERATION_KEY) == before


def test_a_logged_in_reader_is_never_served_a_stored_page(client, login_as, count_queries):
    make_service()
    client.get("/services")  # stored for anonymous readers
    resident = make_user(display_name="刘阿姨")
    login_as(resident)
    assert _queries(count_queries, client, "/services") > 0
    assert "刘阿姨" in text(client.get("/services"))


def test_a_flashed_message_is_shown_not_skipped(client, login_as):
    client.get("/")
    login_as(make_user())
    client.post("/account/logout")
    assert flashes(text(client.get("/")))


def test_each_reader_gets_their_own_csrf_token_in_a_stored_page(app):
    checked = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "WTF_CSRF_ENABLED": True})
    one, two = checked.test_client(), checked.test_client()
    token_one = TOKEN.search(text(one.get("/"))).group(1)
    token_two = TOKEN.search(text(two.get("/"))).group(1)  # from the cache
    assert token_one != token_two
    assert pagecache.TOKEN_HOLE.decode() not in text(two.get("/"))
    # The stored page's form works for the second reader: the language switch.
    response = two.post("/lang/en", data={"csrf_token": token_two, "next": "/"})
    assert response.status_code == 302
    assert one.post("/lang/en", data={"csrf_token": token_two}).status_code == 400


def test_workers_sharing_a_cache_see_each_others_writes(app, tmp_path):
    """Two app processes (gunicorn workers, or instances) on one shared
    cache: a write through one is seen at once through the other."""
    shared = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
              "CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(tmp_path)}
    first, second = create_app("testing", shared), create_app("testing", shared)
    service = make_service(title="义务理发(上门)")
    reader = second.test_client()
    assert "义务理发" in text(reader.get("/services"))
    with first.app_context():
        db.session.execute(sa.update(Service).where(Service.id == service.id)
                           .values(title="社区义诊"))
        db.session.commit()
    assert "社区义诊" in text(reader.get("/services"))


def test_public_api_reads_are_cached_for_anonymous_clients_only(client, count_queries):
    service = make_service(title="义务理发(上门)")
    url = "/api/v1/services?limit=20"
    assert client.get(url).json["items"][0]["title"] == "义务理发(上门)"
    assert _queries(count_queries, client, url) == 0
    assert client.get(url).mimetype == "application/json"
    headers = auth(client, make_user())
    with count_queries() as counter:
        assert client.get(url, headers=headers).status_code == 200
    assert counter.count > 0
    db.session.execute(sa.update(Service).where(Service.id == service.id)
                       .values(title="社区义诊"))
    db.session.commit()
    assert client.get(url).json["items"][0]["title"] == "社区义诊"
