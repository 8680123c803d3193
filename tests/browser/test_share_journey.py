"""Sharing in the browser (issue 9): a service page's share section with its
QR code, the A4 poster and its print button, and the calendar file a
resident downloads from 我的报名."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from marketplace.enrollments import services as enrollments
from marketplace.extensions import db

from ..factories import make_service, make_user
from .helpers import log_in
from .page_checks import axe_findings, small_targets, small_text


def _qr_drawn(page, selector: str) -> bool:
    return page.locator(selector).evaluate("img => img.complete && img.naturalWidth > 0")


def test_the_share_section_and_the_printable_poster(phone, settle):
    service = make_service(title="义务理发", capacity=4)
    settle()
    phone.goto(f"/services/{service.id}")
    share = phone.locator("#share")
    expect(share.get_by_role("link", name=f"/s/{service.id}")).to_be_visible()
    assert _qr_drawn(phone, "#share img.share-qr")
    share.get_by_role("link", name="打印海报").click()
    expect(phone.get_by_role("heading", name="义务理发")).to_be_visible()
    expect(phone.locator(".poster-places")).to_contain_text("剩 4 个")
    assert _qr_drawn(phone, "img.poster-qr")
    assert axe_findings(phone) == []
    assert small_text(phone) == [] and small_targets(phone) == []
    # The 打印 button calls the browser's print (replaced here: headless has no dialog).
    phone.evaluate("window.print = () => { window.printed = true; }")
    phone.get_by_role("button", name="打印").click()
    assert phone.evaluate("window.printed") is True
    phone.emulate_media(media="print")
    expect(phone.locator(".navbar")).to_be_hidden()
    expect(phone.locator(".poster-tools")).to_be_hidden()
    expect(phone.locator(".poster-url")).to_be_visible()
    phone.emulate_media(media="screen")


def test_a_resident_downloads_the_calendar_file(phone, settle):
    starts = datetime(2031, 3, 4, 2, 0, tzinfo=UTC)
    service = make_service(title="健康讲座", starts_at=starts, ends_at=starts + timedelta(hours=1))
    resident = make_user()
    enrollments.join(service.id, resident, "13912345678")
    db.session.commit()
    log_in(phone, resident)
    phone.goto("/my/enrollments")
    with phone.expect_download() as info:
        phone.get_by_role("link", name="加入手机日历").click()
    download = info.value
    assert download.suggested_filename.endswith(".ics")
    with open(download.path(), encoding="utf-8", newline="") as f:
        ics = f.read()
    assert ics.startswith("BEGIN:VCALENDAR\r\n")
    assert "SUMMARY:健康讲座\r\n" in ics and "DTSTART:20310304T020000Z\r\n" in ics
    assert "13912345678" not in ics
