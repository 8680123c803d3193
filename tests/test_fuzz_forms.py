"""Property-based tests of every HTML form: whatever is typed into it, the
answer is never a 500, never shows what was typed as markup, and a refusal
is the form again with a Chinese message, the typed text kept and nothing
saved.

The forms are not listed here: each person below follows the site's links
from a few pages and every form met on the way is fuzzed (a new form on a
linked page is covered without anyone adding it); the last test checks that
every FlaskForm class of the app was met. The world is the demo district
(tests/fuzz_helpers.demo_world)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .fuzz_helpers import (
    CJK,
    DAYS,
    TIMES,
    Form,
    assert_no_raw_markup,
    changed_tables,
    crawl,
    demo_world,
    distinct,
    errors_shown,
    forms_on,
    shown_escaped,
    snapshot,
    texts,
    user,
)

# Where each person starts following links (None: a visitor not logged in).
PEOPLE = {
    None: ["/", "/account/login", "/account/register", "/verify", "/branches/", "/rankings"],
    "res_liu": ["/my/enrollments", "/my/help", "/help/new", "/account/password"],
    "vol_wang": ["/my/services", "/services/new", "/help", "/hours/new", "/my/hours",
                 "/my/certificates", "/my/branches", "/branches/"],
    "lead_mishi": ["/branches/lead"],
    "admin": ["/admin/", "/admin/branches/", "/admin/branches/new", "/admin/branches/alliances",
              "/admin/roster/", "/admin/audit", "/services", "/help"],
}
# A form several people see is fuzzed by one of them (URL rule endpoint: who).
FUZZED_BY = {
    "listings.browse": None, "help.browse": None, "branches.directory": None,
    "certificates.verify": None, "rankings.branches": None, "rankings.public": None,
    "rankings.members": "lead_mishi", "help.create": "res_liu", "enrollments.join": "res_liu",
    "accounts.change_password": "res_liu", "listings.create": "vol_wang",
    "hours.create": "vol_wang", "help.offer": "vol_wang", "branches.join": "vol_wang",
    "branches.move_home_request": "vol_wang", "certificates.mine": "vol_wang",
    "hours.review": "lead_mishi", "hours.reject": "lead_mishi",
    "branches.add_member": "lead_mishi", "branches.move_member_home": "lead_mishi",
    "branches.set_role": "lead_mishi", "dashboards.export_csv": "lead_mishi",
}
# Not forms to type into: they end the session or change the language of the
# messages the checks read; their buttons carry no input.
NOT_INPUT = re.compile(r"^/(account/logout|lang/)")

# A valid value for a field of this name, so that examples get past the
# fields left alone and reach the rules and the database.
_today = datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the app's zone (zh_CN)
tomorrow, yesterday = _today + timedelta(days=30), _today - timedelta(days=1)
VALID = {
    "title": "帮忙修水管", "description": "上门打扫卫生", "details": "厨房水管漏水",
    "community": "米市巷社区", "contact": "13700000099", "message": "周六上午可以来",
    "reason": "信息不实", "name": "新建党支部", "username": "fuzz_user", "display_name": "测试居民",
    "phone": "13700000098", "password": "a-long-pass-phrase-2026",
    "confirm": "a-long-pass-phrase-2026", "new_password": "a-long-pass-phrase-2026",
    "current_password": "not-the-password", "place": "社区活动室", "day": yesterday,
    "start": "09:00", "end": "10:00", "starts_at": f"{tomorrow}T09:00",
    "ends_at": f"{tomorrow}T11:00", "capacity": "3", "note": "请按门铃", "comment": "很好",
    "answer": "记录无误", "served_person": "刘奶奶", "activity_lead": "周书记",
    "preferred_time": "周六上午", "code": "ABCD-EFGH-JKLM", "q": "理发",
}
FLASHED_REFUSAL = '<div class="alert alert-danger" role="alert">'  # base.html's flash
TYPED = {"text", "textarea", "search", "tel", "email"}  # shown back as typed
EXAMPLES = {"post": 10, "get": 5}


def fuzzed(form: Form, person) -> bool:
    path = urlsplit(form.action).path
    if NOT_INPUT.search(path) or not form.names - {"next"}:
        return False
    return FUZZED_BY.get(_endpoint(form), person) == person


def _endpoint(form: Form) -> str:
    from flask import current_app

    method = "POST" if form.method == "post" else "GET"
    return current_app.url_map.bind("localhost").match(urlsplit(form.action).path,
                                                       method=method)[0]


# -- values -------------------------------------------------------------------------

def _value(field):
    """A strategy for one field: as the page has it, a valid value, or bad input."""
    kept = st.just(field.value or VALID.get(field.name, field.value))
    if field.kind == "file":
        return st.one_of(st.binary(max_size=300), st.sampled_from([
            b"\xef\xbb\xbfcode,name,kind,parent_code,community\r\nX1,=HYPERLINK(\"x\"),"
            b"party_branch,,+1\r\n", b"PK\x03\x04", b"code,name\n\"unclosed", b""]))
    if field.kind in ("select", "radio"):
        bad = st.one_of(texts, st.just(["1", "2"]))  # not a choice, or two of them
        return st.one_of(kept, st.sampled_from(field.options) if field.options else kept, bad)
    if field.kind == "checkbox":
        return st.sampled_from([None, "y", "on", "是", "0" * 500])
    bad = {"date": st.one_of(DAYS, texts), "time": st.one_of(TIMES, texts),
           "datetime-local": st.one_of(DAYS, texts), "month": st.one_of(DAYS, texts)}
    return st.one_of(kept, kept, bad.get(field.kind, texts))


def _submission(form: Form):
    return st.fixed_dictionaries({name: _value(field) for name, field in form.fields.items()
                                  if name != "csrf_token"})


# -- the property ---------------------------------------------------------------------

def _send(client, form: Form, values: dict):
    data = {k: v for k, v in values.items() if v is not None}
    if form.method == "get":  # a browser puts the fields in place of the action's query
        return client.get(urlsplit(form.action).path, query_string=data)
    if form.multipart:
        import io

        data = {k: (io.BytesIO(v), "fuzz.csv") if isinstance(v, bytes) else v
                for k, v in data.items()}
        return client.post(form.action, data=data, content_type="multipart/form-data")
    return client.post(form.action, data=data)


def _unstorable(values: dict) -> bool:
    return any("\x00" in v for v in values.values() if isinstance(v, str))


def check_submission(client, form: Form, values: dict, before: dict | None) -> dict | None:
    """Send `values` and check the answer; `before` is the database before
    it (None for a GET form). Returns the database after, when still current."""
    response = _send(client, form, values)
    where = f"{form.method.upper()} {form.action} (from {form.page}) with {values!r}"
    assert response.status_code < 500, where
    page = response.get_data(as_text=True)
    assert_no_raw_markup(page, where)
    if before is None:
        return None
    after = snapshot()
    changed = changed_tables(before, after)
    if response.status_code in (302, 303):
        followed = client.get(response.location).get_data(as_text=True)
        assert_no_raw_markup(followed, f"the page after {where}")
        refused = FLASHED_REFUSAL in followed
        assert not (refused and changed), f"refused yet saved {changed}: {where}"
        return None  # the page followed may have written (a notification read)
    if _unstorable(values):
        assert response.status_code == 422 and not changed, where
        return after
    errors = errors_shown(page)
    if errors:
        assert not changed, f"refused ({errors}) yet saved {changed}: {where}"
        assert response.status_code in (200, 400, 409, 422), where
        assert all(CJK.search(e) for e in errors), (errors, where)
        _assert_typed_values_kept(form, values, page, where)
    return after


def _assert_typed_values_kept(form: Form, values: dict, page: str, where: str) -> None:
    """Where the refusal shows the form again, it holds what was typed."""
    again = [f for f in forms_on(form.page, page)
             if f.method == form.method and f.action == form.action]
    for name, value in values.items():
        if (again and name in again[0].fields and form.fields[name].kind in TYPED
                and isinstance(value, str) and value.strip()):
            assert shown_escaped(value) in page, f"{name} not kept: {where}"


def fuzz(client, form: Form, anonymous: bool) -> None:
    last = {"db": None}

    @settings(max_examples=EXAMPLES[form.method], deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(values=_submission(form))
    def run(values):
        before = last["db"] or snapshot() if form.method == "post" else None
        last["db"] = None
        try:
            last["db"] = check_submission(client, form, values, before)
        finally:
            if anonymous:  # a registration logs the visitor in: be a visitor again
                with client.session_transaction() as session:
                    session.clear()

    run()


@pytest.mark.parametrize("person", list(PEOPLE), ids=lambda p: p or "visitor")
def test_every_form_takes_bad_input_without_a_500_or_half_saving(person, client_for):
    demo_world()
    client = client_for(user(person) if person else None)
    _, forms = crawl(client, PEOPLE[person])
    mine = [form for form in distinct(forms) if fuzzed(form, person)]
    assert mine
    MET[person] = [form.names for form in mine]
    for form in mine:
        fuzz(client, form, anonymous=person is None)
    # What the examples saved is shown escaped on every page the person sees.
    pages, _ = crawl(client, PEOPLE[person])
    for url, page in pages.items():
        assert_no_raw_markup(page, url)


# -- every form is met --------------------------------------------------------------

def _form_classes() -> list[type]:
    found, todo = [], list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("marketplace."):
            found.append(cls)
    return found


def _field_names(cls) -> set[str]:
    from wtforms import SubmitField

    return {name for name, value in vars(cls).items() if hasattr(value, "field_class")
            and value.field_class is not SubmitField} | {
        name for base in cls.__mro__[1:] if base.__module__.startswith("marketplace.")
        for name, value in vars(base).items() if hasattr(value, "field_class")
        and value.field_class is not SubmitField and vars(cls).get(name, value) is not None}


# The fields of the forms each person's test fuzzed (when it ran in this
# process before the next test: it need not crawl again).
MET: dict = {}


def test_every_form_class_of_the_app_is_fuzzed(client_for):
    demo_world()
    fuzzed_names = []
    for person, starts in PEOPLE.items():
        if person not in MET:
            client = client_for(user(person) if person else None)
            _, forms = crawl(client, starts)
            MET[person] = [form.names for form in forms if fuzzed(form, person)]
        fuzzed_names += MET[person]
    classes = _form_classes()
    assert len(classes) > 30
    missing = [f"{cls.__module__}.{cls.__name__}" for cls in classes
               if not any(_field_names(cls) <= names for names in fuzzed_names)]
    assert missing == []


# Found by the fuzzing above: a day at either end of the calendar was a 500
# (OverflowError) in the browse and audit filters, on the page and in the API.
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("url", ["/services", "/api/v1/services", "/admin/audit",
                                 "/api/v1/admin/audit"])
def test_a_filter_day_at_the_ends_of_the_calendar_is_no_error(client, login_as, url, day):
    from .api_helpers import auth
    from .factories import make_user

    admin = make_user(is_admin=True)
    headers = auth(client, admin) if url.startswith("/api/") else {}
    login_as(admin)
    for name in ("date_from", "date_to"):
        assert client.get(url, query_string={name: day}, headers=headers).status_code == 200
