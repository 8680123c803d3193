"""The home page, error pages, language and query counts."""

import sqlalchemy as sa

from marketplace import create_app
from marketplace.extensions import db
from marketplace.listings.models import ServiceStatus

from .factories import make_service, make_user


def test_home_lists_categories_and_upcoming_services(client):
    make_service(title="社区义剪日")
    make_service(title="草稿中的服务", status=ServiceStatus.DRAFT)
    page = client.get("/").get_data(as_text=True)
    assert "便民利民" in page and "文体教育" in page
    assert "社区义剪日" in page
    assert "草稿中的服务" not in page


def test_home_page_query_count_does_not_grow_with_services(client, count_queries):
    volunteer = make_user(is_volunteer=True)
    make_service(volunteer=volunteer)
    with count_queries() as few:
        client.get("/")
    for _ in range(5):
        make_service(volunteer=make_user(is_volunteer=True))
    with count_queries() as many:
        client.get("/")
    assert many.count == few.count
    assert few.count <= 4


def test_pages_are_chinese_by_default_and_switch_to_english(client):
    assert "首页" in client.get("/").get_data(as_text=True)
    response = client.post("/lang/en", data={"next": "/"})
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Home" in page and "首页" not in page


def test_language_choice_is_remembered_on_the_account(client, login_as):
    user = make_user()
    login_as(user)
    client.post("/lang/en", data={"next": "/"})
    assert db.session.scalar(sa.select(type(user).locale).filter_by(id=user.id)) == "en"
    client.delete_cookie("lang")
    assert "Home" in client.get("/").get_data(as_text=True)


def test_language_switch_refuses_foreign_redirects(client):
    response = client.post("/lang/en", data={"next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_not_found_page_is_chinese_and_has_no_traceback(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "您要找的页面不存在" in response.get_data(as_text=True)


def test_server_error_page_hides_the_traceback(app):
    fresh = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})

    @fresh.route("/_test/explode")
    def explode():
        raise RuntimeError("secret internals")

    response = fresh.test_client().get("/_test/explode")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "系统出了点问题" in body
    assert "secret internals" not in body and "Traceback" not in body


def test_assets_are_served_locally(client):
    page = client.get("/").get_data(as_text=True)
    assert "cdn" not in page.lower() and "https://" not in page
    assert client.get("/bootstrap/static/css/bootstrap.min.css").status_code == 200
    assert client.get("/static/css/app.css").status_code == 200


def test_ids_beyond_what_the_database_holds_are_not_found(client):
    huge = 2**70
    assert client.get(f"/services/{huge}").status_code == 404
    assert client.get(f"/help/{huge}").status_code == 404
    assert client.get(f"/api/v1/services/{huge}").status_code == 404


def test_a_cursor_beyond_a_bigint_is_refused_not_crashed(client):
    from marketplace.pagination import encode_cursor

    cursor = encode_cursor([2**70])
    response = client.get(f"/api/v1/help-requests?cursor={cursor}")
    assert response.status_code == 422 and "cursor" in response.json["error"]["fields"]
    assert client.get(f"/help?cursor={cursor}").status_code == 200


def test_unknown_filter_values_are_ignored(client):
    assert client.get("/services?mode=bogus&sort=bogus&category=bogus").status_code == 200
    assert client.get("/help?urgency=bogus&category=bogus").status_code == 200
