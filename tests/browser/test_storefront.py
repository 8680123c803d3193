"""The storefront on a phone (issue 9): product cards two a row, 加入该项目
at the bottom of the screen until the join section itself shows, and a
volunteer's shop; in elder mode the cards stand one a row."""

from __future__ import annotations

from playwright.sync_api import expect

from ..factories import make_service
from .district import build_district
from .helpers import log_in


def _columns(page) -> int:
    """How many service cards share the first row of the grid."""
    tops = page.locator(".service-grid > .col").evaluate_all(
        "cols => cols.map(c => Math.round(c.getBoundingClientRect().top))")
    return tops.count(tops[0])


def test_cards_two_a_row_and_one_in_elder_mode(phone, settle):
    build_district()
    settle()
    phone.goto("/services")
    assert _columns(phone) == 2
    phone.get_by_role("button", name="长辈模式").click()
    phone.wait_for_load_state()
    assert _columns(phone) == 1


def test_the_join_button_stays_in_reach_on_a_phone(phone, settle):
    district = build_district()
    long_read = make_service(title="老年人智能手机课", description="一、怎样接打视频电话。\n" * 40)
    settle()
    log_in(phone, district.resident)
    phone.goto(f"/services/{long_read.id}")
    bar = phone.locator(".join-bar")
    expect(bar).to_be_visible()
    box = bar.bounding_box()
    assert abs(box["y"] + box["height"] - phone.viewport_size["height"]) <= 1  # the bottom
    bar.get_by_role("link", name="加入该项目").click()
    # At the join section, the bar steps aside: one button, the form's.
    expect(phone.locator("#join").get_by_role("button", name="加入该项目")).to_be_in_viewport()
    expect(bar).to_be_hidden()
    phone.locator("#join").get_by_label("您的电话(只有志愿者能看到)").fill("13800000009")
    phone.locator("#join").get_by_role("button", name="加入该项目").click()
    expect(phone.locator("#join")).to_contain_text("取消报名")
    expect(phone.locator(".join-bar")).to_have_count(0)  # joined: nothing more to press


def test_a_shop_shows_the_volunteer_and_what_residents_say(phone, settle):
    district = build_district()
    settle()
    phone.goto(f"/services/{district.service.id}")
    phone.get_by_role("link", name="王建国").click()
    expect(phone.get_by_role("heading", name="王建国 党员")).to_be_visible()
    expect(phone.get_by_role("img", name="1 星志愿者").first).to_be_visible()
    expect(phone.locator("#comments-heading")).to_have_text("居民评价")
    expect(phone.locator("article.comment")).to_contain_text("王师傅理得很精神")
    expect(phone.locator("article.comment")).not_to_contain_text("孙大爷")
