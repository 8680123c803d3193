"""The storefront (issue 9): services as product cards, the join button always
in reach on a service's page, and a volunteer's page as their shop, with
residents' comments moderated and without personal data."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.db import utcnow
from marketplace.enrollments import services as enrollments
from marketplace.extensions import db
from marketplace.feedback.models import Feedback
from marketplace.listings.models import ServiceMode, ServiceStatus

from .factories import make_branch, make_lead, make_service, make_user
from .page_helpers import flashes, text
from .rankings_helpers import a_day_ago, approved, member


def _card(page: str, service_id: int) -> str:
    """The card of one service on a list page."""
    cards = re.findall(r'<article class="card card-service.*?</article>', page, re.S)
    found = [c for c in cards if f'href="/services/{service_id}"' in c]
    assert len(found) == 1, f"no single card of service {service_id}"
    return found[0]


def _plain(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _stats(page: str) -> list[str]:
    """The shop's four figures: served, average rating, approved hours, services."""
    return [_plain(s) for s in re.findall(r'<div class="stat">(.*?)</div>', page, re.S)]


def _star_volunteer(hours: float, **overrides):
    """A volunteer with `hours` approved, through the review rules."""
    branch = make_branch()
    lead = make_lead(branch)
    volunteer = member(branch, **overrides)
    left = hours
    while left > 0:
        length = min(left, 20)
        approved(volunteer, branch, lead, a_day_ago(), length=length)
        left -= length
    return volunteer


def _served_and_rated(service, rating: int, comment: str | None):
    resident = make_user()
    enrollment = enrollments.join(service.id, resident, "13800000000")
    enrollments.confirm(enrollment, service.volunteer)
    enrollments.complete(enrollment, service.volunteer)
    feedback = enrollments.rate(enrollment, resident, rating, comment)
    db.session.commit()
    return feedback


# --- the product card ------------------------------------------------------------------------

def test_a_card_shows_what_a_shop_shows(client):
    volunteer = _star_volunteer(120, is_party_member=True, display_name="王师傅")
    service = make_service(volunteer, title="家电维修", community="湖墅社区",
                           mode=ServiceMode.PLACE, capacity=4)
    _served_and_rated(service, 5, "很好")
    _served_and_rated(service, 4, None)
    enrollments.join(service.id, make_user(), "13800000001")
    db.session.commit()

    card = _card(text(client.get("/services")), service.id)
    words = _plain(card)
    assert "cat-convenience" in card and "便民利民" in words  # the category's picture
    assert "定点服务" in words and "湖墅社区" in words
    assert "王师傅" in words and 'class="party-badge">党员' in card
    assert 'aria-label="1 星志愿者"' in card  # 120 h: one star
    assert "4.5" in words  # the service's average rating
    assert "已服务 2 人" in words
    assert "剩余 3 个名额" in words  # 4 places, one taken
    assert 'aria-valuenow="25"' in card


def test_stars_come_with_100_approved_hours_and_not_before(client):
    novice = _star_volunteer(99.5)
    veteran = _star_volunteer(300)
    mine, theirs = make_service(novice), make_service(veteran)
    plain = make_service()  # a volunteer in no party branch
    page = text(client.get("/services"))
    assert 'class="stars"' not in _card(page, mine.id)
    assert 'aria-label="2 星志愿者"' in _card(page, theirs.id)
    assert "party-badge" in _card(page, mine.id)  # a party branch's home member
    assert "party-badge" not in _card(page, plain.id) and "stars" not in _card(page, plain.id)


def test_a_full_service_says_so_on_its_card(client):
    service = make_service(capacity=1)
    enrollments.join(service.id, make_user(), "13800000000")
    db.session.commit()
    words = _plain(_card(text(client.get("/")), service.id))
    assert "名额已满" in words and "剩余" not in words


def test_the_home_page_shows_upcoming_services_as_cards(client):
    service = make_service(_star_volunteer(100))
    card = _card(text(client.get("/")), service.id)
    assert 'aria-label="1 星志愿者"' in card
    assert 'class="row row-cols-2 row-cols-lg-4 g-2 service-grid"' in text(client.get("/"))


# --- 加入该项目 always in reach --------------------------------------------------------------

def _join_bar(page: str) -> str | None:
    found = re.search(r'<div class="join-bar".*?</a>\s*</div>', page, re.S)
    return found.group() if found else None


def test_the_join_bar_stays_at_hand_for_who_may_join(client, client_for):
    service = make_service(capacity=2)
    anonymous = _join_bar(text(client.get(f"/services/{service.id}")))
    assert anonymous and f'href="/account/login?next=/services/{service.id}"' in anonymous
    assert "登录后加入该项目" in anonymous and "剩余 2 个名额" in anonymous

    resident = make_user()
    bar = _join_bar(text(client_for(resident).get(f"/services/{service.id}")))
    assert bar and 'href="#join"' in bar and "加入该项目" in bar


def test_the_join_bar_offers_the_waitlist_when_full(client_for):
    service = make_service(capacity=1)
    enrollments.join(service.id, make_user(), "13800000000")
    db.session.commit()
    bar = _join_bar(text(client_for(make_user()).get(f"/services/{service.id}")))
    assert bar and "加入候补" in bar and "名额已满" in bar


@pytest.mark.parametrize("state", ["owner", "joined", "ended", "closed"])
def test_no_join_bar_where_nobody_may_join(client_for, state):
    service = make_service()
    reader = make_user()
    if state == "owner":
        reader = service.volunteer
    elif state == "joined":
        enrollments.join(service.id, reader, "13800000000")
    elif state == "ended":
        service.starts_at = utcnow() - timedelta(days=2)
        service.ends_at = utcnow() - timedelta(days=1)
    else:
        service.status = ServiceStatus(state)
    db.session.commit()
    response = client_for(reader).get(f"/services/{service.id}")
    assert response.status_code == 200
    assert _join_bar(text(response)) is None


# --- the volunteer's shop --------------------------------------------------------------------

def test_the_shop_shows_figures_services_and_comments_without_personal_data(client):
    volunteer = _star_volunteer(310, is_party_member=True, display_name="王师傅")
    service = make_service(volunteer, title="家电维修")
    _served_and_rated(service, 5, "王师傅修得好,有事打他电话 13912345678")
    _served_and_rated(service, 3, "准时")
    page = text(client.get(f"/volunteers/{volunteer.id}"))
    words = _plain(page)
    assert "王师傅" in words and "党员" in words and "2 星志愿者" in words
    assert _stats(page) == ["2", "4.0", "310.0", "1"]  # served, rating, approved hours, services
    assert _card(page, service.id)
    assert "139****5678" in words and "13912345678" not in page
    # Who wrote it is never shown, only what it was about.
    resident_names = db.session.scalars(sa.select(Feedback.resident_id)).all()
    assert resident_names and "居民" not in re.sub(r"一位居民|居民评价", "", words)
    comments = re.findall(r'<article id="comment-\d+".*?</article>', page, re.S)
    assert len(comments) == 2 and all(f'href="/services/{service.id}"' in c for c in comments)


def test_the_api_gives_the_same_comments_masked(client):
    service = make_service()
    _served_and_rated(service, 5, "电话 0571-8888 7777")
    body = client.get(f"/api/v1/volunteers/{service.volunteer_id}").get_json()
    assert body["comments"] == [{"rating": 5, "comment": "电话 057****7777",
                                 "created_at": body["comments"][0]["created_at"],
                                 "service_title": service.title}]


def test_an_admin_hides_a_comment_and_its_stars_still_count(client, client_for):
    service = make_service()
    feedback = _served_and_rated(service, 2, "推销广告 加微信")
    _served_and_rated(service, 4, "很好")
    admin = make_user(is_admin=True)
    shop = f"/volunteers/{service.volunteer_id}"

    response = client_for(admin).post(f"/feedback/{feedback.id}/hide", data={"reason": "广告"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{shop}#comment-{feedback.id}")
    db.session.expire_all()
    assert db.session.get(Feedback, feedback.id).hidden_at is not None
    entry = db.session.scalars(sa.select(AuditEntry).filter_by(action="feedback.hide")).one()
    assert (entry.actor_id, entry.target_id, entry.details) == (admin.id, feedback.id,
                                                                {"reason": "广告"})

    public = text(client.get(shop))
    assert "推销广告" not in public and "很好" in public
    assert _stats(public)[1] == "3.0"  # both ratings count
    api = client.get(f"/api/v1/volunteers/{service.volunteer_id}").get_json()
    assert [c["comment"] for c in api["comments"]] == ["很好"]
    assert api["rating"] == {"average": 3.0, "count": 2}

    moderator = text(client_for(admin).get(shop))
    assert "推销广告" in moderator and "已对公众隐藏" in moderator

    response = client_for(admin).post(f"/feedback/{feedback.id}/show")
    assert response.status_code == 302
    assert "推销广告" in text(client.get(shop))


def test_hiding_needs_a_reason_and_changes_nothing_without_one(client_for):
    feedback = _served_and_rated(make_service(), 5, "好")
    admin = client_for(make_user(is_admin=True))
    response = admin.post(f"/feedback/{feedback.id}/hide", data={"reason": " "},
                          follow_redirects=True)
    assert "请填写原因(2-200 字)。" in flashes(text(response))
    db.session.expire_all()
    assert db.session.get(Feedback, feedback.id).hidden_at is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .filter_by(action="feedback.hide")) == 0


def test_hiding_twice_or_showing_a_shown_comment_is_refused(client_for):
    feedback = _served_and_rated(make_service(), 5, "好")
    admin = client_for(make_user(is_admin=True))
    admin.post(f"/feedback/{feedback.id}/hide", data={"reason": "重复"})
    again = admin.post(f"/feedback/{feedback.id}/hide", data={"reason": "重复"},
                       follow_redirects=True)
    assert "这条评价已经隐藏了。" in flashes(text(again))
    admin.post(f"/feedback/{feedback.id}/show")
    shown = admin.post(f"/feedback/{feedback.id}/show", follow_redirects=True)
    assert "这条评价没有被隐藏。" in flashes(text(shown))


@pytest.mark.parametrize("who", ["resident", "volunteer", "owner"])
def test_only_an_admin_moderates_comments(client_for, who):
    service = make_service()
    feedback = _served_and_rated(service, 5, "好")
    reader = service.volunteer if who == "owner" else make_user(is_volunteer=who == "volunteer")
    for action in ("hide", "show"):
        response = client_for(reader).post(f"/feedback/{feedback.id}/{action}",
                                           data={"reason": "不喜欢"})
        assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Feedback, feedback.id).hidden_at is None


def test_an_unknown_comment_is_404_and_no_admin_form_shows_to_the_public(client, client_for):
    admin = client_for(make_user(is_admin=True))
    assert admin.post("/feedback/99999/hide", data={"reason": "广告"}).status_code == 404
    service = make_service()
    _served_and_rated(service, 5, "好")
    assert "/feedback/" not in text(client.get(f"/volunteers/{service.volunteer_id}"))


def test_an_ended_or_closed_service_says_ended_on_the_shop(client):
    volunteer = make_user(is_volunteer=True)
    over = make_service(volunteer, starts_at=utcnow() - timedelta(days=3),
                        ends_at=utcnow() - timedelta(days=3, hours=-2))
    closed = make_service(volunteer, status=ServiceStatus.CLOSED)
    running = make_service(volunteer)
    page = text(client.get(f"/volunteers/{volunteer.id}"))
    for service in (over, closed):
        words = _plain(_card(page, service.id))
        assert "已结束" in words and "剩余" not in words
    assert "剩余 3 个名额" in _plain(_card(page, running.id))
