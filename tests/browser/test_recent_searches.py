"""Finding a service on the phone (issue 9): recent searches remembered on
the device (static/js/search.js: localStorage only, newest first, each once,
at most eight, cleared on request), the browse page's filter chips as plain
links (also without JavaScript), one row each that scrolls sideways at
360 px, and the pages with chips or an empty result passing the page checks
in normal and elder mode."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from marketplace.listings.categories import ensure_default_categories
from marketplace.listings.models import ServiceMode

from ..factories import make_service
from .district import build_district
from .test_accessibility import findings_on

KEY = "wangtao.recentSearches"  # search.js


@pytest.fixture
def fresh_storage(phone):
    """The phone's context lives for the whole run: no searches kept from
    another test, and none left behind for the next."""
    phone.goto("/offline")
    phone.evaluate("localStorage.clear()")
    yield phone
    phone.evaluate("localStorage.clear()")


def _recent(page: Page):
    return page.locator("form[data-recent-searches] [data-recent-list]")


def _recent_words(page: Page) -> list[str]:
    return [words.strip() for words in _recent(page).get_by_role("link").all_inner_texts()]


def _kept(page: Page) -> list[str] | None:
    stored = page.evaluate(f"localStorage.getItem({json.dumps(KEY)})")
    return None if stored is None else json.loads(stored)


def _search(page: Page, words: str) -> None:
    form = page.locator("form[data-recent-searches]")
    form.locator("input[name=q]").fill(words)
    with page.expect_navigation():
        form.get_by_role("button", name="搜索").click()
    page.wait_for_load_state()


def test_recent_searches_are_kept_on_the_phone_tapped_and_cleared(fresh_storage, settle):
    phone = fresh_storage
    build_district()
    settle()
    phone.goto("/")
    expect(_recent(phone)).to_be_hidden()  # nothing searched yet: nothing shown
    _search(phone, "理发")
    assert "/services?q=" in phone.url
    expect(_recent(phone)).to_be_visible()
    assert _recent_words(phone) == ["理发"]
    _search(phone, "  家电维修 ")  # the browse page's own box
    assert _recent_words(phone) == ["家电维修", "理发"]
    _search(phone, "")  # an empty search is not kept
    assert _recent_words(phone) == ["家电维修", "理发"]
    _search(phone, "理发")  # once each, the newest first
    assert _recent_words(phone) == ["理发", "家电维修"]
    assert _kept(phone) == ["理发", "家电维修"]

    phone.goto("/")  # the home page's box shows them too
    expect(_recent(phone)).to_be_visible()
    assert _recent_words(phone) == ["理发", "家电维修"]
    with phone.expect_navigation():
        _recent(phone).get_by_role("link", name="家电维修").click()
    assert re.search(r"/services\?q=%E5%AE%B6%E7%94%B5%E7%BB%B4%E4%BF%AE$", phone.url)
    expect(phone.get_by_role("article").get_by_role("link", name="家电维修")).to_be_visible()
    assert _recent_words(phone) == ["家电维修", "理发"]  # searched again: first

    # The browse page with its filter chips and recent searches passes the checks.
    assert findings_on(phone, "browse with recent searches", "/services?q=理发") == []

    phone.keyboard.press("Escape")
    _recent(phone).get_by_role("button", name="清除").click()
    expect(_recent(phone)).to_be_hidden()
    expect(phone.locator("form[data-recent-searches] input[name=q]")).to_be_focused()
    assert _kept(phone) is None
    phone.reload()
    expect(_recent(phone)).to_be_hidden()
    phone.goto("/")
    expect(_recent(phone)).to_be_hidden()


def test_at_most_eight_are_kept(fresh_storage, settle):
    phone = fresh_storage
    make_service(title="义务理发")
    settle()
    older = [f"旧词{i}" for i in range(8)]
    phone.evaluate(f"localStorage.setItem({json.dumps(KEY)}, {json.dumps(json.dumps(older))})")
    phone.goto("/services")
    assert _recent_words(phone) == older
    _search(phone, "理发")
    assert _recent_words(phone) == ["理发", *older[:7]]
    assert _kept(phone) == ["理发", *older[:7]]
    # Something else under the key is no list of words: nothing breaks.
    phone.evaluate(f"localStorage.setItem({json.dumps(KEY)}, '{{not json')")
    phone.goto("/")
    expect(_recent(phone)).to_be_hidden()
    _search(phone, "理发")
    assert _recent_words(phone) == ["理发"]


def test_without_javascript_the_chips_work_and_no_recent_list_shows(phone_without_js, settle):
    phone = phone_without_js
    categories = ensure_default_categories()
    make_service(title="义务理发", community="米市巷社区")
    make_service(title="免费量血压", category=categories["health"], community="湖墅社区",
                 mode=ServiceMode.PLACE)
    settle()
    phone.goto("/services?q=免费&sort=newest")
    expect(_recent(phone)).to_be_hidden()
    chips = phone.get_by_role("navigation", name="快速筛选")
    chips.get_by_role("link", name="医疗健康").click()
    phone.wait_for_load_state()
    assert "category=health" in phone.url and "sort=newest" in phone.url
    on = chips.get_by_role("link", name="医疗健康")
    expect(on).to_have_attribute("aria-current", "true")
    expect(on).to_contain_text("✕")
    expect(phone.get_by_role("article").get_by_role("link", name="免费量血压")).to_be_visible()
    on.click()  # its ✕: the category goes, the words and the order stay
    phone.wait_for_load_state()
    assert "category=" not in phone.url and "q=" in phone.url and "sort=newest" in phone.url
    expect(chips.get_by_role("link", name="医疗健康")).not_to_have_attribute(
        "aria-current", "true")


def _row_layout(page: Page, label: str) -> dict:
    return page.get_by_role("list", name=label).evaluate("""row => ({
        scrolls: row.scrollWidth > row.clientWidth,
        overflow: getComputedStyle(row).overflowX,
        tops: [...row.children].map(li => Math.round(li.getBoundingClientRect().top)),
        heights: [...row.querySelectorAll('a')].map(a => a.getBoundingClientRect().height)})""")


CHIP_PAGES = {
    "browse with filters on": "/services?category=convenience&mode=home&has_places=y",
    "search with a suggestion": "/services?q=理发&mode=online",
    "search with the keyword table's": "/services?q=测血压",
}


def _district_with_communities():
    district = build_district()
    for community in ("湖墅社区", "小河社区", "拱宸桥社区", "大关社区"):
        make_service(title=f"{community}志愿服务", community=community)
    return district


def test_chip_rows_scroll_sideways_on_a_phone_and_pass_the_checks(phone, settle):
    _district_with_communities()
    settle()
    phone.goto("/services?category=health")
    categories = _row_layout(phone, "分类")
    assert categories["scrolls"] and categories["overflow"] == "auto"
    assert len(set(categories["tops"])) == 1, categories  # one row, not wrapped
    assert min(categories["heights"]) >= 44
    failed = [finding for name, path in CHIP_PAGES.items()
              for finding in findings_on(phone, name, path)]
    assert not failed, "\n".join(failed)


def test_chip_pages_in_elder_mode(phone, settle):
    _district_with_communities()
    settle()
    phone.goto("/")
    phone.get_by_role("button", name="长辈模式").click()
    phone.wait_for_load_state()
    phone.goto("/services?category=health")
    layout = _row_layout(phone, "分类")
    assert len(set(layout["tops"])) == 1 and min(layout["heights"]) >= 56, layout
    failed = [finding for name, path in CHIP_PAGES.items()
              for finding in findings_on(phone, name, path, elder=True)]
    assert not failed, "\n".join(failed)
