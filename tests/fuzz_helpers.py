"""What the fuzz tests share: the demo district as their world, the HTML
forms found on its pages, nasty values (hypothesis strategies), a snapshot of
every table (to see that a refusal saved nothing) and checks on the answers."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import sqlalchemy as sa
from hypothesis import strategies as st
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from marketplace.demo.seed import seed
from marketplace.extensions import db

# -- values -------------------------------------------------------------------------

SCRIPT = '<script>alert("wt")</script>'
IMG = '"><img src=x onerror=alert(1)>'
RAW_MARKUP = ("<script>alert(", "<img src=x")  # in a page only if something went unescaped

texts = st.one_of(
    st.just(""), st.just("   "), st.just(SCRIPT), st.just(IMG), st.just("=cmd|'/c calc'!A1"),
    st.just("👍🏽👨‍👩‍👧 义务理发"), st.just("Ünïcødé مرحبا 你好 Привет"),
    st.just("\u202etxt.exe"), st.just("a\r\nb\tc"),
    st.text(max_size=30),  # any storable text (hypothesis leaves out surrogates)
    st.text(alphabet="网淘义工x<>&\"' ", min_size=200, max_size=6000),
    st.sampled_from(["9" * 30, "-1", "0", "1e309", "NaN", "2147483648", "-9223372036854775809",
                     "9999-12-31", "0001-01-01", "2026-02-30", "25:61", "2026-13"]),
)
DAYS = st.sampled_from(["", "2026-02-30", "9999-12-31", "0001-01-01", "2026-1-1", "昨天",
                        "2026-11-30T09:00", "99999-01-01"])
TIMES = st.sampled_from(["", "24:00", "23:59", "9", "09:00:00", "-1:00", "上午"])


# -- the world ----------------------------------------------------------------------

def demo_world() -> None:
    """The demo district, committed, with what it lacks for every form to
    show: a membership request waiting for a lead, an error report waiting
    for an answer."""
    from marketplace.branches import requests as membership_requests
    from marketplace.branches.models import Branch, MembershipKind
    from marketplace.hours import reports
    from marketplace.hours.models import HourRecord, HourStatus

    seed()
    mishi = db.session.scalar(sa.select(Branch).filter_by(name="米市巷街道第一党支部"))
    membership_requests.request_to_join(mishi, user("vol_li"), MembershipKind.FUNCTIONAL,
                                        "想参加支部活动")
    wang = user("vol_wang")
    record = db.session.scalars(sa.select(HourRecord).filter_by(
        volunteer_id=wang.id, status=HourStatus.APPROVED).order_by(HourRecord.id)).all()[-1]
    reports.report_error(wang, record, "结束时间应为11:30")
    db.session.commit()


def user(username: str):
    from marketplace.accounts.models import User

    return db.session.scalar(sa.select(User).filter_by(username=username))


# -- forms on pages -----------------------------------------------------------------

@dataclass
class Field:
    name: str
    kind: str  # text, textarea, select, radio, checkbox, hidden, date, file, password...
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    page: str
    action: str
    method: str
    multipart: bool
    fields: dict[str, Field] = field(default_factory=dict)

    @property
    def names(self) -> set[str]:
        return set(self.fields) - {"csrf_token"}

    def defaults(self) -> dict[str, str]:
        """What a browser sends as the page shows it (first option, ticked boxes)."""
        data = {}
        for f in self.fields.values():
            if f.kind == "file" or f.name == "csrf_token":
                continue
            if f.kind in ("select", "radio"):
                data[f.name] = f.value or (f.options[0] if f.options else "")
            elif f.kind != "checkbox" or f.value:
                data[f.name] = f.value
        return data


class _FormParser(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page, self.forms, self.current, self.select, self.textarea = page, [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.current = Form(self.page, urljoin(self.page, a.get("action") or self.page),
                                (a.get("method") or "get").lower(),
                                "multipart" in a.get("enctype", ""))
            self.forms.append(self.current)
        elif self.current is None or "name" not in a:
            if tag == "option" and self.select is not None:
                self._option(a)
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "reset", "image"):
                return
            existing = self.current.fields.get(a["name"])
            if kind in ("radio", "checkbox") and existing:
                existing.options.append(a.get("value", "on"))
                if "checked" in a:
                    existing.value = a.get("value", "on")
                return
            self.current.fields[a["name"]] = Field(
                a["name"], kind, a.get("value", "") if kind not in ("radio", "checkbox")
                or "checked" in a else "", [a.get("value", "on")]
                if kind in ("radio", "checkbox") else [])
        elif tag == "select":
            self.select = self.current.fields[a["name"]] = Field(a["name"], "select")
        elif tag == "textarea":
            self.textarea = self.current.fields[a["name"]] = Field(a["name"], "textarea")
        elif tag == "option" and self.select is not None:
            self._option(a)

    def _option(self, a):
        self._pending_option = a
        if "value" in a:
            self.select.options.append(a["value"])
            if "selected" in a:
                self.select.value = a["value"]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value += data.lstrip("\r\n") if not self.textarea.value else data

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def forms_on(page_url: str, html: str) -> list[Form]:
    parser = _FormParser(page_url)
    parser.feed(html)
    return parser.forms


SKIP_LINKS = re.compile(r"^/(static|bootstrap|api|account/logout|lang/)|\.csv$|/static/")
HREF = re.compile(r'href="(/[^"#]*)"')


def crawl(client, starts: list[str], per_endpoint: int = 3, limit: int = 120
          ) -> tuple[dict[str, str], list[Form]]:
    """Follow the site's own links from `starts` (a few pages per URL rule),
    as a person would: the pages seen and every form on them."""
    adapter = client.application.url_map.bind("localhost")
    seen_rules: dict[str, int] = {}
    pages: dict[str, str] = {}
    queue = deque(starts)
    while queue and len(pages) < limit:
        url = queue.popleft()
        path = urlsplit(url).path
        if url in pages or SKIP_LINKS.search(path):
            continue
        try:
            endpoint, _ = adapter.match(path, method="GET")
        except HTTPException:  # a POST-only URL, or not ours: not a page
            continue
        if seen_rules.get(endpoint, 0) >= per_endpoint:
            continue
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        seen_rules[endpoint] = seen_rules.get(endpoint, 0) + 1
        pages[url] = response.get_data(as_text=True)
        queue.extend(m.replace("&amp;", "&") for m in HREF.findall(pages[url]))
    forms = [form for url, html in pages.items() for form in forms_on(url, html)]
    return pages, forms


def distinct(forms: list[Form]) -> list[Form]:
    """One form per (method, action rule, fields): the same form on many pages once."""
    found, keys = [], set()
    for form in forms:
        key = (form.method, re.sub(r"\d+", "N", urlsplit(form.action).path),
               frozenset(form.names))
        if key not in keys:
            keys.add(key)
            found.append(form)
    return found


# -- the database -------------------------------------------------------------------

def snapshot() -> dict[str, object]:
    """Every row of every table, read on a connection of its own (on
    PostgreSQL a digest of each table's rows, in one round trip)."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            return dict(conn.execute(sa.text(" UNION ALL ".join(map(_digest, TABLES())))).all())
        return {table.name: conn.execute(
            sa.select(table).order_by(*table.primary_key.columns)).all()
            for table in db.metadata.sorted_tables}


def TABLES():  # noqa: N802 - read at call time: models imported by then
    return db.metadata.sorted_tables


def _digest(table: sa.Table) -> str:
    """SQL for (name, md5 of the table's rows); the names are our own tables'."""
    return (f"SELECT '{table.name}', md5(coalesce(string_agg(r::text, '|' "  # noqa: S608
            f"ORDER BY r::text), '')) FROM \"{table.name}\" r")


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


# -- answers ------------------------------------------------------------------------

CJK = re.compile(r"[\u4e00-\u9fff]")
FIELD_ERROR = re.compile(r'<div class="invalid-feedback[^"]*"[^>]*>\s*([^<]*)<')
DANGER = re.compile(r'<div class="alert alert-danger"[^>]*>([^<]*)</div>')


def errors_shown(html: str) -> list[str]:
    return [m.strip() for m in FIELD_ERROR.findall(html) + DANGER.findall(html) if m.strip()]


def assert_no_raw_markup(html: str, where: str) -> None:
    for raw in RAW_MARKUP:
        assert raw not in html, f"unescaped {raw!r} on {where}"


def shown_escaped(value: str) -> str:
    return str(escape(value))
