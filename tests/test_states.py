"""The states people meet, each with a page that says what to do next:
empty lists, a full service, an ended or paused one, an old link (404)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.listings.models import ServiceStatus

from .factories import make_branch, make_lead, make_service, make_user
from .page_helpers import text


def _button(page: str, href: str) -> bool:
    """A big button (not a small link) leading to `href`."""
    return re.search(r'<a class="btn btn-brand btn-lg" href="' + re.escape(href) + '"', page) \
        is not None


@pytest.mark.parametrize(("path", "says", "href"), [
    ("/my/enrollments", "您还没有加入任何项目", "/services"),
    ("/my/services", "您还没有发布服务", "/services/new"),
    ("/my/help", "您还没有发布过求助", "/help/new"),
    ("/my/help", "您还没有报名帮忙", "/help"),
])
def test_an_empty_list_says_what_to_do_next(client_for, path, says, href):
    page = text(client_for(make_user(is_volunteer=True)).get(path))
    assert says in page
    assert _button(page, href), page


def test_a_search_with_no_result_offers_all_services_and_asking_for_help(client):
    make_service(title="义务理发")
    response = client.get("/services?q=不存在的服务")
    assert response.status_code == 200
    page = text(response)
    assert "义务理发" not in page
    assert _button(page, "/services")
    assert 'href="/help/new"' in page


def test_an_empty_review_queue_points_to_the_members(client_for):
    branch = make_branch()
    page = text(client_for(make_lead(branch)).get(f"/branches/{branch.id}/review"))
    assert "没有待审核的记录" in page
    assert _button(page, f"/branches/{branch.id}/members")


def test_a_full_service_explains_and_offers_the_waitlist(client_for):
    full = make_service(capacity=2, taken=2)
    page = text(client_for(make_user()).get(f"/services/{full.id}"))
    assert "名额已满。" in page  # said in so many words, beside the button
    assert "有人取消时,排在最前面的人会得到名额" in page  # how the waitlist works
    assert f'action="/services/{full.id}/join"' in page
    open_one = make_service(capacity=2, taken=1)
    assert "名额已满。" not in text(client_for(make_user()).get(f"/services/{open_one.id}"))


def test_a_closed_service_says_it_ended_and_links_to_similar_ones(client):
    closed = make_service(title="旧的理发", status=ServiceStatus.CLOSED)
    similar = make_service(title="新的理发")
    response = client.get(f"/services/{closed.id}")
    assert response.status_code == 200
    page = text(response)
    assert "该项目已结束" in page
    assert f'href="/services/{similar.id}"' in page
    assert _button(page, f"/services?category={closed.category.slug}")
    assert f'action="/services/{closed.id}/join"' not in page
    # An open service shows neither the ending nor the others.
    assert "该项目已结束" not in text(client.get(f"/services/{similar.id}"))


def test_a_service_whose_time_is_over_says_it_ended(client):
    past = make_service(starts_at=utcnow() - timedelta(days=2),
                        ends_at=utcnow() - timedelta(days=2, hours=-2))
    page = text(client.get(f"/services/{past.id}"))
    assert "该项目已结束" in page


def test_a_paused_service_tells_its_volunteer_it_is_paused(client_for):
    service = make_service(status=ServiceStatus.PAUSED)
    page = text(client_for(service.volunteer).get(f"/services/{service.id}"))
    assert "该项目已暂停" not in page  # the owner sees the controls to publish it again
    admin = make_user(is_admin=True)
    page = text(client_for(admin).get(f"/services/{service.id}"))
    assert "该项目已暂停" in page


@pytest.mark.parametrize("path", ["/services/999999", "/help/999999", "/no/such/page"])
def test_an_old_link_gets_a_friendly_404_with_search_and_ways_on(client, path):
    response = client.get(path)
    assert response.status_code == 404
    page = text(response)
    assert '<form method="get" action="/services"' in page and 'name="q"' in page
    assert 'href="/services"' in page and 'href="/help"' in page and 'href="/"' in page
    assert "链接可能已过期" in page


def test_a_removed_service_gets_the_friendly_404(client):
    service = make_service()
    db.session.delete(service)
    db.session.commit()
    response = client.get(f"/services/{service.id}")
    assert response.status_code == 404
    assert 'name="q"' in text(response)


def test_other_errors_keep_their_short_page(client_for):
    branch = make_branch()
    response = client_for(make_user()).get(f"/branches/{branch.id}/review")
    assert response.status_code == 403
    assert 'name="q"' not in text(response)


def test_forms_name_the_sending_label_for_the_script(client):
    page = text(client.get("/account/login"))
    assert 'data-sending="正在提交…"' in page
    script = text(client.get("/static/js/app.js"))
    assert "button.disabled = true" in script and "data-sending" in script
