"""Joining a service and what follows, through the pages: the resident's and
the volunteer's buttons, the waitlist, ratings, notifications, the privacy of
the resident's contact and the number of queries of the lists."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.enrollments import services as enrollments
from marketplace.enrollments.models import Enrollment, EnrollmentStatus
from marketplace.extensions import db
from marketplace.feedback.models import Feedback
from marketplace.listings.models import ServiceStatus
from marketplace.notifications.models import Notification

from .factories import make_service, make_user
from .page_helpers import card_ids, flashes, text

S = EnrollmentStatus
PHONE = "13912345678"
MASKED = "139****5678"  # as lists show it (privacy.mask_contact)


# --- helpers -------------------------------------------------------------------------------



@pytest.fixture
def volunteer():
    return make_user(is_volunteer=True, display_name="张师傅")








def _join(service, resident=None, contact=PHONE, note=None):
    enrollment = enrollments.join(service.id, resident or make_user(), contact, note)
    db.session.commit()
    return enrollment


def _join_page(client, service, contact=PHONE, note="", follow=True):
    """Press 加入该项目 on the service page; the page it leads back to."""
    response = client.post(f"/services/{service.id}/join", data={"contact": contact,
                                                                  "note": note})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/services/{service.id}")
    return text(client.get(response.headers["Location"])) if follow else response


def _act(client, enrollment, action, **data):
    """Press an enrollment's button; the flashed messages of the page it leads to."""
    response = client.post(f"/enrollments/{enrollment.id}/{action}", data=data)
    assert response.status_code == 302
    return flashes(text(client.get(response.headers["Location"])))


def _rate(client, enrollment, rating, comment=""):
    response = client.post(f"/enrollments/{enrollment.id}/feedback",
                           data={"rating": str(rating), "comment": comment})
    assert response.status_code == 302
    return flashes(text(client.get(response.headers["Location"])))


def _enrollments_of(user) -> list[Enrollment]:
    return list(db.session.scalars(sa.select(Enrollment).filter_by(resident_id=user.id)
                                   .order_by(Enrollment.id)))


def _count(model, **filters) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).filter_by(**filters))


def _notes(client) -> str:
    return text(client.get("/notifications/"))


def _unread_badge(page: str) -> int | None:
    found = re.search(r'text-bg-warning">(\d+)<span class="visually-hidden"> 条未读', page)
    return int(found.group(1)) if found else None


def _refresh(*objects):
    for obj in objects:
        db.session.refresh(obj)


# --- the story: find, join, waitlist, promotion, service, rating ----------------------------

def test_resident_finds_joins_and_rates_the_haircut(client_for, volunteer):
    haircut = make_service(volunteer=volunteer, title="义务理发(上门)", capacity=1,
                           description="为行动不便的老人上门理发")
    repair = make_service(volunteer=volunteer, title="家电维修", description="上门修空调")
    first, second, third = (make_user(display_name=name) for name in ("王阿姨", "李大爷", "赵奶奶"))
    first_client, second_client, third_client = (client_for(u) for u in (first, second, third))
    volunteer_client = client_for(volunteer)

    # She finds it by keyword and opens it.
    found = text(first_client.get("/services", query_string={"q": "理发"}))
    assert card_ids(found) == [haircut.id]
    assert f'href="/services/{repair.id}"' not in found  # (家电维修 is in the placeholder)
    assert "加入该项目" in text(first_client.get(f"/services/{haircut.id}"))

    # She joins: pending, the volunteer is told.
    page = _join_page(first_client, haircut, note="下午在家")
    assert "加入成功!志愿者会尽快确认。" in flashes(page)
    assert "待确认" in page
    held = _enrollments_of(first)[0]
    assert held.status == S.PENDING and held.contact == PHONE and held.note == "下午在家"
    assert "王阿姨 加入了“义务理发(上门)”。" in _notes(volunteer_client)

    # The next two residents are waitlisted, in order.
    page = _join_page(second_client, haircut, contact="13800000002")
    assert "名额已满:您已进入候补,有空位时会通知您。" in flashes(page)
    assert "候补中" in page and "您在候补名单第 1 位" in page
    page = _join_page(third_client, haircut, contact="13800000003")
    assert "您在候补名单第 2 位" in page
    assert "您在候补名单第 2 位" in text(third_client.get("/my/enrollments"))
    assert "您已进入“义务理发(上门)”的候补名单。" in _notes(second_client)
    _refresh(haircut)
    assert (haircut.taken, haircut.waitlisted) == (1, 2)

    # The first cancels: the second is promoted at once and told.
    assert "已取消报名。" in _act(first_client, held, "cancel")
    waiting = _enrollments_of(second)[0]
    assert waiting.status == S.PENDING
    notes = _notes(second_client)
    assert "有空位了:您已从候补转为“义务理发(上门)”的正式报名。" in notes
    assert "待确认" in text(second_client.get("/my/enrollments"))
    assert "您在候补名单第 1 位" in text(third_client.get(f"/services/{haircut.id}"))
    assert "王阿姨 取消了“义务理发(上门)”的报名。" in _notes(volunteer_client)

    # The volunteer confirms from the service's list.
    manage = text(volunteer_client.get(f"/my/services/{haircut.id}"))
    assert "李大爷" in manage and f'action="/enrollments/{waiting.id}/confirm"' in manage
    assert "已确认,并已通知居民。" in _act(volunteer_client, waiting, "confirm",
                                          next=f"/my/services/{haircut.id}")
    _refresh(waiting)
    assert waiting.status == S.CONFIRMED
    assert "您在“义务理发(上门)”的名额已确认。" in _notes(second_client)

    # ... and marks it served.
    manage = text(volunteer_client.get(f"/my/services/{haircut.id}?tab=confirmed"))
    assert f'action="/enrollments/{waiting.id}/complete"' in manage
    assert "已标记为完成,辛苦了!" in _act(volunteer_client, waiting, "complete",
                                         next=f"/my/services/{haircut.id}?tab=confirmed")
    _refresh(waiting, haircut)
    assert waiting.status == S.COMPLETED and haircut.completed_count == 1
    assert "“义务理发(上门)”已完成服务,请确认并评价。" in _notes(second_client)

    # The resident confirms it happened (once) and rates it (once).
    mine = text(second_client.get("/my/enrollments"))
    assert "已完成" in mine and "确认已服务" in mine and "提交评价" in mine
    assert "感谢您的确认。" in _act(second_client, waiting, "confirm-happened")
    assert "确认已服务" not in text(second_client.get("/my/enrollments"))
    assert "您已经确认过了。" in _act(second_client, waiting, "confirm-happened")
    assert "感谢您的评价!" in _rate(second_client, waiting, 5, "理得很好,师傅很耐心")
    mine = text(second_client.get("/my/enrollments"))
    assert "已评价,谢谢!" in mine and "提交评价" not in mine
    assert "您已经评价过了。" in _rate(second_client, waiting, 1, "改成差评")
    assert _count(Feedback, enrollment_id=waiting.id) == 1
    feedback = db.session.scalar(sa.select(Feedback).filter_by(enrollment_id=waiting.id))
    assert (feedback.rating, feedback.comment, feedback.volunteer_id) == (
        5, "理得很好,师傅很耐心", volunteer.id)
    _refresh(haircut)
    assert (haircut.rating_count, haircut.rating_sum) == (1, 5)

    # The service page and the volunteer's profile show the result, without names.
    page = text(third_client.get(f"/services/{haircut.id}"))
    assert "5.0" in page and "1 条评价" in page and "已服务 1 人" in page
    profile = text(third_client.get(f"/volunteers/{volunteer.id}"))
    assert "理得很好,师傅很耐心" in profile and "改成差评" not in profile
    assert "李大爷" not in profile


def test_the_volunteer_declines_and_the_place_goes_to_the_waitlist(client_for, volunteer):
    service = make_service(volunteer=volunteer, title="义务理发(上门)", capacity=1)
    held, waiting = _join(service), _join(service)
    flashes = _act(client_for(volunteer), held, "decline", next=f"/my/services/{service.id}")
    assert "已婉拒,并已通知居民。" in flashes
    _refresh(held, waiting)
    assert held.status == S.DECLINED and waiting.status == S.PENDING
    declined_client = client_for(held.resident)
    assert "很抱歉,“义务理发(上门)”的志愿者这次无法为您服务。" in _notes(declined_client)
    mine = text(declined_client.get("/my/enrollments"))
    assert "未获接受" in mine and "取消报名" not in mine


def test_no_show_ends_the_place_without_a_rating(client_for, volunteer):
    service = make_service(volunteer=volunteer, auto_confirm=True)
    enrollment = _join(service)
    assert enrollment.status == S.CONFIRMED
    flashes = _act(client_for(volunteer), enrollment, "no-show",
                   next=f"/my/services/{service.id}?tab=confirmed")
    assert "已标记为未成行。" in flashes
    _refresh(enrollment, service)
    assert enrollment.status == S.NO_SHOW and service.taken == 0
    resident_client = client_for(enrollment.resident)
    mine = text(resident_client.get("/my/enrollments"))
    assert "未成行" in mine and "提交评价" not in mine and "确认已服务" not in mine
    assert "当前报名状态下不能进行这个操作。" in _rate(resident_client, enrollment, 5)
    assert _count(Feedback) == 0


def test_completing_is_only_for_a_confirmed_place(client_for, volunteer):
    service = make_service(volunteer=volunteer)
    enrollment = _join(service)
    flashes = _act(client_for(volunteer), enrollment, "complete")
    assert "当前报名状态下不能进行这个操作。" in flashes
    _refresh(enrollment)
    assert enrollment.status == S.PENDING


def test_auto_confirm_service_confirms_at_once(client_for, volunteer):
    service = make_service(volunteer=volunteer, auto_confirm=True)
    resident = make_user()
    page = _join_page(client_for(resident), service)
    assert "加入成功,名额已确认。" in flashes(page)
    assert "已确认" in page
    assert _enrollments_of(resident)[0].status == S.CONFIRMED


def test_rating_needs_a_completed_place_and_1_to_5_stars(client_for, volunteer):
    service = make_service(volunteer=volunteer, auto_confirm=True)
    enrollment = _join(service)
    resident_client = client_for(enrollment.resident)
    assert "当前报名状态下不能进行这个操作。" in _rate(resident_client, enrollment, 4)
    enrollments.complete(enrollment, volunteer)
    db.session.commit()
    for bad in (0, 6, "很好"):
        assert "请选择 1 到 5 颗星。" in _rate(resident_client, enrollment, bad)
    assert _count(Feedback) == 0
    # the volunteer cannot rate on the resident's behalf
    assert "您不能进行此操作。" in _rate(client_for(volunteer), enrollment, 5)
    assert _count(Feedback) == 0
    assert "感谢您的评价!" in _rate(resident_client, enrollment, 3)
    _refresh(enrollment)
    assert enrollment.resident_confirmed_at is not None


# --- refusals --------------------------------------------------------------------------------

def test_joining_twice_is_refused_and_changes_nothing(client_for, volunteer):
    service = make_service(volunteer=volunteer, capacity=3)
    resident = make_user()
    resident_client = client_for(resident)
    _join_page(resident_client, service)
    page = _join_page(resident_client, service, contact="13700000000")
    assert "您已经加入了这个项目。" in flashes(page)
    assert len(_enrollments_of(resident)) == 1
    assert _enrollments_of(resident)[0].contact == PHONE
    _refresh(service)
    assert (service.taken, service.waitlisted, service.joined_total) == (1, 0, 1)


def test_joining_ones_own_service_is_refused(client_for, volunteer):
    service = make_service(volunteer=volunteer)
    page = _join_page(client_for(volunteer), service)
    assert "不能加入自己发布的项目。" in flashes(page)
    assert _count(Enrollment) == 0
    _refresh(service)
    assert service.taken == 0


def test_joining_a_closed_service_is_refused(client_for, volunteer):
    service = make_service(volunteer=volunteer, status=ServiceStatus.CLOSED)
    page = _join_page(client_for(make_user()), service)
    assert "这个项目现在不能报名。" in flashes(page)
    assert _count(Enrollment) == 0
    _refresh(service)
    assert (service.taken, service.joined_total) == (0, 0)
    assert _count(Notification) == 0


def test_joining_an_ended_event_is_refused(client_for, volunteer):
    service = make_service(volunteer=volunteer, starts_at=utcnow() - timedelta(days=3),
                           ends_at=utcnow() - timedelta(days=3) + timedelta(hours=2))
    page = _join_page(client_for(make_user()), service)
    assert "这个项目现在不能报名。" in flashes(page)
    assert _count(Enrollment) == 0


@pytest.mark.parametrize("state", ["draft", "paused", "hidden"])
def test_an_unlisted_service_cannot_be_joined(client_for, volunteer, state):
    service = make_service(volunteer=volunteer)
    if state == "hidden":
        service.hidden_at, service.hidden_reason = utcnow(), "广告"
    else:
        service.status = ServiceStatus(state)
    db.session.commit()
    response = client_for(make_user()).post(f"/services/{service.id}/join",
                                            data={"contact": PHONE})
    assert response.status_code == 404
    assert _count(Enrollment) == 0


@pytest.mark.parametrize(("contact", "message"), [
    ("", "该字段是必填字段。"),
    ("请打电话", "请留下志愿者能联系到您的电话号码。"),
    ("123", "请留下志愿者能联系到您的电话号码。"),
])
def test_joining_needs_a_reachable_contact(client_for, volunteer, contact, message):
    service = make_service(volunteer=volunteer)
    page = _join_page(client_for(make_user()), service, contact=contact)
    assert message in flashes(page)
    assert _count(Enrollment) == 0


def test_anonymous_join_goes_to_the_login(client_for, volunteer):
    service = make_service(volunteer=volunteer)
    response = client_for(None).post(f"/services/{service.id}/join", data={"contact": PHONE})
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert _count(Enrollment) == 0


def test_resident_may_join_again_after_cancelling(client_for, volunteer):
    service = make_service(volunteer=volunteer)
    resident = make_user()
    resident_client = client_for(resident)
    _join_page(resident_client, service)
    assert "已取消报名。" in _act(resident_client, _enrollments_of(resident)[0], "cancel")
    page = _join_page(resident_client, service)
    assert "加入成功!志愿者会尽快确认。" in flashes(page)
    assert [e.status for e in _enrollments_of(resident)] == [S.CANCELLED, S.PENDING]


def test_the_resident_cannot_use_the_volunteers_buttons(client_for, volunteer):
    service = make_service(volunteer=volunteer)
    enrollment = _join(service)
    resident_client = client_for(enrollment.resident)
    for action in ("confirm", "decline", "complete", "no-show"):
        assert "您不能进行此操作。" in _act(resident_client, enrollment, action)
    _refresh(enrollment)
    assert enrollment.status == S.PENDING
    # nor cancel on the resident's behalf
    assert "您不能进行此操作。" in _act(client_for(volunteer), enrollment, "cancel")
    _refresh(enrollment)
    assert enrollment.status == S.PENDING


def test_a_foreign_next_is_not_followed(client_for, volunteer):
    enrollment = _join(make_service(volunteer=volunteer))
    response = client_for(volunteer).post(f"/enrollments/{enrollment.id}/confirm",
                                          data={"next": "https://evil.example/"})
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


# --- privacy of the contact ------------------------------------------------------------------

def _public_pages(service, volunteer) -> list[str]:
    return ["/", "/services", "/services?q=理发", f"/services?community={service.community}",
            f"/services/{service.id}", f"/volunteers/{volunteer.id}", "/my/enrollments",
            "/my/services", "/notifications/", f"/services/{service.id}/edit"]


def test_the_contact_is_seen_by_the_volunteer_while_live_and_by_admins_only(client_for,
                                                                            volunteer):
    service = make_service(volunteer=volunteer, title="义务理发(上门)", capacity=1,
                           auto_confirm=True)
    resident = make_user(display_name="王阿姨")
    enrollment = _join(service, resident, contact=PHONE, note="住3号楼")
    # someone waitlisted behind her, so every tab has something to show
    _join(service, make_user(), contact="13800000009")
    volunteer_client, admin_client = client_for(volunteer), client_for(make_user(is_admin=True))
    others = {"another resident": client_for(make_user()),
              "another volunteer": client_for(make_user(is_volunteer=True)),
              "anonymous": client_for(None)}

    manage = text(volunteer_client.get(f"/my/services/{service.id}?tab=confirmed"))
    assert MASKED in manage and "住3号楼" in manage and "王阿姨" in manage
    assert PHONE not in manage  # whole on the enrollment's own page (test_privacy.py)
    assert f'href="/enrollments/{enrollment.id}"' in manage
    assert PHONE in text(volunteer_client.get(f"/enrollments/{enrollment.id}"))
    assert MASKED in text(admin_client.get(f"/my/services/{service.id}?tab=confirmed"))

    def assert_never_shown_to_others():
        for who, other in others.items():
            for url in _public_pages(service, volunteer):
                response = other.get(url)
                assert PHONE not in text(response), (who, url)
                assert "住3号楼" not in text(response), (who, url)
            for tab in ("pending", "confirmed", "waitlisted", "ended"):
                response = other.get(f"/my/services/{service.id}?tab={tab}")
                assert response.status_code == (302 if who == "anonymous" else 404)
                assert PHONE not in text(response)
    assert_never_shown_to_others()

    # After the service the contact is no longer shown, to the volunteer either.
    enrollments.complete(enrollment, volunteer)
    db.session.commit()
    for tab in ("pending", "confirmed", "waitlisted", "ended"):
        page = text(volunteer_client.get(f"/my/services/{service.id}?tab={tab}"))
        assert PHONE not in page and MASKED not in page, tab
    assert PHONE not in text(volunteer_client.get(f"/enrollments/{enrollment.id}"))
    ended = text(volunteer_client.get(f"/my/services/{service.id}?tab=ended"))
    assert "王阿姨" in ended and "已完成" in ended
    assert PHONE not in text(volunteer_client.get("/notifications/"))
    assert_never_shown_to_others()


def test_a_cancelled_enrollments_contact_is_hidden_from_the_volunteer(client_for, volunteer):
    service = make_service(volunteer=volunteer)
    enrollment = _join(service, contact=PHONE)
    volunteer_client = client_for(volunteer)
    assert MASKED in text(volunteer_client.get(f"/my/services/{service.id}"))
    enrollments.cancel(enrollment, enrollment.resident)
    db.session.commit()
    for tab in ("pending", "confirmed", "waitlisted", "ended"):
        page = text(volunteer_client.get(f"/my/services/{service.id}?tab={tab}"))
        assert PHONE not in page and MASKED not in page


def test_another_volunteers_service_list_is_404(client_for, volunteer):
    service = make_service(volunteer=volunteer)
    _join(service)
    for someone in (make_user(), make_user(is_volunteer=True)):
        assert client_for(someone).get(f"/my/services/{service.id}").status_code == 404
    assert client_for(volunteer).get(f"/my/services/{service.id}").status_code == 200
    assert client_for(volunteer).get("/my/services/987654").status_code == 404


@pytest.mark.parametrize("cursor", ["not-a-cursor!!", "WyJhYmMiXQ", "W251bGxd"],
                         ids=["garbage", "string", "null"])
def test_a_forged_cursor_does_not_crash_the_service_enrollments_page(client_for, volunteer,
                                                                     cursor):
    service = make_service(volunteer=volunteer)
    _join(service)
    response = client_for(volunteer).get(f"/my/services/{service.id}",
                                         query_string={"cursor": cursor})
    assert response.status_code == 200


@pytest.mark.parametrize("action", ["cancel", "confirm", "decline", "complete", "no-show",
                                    "confirm-happened", "feedback"])
def test_other_users_get_404_on_an_enrollments_buttons(client_for, volunteer, action):
    service = make_service(volunteer=volunteer, auto_confirm=True)
    enrollment = _join(service)
    url = f"/enrollments/{enrollment.id}/{action}"
    for someone in (make_user(), make_user(is_volunteer=True)):
        response = client_for(someone).post(url, data={"rating": "5"})
        assert response.status_code == 404
        assert PHONE not in text(response)
    assert client_for(None).post(url, data={"rating": "5"}).status_code == 302
    assert client_for(volunteer).post("/enrollments/987654/cancel").status_code == 404
    _refresh(enrollment)
    assert enrollment.status == S.CONFIRMED
    assert _count(Feedback) == 0


def test_my_enrollments_lists_only_my_own(client_for, volunteer):
    mine = make_service(volunteer=volunteer, title="我报名的义剪")
    theirs = make_service(volunteer=volunteer, title="别人报名的义诊")
    me, neighbour = make_user(), make_user()
    _join(mine, me)
    _join(theirs, neighbour)
    page = text(client_for(me).get("/my/enrollments"))
    assert "我报名的义剪" in page and "别人报名的义诊" not in page
    empty = text(client_for(make_user()).get("/my/enrollments"))
    assert "您还没有加入任何项目" in empty


# --- notifications -----------------------------------------------------------------------------

def test_unread_badge_and_mark_all_read(client_for, volunteer):
    service = make_service(volunteer=volunteer, title="义务理发(上门)", auto_confirm=True,
                           capacity=5)
    first, second = make_user(display_name="王阿姨"), make_user(display_name="李大爷")
    _join(service, first)
    _join(service, second)
    volunteer_client, first_client = client_for(volunteer), client_for(first)

    assert _unread_badge(text(volunteer_client.get("/"))) == 2
    assert _unread_badge(text(first_client.get("/"))) == 1
    page = _notes(volunteer_client)
    assert _unread_badge(page) == 2
    assert "王阿姨 加入了“义务理发(上门)”。" in page and "李大爷 加入了“义务理发(上门)”。" in page
    assert f'href="/my/services/{service.id}"' in page
    assert "全部标为已读" in page
    assert "您在“义务理发(上门)”的名额已确认。" not in page  # the residents' own notices

    own = _notes(first_client)
    assert "您在“义务理发(上门)”的名额已确认。" in own
    assert "加入了" not in own

    response = volunteer_client.post("/notifications/read")
    assert response.status_code == 302
    page = _notes(volunteer_client)
    assert _unread_badge(page) is None and "全部标为已读" not in page
    assert "王阿姨 加入了“义务理发(上门)”。" in page  # read, still listed
    assert _unread_badge(text(volunteer_client.get("/"))) is None
    # only the volunteer's own were marked read
    assert _unread_badge(text(first_client.get("/"))) == 1
    assert _count(Notification, user_id=first.id, read_at=None) == 1


def test_a_new_notice_after_reading_shows_again(client_for, volunteer):
    service = make_service(volunteer=volunteer)
    _join(service)
    volunteer_client = client_for(volunteer)
    volunteer_client.post("/notifications/read")
    _join(service)
    assert _unread_badge(text(volunteer_client.get("/"))) == 1


def test_notifications_need_a_login(client_for):
    response = client_for(None).get("/notifications/")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert client_for(None).post("/notifications/read").status_code == 302


# --- query counts --------------------------------------------------------------------------

def _queries(count_queries, client, url) -> int:
    assert client.get(url).status_code == 200  # warm up
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


@pytest.mark.parametrize("tab", ["pending", "confirmed", "waitlisted", "ended"])
def test_service_enrollments_page_runs_the_same_queries_for_2_or_12(client_for, count_queries,
                                                                    volunteer, tab):
    service = make_service(volunteer=volunteer, capacity=30,
                           auto_confirm=tab in ("confirmed", "ended"))
    if tab == "waitlisted":
        service.capacity = 1
        db.session.commit()
        _join(service)

    def add(n):
        for _ in range(n):
            enrollment = _join(service)
            if tab == "ended":
                enrollments.complete(enrollment, volunteer)
                db.session.commit()

    clients = [client_for(volunteer), client_for(make_user(is_admin=True))]
    url = f"/my/services/{service.id}?tab={tab}"
    add(2)
    few = [_queries(count_queries, c, url) for c in clients]
    add(10)
    page = text(clients[0].get(url))
    assert page.count('<article class="card mb-2">') == 12
    many = [_queries(count_queries, c, url) for c in clients]
    assert many == few


def test_my_enrollments_runs_the_same_queries_for_2_or_12(client_for, count_queries):
    resident = make_user()
    resident_client = client_for(resident)
    kinds = ["waitlisted", "rated", "completed", "pending", "confirmed", "cancelled"]

    def add(n, start):
        for i in range(start, start + n):
            kind = kinds[i % len(kinds)]
            volunteer = make_user(is_volunteer=True)
            service = make_service(volunteer=volunteer, title=f"服务{i}", capacity=1,
                                   auto_confirm=kind in ("rated", "completed", "confirmed"),
                                   starts_at=None if i % 2 else utcnow() + timedelta(days=i + 1),
                                   ends_at=None)
            if kind == "waitlisted":
                _join(service)
            enrollment = _join(service, resident)
            if kind in ("rated", "completed"):
                enrollments.complete(enrollment, volunteer)
            if kind == "rated":
                enrollments.rate(enrollment, resident, 4, "很好")
            if kind == "cancelled":
                enrollments.cancel(enrollment, resident)
            db.session.commit()

    add(2, 0)
    few = _queries(count_queries, resident_client, "/my/enrollments")
    add(10, 2)
    page = text(resident_client.get("/my/enrollments"))
    assert page.count('<article class="card mb-2">') == 12
    assert "您在候补名单第 1 位" in page and "已评价,谢谢!" in page
    assert _queries(count_queries, resident_client, "/my/enrollments") == few


def test_notifications_page_runs_the_same_queries_for_2_or_12(client_for, count_queries,
                                                              volunteer):
    service = make_service(volunteer=volunteer, capacity=20)
    volunteer_client = client_for(volunteer)
    for _ in range(2):
        _join(service)
    few = _queries(count_queries, volunteer_client, "/notifications/")
    for _ in range(10):
        _join(service)
    assert _unread_badge(_notes(volunteer_client)) == 12
    assert _queries(count_queries, volunteer_client, "/notifications/") == few
