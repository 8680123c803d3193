"""The listing pages through the test client: browse and search, the service
page, publishing and editing, the owner's status buttons, moderation and the
number of queries each page runs."""

from __future__ import annotations

import base64
import html
import json
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.db import utcnow
from marketplace.enrollments import services as enrollments
from marketplace.enrollments.models import EnrollmentStatus
from marketplace.extensions import db
from marketplace.listings.categories import ensure_default_categories
from marketplace.listings.models import Category, Service, ServiceMode, ServiceStatus
from marketplace.notifications.models import Notification

from .factories import make_service, make_user
from .page_helpers import card_ids, flashes, text

SHANGHAI = ZoneInfo("Asia/Shanghai")
PHONE = "13912345678"
MORE = "加载更多"


# --- helpers -------------------------------------------------------------------------------



@pytest.fixture
def volunteer():
    return make_user(is_volunteer=True, display_name="张师傅")






def _browse(client, **args) -> list[int]:
    response = client.get("/services", query_string=args)
    assert response.status_code == 200
    return card_ids(text(response))


def _more_link(page: str) -> str | None:
    found = re.search(r'<a class="[^"]*" href="([^"]+)">' + MORE + "</a>", page)
    return html.unescape(found.group(1)) if found else None


def _join(service, resident=None, contact=PHONE, note=None):
    enrollment = enrollments.join(service.id, resident or make_user(), contact, note)
    db.session.commit()
    return enrollment


def _category(slug: str) -> Category:
    return ensure_default_categories()[slug]


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Shanghai as the aware UTC datetime stored."""
    return datetime.combine(day, time(hour, minute), SHANGHAI).astimezone(UTC)


def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _field_errors(page: str, field_id: str) -> list[str]:
    """The error messages rendered in the form group of one field."""
    start = page.index(f'id="{field_id}"')
    group_start = page.rfind('<div class="mb-3', 0, start)
    group_end = page.find('<div class="mb-3', start)
    group = page[group_start:group_end if group_end != -1 else len(page)]
    return re.findall(r'<div class="invalid-feedback[^"]*">([^<]*)</div>', group)


def _form(**overrides) -> dict:
    data = {"title": "义务理发(上门)", "category_id": str(_category("convenience").id),
            "description": "为老人上门理发,自带工具", "community": "米市巷社区",
            "mode": "home", "place": "", "starts_at": "", "ends_at": "", "capacity": "3",
            "publish": "发布"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _count(model, **filters) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).filter_by(**filters))




# --- browse: what is listed ----------------------------------------------------------------

def test_browse_lists_only_open_services_that_have_not_ended(client, volunteer):
    now = utcnow()
    shown = [
        make_service(volunteer=volunteer, title="义务理发(上门)"),
        make_service(volunteer=volunteer, title="长期提供的家电维修", starts_at=None, ends_at=None),
        make_service(volunteer=volunteer, title="正在进行的义诊",
                     starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1)),
    ]
    hidden = [
        make_service(volunteer=volunteer, title="草稿里的服务", status=ServiceStatus.DRAFT,
                     published_at=None),
        make_service(volunteer=volunteer, title="暂停中的服务", status=ServiceStatus.PAUSED),
        make_service(volunteer=volunteer, title="已结束报名的服务", status=ServiceStatus.CLOSED),
        make_service(volunteer=volunteer, title="被下架的服务", hidden_at=now,
                     hidden_reason="广告"),
        make_service(volunteer=volunteer, title="上周的义剪活动",
                     starts_at=now - timedelta(days=7),
                     ends_at=now - timedelta(days=7) + timedelta(hours=2)),
        make_service(volunteer=volunteer, title="昨天开始的讲座",
                     starts_at=now - timedelta(days=1), ends_at=None),
    ]
    response = client.get("/services")
    page = text(response)
    assert response.status_code == 200
    assert sorted(card_ids(page)) == sorted(s.id for s in shown)
    for service in shown:
        assert service.title in page
    for service in hidden:
        assert service.title not in page


def test_browse_filters_by_category_slug(client, volunteer):
    haircut = make_service(volunteer=volunteer, title="义务理发(上门)")
    clinic = make_service(volunteer=volunteer, title="社区义诊", category=_category("health"))
    assert _browse(client, category="health") == [clinic.id]
    assert _browse(client, category="convenience") == [haircut.id]
    assert _browse(client, category="legal") == []
    assert sorted(_browse(client)) == sorted([haircut.id, clinic.id])


def test_home_category_tile_leads_to_the_filtered_list(client, volunteer):
    clinic = make_service(volunteer=volunteer, title="社区义诊", category=_category("health"))
    make_service(volunteer=volunteer, title="义务理发(上门)")
    home = text(client.get("/"))
    assert 'href="/services?category=health"' in home
    assert _browse(client, category="health") == [clinic.id]


def test_keyword_search_finds_chinese_words(client, volunteer):
    haircut = make_service(volunteer=volunteer, title="义务理发(上门)",
                           description="为行动不便的老人上门理发")
    repair = make_service(volunteer=volunteer, title="家电维修",
                          description="上门修空调、洗衣机和电视,只收材料费")
    assert _browse(client, q="理发") == [haircut.id]
    assert _browse(client, q="修空调") == [repair.id]  # 3+ characters: the trigram index
    assert _browse(client, q="家电维修") == [repair.id]
    assert sorted(_browse(client, q="上门")) == sorted([haircut.id, repair.id])
    assert _browse(client, q="上门 理发") == [haircut.id]  # every word must occur
    assert _browse(client, q="修自行车") == []
    assert "没有找到相符的服务" in text(client.get("/services", query_string={"q": "修自行车"}))


def test_keyword_search_treats_wildcards_as_text(client, volunteer):
    make_service(volunteer=volunteer, title="义务理发(上门)")
    make_service(volunteer=volunteer, title="家电维修")
    assert _browse(client, q="%") == []
    assert _browse(client, q="_") == []
    assert _browse(client, q="理_") == []


def test_keyword_search_follows_edits(client, login_as, volunteer):
    service = make_service(volunteer=volunteer, title="义务理发(上门)",
                           description="为老人上门理发")
    login_as(volunteer)
    response = client.post(f"/services/{service.id}/edit", data=_form(
        title="义务修鞋", description="修皮鞋、补鞋底", publish=None))
    assert response.status_code == 302
    assert _browse(client, q="修皮鞋") == [service.id]
    assert _browse(client, q="老人上门") == []
    assert _browse(client, q="理发") == []


def test_browse_filters_by_community_prefix(client, volunteer):
    mishi = make_service(volunteer=volunteer, title="义务理发", community="米市巷社区")
    mishi_east = make_service(volunteer=volunteer, title="家电维修", community="米市巷东社区")
    hubin = make_service(volunteer=volunteer, title="社区义诊", community="湖滨社区")
    assert sorted(_browse(client, community="米市巷")) == sorted([mishi.id, mishi_east.id])
    assert _browse(client, community="米市巷东") == [mishi_east.id]
    assert _browse(client, community="湖滨社区") == [hubin.id]
    assert _browse(client, community="社区") == []  # a prefix, not anywhere in the name
    assert _browse(client, community="%") == []


def test_browse_filters_by_mode(client, volunteer):
    home = make_service(volunteer=volunteer, title="义务理发", mode=ServiceMode.HOME)
    place = make_service(volunteer=volunteer, title="社区义诊", mode=ServiceMode.PLACE,
                         place="社区服务中心")
    online = make_service(volunteer=volunteer, title="线上法律咨询", mode=ServiceMode.ONLINE)
    assert _browse(client, mode="home") == [home.id]
    assert _browse(client, mode="place") == [place.id]
    assert _browse(client, mode="online") == [online.id]


def test_browse_can_show_only_services_with_places_left(client, volunteer):
    full = make_service(volunteer=volunteer, title="只有一个名额", capacity=1)
    roomy = make_service(volunteer=volunteer, title="名额充足", capacity=5)
    _join(full)
    _join(roomy)
    assert _browse(client, has_places="y") == [roomy.id]
    assert sorted(_browse(client)) == sorted([full.id, roomy.id])


def test_browse_filters_by_local_dates(client, volunteer):
    today = datetime.now(SHANGHAI).date()
    day = today + timedelta(days=5)
    # 23:30 and 00:30 local are 15:30 and 16:30 UTC of the same UTC day: the
    # date filter must cut at local midnight.
    late = make_service(volunteer=volunteer, title="深夜讲座", starts_at=_local(day, 23, 30),
                        ends_at=_local(day, 23, 50))
    early = make_service(volunteer=volunteer, title="凌晨巡逻",
                         starts_at=_local(day + timedelta(days=1), 0, 30),
                         ends_at=_local(day + timedelta(days=1), 1, 30))
    later = make_service(volunteer=volunteer, title="下月义诊",
                         starts_at=_local(day + timedelta(days=20), 9),
                         ends_at=_local(day + timedelta(days=20), 11))
    make_service(volunteer=volunteer, title="长期义务理发", starts_at=None, ends_at=None)
    iso = date.isoformat
    assert _browse(client, date_from=iso(day), date_to=iso(day)) == [late.id]
    assert _browse(client, date_from=iso(day + timedelta(days=1)),
                   date_to=iso(day + timedelta(days=1))) == [early.id]
    assert _browse(client, date_from=iso(day + timedelta(days=1))) == [early.id, later.id]
    assert _browse(client, date_to=iso(day + timedelta(days=1))) == [late.id, early.id]
    assert _browse(client, date_from=iso(day + timedelta(days=30))) == []


def test_date_filter_cuts_at_local_midnight_to_the_minute(client, volunteer):
    day = datetime.now(SHANGHAI).date() + timedelta(days=5)
    before = make_service(volunteer=volunteer, title="午夜前三分钟", starts_at=_local(day, 23, 57),
                          ends_at=None)
    after = make_service(volunteer=volunteer, title="午夜后三分钟",
                         starts_at=_local(day + timedelta(days=1), 0, 3), ends_at=None)
    assert _browse(client, date_to=day.isoformat()) == [before.id]
    assert _browse(client, date_from=(day + timedelta(days=1)).isoformat()) == [after.id]


def test_browse_ignores_a_malformed_date(client, volunteer):
    service = make_service(volunteer=volunteer)
    assert _browse(client, date_from="not-a-date") == [service.id]


def test_browse_sorts_soonest_newest_and_most_joined(client, volunteer):
    now = utcnow()
    offer = make_service(volunteer=volunteer, title="长期家电维修", starts_at=None, ends_at=None,
                         published_at=now - timedelta(hours=1))
    third = make_service(volunteer=volunteer, title="第三天的义剪",
                         starts_at=now + timedelta(days=3), ends_at=None,
                         published_at=now - timedelta(hours=4))
    first = make_service(volunteer=volunteer, title="明天的义诊",
                         starts_at=now + timedelta(days=1), ends_at=None,
                         published_at=now - timedelta(hours=2), capacity=10)
    second = make_service(volunteer=volunteer, title="后天的讲座",
                          starts_at=now + timedelta(days=2), ends_at=None,
                          published_at=now - timedelta(hours=3), capacity=10)
    for _ in range(3):
        _join(second)
    _join(first)
    expected_soonest = [first.id, second.id, third.id, offer.id]
    assert _browse(client) == expected_soonest
    assert _browse(client, sort="soonest") == expected_soonest
    assert _browse(client, sort="newest") == [offer.id, first.id, second.id, third.id]
    assert _browse(client, sort="popular")[:2] == [second.id, first.id]
    assert _browse(client, sort="no-such-order") == expected_soonest


# --- browse: keyset pagination -------------------------------------------------------------

def _walk(client, **args) -> list[list[int]]:
    """Every page of a browse, following the 更多 link."""
    pages = []
    response = client.get("/services", query_string=args)
    while True:
        assert response.status_code == 200
        page = text(response)
        pages.append(card_ids(page))
        link = _more_link(page)
        if link is None:
            return pages
        assert len(pages) < 10
        response = client.get(link)


@pytest.mark.parametrize("sort", ["soonest", "newest", "popular"])
def test_more_link_gives_the_next_page_without_repeats(client, volunteer, sort):
    now = utcnow()
    same_start, same_published = now + timedelta(days=3), now - timedelta(hours=1)
    services = []
    for n in range(15):  # ties on every sort key: the id breaks them
        services.append(make_service(volunteer=volunteer, title=f"活动{n:02d}号",
                                     starts_at=same_start, ends_at=None,
                                     published_at=same_published, commit=False))
    for n in range(10):  # open-ended offers come after every event, across the page break
        services.append(make_service(volunteer=volunteer, title=f"长期服务{n:02d}号",
                                     starts_at=None, ends_at=None,
                                     published_at=same_published, commit=False))
    db.session.commit()
    pages = _walk(client, sort=sort)
    assert [len(p) for p in pages] == [20, 5]
    seen = pages[0] + pages[1]
    assert len(set(seen)) == 25
    assert set(seen) == {s.id for s in services}
    in_order = [s.id for s in services]
    assert seen == (in_order if sort == "soonest" else sorted(in_order, reverse=True))


def test_more_link_keeps_the_filters(client, volunteer):
    health = _category("health")
    clinics = [make_service(volunteer=volunteer, title=f"义诊{n:02d}", category=health,
                            commit=False) for n in range(22)]
    for n in range(5):
        make_service(volunteer=volunteer, title=f"理发{n:02d}", commit=False)
    db.session.commit()
    pages = _walk(client, category="health", sort="newest")
    assert [len(p) for p in pages] == [20, 2]
    assert sorted(pages[0] + pages[1]) == sorted(c.id for c in clinics)


@pytest.mark.parametrize("sort", ["soonest", "newest", "popular"])
@pytest.mark.parametrize("cursor", [
    "not-a-cursor!!",
    "e30",  # {}
    _cursor([1]),
    _cursor(["abc", "def"]),
    _cursor([{"dt": "yesterday"}, 1]),
    _cursor([{"dt": "2030-01-01T00:00:00"}, 1]),  # a naive time
    _cursor([[1, 2], {"a": 1}]),
    _cursor([None, None]),
], ids=["garbage", "empty-object", "too-short", "strings", "bad-date", "naive-date", "nested",
        "nulls"])
def test_a_forged_cursor_does_not_crash_browse(client, volunteer, cursor, sort):
    make_service(volunteer=volunteer)
    response = client.get("/services", query_string={"cursor": cursor, "sort": sort})
    assert response.status_code == 200
    assert "找服务" in text(response)


# --- the service page ----------------------------------------------------------------------

@pytest.mark.parametrize("state", ["draft", "paused", "hidden"])
def test_unlisted_service_page_is_only_for_its_volunteer_and_admins(client_for, volunteer,
                                                                    state):
    overrides = {"draft": {"status": ServiceStatus.DRAFT, "published_at": None},
                 "paused": {"status": ServiceStatus.PAUSED},
                 "hidden": {"hidden_at": utcnow(), "hidden_reason": "内容不实"}}[state]
    service = make_service(volunteer=volunteer, title="看不见的服务", **overrides)
    url = f"/services/{service.id}"
    assert client_for(None).get(url).status_code == 404
    assert client_for(make_user()).get(url).status_code == 404
    assert client_for(make_user(is_volunteer=True)).get(url).status_code == 404
    owner_view = client_for(volunteer).get(url)
    assert owner_view.status_code == 200 and "看不见的服务" in text(owner_view)
    admin_view = client_for(make_user(is_admin=True)).get(url)
    assert admin_view.status_code == 200 and "看不见的服务" in text(admin_view)


def test_unknown_service_is_404(client):
    assert client.get("/services/987654").status_code == 404


def test_closed_service_page_stays_readable_but_takes_no_joins(client_for, volunteer):
    service = make_service(volunteer=volunteer, title="已结束的义剪",
                           status=ServiceStatus.CLOSED)
    response = client_for(make_user()).get(f"/services/{service.id}")
    page = text(response)
    assert response.status_code == 200 and "已结束的义剪" in page
    assert "这个项目现在不能报名" in page
    assert f'action="/services/{service.id}/join"' not in page


def test_service_page_shows_the_capacity_bar_and_waitlist(client, volunteer):
    service = make_service(volunteer=volunteer, capacity=3)
    _join(service)
    page = text(client.get(f"/services/{service.id}"))
    assert "剩余 2 个名额(共 3 个)" in page
    assert "已报名 1 人(共 3 个名额)" in page
    assert "人候补" not in page
    for _ in range(4):
        _join(service)
    page = text(client.get(f"/services/{service.id}"))
    assert "名额已满" in page and "剩余" not in page
    assert "已报名 3 人(共 3 个名额)" in page
    assert "2 人候补" in page


def test_service_page_offers_the_join_form_to_a_resident(client_for, volunteer):
    service = make_service(volunteer=volunteer, title="义务理发(上门)", capacity=1)
    resident = make_user(phone="13800001111")
    page = text(client_for(resident).get(f"/services/{service.id}"))
    assert f'action="/services/{service.id}/join"' in page
    assert "您的电话(只有志愿者能看到)" in page
    assert 'value="13800001111"' in page  # their own phone, to save typing
    assert "加入该项目" in page and "加入候补" not in page
    assert "张师傅" in page

    _join(service)
    page = text(client_for(make_user()).get(f"/services/{service.id}"))
    assert "加入候补" in page


def test_anonymous_visitor_is_asked_to_log_in_to_join(client, volunteer):
    service = make_service(volunteer=volunteer)
    page = text(client.get(f"/services/{service.id}"))
    assert "登录后加入该项目" in page
    assert f"/account/login?next=/services/{service.id}" in html.unescape(page).replace(
        "%2F", "/")
    assert f'action="/services/{service.id}/join"' not in page


def test_owner_sees_their_buttons_instead_of_the_join_form(client_for, volunteer):
    service = make_service(volunteer=volunteer)
    page = text(client_for(volunteer).get(f"/services/{service.id}"))
    assert "这是您发布的项目" in page
    assert f'href="/my/services/{service.id}"' in page
    assert f'action="/services/{service.id}/pause"' in page
    assert f'action="/services/{service.id}/join"' not in page


def test_ended_event_takes_no_joins(client_for, volunteer):
    service = make_service(volunteer=volunteer, starts_at=utcnow() - timedelta(days=2),
                           ends_at=utcnow() - timedelta(days=2) + timedelta(hours=2))
    page = text(client_for(make_user()).get(f"/services/{service.id}"))
    assert "这个项目现在不能报名" in page
    assert f'action="/services/{service.id}/join"' not in page


def test_service_page_shows_the_residents_status_and_waitlist_position(client_for, volunteer):
    service = make_service(volunteer=volunteer, capacity=1)
    holder, second, third = make_user(), make_user(), make_user()
    for resident in (holder, second, third):
        _join(service, resident)
    page = text(client_for(holder).get(f"/services/{service.id}"))
    assert "待确认" in page and "您在候补名单" not in page
    assert "取消报名" in page
    page = text(client_for(third).get(f"/services/{service.id}"))
    assert "候补中" in page and "您在候补名单第 2 位" in page
    assert f'action="/services/{service.id}/join"' not in page
    page = text(client_for(second).get(f"/services/{service.id}"))
    assert "您在候补名单第 1 位" in page


# --- publishing ----------------------------------------------------------------------------

def test_a_resident_is_invited_to_become_a_volunteer_first(client, login_as):
    resident = make_user()
    login_as(resident)
    page = text(client.get("/services/new"))
    assert "成为志愿者" in page and "我愿意当志愿者" in page
    assert 'action="/account/volunteer"' in page
    assert 'name="title"' not in page
    # Posting the service form does not publish for a non-volunteer either.
    client.post("/services/new", data=_form())
    assert _count(Service) == 0

    response = client.post("/account/volunteer")
    assert response.status_code == 302 and response.headers["Location"].endswith("/services/new")
    db.session.refresh(resident)
    assert resident.is_volunteer
    page = text(client.get("/services/new"))
    assert "发布服务" in page and 'name="title"' in page


def test_publishing_needs_a_login(client):
    response = client.get("/services/new")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_new_service_form_starts_with_the_volunteers_community(client, login_as):
    login_as(make_user(is_volunteer=True, community="湖滨社区"))
    page = text(client.get("/services/new"))
    assert 'value="湖滨社区"' in page


@pytest.mark.parametrize(("overrides", "field_id", "message"), [
    ({"title": ""}, "title", "该字段是必填字段。"),
    ({"title": "理"}, "title", "标题须为 2-80 个字。"),
    ({"capacity": "0"}, "capacity", "数值大小必须介于 1 到 10000 之间。"),
    ({"mode": "place", "place": ""}, "place", "请填写服务地点。"),
    ({"starts_at": "2030-05-02T10:00", "ends_at": "2030-05-02T09:00"}, "ends_at",
     "结束时间必须晚于开始时间。"),
    ({"ends_at": "2030-05-02T09:00"}, "starts_at", "填写结束时间前请先填写开始时间。"),
])
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_saved(client, login_as, overrides,
                                                                   field_id, message):
    login_as(make_user(is_volunteer=True))
    typed = _form(description="每周六上午为老人理发", community="米市巷东社区",
                  **overrides)
    response = client.post("/services/new", data=typed)
    page = text(response)
    assert response.status_code == 200
    assert _field_errors(page, field_id) == [message]
    assert "每周六上午为老人理发" in page
    assert 'value="米市巷东社区"' in page
    if typed["title"]:
        assert f'value="{typed["title"]}"' in page
    assert _count(Service) == 0


def test_a_good_form_publishes(client, login_as):
    volunteer = make_user(is_volunteer=True)
    login_as(volunteer)
    response = client.post("/services/new", data=_form(
        title="周末义务理发", mode="place", place="社区服务中心一楼",
        starts_at="2030-05-02T10:00", ends_at="2030-05-02T12:00", capacity="5",
        auto_confirm="y"))
    assert response.status_code == 302
    service = db.session.scalar(sa.select(Service))
    assert response.headers["Location"].endswith(f"/services/{service.id}")
    assert service.status == ServiceStatus.PUBLISHED and service.published_at is not None
    assert service.volunteer_id == volunteer.id
    assert (service.mode, service.place, service.capacity, service.auto_confirm) == (
        ServiceMode.PLACE, "社区服务中心一楼", 5, True)
    # What was typed is Shanghai time; stored in UTC.
    assert service.starts_at == datetime(2030, 5, 2, 2, 0, tzinfo=UTC)
    assert service.ends_at == datetime(2030, 5, 2, 4, 0, tzinfo=UTC)
    page = text(client.get(response.headers["Location"]))
    assert "服务已发布。" in flashes(page)
    assert "周末义务理发" in page and "10:00" in page and "社区服务中心一楼" in page
    assert _browse(client) == [service.id]
    assert _category("convenience").open_service_count == 1


def test_save_draft_keeps_the_service_unlisted(client, client_for, login_as):
    volunteer = make_user(is_volunteer=True)
    login_as(volunteer)
    data = _form(title="还在准备的讲座", publish=None, save_draft="存为草稿")
    response = client.post("/services/new", data=data)
    assert response.status_code == 302
    service = db.session.scalar(sa.select(Service))
    assert service.status == ServiceStatus.DRAFT and service.published_at is None
    page = text(client.get(response.headers["Location"]))
    assert "已存为草稿。" in flashes(page)
    assert "草稿" in page
    assert _browse(client) == []
    assert client_for(make_user()).get(f"/services/{service.id}").status_code == 404

    response = client.post(f"/services/{service.id}/publish")
    assert response.status_code == 302
    db.session.refresh(service)
    assert service.status == ServiceStatus.PUBLISHED
    assert _browse(client) == [service.id]


def test_edit_form_shows_the_stored_values_in_local_time(client, login_as, volunteer):
    service = make_service(volunteer=volunteer, title="义务理发(上门)",
                           starts_at=datetime(2030, 5, 2, 2, 0, tzinfo=UTC),
                           ends_at=datetime(2030, 5, 2, 4, 30, tzinfo=UTC))
    login_as(volunteer)
    page = text(client.get(f"/services/{service.id}/edit"))
    assert "修改服务" in page
    assert 'value="义务理发(上门)"' in page
    assert 'value="2030-05-02T10:00"' in page and 'value="2030-05-02T12:30"' in page


def test_saving_the_edit_form_unchanged_keeps_the_times(client, login_as, volunteer):
    starts, ends = datetime(2030, 5, 2, 2, 0, tzinfo=UTC), datetime(2030, 5, 2, 4, 30, tzinfo=UTC)
    service = make_service(volunteer=volunteer, starts_at=starts, ends_at=ends)
    login_as(volunteer)
    page = text(client.get(f"/services/{service.id}/edit"))
    shown = re.findall(r'name="(starts_at|ends_at)" type="datetime-local" value="([^"]+)"', page)
    response = client.post(f"/services/{service.id}/edit",
                           data=_form(publish=None, **dict(shown)))
    assert response.status_code == 302
    db.session.refresh(service)
    assert (service.starts_at, service.ends_at) == (starts, ends)


def test_owner_edits_and_more_places_promote_the_waitlist(client, login_as, volunteer):
    service = make_service(volunteer=volunteer, capacity=1)
    _join(service)
    waiting = _join(service)
    login_as(volunteer)
    response = client.post(f"/services/{service.id}/edit",
                           data=_form(title="义务理发(上门)", capacity="2", publish=None))
    assert response.status_code == 302
    assert "修改已保存。" in flashes(text(client.get(response.headers["Location"])))
    db.session.refresh(service)
    db.session.refresh(waiting)
    assert service.capacity == 2 and (service.taken, service.waitlisted) == (2, 0)
    assert waiting.status == EnrollmentStatus.PENDING
    assert _count(Notification, user_id=waiting.resident_id, kind="enrollment.promoted") == 1


def test_places_cannot_be_fewer_than_those_taken(client, login_as, volunteer):
    service = make_service(volunteer=volunteer, capacity=3)
    _join(service)
    _join(service)
    login_as(volunteer)
    response = client.post(f"/services/{service.id}/edit",
                           data=_form(title="改了的标题", capacity="1", publish=None))
    page = text(response)
    assert response.status_code == 200
    assert _field_errors(page, "capacity") == ["已有 2 人占用名额,名额不能少于这个数。"]
    assert 'value="改了的标题"' in page
    db.session.refresh(service)
    assert (service.capacity, service.title) == (3, "义务理发(上门)")


def test_only_the_owner_edits(client_for, volunteer):
    service = make_service(volunteer=volunteer, title="义务理发(上门)")
    for intruder in (make_user(), make_user(is_volunteer=True), make_user(is_admin=True)):
        intruding = client_for(intruder)
        assert intruding.get(f"/services/{service.id}/edit").status_code == 403
        response = intruding.post(f"/services/{service.id}/edit",
                                  data=_form(title="被别人改了", publish=None))
        assert response.status_code == 403
    anonymous = client_for(None).get(f"/services/{service.id}/edit")
    assert anonymous.status_code == 302
    db.session.refresh(service)
    assert service.title == "义务理发(上门)"


def test_a_closed_service_cannot_be_edited(client, login_as, volunteer):
    service = make_service(volunteer=volunteer, status=ServiceStatus.CLOSED)
    login_as(volunteer)
    response = client.post(f"/services/{service.id}/edit",
                           data=_form(title="想改的标题", publish=None))
    assert "已结束的项目不能修改。" in text(response)
    db.session.refresh(service)
    assert service.title == "义务理发(上门)"


@pytest.mark.parametrize("action", ["publish", "pause", "close", "cancel"])
def test_status_actions_by_someone_else_are_forbidden(client_for, volunteer, action):
    status = ServiceStatus.PAUSED if action == "publish" else ServiceStatus.PUBLISHED
    service = make_service(volunteer=volunteer)
    _join(service)
    service.status = status
    db.session.commit()
    for intruder in (make_user(), make_user(is_volunteer=True)):
        response = client_for(intruder).post(f"/services/{service.id}/{action}")
        assert response.status_code == 403
    assert client_for(None).post(f"/services/{service.id}/{action}").status_code == 302
    db.session.refresh(service)
    assert service.status == status and service.taken == 1


def test_owner_pauses_reopens_and_closes(client, client_for, login_as, volunteer):
    service = make_service(volunteer=volunteer, capacity=1)
    holder, waiting = _join(service), _join(service)
    login_as(volunteer)
    client.post(f"/services/{service.id}/pause")
    db.session.refresh(service)
    assert service.status == ServiceStatus.PAUSED
    assert _browse(client_for(None)) == []
    assert client_for(make_user()).get(f"/services/{service.id}").status_code == 404

    response = client.post(f"/services/{service.id}/publish", follow_redirects=True)
    assert "项目已开放报名。" in flashes(text(response))
    assert _browse(client_for(None)) == [service.id]

    response = client.post(f"/services/{service.id}/close", follow_redirects=True)
    assert "项目已结束报名。" in flashes(text(response))
    db.session.refresh(service)
    assert service.status == ServiceStatus.CLOSED and (service.taken, service.waitlisted) == (
        0, 0)
    for enrollment in (holder, waiting):
        db.session.refresh(enrollment)
        assert enrollment.status == EnrollmentStatus.DECLINED
        assert _count(Notification, user_id=enrollment.resident_id,
                      kind="service.cancelled") == 1
    assert _browse(client_for(None)) == []
    # closing twice is refused with a message
    response = client.post(f"/services/{service.id}/close", follow_redirects=True)
    assert "这个项目已经结束了。" in flashes(text(response))


def test_calling_off_tells_confirmed_residents_too(client, login_as, volunteer):
    service = make_service(volunteer=volunteer, capacity=2, auto_confirm=True)
    confirmed = _join(service)
    login_as(volunteer)
    response = client.post(f"/services/{service.id}/cancel", follow_redirects=True)
    assert "活动已取消,已通知所有报名的居民。" in flashes(text(response))
    db.session.refresh(confirmed)
    assert confirmed.status == EnrollmentStatus.DECLINED
    assert _count(Notification, user_id=confirmed.resident_id, kind="service.cancelled") == 1


# --- the volunteer's own list and public profile ---------------------------------------------

def test_my_services_lists_everything_of_mine_only(client, login_as, volunteer):
    mine = [make_service(volunteer=volunteer, title="我的义剪"),
            make_service(volunteer=volunteer, title="我的草稿", status=ServiceStatus.DRAFT,
                         published_at=None),
            make_service(volunteer=volunteer, title="我被下架的服务", hidden_at=utcnow(),
                         hidden_reason="广告")]
    make_service(title="别人的服务")
    login_as(volunteer)
    page = text(client.get("/my/services"))
    for service in mine:
        assert service.title in page
    assert "别人的服务" not in page
    assert "已下架" in page and "草稿" in page


def test_volunteer_profile_lists_only_public_services(client, volunteer):
    make_service(volunteer=volunteer, title="公开的义剪")
    make_service(volunteer=volunteer, title="结束了的义诊", status=ServiceStatus.CLOSED)
    make_service(volunteer=volunteer, title="秘密草稿", status=ServiceStatus.DRAFT,
                 published_at=None)
    make_service(volunteer=volunteer, title="下架的服务", hidden_at=utcnow(),
                 hidden_reason="广告")
    page = text(client.get(f"/volunteers/{volunteer.id}"))
    assert "张师傅" in page
    assert "公开的义剪" in page and "结束了的义诊" in page
    assert "秘密草稿" not in page and "下架的服务" not in page
    assert client.get(f"/volunteers/{make_user().id}").status_code == 404


# --- moderation ----------------------------------------------------------------------------

def test_only_admins_hide_a_service(client_for, volunteer):
    service = make_service(volunteer=volunteer)
    for someone in (make_user(), volunteer, make_user(is_volunteer=True)):
        response = client_for(someone).post(f"/services/{service.id}/hide",
                                            data={"reason": "广告内容"})
        assert response.status_code == 403
    assert client_for(None).post(f"/services/{service.id}/hide",
                                 data={"reason": "广告内容"}).status_code == 302
    db.session.refresh(service)
    assert service.hidden_at is None
    assert _count(AuditEntry) == 0


def test_admin_hides_and_unhides_with_an_audit_trail(client_for, volunteer):
    service = make_service(volunteer=volunteer, title="义务理发(上门)")
    admin = make_user(is_admin=True)
    admin_client, public = client_for(admin), client_for(make_user())
    category = _category("convenience")
    category.open_service_count = 1
    db.session.commit()
    assert _browse(public, q="理发") == [service.id]

    admin_page = text(admin_client.get(f"/services/{service.id}"))
    assert f'action="/services/{service.id}/hide"' in admin_page
    response = admin_client.post(f"/services/{service.id}/hide",
                                 data={"reason": "含有收费广告"}, follow_redirects=True)
    assert "项目已下架。" in flashes(text(response))
    db.session.refresh(service)
    assert service.hidden_at is not None and service.hidden_reason == "含有收费广告"
    assert _browse(public) == []
    assert _browse(public, q="理发") == []
    assert _browse(public, q="义务理发") == []
    assert public.get(f"/services/{service.id}").status_code == 404
    owner_page = text(client_for(volunteer).get(f"/services/{service.id}"))
    assert "已被管理员下架:含有收费广告" in owner_page
    db.session.refresh(category)
    assert category.open_service_count == 0
    entry = db.session.scalar(sa.select(AuditEntry).filter_by(action="service.hide"))
    assert (entry.actor_id, entry.target_type, entry.target_id) == (admin.id, "services",
                                                                    service.id)
    assert entry.details["reason"] == "含有收费广告"

    # the other users still get 403 for unhide
    assert public.post(f"/services/{service.id}/unhide").status_code == 403
    response = admin_client.post(f"/services/{service.id}/unhide", follow_redirects=True)
    assert "项目已重新上架。" in flashes(text(response))
    db.session.refresh(service)
    assert service.hidden_at is None
    assert _browse(public, q="理发") == [service.id]
    assert public.get(f"/services/{service.id}").status_code == 200
    unhide = db.session.scalar(sa.select(AuditEntry).filter_by(action="service.unhide"))
    assert unhide.actor_id == admin.id and unhide.target_id == service.id


@pytest.mark.parametrize("reason", ["", " ", "x"])
def test_hiding_needs_a_reason(client_for, volunteer, reason):
    service = make_service(volunteer=volunteer)
    response = client_for(make_user(is_admin=True)).post(
        f"/services/{service.id}/hide", data={"reason": reason}, follow_redirects=True)
    assert "请填写原因(2-200 字)。" in flashes(text(response))
    db.session.refresh(service)
    assert service.hidden_at is None
    assert _count(AuditEntry) == 0


# --- query counts --------------------------------------------------------------------------

def _queries(count_queries, client, url) -> int:
    assert client.get(url).status_code == 200  # warm up
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


def _add_services(n: int, start: int = 0) -> None:
    """Services by different volunteers in different categories, some joined."""
    slugs = list(ensure_default_categories())
    for i in range(start, start + n):
        volunteer = make_user(is_volunteer=True, is_party_member=bool(i % 2))
        service = make_service(volunteer=volunteer, title=f"服务{i:02d}",
                               category=_category(slugs[i % len(slugs)]),
                               starts_at=utcnow() + timedelta(days=1 + i), ends_at=None)
        if i % 3 == 0:
            _join(service)


@pytest.mark.parametrize("logged_in", [False, True])
def test_home_and_browse_run_the_same_queries_for_2_or_12_services(
        client, login_as, count_queries, logged_in):
    if logged_in:
        login_as(make_user())
    _add_services(2)
    few = [_queries(count_queries, client, url) for url in ("/", "/services",
                                                             "/services?q=服务&sort=popular")]
    _add_services(10, start=2)
    assert len(card_ids(text(client.get("/services")))) == 12
    many = [_queries(count_queries, client, url) for url in ("/", "/services",
                                                              "/services?q=服务&sort=popular")]
    assert many == few


def test_service_page_runs_the_same_queries_for_2_or_12_enrollments(
        client_for, count_queries, volunteer):
    service = make_service(volunteer=volunteer, capacity=1)
    viewer = make_user()
    for _ in range(2):
        _join(service)
    _join(service, viewer)
    clients = [client_for(None), client_for(viewer), client_for(volunteer),
               client_for(make_user(is_admin=True))]
    url = f"/services/{service.id}"
    few = [_queries(count_queries, c, url) for c in clients]
    for _ in range(10):
        _join(service)
    many = [_queries(count_queries, c, url) for c in clients]
    assert "您在候补名单第 2 位" in text(clients[1].get(url))
    assert many == few


def test_my_services_runs_the_same_queries_for_2_or_12_services(client, login_as,
                                                                count_queries, volunteer):
    login_as(volunteer)

    def add(n):
        for i in range(n):
            service = make_service(volunteer=volunteer, title=f"我的服务{i}",
                                   category=_category(list(ensure_default_categories())[i % 8]))
            _join(service)

    add(2)
    few = _queries(count_queries, client, "/my/services")
    add(10)
    assert text(client.get("/my/services")).count("报名名单") == 12
    assert _queries(count_queries, client, "/my/services") == few
