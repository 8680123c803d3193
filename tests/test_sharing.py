"""Sharing (issue 9): short links, preview tags, QR codes, the A4 poster and
the calendar file, through the app."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
import segno

from marketplace.db import utcnow
from marketplace.enrollments import services as enrollments
from marketplace.extensions import db
from marketplace.help import services as help_requests
from marketplace.listings.categories import ensure_default_categories
from marketplace.listings.models import ServiceStatus
from marketplace.sharing.calendar import fold
from marketplace.sharing.qr import qr_svg

from .factories import make_service, make_user
from .page_helpers import text

PHONE = "13912345678"
HOST = "http://localhost"


def _help(requester=None, **overrides):
    values = dict(title="水管漏水", details="厨房水管漏水,需要帮忙", community="米市巷社区",
                  category_id=ensure_default_categories()["convenience"].id, contact=PHONE)
    values.update(overrides)
    request = help_requests.post_request(requester or make_user(),
                                         help_requests.HelpRequestData(**values))
    db.session.commit()
    return request


def _join(service, resident):
    enrollment = enrollments.join(service.id, resident, PHONE)
    db.session.commit()
    return enrollment


def _og(page: str) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in
            re.findall(r'<meta property="og:(\w+)" content="([^"]*)">', page)}


# --- short links -----------------------------------------------------------------------------

def test_short_links_redirect_to_the_full_pages_and_stay_the_same(client):
    service, request = make_service(), _help()
    for short, full in ((f"/s/{service.id}", f"/services/{service.id}"),
                        (f"/h/{request.id}", f"/help/{request.id}")):
        first, again = client.get(short), client.get(short)
        assert first.status_code == 302
        assert first.headers["Location"].endswith(full)
        assert again.headers["Location"] == first.headers["Location"]
    service.title = "改了名字"
    db.session.commit()
    assert client.get(f"/s/{service.id}").headers["Location"].endswith(f"/services/{service.id}")


@pytest.mark.parametrize("state", ["missing", "hidden", "draft", "paused"])
def test_a_link_to_what_is_not_shared_gives_a_friendly_page(client, state):
    service = make_service()
    if state == "hidden":
        service.hidden_at, service.hidden_reason = utcnow(), "广告"
    elif state in ("draft", "paused"):
        service.status = ServiceStatus(state)
    db.session.commit()
    service_id = service.id + 1000 if state == "missing" else service.id
    response = client.get(f"/s/{service_id}")
    assert response.status_code == 404
    page = text(response)
    assert "链接已失效" in page
    assert 'href="/services"' in page and 'href="/help"' in page


def test_a_hidden_help_request_is_not_shared(client):
    request = _help()
    request.hidden_at, request.hidden_reason = utcnow(), "广告"
    db.session.commit()
    assert client.get(f"/h/{request.id}").status_code == 404
    assert client.get(f"/h/{request.id + 99}").status_code == 404
    assert client.get(f"/help/{request.id}/qr.svg").status_code == 404


# --- preview tags ----------------------------------------------------------------------------

def test_the_service_page_has_preview_tags_escaped_and_without_contact(client):
    volunteer = make_user(is_volunteer=True, phone="13700001111")
    service = make_service(volunteer, title='理发 "免费" <b>&', description="上门理发\n欢迎报名")
    _join(service, make_user())
    tags = _og(text(client.get(f"/services/{service.id}")))
    assert tags["title"] == '理发 "免费" <b>&'
    assert tags["description"] == "上门理发 欢迎报名"
    assert tags["url"] == f"{HOST}/s/{service.id}"
    assert tags["type"] == "website" and tags["site_name"] == "网淘"
    assert tags["image"].startswith(HOST + "/static/img/")
    assert client.get(tags["image"][len(HOST):]).status_code == 200
    page = text(client.get(f"/services/{service.id}"))
    assert "<b>&" not in page
    assert PHONE not in page and "13700001111" not in page


def test_the_help_page_has_preview_tags_but_never_the_contact(client, login_as):
    requester = make_user()
    request = _help(requester)
    login_as(requester)  # the requester sees the contact on the page, not in the tags
    page = text(client.get(f"/help/{request.id}"))
    tags = _og(page)
    assert tags["url"] == f"{HOST}/h/{request.id}"
    assert tags["title"] == "水管漏水"
    assert PHONE in page
    assert all(PHONE not in value for value in tags.values())


def test_a_page_that_is_not_shareable_has_no_preview_tags_or_share_section(client, login_as):
    volunteer = make_user(is_volunteer=True)
    service = make_service(volunteer, status=ServiceStatus.PAUSED)
    login_as(volunteer)
    page = text(client.get(f"/services/{service.id}"))
    assert "og:url" not in page and 'id="share"' not in page


# --- QR codes --------------------------------------------------------------------------------

def test_the_qr_code_is_an_svg_of_the_short_link(client):
    service, request = make_service(), _help()
    for path, url in ((f"/services/{service.id}/qr.svg", f"{HOST}/s/{service.id}"),
                      (f"/help/{request.id}/qr.svg", f"{HOST}/h/{request.id}")):
        response = client.get(path)
        assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"
        assert "public" in response.headers["Cache-Control"]
        body = response.get_data()
        assert b"<svg" in body and body.rstrip().endswith(b"</svg>")
        # segno cannot decode: the bytes are the ones segno makes of that URL, and
        # not those of a neighbouring one.
        assert body == qr_svg(url)
        assert body != qr_svg(url + "0")
        assert segno.make(url, error="m").designator  # the URL fits a QR code


@pytest.mark.parametrize("status", [ServiceStatus.DRAFT, ServiceStatus.PAUSED])
def test_no_qr_code_for_what_readers_cannot_see(client, status):
    service = make_service(status=status)
    assert client.get(f"/services/{service.id}/qr.svg").status_code == 404
    assert client.get(f"/services/{service.id + 50}/qr.svg").status_code == 404


# --- the poster ------------------------------------------------------------------------------

def test_the_poster_shows_what_the_notice_board_needs(client):
    volunteer = make_user(is_volunteer=True, display_name="张师傅", phone="13700001111")
    service = make_service(volunteer, title="义务理发", capacity=5)
    _join(service, make_user())
    page = text(client.get(f"/services/{service.id}/poster"))
    assert "义务理发" in page and "张师傅" in page
    assert "剩余名额" in page and "共 5 个，剩 4 个" in page
    assert f'src="/services/{service.id}/qr.svg"' in page
    assert f"{HOST}/s/{service.id}" in page
    assert "data-print" in page and "css/sharing.css" in page
    assert "13700001111" not in page and PHONE not in page
    assert "暂停" not in page and "已结束报名" not in page


def test_an_open_ended_service_poster_says_long_term(client):
    service = make_service(starts_at=None, ends_at=None)
    assert "长期提供" in text(client.get(f"/services/{service.id}/poster"))


def test_a_closed_or_paused_poster_says_so(client, login_as):
    volunteer = make_user(is_volunteer=True)
    closed = make_service(volunteer, status=ServiceStatus.CLOSED)
    paused = make_service(volunteer, status=ServiceStatus.PAUSED)
    assert "已结束报名" in text(client.get(f"/services/{closed.id}/poster"))
    assert client.get(f"/services/{paused.id}/poster").status_code == 404  # not public
    login_as(volunteer)
    page = text(client.get(f"/services/{paused.id}/poster"))
    assert "暂停" in page
    assert "qr.svg" not in page  # its link leads nowhere while paused


def test_the_print_rules_are_in_the_stylesheet(client):
    css = text(client.get("/static/css/sharing.css"))
    assert "@page" in css and "size: A4" in css and "@media print" in css
    assert "window.print" in text(client.get("/static/js/sharing.js"))


# --- the calendar file -----------------------------------------------------------------------

def _unfold(ics: str) -> list[str]:
    return ics.replace("\r\n ", "").split("\r\n")


def test_the_resident_gets_a_calendar_file(client, login_as):
    starts = datetime(2030, 5, 6, 1, 30, tzinfo=UTC)
    long_title = "社区义务理发活动" * 8  # folded: longer than 75 octets
    service = make_service(title=long_title, starts_at=starts, ends_at=starts + timedelta(hours=2),
                           place="活动室, 二楼; 东侧")
    resident = make_user()
    enrollment = _join(service, resident)
    login_as(resident)
    response = client.get(f"/enrollments/{enrollment.id}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    ics = response.get_data(as_text=True)
    assert "\n" not in ics.replace("\r\n", "")  # CRLF only
    assert ics.endswith("\r\n")
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    lines = _unfold(ics)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR"
    assert lines.index("BEGIN:VEVENT") < lines.index("END:VEVENT")
    fields = dict(line.split(":", 1) for line in lines if ":" in line)
    assert fields["VERSION"] == "2.0"
    assert fields["UID"] == f"enrollment-{enrollment.id}@localhost"
    assert fields["DTSTART"] == "20300506T013000Z"
    assert fields["DTEND"] == "20300506T033000Z"
    assert re.fullmatch(r"\d{8}T\d{6}Z", fields["DTSTAMP"])
    assert fields["SUMMARY"] == long_title
    assert fields["LOCATION"] == "活动室\\, 二楼\\; 东侧 (米市巷社区)"
    assert fields["URL"] == f"{HOST}/s/{service.id}"
    assert "\\n" in fields["DESCRIPTION"]
    assert PHONE not in ics


def test_the_calendar_file_is_the_residents_only(client, client_for):
    resident, volunteer = make_user(), make_user(is_volunteer=True)
    service = make_service(volunteer)
    enrollment = _join(service, resident)
    path = f"/enrollments/{enrollment.id}/calendar.ics"
    anonymous = client.get(path)
    assert anonymous.status_code == 302 and "/account/login" in anonymous.headers["Location"]
    for other in (volunteer, make_user(), make_user(is_admin=True)):
        assert client_for(other).get(path).status_code == 404
    assert client_for(resident).get(path).status_code == 200
    assert client_for(resident).get(f"/enrollments/{enrollment.id + 9}/calendar.ics"
                                    ).status_code == 404


def test_an_open_ended_or_cancelled_enrollment_gets_a_friendly_page(client, login_as):
    resident = make_user()
    open_ended = _join(make_service(starts_at=None, ends_at=None), resident)
    login_as(resident)
    response = client.get(f"/enrollments/{open_ended.id}/calendar.ics")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "没有日期" in text(response)
    cancelled = _join(make_service(), resident)
    enrollments.cancel(cancelled, resident)
    db.session.commit()
    page = text(client.get(f"/enrollments/{cancelled.id}/calendar.ics"))
    assert "BEGIN:VCALENDAR" not in page and "没有占用名额" in page


def test_my_enrollments_links_the_calendar_only_with_a_date(client, login_as):
    resident = make_user()
    dated = _join(make_service(), resident)
    open_ended = _join(make_service(starts_at=None, ends_at=None), resident)
    login_as(resident)
    page = text(client.get("/my/enrollments"))
    assert f"/enrollments/{dated.id}/calendar.ics" in page
    assert f"/enrollments/{open_ended.id}/calendar.ics" not in page
    assert "加入手机日历" in page


def test_folding_never_cuts_a_chinese_character():
    line = "SUMMARY:" + "理发" * 60
    folded = fold(line)
    parts = folded.split("\r\n ")
    assert len(parts) > 2
    assert all(len(p.encode()) <= (75 if i == 0 else 74) for i, p in enumerate(parts))
    assert "".join(parts) == line
