"""Finding a service (issue 9) through the pages: the browse page's filter
chips (category, mode, places left, community), the short list of
communities, what a search that found nothing suggests (the category where
the words are, or the keyword table's), and the help-request form begun
with the words. Recent searches live in the browser (tests/browser)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.help.models import HelpRequest
from marketplace.listings import finding, queries
from marketplace.listings.categories import DEFAULT_CATEGORIES, ensure_default_categories
from marketplace.listings.models import ServiceMode, ServiceStatus

from .factories import make_service, make_user
from .page_helpers import card_ids, text

CATEGORY_NAMES = [name for _slug, name, *_rest in DEFAULT_CATEGORIES]
MODES = ["上门服务", "定点服务", "线上服务", "有名额"]
REMOVE = "(点按取消此筛选)"


# --- reading the chips --------------------------------------------------------------------

@dataclass
class Chip:
    text: str
    href: str
    current: bool
    cross: bool  # the ✕ of the filter that is on
    hint: str  # the words for screen readers

    @property
    def args(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.href).query)


class _ChipParser(HTMLParser):
    """The chips of each row (<ul class="wt-chip-row" aria-label=…>)."""

    def __init__(self):
        super().__init__()
        self.rows: dict[str, list[Chip]] = {}
        self.row: str | None = None
        self.chip: dict | None = None
        self.span: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "ul" and "wt-chip-row" in classes and attrs.get("aria-label"):
            self.row = attrs["aria-label"]
            self.rows[self.row] = []
        elif tag == "a" and "wt-chip" in classes and self.row:
            self.chip = {"href": html.unescape(attrs["href"]), "text": "", "hint": "",
                         "current": attrs.get("aria-current") == "true", "cross": False}
        elif tag == "span" and self.chip is not None:
            self.span = "hint" if "visually-hidden" in classes else (
                "cross" if attrs.get("aria-hidden") == "true" else None)

    def handle_endtag(self, tag):
        if tag == "span":
            self.span = None
        elif tag == "a" and self.chip is not None:
            self.rows[self.row].append(Chip(self.chip["text"].strip(), self.chip["href"],
                                            self.chip["current"], self.chip["cross"],
                                            self.chip["hint"].strip()))
            self.chip = None
        elif tag == "ul":
            self.row = None

    def handle_data(self, data):
        if self.chip is None:
            return
        if self.span == "hint":
            self.chip["hint"] += data
        elif self.span == "cross":
            self.chip["cross"] = self.chip["cross"] or "✕" in data
        else:
            self.chip["text"] += data


def chips(page: str) -> dict[str, list[Chip]]:
    """{row: its chips}: 分类, 服务方式 (with 有名额), 社区."""
    parser = _ChipParser()
    parser.feed(page)
    return parser.rows


def chip(page: str, row: str, label: str) -> Chip:
    found = [c for c in chips(page)[row] if c.text == label]
    assert len(found) == 1, (label, chips(page).get(row))
    return found[0]


def _get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return text(response)


def _category(slug: str):
    return ensure_default_categories()[slug]


@pytest.fixture
def services():
    """Open services of three categories, in three communities."""
    conv, health = _category("convenience"), _category("health")
    made = {
        "haircut": make_service(title="义务理发(上门)", community="米市巷社区",
                                category=conv, mode=ServiceMode.HOME),
        "repair": make_service(title="家电维修", description="修空调、洗衣机",
                               community="湖墅社区", category=conv, mode=ServiceMode.PLACE,
                               capacity=2, taken=2),
        "blood": make_service(title="免费量血压", description="社区医生坐诊",
                              community="湖墅社区", category=health, mode=ServiceMode.PLACE),
        "online": make_service(title="线上健康讲座", description="讲高血压的饮食",
                               community="小河社区", category=health, mode=ServiceMode.ONLINE),
    }
    return made


# --- the chips ----------------------------------------------------------------------------

def test_chips_offer_each_active_category_each_mode_and_places_left(client, services):
    retired = _category("donation")
    retired.retired_at = utcnow()
    db.session.commit()
    rows = chips(_get(client, "/services"))
    assert [c.text for c in rows["分类"]] == [n for n in CATEGORY_NAMES if n != "爱心捐赠"]
    assert [c.text for c in rows["服务方式"]] == MODES
    assert not any(c.current or c.cross for row in rows.values() for c in row)
    assert chip(_get(client, "/services"), "分类", "医疗健康").args == {"category": ["health"]}
    assert chip(_get(client, "/services"), "服务方式", "定点服务").args == {"mode": ["place"]}
    assert chip(_get(client, "/services"), "服务方式", "有名额").args == {"has_places": ["y"]}


def test_a_chip_sets_its_filter_keeps_the_others_and_drops_the_cursor(client, services):
    page = _get(client, "/services?q=社区&sort=newest&mode=place&cursor=abc&date_from=")
    health = chip(page, "分类", "医疗健康")
    assert health.args == {"q": ["社区"], "sort": ["newest"], "mode": ["place"],
                           "category": ["health"]}
    assert card_ids(_get(client, health.href)) == [services["blood"].id]
    # Another mode replaces the one that is on; the category chip's page keeps it.
    online = chip(page, "服务方式", "线上服务")
    assert online.args == {"q": ["社区"], "sort": ["newest"], "mode": ["online"]}
    places = chip(_get(client, health.href), "服务方式", "有名额")
    assert places.args == {"q": ["社区"], "sort": ["newest"], "mode": ["place"],
                           "category": ["health"], "has_places": ["y"]}


def test_a_chip_carries_only_the_browse_pages_own_args(client, services):
    page = _get(client, "/services?q=理发&endpoint=x&_external=1&_scheme=javascript&utm=a")
    assert chip(page, "分类", "医疗健康").args == {"q": ["理发"], "category": ["health"]}
    assert all(c.href.startswith("/services?") for row in chips(page).values() for c in row)


def test_the_chip_that_is_on_is_marked_and_its_cross_takes_the_filter_away(client, services):
    page = _get(client, "/services?category=convenience&mode=place&has_places=y&q=修")
    rows = chips(page)
    for row, label in (("分类", "便民利民"), ("服务方式", "定点服务"), ("服务方式", "有名额")):
        on = chip(page, row, label)
        assert on.current and on.cross and on.hint == REMOVE, on
    assert [c.text for c in rows["分类"] if c.current] == ["便民利民"]
    assert [c.text for c in rows["服务方式"] if c.current] == ["定点服务", "有名额"]
    assert 'aria-current="true"' in page and "✕" in page
    # Each ✕ takes its own filter away and leaves the rest.
    assert chip(page, "分类", "便民利民").args == {
        "mode": ["place"], "has_places": ["y"], "q": ["修"]}
    assert chip(page, "服务方式", "有名额").args == {
        "category": ["convenience"], "mode": ["place"], "q": ["修"]}
    # The repair is full: with places left nothing is found; without, it is.
    assert card_ids(page) == []
    assert card_ids(_get(client, chip(page, "服务方式", "有名额").href)) == [
        services["repair"].id]
    assert card_ids(_get(client, chip(page, "分类", "便民利民").href)) == []


def test_a_category_chosen_by_chip_leaves_the_filter_form_folded(client, services):
    assert "<details open>" not in _get(client, "/services?category=health")
    assert "<details open>" in _get(client, "/services?date_from=2030-01-01")


# --- the communities ----------------------------------------------------------------------

def _open_in(community: str, n: int):
    for i in range(n):
        make_service(title=f"服务{community}{i}", community=community)


def test_communities_most_open_services_first_and_only_open_ones_count(client):
    _open_in("湖墅社区", 3)
    _open_in("米市巷社区", 2)
    _open_in("小河社区", 1)
    past = utcnow() - timedelta(days=3)
    for overrides in ({"starts_at": past, "ends_at": past + timedelta(hours=2)},
                      {"hidden_at": utcnow()}, {"status": ServiceStatus.DRAFT},
                      {"status": ServiceStatus.CLOSED}):
        for _ in range(4):
            make_service(community="大关社区", **overrides)
    rows = chips(_get(client, "/services"))
    assert [c.text for c in rows["社区"]] == ["湖墅社区", "米市巷社区", "小河社区"]
    assert chip(_get(client, "/services?q=服务"), "社区", "小河社区").args == {
        "q": ["服务"], "community": ["小河社区"]}


def test_the_readers_own_community_comes_first_once(client_for):
    _open_in("湖墅社区", 3)
    _open_in("米市巷社区", 2)
    newcomer = make_user(community="拱宸桥社区")
    assert [c.text for c in chips(_get(client_for(newcomer), "/services"))["社区"]] == [
        "拱宸桥社区", "湖墅社区", "米市巷社区"]
    neighbour = make_user(community="米市巷社区")
    assert [c.text for c in chips(_get(client_for(neighbour), "/services"))["社区"]] == [
        "米市巷社区", "湖墅社区"]
    assert [c.text for c in chips(_get(client_for(make_user()), "/services"))["社区"]] == [
        "湖墅社区", "米市巷社区"]


def test_the_community_list_is_short(client):
    for i in range(finding.COMMUNITY_CHIPS + 3):
        _open_in(f"第{i}社区", 1 + i)  # the last has the most
    names = [c.text for c in chips(_get(client, "/services"))["社区"]]
    assert names == [f"第{i}社区" for i in range(finding.COMMUNITY_CHIPS + 2, 2, -1)]


def test_the_community_filtered_on_has_its_chip_even_off_the_list(client, services):
    page = _get(client, "/services?community=湖墅&sort=popular")
    on = chip(page, "社区", "湖墅")
    assert on.current and on.cross and on.args == {"sort": ["popular"]}
    assert [c.text for c in chips(page)["社区"]][0] == "湖墅"
    assert not chip(page, "社区", "湖墅社区").current  # a prefix, not the same filter
    listed = _get(client, "/services?community=湖墅社区")
    assert chip(listed, "社区", "湖墅社区").current
    assert [c.text for c in chips(listed)["社区"]].count("湖墅社区") == 1
    assert sorted(card_ids(listed)) == sorted([services["repair"].id, services["blood"].id])


def test_the_community_counts_read_the_first_of_the_list_only(client, monkeypatch):
    """A bounded sample (soonest first): the count does not read every
    open service of a province."""
    soon = utcnow() + timedelta(hours=3)
    for i in range(2):
        make_service(community="米市巷社区", starts_at=soon + timedelta(minutes=i), ends_at=None)
    for i in range(3):
        make_service(community="湖墅社区", starts_at=soon + timedelta(days=9, minutes=i),
                     ends_at=None)
    assert queries.busiest_communities(5) == ["湖墅社区", "米市巷社区"]
    monkeypatch.setattr(queries, "COMMUNITY_SAMPLE", 3)
    assert queries.busiest_communities(5) == ["米市巷社区", "湖墅社区"]


# --- a search that found nothing ----------------------------------------------------------

def _links(page: str, prefix: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="(' + re.escape(prefix) + r'[^"]*)"',
                                                  page)]


def _args(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


def test_no_match_with_filters_names_the_category_where_the_words_are(client, services):
    make_service(title="理发师傅上门", community="湖墅社区")
    make_service(title="长辈理发", community="小河社区")
    make_service(title="理发培训班", category=_category("culture"))
    page = _get(client, "/services?q=理发&category=legal&mode=online&has_places=y")
    assert card_ids(page) == []
    assert "在「便民利民」里有 3 个相关服务" in page
    [suggested] = [h for h in _links(page, "/services?") if "在「" in _around(page, h)]
    assert _args(suggested) == {"q": ["理发"], "category": ["convenience"]}
    assert len(card_ids(_get(client, suggested))) == 3
    [ask] = _links(page, "/help/new?")
    assert _args(ask) == {"title": ["理发"], "category": ["convenience"]}
    assert "发布求助:“理发”" in page
    assert 'href="/help/new"' in page  # the plain way stays


def _around(page: str, href: str) -> str:
    escaped = html.escape(href, quote=True)
    start = page.index(f'href="{escaped}"')
    return page[start:page.index("</a>", start)]


def test_a_tie_goes_to_the_category_listed_first(client):
    make_service(title="健康讲座", category=_category("culture"))
    make_service(title="健康检查", category=_category("health"))
    page = _get(client, "/services?q=健康&mode=online")
    assert "在「医疗健康」里有 1 个相关服务" in page  # 医疗健康 before 文体教育


def test_many_matches_say_more_than(client, monkeypatch):
    monkeypatch.setattr(queries, "MATCH_SAMPLE", 2)
    for i in range(3):
        make_service(title=f"上门理发{i}")
    page = _get(client, "/services?q=理发&category=health")
    assert "在「便民利民」里有超过 2 个相关服务" in page


@pytest.mark.parametrize(("words", "slug", "name"), [
    ("剪发", "convenience", "便民利民"), ("保洁阿姨", "convenience", "便民利民"),
    ("测血压", "health", "医疗健康"), ("体检", "health", "医疗健康"),
    ("找律师", "legal", "法律援助"), ("租房合同", "legal", "法律援助"),
    ("作业辅导", "advice", "咨询辅导"), ("功课", "advice", "咨询辅导"),
])
def test_words_that_match_nothing_get_the_keyword_tables_category(client, services, words,
                                                                   slug, name):
    page = _get(client, f"/services?q={words}")
    assert card_ids(page) == []
    assert f"您要找的可能在「{name}」里" in page
    assert f'href="/services?category={slug}"' in page
    [ask] = _links(page, "/help/new?")
    assert _args(ask) == {"title": [words], "category": [slug]}


def test_the_keyword_table_also_serves_when_filters_and_words_find_nothing(client, services):
    page = _get(client, "/services?q=律师咨询&mode=home")
    assert "您要找的可能在「法律援助」里" in page
    assert "个相关服务" not in page


def test_words_nobody_knows_offer_a_help_request_without_a_category(client, services):
    page = text(client.get("/services", query_string={"q": "修自行车  链条"}))
    assert "您要找的可能在" not in page and "个相关服务" not in page
    [ask] = _links(page, "/help/new?")
    assert _args(ask) == {"title": ["修自行车 链条"]}
    assert "没有找到相符的服务" in page


def test_a_category_retired_is_never_suggested(client):
    make_service(title="上门理发")
    _category("convenience").retired_at = utcnow()
    db.session.commit()
    page = _get(client, "/services?q=理发&mode=online")
    assert "便民利民" not in page.split('aria-label="快速筛选"')[1]


def test_an_empty_list_without_words_suggests_nothing(client, services):
    page = _get(client, "/services?category=legal")
    assert card_ids(page) == []
    assert _links(page, "/help/new?") == [] and 'href="/help/new"' in page
    assert "您要找的可能在" not in page


def test_a_list_with_results_suggests_nothing(client, services):
    page = _get(client, "/services?q=理发")
    assert card_ids(page) == [services["haircut"].id]
    assert _links(page, "/help/new?") == []


@pytest.mark.parametrize(("words", "slug"), [
    ("理发", "convenience"), ("剪发", "convenience"), ("保洁", "convenience"),
    ("家电", "convenience"), ("维修", "convenience"), ("电脑维修", "convenience"),
    ("血压", "health"), ("体检", "health"), ("义诊", "health"),
    ("法律", "legal"), ("律师", "legal"), ("合同", "legal"),
    ("辅导", "advice"), ("作业", "advice"), ("功课", "advice"),
    ("广场舞", "culture"), ("垃圾分类", "environment"), ("旧衣", "donation"),
    ("独居老人", "pairing"), ("修自行车", None), ("", None),
])
def test_keyword_table(words, slug):
    assert finding.keyword_category(words) == slug


def test_the_keyword_table_names_only_real_categories():
    slugs = {slug for slug, *_rest in DEFAULT_CATEGORIES}
    assert {slug for slug, _words in finding.KEYWORD_CATEGORIES} <= slugs


# --- the help request begun with the words ------------------------------------------------

def _title_value(page: str) -> str | None:
    found = re.search(r'<input[^>]*name="title"[^>]*>', page)
    value = re.search(r'value="([^"]*)"', found.group(0)) if found else None
    return html.unescape(value.group(1)) if value else None


def _selected_category(page: str) -> str | None:
    select = re.search(r'<select[^>]*name="category_id".*?</select>', page, re.S).group(0)
    found = re.search(r'<option selected value="(\d+)"|<option value="(\d+)" selected', select)
    return next(g for g in found.groups() if g) if found else None


def test_the_help_form_starts_with_the_words_and_the_category(client_for):
    resident = client_for(make_user(community="米市巷社区", phone="13800001111"))
    page = _get(resident, "/help/new?title=理发&category=health")
    assert _title_value(page) == "理发"
    assert _selected_category(page) == str(_category("health").id)
    plain = _get(resident, "/help/new")
    assert _title_value(plain) in (None, "")
    assert _selected_category(plain) in (None, str(_category("convenience").id))


def test_the_help_form_takes_only_a_title_and_a_category_that_fit(client_for):
    resident = client_for(make_user())
    long_words = "修" * 100
    assert _title_value(_get(resident, f"/help/new?title={long_words}")) == "修" * 80
    assert _title_value(_get(resident, "/help/new?title=  修   空调 ")) == "修 空调"
    assert _title_value(_get(resident, "/help/new?title=<b>x</b>")) == "<b>x</b>"
    assert "<b>x</b>" not in _get(resident, "/help/new?title=<b>x</b>")
    retired = _category("legal")
    retired.retired_at = utcnow()
    db.session.commit()
    for slug in ("legal", "nothing", ""):
        assert _selected_category(_get(resident, f"/help/new?category={slug}")) != str(
            retired.id)


def test_the_help_form_sent_is_checked_as_before_whatever_the_link_said(client_for):
    user = make_user(community="米市巷社区")
    resident = client_for(user)
    url = "/help/new?title=理发&category=health"
    response = resident.post(url, data={"title": "", "category_id": str(_category("health").id),
                                        "details": "需要", "urgency": "normal",
                                        "community": "米市巷社区", "contact": "13800001111"})
    assert response.status_code == 200  # the form again, with its error
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HelpRequest)) == 0
    assert _title_value(text(response)) in (None, "")  # what was sent, not the link's words
    response = resident.post(url, data={
        "title": "想找人上门理发", "category_id": str(_category("convenience").id),
        "details": "腿脚不便", "urgency": "normal", "community": "米市巷社区",
        "contact": "13800001111"})
    assert response.status_code == 302
    request = db.session.scalar(sa.select(HelpRequest))
    assert (request.title, request.category_id) == ("想找人上门理发", _category("convenience").id)


def test_a_visitor_is_asked_to_log_in_and_comes_back_to_the_words(client):
    response = client.get("/help/new?title=理发&category=convenience")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "/account/login" in location
    assert parse_qs(urlsplit(location).query)["next"][0].endswith(
        "/help/new?title=理发&category=convenience")


# --- the search forms and their recent searches -------------------------------------------

@pytest.mark.parametrize("path", ["/", "/services", "/services?q=无此服务"])
def test_search_forms_are_marked_and_their_recent_list_is_hidden(client, path):
    page = _get(client, path)
    form = re.search(r'<form[^>]*role="search"[^>]*>', page).group(0)
    assert "data-recent-searches" in form
    assert re.search(r'<div class="wt-recent" data-recent-list hidden>', page)
    assert "最近搜索" in page and ">清除</button>" in page
    assert '<script src="/static/js/search.js" defer></script>' in page
    assert "<script>" not in page  # no inline script (the CSP)
    assert '<link rel="stylesheet" href="/static/css/finding.css">' in page


def test_the_chips_are_drawn_in_english_too(client_for, services):
    page = _get(client_for(make_user(locale="en")), "/services?category=health")
    assert set(chips(page)) == {"Category", "Where", "Community"}
    assert 'aria-label="Quick filters"' in page
    assert [c.text for c in chips(page)["Where"]][-1] == "Has places"
    assert chip(page, "Category", "Health and medical care").hint == "(tap to remove this filter)"


# --- what it costs ------------------------------------------------------------------------

TRANSACTION = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def _statements(client, count_queries, url: str) -> list[str]:
    client.get(url)  # warms the app's caches
    db.session.commit()
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return [s for s in counter.statements if not s.startswith(TRANSACTION)]


@pytest.mark.parametrize("url", ["/services?mode=home", "/services?q=理发&mode=online",
                                 "/services?q=测血压"])
def test_chips_and_suggestions_cost_the_same_whatever_the_number_of_rows(
        client_for, count_queries, url):
    """Signed in (no page cache): the community chips are one grouped query,
    the suggestion at most one more, with 3 communities or 30."""
    reader = client_for(make_user(community="米市巷社区"))
    for i in range(3):
        make_service(title=f"上门理发{i}", community=f"第{i}社区")
    few = _statements(reader, count_queries, url)
    for i in range(3, 30):
        make_service(title=f"上门理发{i}", community=f"第{i}社区",
                     category=_category(("convenience", "health", "culture")[i % 3]))
    many = _statements(reader, count_queries, url)
    assert len(many) == len(few), "\n".join(s[:80] for s in many)
    assert sum("GROUP BY" in s and "community" in s for s in many) == 1
    assert sum("GROUP BY" in s and "category_id" in s for s in many) == (
        1 if "mode=online" in url else 0)  # the words alone are tried when filters narrowed


def test_the_next_page_link_keeps_the_filters_and_nothing_else(client):
    for i in range(25):
        make_service(title=f"义务理发{i}")
    page = text(client.get("/services?q=理发&endpoint=x&_external=1"))
    more = re.search(r'href="(/services\?[^"]*cursor=[^"]*)"', page)
    assert more, "no next page link"
    link = html.unescape(more.group(1))
    assert "q=" in link and "endpoint" not in link and "_external" not in link
