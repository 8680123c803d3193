"""Help requests (求助) through the pages: posting a need, the public board and
its filters, volunteers' offers, the resident's choice, completion, rating,
cancelling, moderation, the privacy of the resident's phone number, the
Deqing 雷甸 steam-pipe story, and the number of queries of the lists."""

from __future__ import annotations

import base64
import html
import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.feedback.models import Feedback
from marketplace.help import services as help_requests
from marketplace.help.models import (
    HelpOffer,
    HelpOfferStatus,
    HelpRequest,
    HelpRequestStatus,
    Urgency,
)
from marketplace.hours.models import PointEntry, PointReason
from marketplace.hours.points import points_for
from marketplace.listings.categories import ensure_default_categories
from marketplace.notifications.models import Notification

from .factories import make_branch, make_user
from .page_helpers import flashes, text

R, OS = HelpRequestStatus, HelpOfferStatus
PHONE = "13912345678"
MASKED = "139****5678"  # as the request's page shows it to the helper (privacy.mask_contact)
TITLE = "急需电焊工:蒸汽管道泄漏抢修"
MORE = "加载更多"
NEARBY = "附近还在等待帮助的邻居"
NOT_ALLOWED = "您不能进行此操作。"
WRONG_STATE = "求助当前的状态下不能进行这个操作。"


# --- helpers -------------------------------------------------------------------------------

@pytest.fixture
def resident():
    return make_user(display_name="王阿姨", community="雷甸镇", phone="13800001111")


@pytest.fixture
def welders():
    return [make_user(is_volunteer=True, display_name=name, community="雷甸镇")
            for name in ("王师傅", "张师傅")]


def _category(slug: str = "convenience"):
    return ensure_default_categories()[slug]


def _post(requester, **overrides) -> HelpRequest:
    """A request posted through the rules, committed."""
    values = dict(title=TITLE, details="焊口泄漏,需要两名电焊工", category_id=_category().id,
                  community="雷甸镇", contact=PHONE, urgency=Urgency.NORMAL,
                  preferred_time="今天尽快")
    created_at = overrides.pop("created_at", None)
    values.update(overrides)
    request = help_requests.post_request(requester, help_requests.HelpRequestData(**values))
    if created_at is not None:
        request.created_at = created_at
    db.session.commit()
    return request


def _offer(request, volunteer, message="二十分钟能到") -> HelpOffer:
    offer = help_requests.offer_help(request, volunteer, message)
    db.session.commit()
    return offer


def _accept(offer) -> None:
    help_requests.accept_offer(offer, offer.help_request.requester)
    db.session.commit()


def _matched(requester, volunteer, **overrides) -> tuple[HelpRequest, HelpOffer]:
    request = _post(requester, **overrides)
    offer = _offer(request, volunteer)
    _accept(offer)
    return request, offer


def _form(**overrides) -> dict:
    data = {"title": TITLE, "category_id": str(_category().id),
            "details": "热电厂蒸汽管道焊口泄漏,急需两名持证电焊工", "urgency": "high",
            "community": "雷甸镇", "preferred_time": "今天下午", "contact": PHONE}
    data.update(overrides)
    return data


def _press(client, url: str, **data) -> list[str]:
    """Press a POST button; the flash messages of the page it leads back to."""
    response = client.post(url, data=data)
    assert response.status_code == 302, (url, response.status_code)
    return flashes(text(client.get(response.headers["Location"])))


def _page(client, request) -> str:
    response = client.get(f"/help/{request.id}")
    assert response.status_code == 200
    return text(response)


def _contact_page(client, request) -> str:
    """The whole contact, opened from the request's page (audited: test_privacy.py)."""
    response = client.get(f"/help/{request.id}/contact")
    assert response.status_code == 200
    return text(response)


def _card_ids(page: str) -> list[int]:
    """The requests listed as cards on the board, in page order."""
    return [int(n) for n in re.findall(r'<h2 class="h6 mb-1"><a href="/help/(\d+)">', page)]


def _browse(client, **args) -> list[int]:
    response = client.get("/help", query_string=args)
    assert response.status_code == 200
    return _card_ids(text(response))


def _nearby_ids(page: str) -> list[int]:
    if NEARBY not in page:
        return []
    box = page[page.index(NEARBY):page.index("</section>", page.index(NEARBY))]
    return [int(n) for n in re.findall(r'href="/help/(\d+)"', box)]


def _more_link(page: str) -> str | None:
    found = re.search(r'<a class="[^"]*" href="([^"]+)">' + MORE + "</a>", page)
    return html.unescape(found.group(1)) if found else None


def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _field_errors(page: str, field_id: str) -> list[str]:
    """The error messages rendered in the form group of one field."""
    start = page.index(f'id="{field_id}"')
    group_start = page.rfind('<div class="mb-3', 0, start)
    group_end = page.find('<div class="mb-3', start)
    group = page[group_start:group_end if group_end != -1 else len(page)]
    return [html.unescape(m) for m in
            re.findall(r'<div class="invalid-feedback[^"]*">([^<]*)</div>', group)]


def _offer_cards(page: str) -> dict[int, str]:
    """The requester's offer cards, by the volunteer they are from."""
    cards = re.findall(r'<article class="card mb-2">.*?</article>', page, re.S)
    found = {}
    for card in cards:
        volunteer = re.search(r'href="/volunteers/(\d+)"', card)
        if volunteer:
            found[int(volunteer.group(1))] = card
    return found


def _notes(client) -> str:
    response = client.get("/notifications/")
    assert response.status_code == 200
    return text(response)


def _count(model, **filters) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).filter_by(**filters))


def _refresh(*objects):
    for obj in objects:
        db.session.refresh(obj)


def _give_hours(volunteer, hours: int) -> None:
    """Approved hours in the points ledger (what the star level is made of)."""
    branch = make_branch()
    db.session.add(PointEntry(user_id=volunteer.id, branch_id=branch.id,
                              reason=PointReason.ADJUSTMENT, minutes=hours * 60,
                              points=points_for(hours * 60)))
    db.session.commit()


# --- posting a request ------------------------------------------------------------------------

def test_posting_needs_a_login(client):
    response = client.get("/help/new")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    response = client.post("/help/new", data=_form())
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert _count(HelpRequest) == 0


def test_the_form_starts_with_the_users_community_and_phone(client_for, resident):
    page = text(client_for(resident).get("/help/new"))
    assert "我要求助" in page and "发布求助" in page
    assert 'value="雷甸镇"' in page and 'value="13800001111"' in page
    assert "您的电话(只有您选定的志愿者能看到)" in page
    assert "例如:急需电焊工:蒸汽管道泄漏抢修" in page


@pytest.mark.parametrize(("overrides", "field_id", "message"), [
    ({"title": ""}, "title", "该字段是必填字段。"),
    ({"title": "急"}, "title", "标题须为 2-80 个字。"),
    ({"title": "急" * 81}, "title", "字段长度不能超过 80 个字符。"),
    ({"category_id": ""}, "category_id", "该字段是必填字段。"),
    ({"category_id": "987654"}, "category_id", "不是有效的选择。"),
    ({"contact": ""}, "contact", "该字段是必填字段。"),
    ({"contact": "请打电话"}, "contact", "请留下志愿者能联系到您的电话号码。"),
    ({"contact": "找厂里老李"}, "contact", "请留下志愿者能联系到您的电话号码。"),
    ({"preferred_time": "周" * 81}, "preferred_time", "字段长度不能超过 80 个字符。"),
], ids=["empty-title", "short-title", "long-title", "no-category", "unknown-category",
        "no-contact", "contact-words", "contact-name", "long-time"])
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_saved(client_for, resident,
                                                                   overrides, field_id,
                                                                   message):
    typed = _form(details="三号车间管道漏汽,需要电焊", community="雷甸镇东方社区",
                  **overrides)
    response = client_for(resident).post("/help/new", data=typed)
    assert response.status_code == 200
    page = text(response)
    assert _field_errors(page, field_id) == [message]
    # what was typed is kept
    assert "三号车间管道漏汽,需要电焊" in page
    assert 'value="雷甸镇东方社区"' in page
    if typed["title"]:
        assert f'value="{typed["title"]}"' in page
    if field_id != "contact":
        assert f'value="{PHONE}"' in page
    elif typed["contact"]:
        assert f'value="{typed["contact"]}"' in page
    assert _count(HelpRequest) == 0


def test_a_retired_category_cannot_be_chosen(client_for, resident):
    retired = _category("legal")
    retired.retired_at = utcnow()
    db.session.commit()
    page = text(client_for(resident).get("/help/new"))
    assert "便民利民" in page and "法律援助" not in page
    response = client_for(resident).post("/help/new", data=_form(category_id=str(retired.id)))
    assert response.status_code == 200
    assert _field_errors(text(response), "category_id") == ["不是有效的选择。"]
    assert _count(HelpRequest) == 0


def test_a_good_post_opens_a_request_and_shows_its_page(client_for, resident):
    resident_client = client_for(resident)
    response = resident_client.post("/help/new", data=_form(contact=f" {PHONE} "))
    assert response.status_code == 302
    request = db.session.scalar(sa.select(HelpRequest))
    assert response.headers["Location"].endswith(f"/help/{request.id}")
    assert (request.status, request.urgency, request.requester_id) == (
        R.OPEN, Urgency.HIGH, resident.id)
    assert (request.title, request.community, request.contact, request.preferred_time) == (
        TITLE, "雷甸镇", PHONE, "今天下午")
    assert request.category_id == _category().id and request.offer_count == 0
    page = text(resident_client.get(response.headers["Location"]))
    assert "求助已发布,附近的志愿者现在就能看到。" in flashes(page)
    assert TITLE in page and "等待帮助" in page and "紧急" in page
    assert PHONE in page  # the requester reads back their own number
    assert "暂时还没有人报名,附近的志愿者会看到您的求助。" in page
    assert _browse(client_for(None)) == [request.id]


# --- the board ------------------------------------------------------------------------------

def test_the_board_lists_only_open_visible_requests(client, resident, welders):
    shown = _post(resident, title="帮忙搬冰箱")
    matched, _offer_ = _matched(resident, welders[0], title="已经有人帮忙的")
    completed, _ = _matched(resident, welders[0], title="已经完成的")
    help_requests.complete_request(completed, resident)
    cancelled = _post(resident, title="已经取消的")
    help_requests.cancel_request(cancelled, resident)
    hidden = _post(resident, title="被下架的")
    help_requests.hide_request(hidden, make_user(is_admin=True), "广告")
    db.session.commit()
    page = text(client.get("/help"))
    assert _card_ids(page) == [shown.id]
    assert "帮忙搬冰箱" in page
    for title in ("已经有人帮忙的", "已经完成的", "已经取消的", "被下架的"):
        assert title not in page


def test_urgent_requests_come_first_then_the_newest(client, resident):
    made = {}
    for name, urgency in [("a", Urgency.NORMAL), ("b", Urgency.HIGH), ("c", Urgency.LOW),
                          ("d", Urgency.NORMAL), ("e", Urgency.HIGH)]:
        made[name] = _post(resident, title=f"求助{name}", urgency=urgency)
    expected = [made[n].id for n in ("e", "b", "d", "a", "c")]
    page = text(client.get("/help"))
    assert _card_ids(page) == expected
    assert "紧急" in page and "不急" in page


def test_the_board_filters_by_category_community_and_urgency(client, resident):
    health = _post(resident, title="陪老人看病", category_id=_category("health").id,
                   community="雷甸镇东方社区")
    weld = _post(resident, title="电焊抢修", urgency=Urgency.HIGH, community="雷甸镇")
    elsewhere = _post(resident, title="新市镇修水管", community="新市镇雷甸路社区")
    odd = _post(resident, title="百分号社区", community="50%社区")
    assert _browse(client, category="health") == [health.id]
    assert _browse(client, category="convenience") == [weld.id, odd.id, elsewhere.id]
    # the community is a prefix: 雷甸 finds 雷甸镇..., not 新市镇雷甸路
    assert _browse(client, community="雷甸") == [weld.id, health.id]
    assert _browse(client, community="新市镇") == [elsewhere.id]
    assert _browse(client, community="%") == []  # a LIKE wildcard is a plain character
    assert _browse(client, community="50%") == [odd.id]
    assert _browse(client, community="_") == []
    assert _browse(client, urgency="high") == [weld.id]
    assert _browse(client, urgency="normal") == [odd.id, elsewhere.id, health.id]
    assert _browse(client, urgency="low") == []
    assert _browse(client, category="health", community="雷甸", urgency="normal") == [health.id]
    assert _browse(client, category="health", urgency="high") == []
    assert "没有相符的求助。" in text(client.get("/help", query_string={"urgency": "low"}))


def test_keyset_pagination_walks_every_request_once(client, resident):
    urgencies = [Urgency.HIGH, Urgency.NORMAL, Urgency.LOW]
    made = [_post(resident, title=f"雷甸求助{i}", urgency=urgencies[i % 3]) for i in range(25)]
    rank = {Urgency.HIGH: 3, Urgency.NORMAL: 2, Urgency.LOW: 1}
    expected = [r.id for r in sorted(made, key=lambda r: (rank[r.urgency], r.id), reverse=True)]
    first = text(client.get("/help"))
    assert _card_ids(first) == expected[:20]
    link = _more_link(first)
    assert link is not None and "cursor=" in link
    second = text(client.get(link))
    assert _card_ids(second) == expected[20:]
    assert _more_link(second) is None
    seen = _card_ids(first) + _card_ids(second)
    assert len(seen) == len(set(seen)) == 25


def test_the_next_page_keeps_the_filters(client, resident):
    wanted = [_post(resident, title=f"雷甸求助{i}", community="雷甸镇") for i in range(22)]
    for i in range(3):
        _post(resident, title=f"新市求助{i}", community="新市镇")
    first = text(client.get("/help", query_string={"community": "雷甸"}))
    assert _card_ids(first) == [r.id for r in reversed(wanted)][:20]
    link = _more_link(first)
    assert link is not None
    second = text(client.get(link))
    assert _card_ids(second) == [wanted[1].id, wanted[0].id]
    assert "新市求助" not in second


@pytest.mark.parametrize("cursor", [
    "not-a-cursor!!",
    _cursor([1]),
    _cursor(["abc", "def"]),
    _cursor([None, None]),
    _cursor([True, 1]),
    _cursor([2.5, 1]),
    _cursor([[1, 2], {"a": 1}]),
    _cursor([2 ** 70, 1]),
    _cursor([3, -(2 ** 70)]),
], ids=["garbage", "short", "strings", "nulls", "bool", "float", "nested", "huge-rank",
        "huge-id"])
def test_a_forged_cursor_answers_200(client, resident, cursor):
    request = _post(resident)
    response = client.get("/help", query_string={"cursor": cursor})
    assert response.status_code == 200
    assert request.id in _card_ids(text(response))


@pytest.mark.parametrize("args", [{"urgency": "bogus"}, {"category": "no-such-slug"},
                                  {"community": "社" * 61}],
                         ids=["urgency", "category", "long-community"])
def test_a_forged_filter_answers_200(client, resident, args):
    _post(resident)
    assert client.get("/help", query_string=args).status_code == 200


def test_volunteers_nearby_see_neighbours_waiting_long_with_no_offer(client_for, resident,
                                                                     welders):
    long_ago = utcnow() - timedelta(hours=30)
    waiting = _post(resident, title="独居老人家里漏水", created_at=long_ago)
    _post(resident, title="刚刚发布的求助")  # not yet 24 hours
    answered = _post(resident, title="已有人报名的求助", created_at=long_ago)
    _offer(answered, welders[1])
    _post(resident, title="别的社区的求助", community="新市镇", created_at=long_ago)
    hidden = _post(resident, title="被下架的老求助", created_at=long_ago)
    help_requests.hide_request(hidden, make_user(is_admin=True), "重复发布")
    db.session.commit()

    page = text(client_for(welders[0]).get("/help"))
    assert NEARBY in page
    assert _nearby_ids(page) == [waiting.id]
    assert "暂无人响应" in page  # the badge on its card

    for other in (make_user(community="雷甸镇"),  # a resident, not a volunteer
                  make_user(is_volunteer=True, community="新市镇东方社区"),
                  make_user(is_volunteer=True)):
        assert NEARBY not in text(client_for(other).get("/help"))
    assert NEARBY not in text(client_for(None).get("/help"))

    # once someone offers, it no longer waits
    _offer(waiting, welders[1])
    assert NEARBY not in text(client_for(welders[0]).get("/help"))


def test_a_volunteers_own_old_request_is_not_in_their_nearby_box(client_for, welders):
    """The box lists neighbours a volunteer could help; they cannot offer on their own."""
    long_ago = utcnow() - timedelta(hours=30)
    own = _post(welders[1], title="我自己的老求助", created_at=long_ago)
    assert _nearby_ids(text(client_for(welders[0]).get("/help"))) == [own.id]
    assert own.id not in _nearby_ids(text(client_for(welders[1]).get("/help")))


# --- offers ---------------------------------------------------------------------------------

def test_a_volunteer_offers_once_with_a_message(client_for, resident, welders):
    request = _post(resident)
    welder_client = client_for(welders[0])
    page = _page(welder_client, request)
    assert f'action="/help/{request.id}/offers"' in page and "我来帮忙" in page
    assert PHONE not in page

    assert "请写一句留言(最多 500 字)。" in _press(welder_client, f"/help/{request.id}/offers",
                                              message="  ")
    assert _count(HelpOffer) == 0

    assert "报名已发送,被选中时会通知您。" in _press(
        welder_client, f"/help/{request.id}/offers", message="我有焊机,二十分钟能到")
    offer = db.session.scalar(sa.select(HelpOffer))
    assert (offer.volunteer_id, offer.status, offer.message) == (
        welders[0].id, OS.OPEN, "我有焊机,二十分钟能到")
    page = _page(welder_client, request)
    assert "您的报名:" in page and "已报名帮忙" in page and "我有焊机,二十分钟能到" in page
    assert f'action="/help-offers/{offer.id}/withdraw"' in page
    assert f'action="/help/{request.id}/offers"' not in page
    assert "王师傅 报名帮忙“急需电焊工:蒸汽管道泄漏抢修”。" in _notes(client_for(resident))

    assert "您已经报名帮忙了。" in _press(welder_client, f"/help/{request.id}/offers",
                                   message="再报一次")
    assert _count(HelpOffer, help_request_id=request.id) == 1
    _refresh(request, offer)
    assert request.offer_count == 1 and offer.message == "我有焊机,二十分钟能到"
    assert "1 人报名帮忙" in text(client_for(None).get("/help"))


def test_a_non_volunteer_cannot_offer(client_for, resident):
    request = _post(resident)
    neighbour = make_user(display_name="李大爷")
    neighbour_client = client_for(neighbour)
    page = _page(neighbour_client, request)
    assert f'action="/help/{request.id}/offers"' not in page
    assert "志愿者可以报名帮忙。" in page and "成为志愿者" in page
    assert "只有志愿者可以报名帮忙。" in _press(neighbour_client, f"/help/{request.id}/offers",
                                        message="我也想帮忙")
    assert _count(HelpOffer) == 0
    _refresh(request)
    assert request.offer_count == 0
    assert _count(Notification, user_id=resident.id) == 0


def test_anonymous_visitors_are_asked_to_log_in_to_offer(client, resident):
    request = _post(resident)
    page = _page(client, request)
    assert "登录后报名帮忙" in page
    assert f'action="/help/{request.id}/offers"' not in page
    response = client.post(f"/help/{request.id}/offers", data={"message": "我来"})
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert _count(HelpOffer) == 0


def test_the_requester_cannot_offer_on_their_own_request(client_for):
    requester = make_user(is_volunteer=True, display_name="赵师傅")
    request = _post(requester)
    requester_client = client_for(requester)
    page = _page(requester_client, request)
    assert f'action="/help/{request.id}/offers"' not in page
    assert "不能帮助自己发布的求助。" in _press(requester_client, f"/help/{request.id}/offers",
                                        message="我自己来")
    assert _count(HelpOffer) == 0


def test_a_volunteer_withdraws_and_may_offer_again(client_for, resident, welders):
    request = _post(resident)
    offer = _offer(request, welders[0], "下午能到")
    welder_client = client_for(welders[0])
    assert "已撤回报名。" in _press(welder_client, f"/help-offers/{offer.id}/withdraw")
    _refresh(offer, request)
    assert offer.status == OS.WITHDRAWN and request.offer_count == 0
    page = _page(welder_client, request)
    assert f'action="/help/{request.id}/offers"' in page and "您的报名:" not in page
    requester_page = _page(client_for(resident), request)
    assert f'action="/help-offers/{offer.id}/accept"' not in requester_page
    assert "已撤回" in requester_page

    assert "报名已发送,被选中时会通知您。" in _press(
        welder_client, f"/help/{request.id}/offers", message="晚上也可以")
    assert _count(HelpOffer, help_request_id=request.id) == 1
    _refresh(offer, request)
    assert (offer.status, offer.message, request.offer_count) == (OS.OPEN, "晚上也可以", 1)
    # the renewed offer can be withdrawn again, but not twice
    assert "已撤回报名。" in _press(welder_client, f"/help-offers/{offer.id}/withdraw")
    assert "只有尚未被选中的报名可以撤回。" in _press(welder_client,
                                           f"/help-offers/{offer.id}/withdraw")


def test_the_requester_sees_every_offer_with_the_volunteers_figures(client_for, resident,
                                                                    welders):
    seasoned, newcomer = welders
    # The seasoned welder has 150 approved hours (one star) and helped someone before (4 stars).
    _give_hours(seasoned, 150)
    earlier, _ = _matched(make_user(), seasoned, title="以前的求助")
    help_requests.complete_request(earlier, seasoned)
    help_requests.rate(earlier, earlier.requester, 4, "不错")
    db.session.commit()

    request = _post(resident)
    first = _offer(request, seasoned, "我有焊机,二十分钟能到")
    second = _offer(request, newcomer, "我下班后能来")
    page = _page(client_for(resident), request)
    assert "报名帮忙的志愿者" in page
    cards = _offer_cards(page)
    assert set(cards) == {seasoned.id, newcomer.id}
    card = cards[seasoned.id]
    assert "王师傅" in card and "我有焊机,二十分钟能到" in card and "已报名帮忙" in card
    assert "★" in card and "4.0 ·" in card
    assert "已服务 1 人" in card and "认定服务 150.0 小时" in card
    assert f'action="/help-offers/{first.id}/accept"' in card and "选这位志愿者" in card
    card = cards[newcomer.id]
    assert "张师傅" in card and "我下班后能来" in card
    assert "★" not in card
    assert "已服务 0 人" in card and "认定服务 0.0 小时" in card
    assert f'action="/help-offers/{second.id}/accept"' in card

    # each volunteer sees their own offer only
    for mine, theirs in ((first, second), (second, first)):
        page = _page(client_for(mine.volunteer), request)
        assert mine.message in page and "您的报名:" in page
        assert theirs.message not in page
        assert f"/help-offers/{theirs.id}/" not in page
        assert "/accept" not in page
    # and other people see none
    for someone in (None, make_user(), make_user(is_volunteer=True)):
        page = _page(client_for(someone), request)
        assert first.message not in page and second.message not in page
        assert "/help-offers/" not in page


# --- accepting ------------------------------------------------------------------------------

def test_only_the_requester_accepts_and_the_others_are_told(client_for, resident, welders):
    chosen, other = welders
    request = _post(resident)
    chosen_offer = _offer(request, chosen, "我有焊机")
    other_offer = _offer(request, other, "我也能来")
    url = f"/help-offers/{chosen_offer.id}/accept"

    # strangers are not told the offer exists; the other offering volunteer is a stranger to it
    for someone in (make_user(), make_user(is_volunteer=True), other,
                    make_user(is_admin=True)):
        response = client_for(someone).post(url)
        assert response.status_code == 404
        assert PHONE not in text(response)
    response = client_for(None).post(url)
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert client_for(resident).post("/help-offers/987654/accept").status_code == 404
    # the offering volunteer cannot pick themselves
    assert NOT_ALLOWED in _press(client_for(chosen), url)
    _refresh(request, chosen_offer)
    assert request.status == R.OPEN and request.volunteer_id is None
    assert chosen_offer.status == OS.OPEN

    resident_client = client_for(resident)
    assert "已选定这位志愿者,他/她现在可以看到您的电话。" in _press(resident_client, url)
    _refresh(request, chosen_offer, other_offer)
    assert (request.status, request.volunteer_id) == (R.MATCHED, chosen.id)
    assert request.matched_at is not None and request.offer_count == 0
    assert (chosen_offer.status, other_offer.status) == (OS.ACCEPTED, OS.CLOSED)

    page = _page(resident_client, request)
    assert "已有人帮忙" in page and "帮忙的志愿者:王师傅" in page
    cards = _offer_cards(page)
    assert "已被选中" in cards[chosen.id] and "未被选中" in cards[other.id]
    assert "/accept" not in page

    assert "“急需电焊工:蒸汽管道泄漏抢修”已选定其他志愿者,感谢您的热心!" in _notes(
        client_for(other))
    assert "您被选中帮忙“急需电焊工:蒸汽管道泄漏抢修”,现在可以看到居民的电话了。" in _notes(
        client_for(chosen))
    assert "已选定其他志愿者" not in _notes(client_for(chosen))
    assert f'href="/help/{request.id}"' in _notes(client_for(other))  # the notice leads there
    other_page = _page(client_for(other), request)
    assert "未被选中" in other_page and "撤回报名" not in other_page

    # a second accept changes nothing
    assert "这条求助已不再接受报名。" in _press(resident_client,
                                       f"/help-offers/{other_offer.id}/accept")
    _refresh(request, chosen_offer, other_offer)
    assert (request.status, request.volunteer_id) == (R.MATCHED, chosen.id)
    assert (chosen_offer.status, other_offer.status) == (OS.ACCEPTED, OS.CLOSED)
    assert _count(Notification, user_id=chosen.id, kind="help_offer.accepted") == 1
    assert _count(Notification, user_id=other.id, kind="help_offer.accepted") == 0
    # an accepted offer cannot be withdrawn
    assert "只有尚未被选中的报名可以撤回。" in _press(client_for(chosen),
                                           f"/help-offers/{chosen_offer.id}/withdraw")
    # and nobody can offer any more
    late = make_user(is_volunteer=True)
    assert "这条求助已不再接受报名。" in _press(client_for(late), f"/help/{request.id}/offers",
                                       message="我也来")
    assert "这条求助已不再接受报名。" in _page(client_for(late), request)


def test_a_withdrawn_offer_cannot_be_accepted(client_for, resident, welders):
    request = _post(resident)
    offer = _offer(request, welders[0])
    help_requests.withdraw_offer(offer, welders[0])
    db.session.commit()
    assert "这个报名已被撤回。" in _press(client_for(resident),
                                   f"/help-offers/{offer.id}/accept")
    _refresh(request)
    assert request.status == R.OPEN and request.volunteer_id is None


# --- privacy of the contact -------------------------------------------------------------------

def test_the_phone_is_seen_by_the_requester_the_accepted_volunteer_and_admins_only(
        client_for, resident, welders):
    chosen, passed_over = welders
    request = _post(resident, details="三号车间管道漏汽", community="雷甸镇",
                    created_at=utcnow() - timedelta(hours=30))
    requester_client, admin_client = client_for(resident), client_for(make_user(is_admin=True))
    chosen_client, passed_over_client = client_for(chosen), client_for(passed_over)
    others = {"anonymous": client_for(None),
              "another resident": client_for(make_user(community="雷甸镇")),
              "another volunteer": client_for(make_user(is_volunteer=True, community="雷甸镇")),
              "the passed-over volunteer": passed_over_client}
    pages = ["/", "/help", "/help?community=雷甸", "/help?urgency=normal", f"/help/{request.id}",
             f"/help/{request.id}/contact", "/my/help", "/notifications/", "/my/enrollments"]

    def assert_never_shown_to_others():
        for who, other in others.items():
            for url in pages:
                response = other.get(url)
                assert PHONE not in text(response) and MASKED not in text(response), (who, url)
            response = other.get(f"/help/{request.id}/edit")
            assert response.status_code == (302 if who == "anonymous" else 403), who
            assert PHONE not in text(response)

    # Before anyone offers: the requester and admins only (and nobody else in the nearby box).
    assert PHONE in _page(requester_client, request)
    assert MASKED in _page(admin_client, request) and PHONE not in _page(admin_client, request)
    assert PHONE in _contact_page(admin_client, request)
    assert PHONE not in _page(chosen_client, request)
    assert_never_shown_to_others()

    chosen_offer = _offer(request, chosen, "我有焊机")
    _offer(request, passed_over, "我也能来")
    assert PHONE not in _page(chosen_client, request)
    assert_never_shown_to_others()

    assert "已选定这位志愿者,他/她现在可以看到您的电话。" in _press(
        requester_client, f"/help-offers/{chosen_offer.id}/accept")
    assert MASKED in _page(chosen_client, request)
    page = _contact_page(chosen_client, request)
    assert PHONE in page and f'href="tel:{PHONE}"' in page
    assert PHONE in _page(requester_client, request)
    assert PHONE in _contact_page(admin_client, request)
    assert_never_shown_to_others()

    # Once it is done, the helper no longer needs it (as with an enrollment).
    assert "已标记为完成,谢谢!" in _press(chosen_client, f"/help/{request.id}/complete")
    assert PHONE in _page(requester_client, request)
    assert PHONE in _contact_page(admin_client, request)
    assert MASKED not in _page(chosen_client, request)
    assert chosen_client.get(f"/help/{request.id}/contact").status_code == 403
    assert_never_shown_to_others()


def test_a_cancelled_requests_phone_is_hidden_from_the_helper(client_for, resident, welders):
    request, _offer_ = _matched(resident, welders[0])
    helper_client = client_for(welders[0])
    assert MASKED in _page(helper_client, request)
    assert PHONE in _contact_page(helper_client, request)
    assert "求助已取消。" in _press(client_for(resident), f"/help/{request.id}/cancel")
    assert MASKED not in _page(helper_client, request)
    assert helper_client.get(f"/help/{request.id}/contact").status_code == 403
    assert PHONE not in _notes(helper_client)
    assert PHONE in _page(client_for(resident), request)


# --- completion, rating, cancelling, editing ------------------------------------------------

def test_the_matched_volunteer_marks_it_done_and_the_requester_rates_once(client_for, resident,
                                                                          welders):
    chosen, other = welders
    request = _post(resident)
    chosen_offer = _offer(request, chosen)
    _offer(request, other)
    _accept(chosen_offer)
    complete = f"/help/{request.id}/complete"
    requester_client, chosen_client = client_for(resident), client_for(chosen)

    # rating before it is done is refused
    assert WRONG_STATE in _press(requester_client, f"/help/{request.id}/feedback", rating="5")
    for someone in (other, make_user(), make_user(is_volunteer=True), make_user(is_admin=True)):
        assert NOT_ALLOWED in _press(client_for(someone), complete)
    response = client_for(None).post(complete)
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    _refresh(request)
    assert request.status == R.MATCHED

    page = _page(chosen_client, request)
    assert f'action="{complete}"' in page and "已经完成" in page
    assert "已标记为完成,谢谢!" in _press(chosen_client, complete)
    _refresh(request)
    assert request.status == R.COMPLETED and request.ended_at is not None
    assert "“急需电焊工:蒸汽管道泄漏抢修”已完成。" in _notes(requester_client)
    assert WRONG_STATE in _press(chosen_client, complete)

    page = _page(requester_client, request)
    assert "已完成" in page and "确认已服务" in page and "提交评价" in page
    assert "取消求助" not in page
    assert "感谢您的确认。" in _press(requester_client, f"/help/{request.id}/confirm-happened")
    _refresh(request)
    assert request.resident_confirmed_at is not None
    assert "确认已服务" not in _page(requester_client, request)
    assert "您已经确认过了。" in _press(requester_client,
                                 f"/help/{request.id}/confirm-happened")
    assert NOT_ALLOWED in _press(chosen_client, f"/help/{request.id}/confirm-happened")

    # the volunteer cannot rate themselves; bad stars are refused
    assert NOT_ALLOWED in _press(chosen_client, f"/help/{request.id}/feedback", rating="5")
    for bad in ("0", "6", "很好"):
        assert "请选择 1 到 5 颗星。" in _press(requester_client, f"/help/{request.id}/feedback",
                                          rating=bad)
    assert _count(Feedback) == 0

    assert "感谢您的评价!" in _press(requester_client, f"/help/{request.id}/feedback",
                                  rating="4", comment="来得很快")
    page = _page(requester_client, request)
    assert "已评价,谢谢!" in page and "提交评价" not in page
    assert "您已经评价过了。" in _press(requester_client, f"/help/{request.id}/feedback",
                                 rating="1", comment="改成差评")
    assert _count(Feedback, help_request_id=request.id) == 1
    feedback = db.session.scalar(sa.select(Feedback).filter_by(help_request_id=request.id))
    assert (feedback.rating, feedback.comment, feedback.volunteer_id, feedback.resident_id) == (
        4, "来得很快", chosen.id, resident.id)


def test_a_too_long_comment_is_refused_with_its_own_message(client_for, resident, welders):
    request, _offer_ = _matched(resident, welders[0])
    help_requests.complete_request(request, welders[0])
    db.session.commit()
    refused = _press(client_for(resident), f"/help/{request.id}/feedback", rating="4",
                     comment="好" * 501)
    assert _count(Feedback) == 0
    # the stars were chosen: the resident must be told what is wrong, the comment
    assert "评价最多 500 个字。" in refused
    assert "请选择 1 到 5 颗星。" not in refused


def test_the_requester_may_mark_it_done_and_the_volunteer_is_told(client_for, resident,
                                                                  welders):
    request, _offer_ = _matched(resident, welders[0])
    requester_client = client_for(resident)
    page = _page(requester_client, request)
    assert "已有人帮忙" in page and f'action="/help/{request.id}/complete"' in page
    assert "已标记为完成,谢谢!" in _press(requester_client, f"/help/{request.id}/complete")
    _refresh(request)
    assert request.status == R.COMPLETED
    assert "“急需电焊工:蒸汽管道泄漏抢修”已完成。" in _notes(client_for(welders[0]))
    # an open request cannot be marked done
    still_open = _post(resident, title="还没人帮忙的")
    assert WRONG_STATE in _press(requester_client, f"/help/{still_open.id}/complete")
    _refresh(still_open)
    assert still_open.status == R.OPEN


def test_cancelling_an_open_request_tells_the_offering_volunteers(client_for, resident,
                                                                   welders):
    request = _post(resident)
    offers = [_offer(request, w) for w in welders]
    cancel = f"/help/{request.id}/cancel"
    for someone in (welders[0], make_user(), make_user(is_admin=True)):
        assert NOT_ALLOWED in _press(client_for(someone), cancel)
    _refresh(request)
    assert request.status == R.OPEN

    requester_client = client_for(resident)
    assert "取消求助" in _page(requester_client, request)
    assert "求助已取消。" in _press(requester_client, cancel)
    _refresh(request, *offers)
    assert request.status == R.CANCELLED and request.ended_at is not None
    assert [o.status for o in offers] == [OS.CLOSED, OS.CLOSED]
    for welder in welders:
        assert "“急需电焊工:蒸汽管道泄漏抢修”已被求助人取消。" in _notes(client_for(welder))
    assert "已取消" in _page(requester_client, request)
    assert _browse(client_for(None)) == []
    assert WRONG_STATE in _press(requester_client, cancel)


def test_cancelling_a_matched_request_tells_the_helper(client_for, resident, welders):
    request, offer = _matched(resident, welders[0])
    assert "求助已取消。" in _press(client_for(resident), f"/help/{request.id}/cancel")
    _refresh(request, offer)
    assert request.status == R.CANCELLED and offer.status == OS.CLOSED
    assert "“急需电焊工:蒸汽管道泄漏抢修”已被求助人取消。" in _notes(client_for(welders[0]))
    assert WRONG_STATE in _press(client_for(welders[0]), f"/help/{request.id}/complete")


def test_a_completed_request_cannot_be_cancelled(client_for, resident, welders):
    request, _offer_ = _matched(resident, welders[0])
    help_requests.complete_request(request, welders[0])
    db.session.commit()
    requester_client = client_for(resident)
    assert "取消求助" not in _page(requester_client, request)
    assert WRONG_STATE in _press(requester_client, f"/help/{request.id}/cancel")
    _refresh(request)
    assert request.status == R.COMPLETED
    assert _count(Notification, kind="help_request.cancelled") == 0


def test_the_requester_edits_an_open_request(client_for, resident, welders):
    request = _post(resident, title="帮忙搬冰箱")
    requester_client = client_for(resident)
    page = text(requester_client.get(f"/help/{request.id}/edit"))
    assert "修改求助" in page and 'value="帮忙搬冰箱"' in page and f'value="{PHONE}"' in page
    assert f'href="/help/{request.id}/edit"' in _page(requester_client, request)

    response = requester_client.post(f"/help/{request.id}/edit", data=_form(
        title="帮忙搬冰箱上三楼", urgency="low", contact="13800009999"))
    assert response.status_code == 302
    assert "修改已保存。" in flashes(text(requester_client.get(response.headers["Location"])))
    _refresh(request)
    assert (request.title, request.urgency, request.contact) == (
        "帮忙搬冰箱上三楼", Urgency.LOW, "13800009999")

    # bad input is shown next to the field and changes nothing
    response = requester_client.post(f"/help/{request.id}/edit", data=_form(title="搬"))
    assert response.status_code == 200
    assert _field_errors(text(response), "title") == ["标题须为 2-80 个字。"]
    _refresh(request)
    assert request.title == "帮忙搬冰箱上三楼"

    # nobody else may edit it
    for someone in (make_user(), welders[0], make_user(is_admin=True)):
        other = client_for(someone)
        assert other.get(f"/help/{request.id}/edit").status_code == 403
        assert other.post(f"/help/{request.id}/edit",
                          data=_form(title="别人改的标题")).status_code == 403
    response = client_for(None).get(f"/help/{request.id}/edit")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert client_for(resident).get("/help/987654/edit").status_code == 404
    _refresh(request)
    assert request.title == "帮忙搬冰箱上三楼"


def test_a_matched_request_cannot_be_edited(client_for, resident, welders):
    request, _offer_ = _matched(resident, welders[0], title="帮忙搬冰箱")
    requester_client = client_for(resident)
    assert f'href="/help/{request.id}/edit"' not in _page(requester_client, request)
    response = requester_client.post(f"/help/{request.id}/edit",
                                     data=_form(title="改成别的事", contact="13800009999"))
    assert "只有等待帮助中的求助可以修改。" in flashes(text(response))
    _refresh(request)
    assert (request.title, request.contact, request.status) == ("帮忙搬冰箱", PHONE, R.MATCHED)


# --- moderation -----------------------------------------------------------------------------

def test_an_admin_hides_a_request_and_shows_it_again(client_for, resident, welders):
    request = _post(resident, title="代办贷款,加微信")
    admin = make_user(is_admin=True, display_name="街道管理员")
    admin_client = client_for(admin)
    hide = f"/help/{request.id}/hide"

    for someone in (resident, welders[0], make_user()):
        assert client_for(someone).post(hide, data={"reason": "广告"}).status_code == 403
    response = client_for(None).post(hide, data={"reason": "广告"})
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    _refresh(request)
    assert request.hidden_at is None
    assert "内容管理" not in _page(client_for(resident), request)

    page = _page(admin_client, request)
    assert "内容管理" in page and f'action="{hide}"' in page
    assert "请填写原因(2-200 字)。" in _press(admin_client, hide, reason="")
    _refresh(request)
    assert request.hidden_at is None and _count(AuditEntry) == 0

    assert "求助已下架。" in _press(admin_client, hide, reason="广告,与求助无关")
    _refresh(request)
    assert request.hidden_at is not None and request.hidden_reason == "广告,与求助无关"
    entry = db.session.scalar(sa.select(AuditEntry).filter_by(action="help_request.hide"))
    assert (entry.actor_id, entry.target_type, entry.target_id) == (
        admin.id, "help_requests", request.id)
    assert entry.details["reason"] == "广告,与求助无关"

    assert _browse(client_for(None)) == []
    assert "代办贷款" not in text(client_for(welders[0]).get("/help"))
    for someone in (None, make_user(), welders[0]):
        assert client_for(someone).get(f"/help/{request.id}").status_code == 404
    assert client_for(welders[0]).post(f"/help/{request.id}/offers",
                                       data={"message": "我来"}).status_code == 404
    assert _count(HelpOffer) == 0
    page = _page(client_for(resident), request)
    assert "已被管理员下架:广告,与求助无关" in page
    page = _page(admin_client, request)
    assert "重新上架" in page and f'action="/help/{request.id}/unhide"' in page
    assert "这条求助已被下架。" in _press(admin_client, hide, reason="再下架一次")

    for someone in (resident, welders[0]):
        assert client_for(someone).post(f"/help/{request.id}/unhide").status_code == 403
    _refresh(request)
    assert request.hidden_at is not None

    assert "求助已重新上架。" in _press(admin_client, f"/help/{request.id}/unhide")
    _refresh(request)
    assert request.hidden_at is None
    assert _browse(client_for(None)) == [request.id]
    assert client_for(None).get(f"/help/{request.id}").status_code == 200
    unhide = db.session.scalar(sa.select(AuditEntry).filter_by(action="help_request.unhide"))
    assert (unhide.actor_id, unhide.target_id) == (admin.id, request.id)
    assert _count(AuditEntry, target_type="help_requests") == 2
    assert client_for(admin).post("/help/987654/hide",
                                  data={"reason": "广告"}).status_code == 404


def test_a_hidden_request_takes_no_accept_and_stays_with_its_helper(client_for, resident,
                                                                       welders):
    admin = make_user(is_admin=True)
    request = _post(resident)
    offer = _offer(request, welders[0])
    help_requests.hide_request(request, admin, "内容不实")
    db.session.commit()
    assert "这条求助已不再接受报名。" in _press(client_for(resident),
                                       f"/help-offers/{offer.id}/accept")
    _refresh(request, offer)
    assert request.status == R.OPEN and offer.status == OS.OPEN

    matched, helper_offer = _matched(resident, welders[1], title="帮忙修水管")
    help_requests.hide_request(matched, admin, "内容不实")
    db.session.commit()
    helper_client = client_for(welders[1])
    assert "帮忙修水管" in _page(helper_client, matched)  # to finish what was agreed
    assert client_for(welders[0]).get(f"/help/{matched.id}").status_code == 404
    assert "已标记为完成,谢谢!" in _press(helper_client, f"/help/{matched.id}/complete")


def test_ids_beyond_a_bigint_are_not_found(client_for, resident, welders):
    huge = 2 ** 70
    volunteer_client = client_for(welders[0])
    assert volunteer_client.get(f"/help/{huge}").status_code == 404
    assert volunteer_client.post(f"/help/{huge}/offers",
                                 data={"message": "我来"}).status_code == 404
    assert client_for(resident).post(f"/help-offers/{huge}/accept").status_code == 404
    assert client_for(resident).post(f"/help/{huge}/cancel").status_code == 404


# --- the Deqing 雷甸 steam-pipe story --------------------------------------------------------

def test_the_steam_pipe_story(client_for):
    firm = make_user(display_name="雷甸热电厂", community="雷甸镇", phone="0572-8000000")
    wang = make_user(is_volunteer=True, display_name="王师傅", community="雷甸镇")
    zhang = make_user(is_volunteer=True, display_name="张师傅", community="雷甸镇")
    firm_client, wang_client, zhang_client = (client_for(u) for u in (firm, wang, zhang))
    _post(make_user(), title="帮忙修自行车", community="雷甸镇")  # something less pressing

    # The firm posts its need as urgent, with a mobile number to call.
    form = text(firm_client.get("/help/new"))
    assert 'value="0572-8000000"' in form
    response = firm_client.post("/help/new", data=_form(
        title=TITLE, details="热电厂蒸汽管道焊口泄漏,急需两名持证电焊工抢修",
        urgency="high", community="雷甸镇", preferred_time="越快越好", contact=PHONE))
    assert response.status_code == 302
    request = db.session.scalar(sa.select(HelpRequest).filter_by(title=TITLE))
    page = text(firm_client.get(response.headers["Location"]))
    assert "求助已发布,附近的志愿者现在就能看到。" in flashes(page)

    # Neighbours see it at the top of the board, marked urgent.
    board = text(wang_client.get("/help"))
    assert _card_ids(board)[0] == request.id
    assert "紧急" in board and TITLE in board

    # Two welders answer within minutes.
    assert "报名已发送,被选中时会通知您。" in _press(wang_client, f"/help/{request.id}/offers",
                                              message="我有焊机,十分钟到")
    assert "报名已发送,被选中时会通知您。" in _press(zhang_client, f"/help/{request.id}/offers",
                                              message="我在附近,马上出发")
    notes = _notes(firm_client)
    assert f"王师傅 报名帮忙“{TITLE}”。" in notes and f"张师傅 报名帮忙“{TITLE}”。" in notes
    assert "2 人报名帮忙" in text(client_for(None).get("/help"))

    # The firm picks 王师傅 with the button on its page.
    page = _page(firm_client, request)
    accept = re.findall(r'action="(/help-offers/\d+/accept)"', page)
    assert len(accept) == 2
    wang_offer = db.session.scalar(sa.select(HelpOffer).filter_by(volunteer_id=wang.id))
    assert f"/help-offers/{wang_offer.id}/accept" in accept
    assert "已选定这位志愿者,他/她现在可以看到您的电话。" in _press(
        firm_client, f"/help-offers/{wang_offer.id}/accept")

    # 张师傅 is told; 王师傅 is told and now sees the number.
    assert f"“{TITLE}”已选定其他志愿者,感谢您的热心!" in _notes(zhang_client)
    assert PHONE not in _page(zhang_client, request)
    assert f"您被选中帮忙“{TITLE}”,现在可以看到居民的电话了。" in _notes(wang_client)
    page = _page(wang_client, request)
    assert MASKED in page and PHONE not in page and "已有人帮忙" in page
    assert PHONE in _contact_page(wang_client, request)
    assert TITLE not in text(zhang_client.get("/help"))  # off the board

    # 王师傅 fixes the leak and marks it done; the firm rates it 5.
    assert "已标记为完成,谢谢!" in _press(wang_client, f"/help/{request.id}/complete")
    assert f"“{TITLE}”已完成。" in _notes(firm_client)
    assert "感谢您的评价!" in _press(firm_client, f"/help/{request.id}/feedback", rating="5",
                                  comment="来得真快,救了急")
    _refresh(request)
    assert request.status == R.COMPLETED and request.resident_confirmed_at is not None
    feedback = db.session.scalar(sa.select(Feedback).filter_by(help_request_id=request.id))
    assert (feedback.rating, feedback.volunteer_id) == (5, wang.id)
    mine = text(firm_client.get("/my/help"))
    assert TITLE in mine and "已完成" in mine and "帮忙的志愿者:王师傅" in mine
    mine = text(zhang_client.get("/my/help"))
    assert TITLE in mine and "未被选中" in mine
    profile = text(client_for(None).get(f"/volunteers/{wang.id}"))
    assert "来得真快,救了急" in profile


# --- my requests and offers -----------------------------------------------------------------

def test_my_help_lists_my_own_requests_and_offers(client_for, resident, welders):
    mine = _post(resident, title="我发布的求助")
    theirs = _post(make_user(), title="别人发布的求助")
    offered = _offer(theirs, welders[0])
    page = text(client_for(resident).get("/my/help"))
    assert "我发布的求助" in page and "别人发布的求助" not in page
    assert "我报名的帮忙" not in page  # not a volunteer
    page = text(client_for(welders[0]).get("/my/help"))
    assert "别人发布的求助" in page and "我发布的求助" not in page
    assert f'href="/help/{offered.help_request_id}"' in page and "已报名帮忙" in page
    assert "您还没有发布过求助。" in page
    page = text(client_for(welders[1]).get("/my/help"))
    assert "您还没有报名帮忙。" in page
    response = client_for(None).get("/my/help")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert f'href="/help/{mine.id}"' not in text(client_for(welders[1]).get("/my/help"))


# --- query counts ---------------------------------------------------------------------------

def _queries(count_queries, client, url) -> int:
    assert client.get(url).status_code == 200  # warm up
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


def test_the_board_runs_the_same_queries_for_2_or_12(client_for, count_queries, resident):
    volunteer = make_user(is_volunteer=True, community="雷甸镇")
    clients = [client_for(None), client_for(volunteer)]
    urgencies = [Urgency.HIGH, Urgency.NORMAL, Urgency.LOW]

    def add(n, start):
        for i in range(start, start + n):
            category = ("convenience", "health", "legal")[i % 3]
            _post(resident, title=f"求助{i}", urgency=urgencies[i % 3],
                  category_id=_category(category).id,
                  created_at=utcnow() - timedelta(hours=30 + i) if i % 2 else None)

    add(2, 0)
    few = [_queries(count_queries, c, "/help") for c in clients]
    assert len(_nearby_ids(text(clients[1].get("/help")))) == 1
    add(10, 2)
    page = text(clients[1].get("/help"))
    assert len(_card_ids(page)) == 12 and len(_nearby_ids(page)) == 5
    assert [_queries(count_queries, c, "/help") for c in clients] == few


def test_the_requesters_page_runs_the_same_queries_for_2_or_12_offers(client_for,
                                                                       count_queries,
                                                                       resident):
    request = _post(resident)
    requester_client = client_for(resident)
    url = f"/help/{request.id}"

    def add(n):
        for i in range(n):
            volunteer = make_user(is_volunteer=True)
            if i % 2:
                _give_hours(volunteer, 100 * (i + 1))
            _offer(request, volunteer, f"留言{volunteer.id}")

    add(2)
    few = _queries(count_queries, requester_client, url)
    add(10)
    page = text(requester_client.get(url))
    assert len(_offer_cards(page)) == 12 and page.count("/accept") == 12
    assert _queries(count_queries, requester_client, url) == few


def test_my_help_runs_the_same_queries_for_2_or_12(client_for, count_queries):
    me = make_user(is_volunteer=True)
    my_client = client_for(me)

    def add(n):
        for i in range(n):
            helper = make_user(is_volunteer=True)
            request = _post(me, title=f"我的求助{i}")
            if i % 2:
                _accept(_offer(request, helper))
            _offer(_post(make_user(), title=f"邻居的求助{i}"), me)

    add(2)
    few = _queries(count_queries, my_client, "/my/help")
    add(10)
    page = text(my_client.get("/my/help"))
    assert page.count('<article class="card mb-2">') == 24
    assert "帮忙的志愿者:" in page
    assert _queries(count_queries, my_client, "/my/help") == few
