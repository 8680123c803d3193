"""Finding a service (issue 9): the browse page's filter chips, the short
list of communities they offer, and what a search that found nothing
suggests instead (the nearest category, then a help request).

The chips are plain links: each carries the browse page's query args as
they would be after tapping it (that filter set, or taken away when it is
on), the others kept and the page's cursor (and any other arg) dropped."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from . import queries, search
from .models import Category, ServiceMode

COMMUNITY_CHIPS = 6
# The browse page's own args (BrowseForm), the only ones a chip carries on:
# another name could be one of url_for's own (_external, endpoint…).
BROWSE_ARGS = ("q", "category", "community", "mode", "date_from", "date_to", "has_places",
               "sort")
HAS_PLACES = "y"  # what the "places left" box sends (BrowseForm.has_places)

# Words residents search for, and the category (slug, categories.py) where
# such services are listed: the suggestion when the words match no service.
# The first category with a keyword inside the words wins (电脑维修: 便民利民).
KEYWORD_CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("convenience", ("理发", "剪发", "保洁", "打扫", "家政", "家电", "维修", "修理", "空调",
                     "洗衣机", "冰箱", "水管", "水电", "开锁", "磨刀", "跑腿", "买菜", "助餐",
                     "送餐", "缝补", "修鞋", "配钥匙")),
    ("health", ("血压", "血糖", "体检", "义诊", "看病", "医生", "医疗", "健康", "康复", "推拿",
                "按摩", "中医", "用药", "陪诊")),
    ("legal", ("法律", "律师", "合同", "纠纷", "维权", "遗嘱", "继承", "赡养", "诉讼", "公证")),
    ("advice", ("辅导", "作业", "功课", "补习", "心理", "咨询", "学手机", "智能手机", "电脑",
                "反诈")),
    ("culture", ("书法", "绘画", "画画", "唱歌", "合唱", "跳舞", "广场舞", "太极", "健身",
                 "读书", "摄影", "乐器", "象棋", "围棋")),
    ("environment", ("垃圾分类", "环保", "绿化", "植树", "回收", "河道", "清洁家园")),
    ("donation", ("捐赠", "捐款", "捐书", "捐衣", "旧衣", "衣物", "爱心物资")),
    ("pairing", ("结对", "帮扶", "陪伴", "独居", "探访", "聊天", "陪护", "助残")),
)


# -- the chips -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Chip:
    value: object  # a Category, a community's name, a ServiceMode, or True (places left)
    active: bool
    params: dict[str, list[str]]  # the browse page's query args after a tap


@dataclass(frozen=True)
class FilterChips:
    categories: list[Chip]
    modes: list[Chip]
    has_places: Chip
    communities: list[Chip]


def filter_chips(args: MultiDict, filters: queries.BrowseFilters,
                 categories: Sequence[Category], communities: Sequence[str]) -> FilterChips:
    """The chips of the filters `filters` (as the page read them from
    `args`): the active categories, every mode, "places left" and the
    communities of the short list."""
    community = filters.community.strip()
    return FilterChips(
        categories=[_chip(args, "category", c.slug, c, c.id == filters.category_id)
                    for c in categories],
        modes=[_chip(args, "mode", m.value, m, m == filters.mode) for m in ServiceMode],
        has_places=_chip(args, "has_places", HAS_PLACES, True, filters.has_places),
        communities=[_chip(args, "community", name, name, name == community)
                     for name in communities])


def browse_args(args: MultiDict) -> dict[str, str]:
    """The browse filters of a query string, for the next page's link: any
    other name (`endpoint`, `_external`) would go to url_for as its own."""
    return {k: v for k, v in args.to_dict().items() if k in BROWSE_ARGS}


def _chip(args: MultiDict, key: str, value: str, shown: object, active: bool) -> Chip:
    params = {k: [v for v in values if v] for k, values in args.lists()
              if k in BROWSE_ARGS and k != key}
    params = {k: values for k, values in params.items() if values}
    if not active:
        params[key] = [value]
    return Chip(shown, active, params)


def community_shortlist(own: str | None, active: str = "",
                        limit: int = COMMUNITY_CHIPS) -> list[str]:
    """The reader's own community first, then those with the most open
    services (one query); the community filtered on, when it is none of
    them, before all (so its chip can take it away)."""
    names = _unique([own, *queries.busiest_communities(limit)])[:limit]
    active = active.strip()
    return [active, *names] if active and active not in names else names


def _unique(names: Iterable[str | None]) -> list[str]:
    seen: list[str] = []
    for name in names:
        name = (name or "").strip()
        if name and name not in seen:
            seen.append(name)
    return seen


# -- a search that found nothing ---------------------------------------------------------------

@dataclass(frozen=True)
class Suggestion:
    words: str
    category: Category | None  # the nearest category, if any
    matches: int = 0  # open services with the words there (0: named by the keyword table)
    more: bool = False  # at least `matches`: the count stopped at queries.MATCH_SAMPLE


def suggest(filters: queries.BrowseFilters, categories: Sequence[Category]) -> Suggestion | None:
    """What to offer when the search of `filters` found nothing (None when
    it had no words): the category where most services match the same
    words without the other filters, or else the category the keyword table
    gives them; and the words, for a help request."""
    words = search.normalize_query(filters.q)
    if not words:
        return None
    if _narrowed(filters):
        counts = queries.matches_by_category(words, [c.id for c in categories])
        if counts:
            # Most matches first; a tie goes to the category listed first.
            best = max(categories, key=lambda c: counts.get(c.id, 0))
            return Suggestion(words, best, counts[best.id],
                              more=sum(counts.values()) >= queries.MATCH_SAMPLE)
    slug = keyword_category(words)
    return Suggestion(words, next((c for c in categories if c.slug == slug), None))


def _narrowed(filters: queries.BrowseFilters) -> bool:
    """Filters besides the words: without them the words alone found nothing."""
    return bool(filters.category_id or filters.community.strip() or filters.mode
                or filters.date_from or filters.date_to or filters.has_places
                or filters.volunteer_id)


def keyword_category(words: str) -> str | None:
    """The slug of the category the keyword table gives `words`, or None."""
    text = search.normalize_query(words).lower()
    return next((slug for slug, keywords in KEYWORD_CATEGORIES
                 if any(keyword in text for keyword in keywords)), None)
