"""Property-based tests of every JSON body of the API, generated from the
requestBody schemas of its own OpenAPI document (so a new operation is
covered without being listed): a valid body with one field made wrong.

- a value of the wrong type (a number for a string, a list, an object,
  null where the field is not nullable, a boolean for a number), a string
  over its maxLength, a number past its bounds, or an unknown field: 422
  naming that field;
- other bad text (emoji, mixed scripts, markup, blanks, long text within
  the bounds): any answer but a 500, in the error shape;
- whatever the answer, an error saves nothing.

.ci/fuzz-api (schemathesis) checks the answers against the document on the
demo district; test_api_fuzz_inputs.py the inputs it once found. Here each
field is made wrong on purpose and the database is compared. The world is
the demo district (fuzz_helpers.demo_world)."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.branches.models import Alliance, Branch, Membership, MembershipStatus
from marketplace.enrollments.models import Enrollment
from marketplace.extensions import db
from marketplace.help.models import HelpRequest
from marketplace.hours.models import HourRecord, HourReport
from marketplace.listings.models import Category, Service

from .fuzz_helpers import (
    SCRIPT,
    assert_no_raw_markup,
    changed_tables,
    demo_world,
    shown_escaped,
    snapshot,
    user,
)

PASSWORD = "wangtao-demo-2026"  # the demo accounts' (marketplace/demo/seed.py)

# Who sends each body (the first pattern that matches "METHOD /path"): the
# person the call is for, so that a body that passes validation reaches the rules.
SENDERS = [
    (r"^POST /api/v1/auth/", None),
    (r"/hide$", "admin"),
    (r"^(POST|PATCH) /api/v1/services(/\{service_id\})?$", "vol_wang"),
    (r"/help-requests/\{request_id\}/offers$", "vol_wang"),
    (r"^POST /api/v1/(hours|certificates)$", "vol_wang"),
    (r"/hours/\{record_id\}/reports$", "vol_wang"),
    (r"/(membership|move-home)-requests$", "vol_wang"),
    (r"/(enrollments|help-requests)(/\{\w+\})?(/feedback)?$", "res_liu"),
    (r"^POST /api/v1/me/", "res_liu"),
    (r".", "admin"),
]
SENDER_IDS = ["visitor", "res_liu", "vol_wang", "admin"]

VALID_TEXT = {"username": "fuzz_json_user", "password": "a-long-pass-phrase-2026",
              "current_password": "not-the-password", "new_password": "a-long-pass-phrase-2026",
              "contact": "13700000099", "phone": "13700000098", "visit_code": "123456",
              "code": "FUZZ-1"}


def sender(name: str) -> str | None:
    return next(who for pattern, who in SENDERS if re.search(pattern, name))


def _document(client) -> dict:
    return client.get("/api/v1/openapi.json").json


def _operations(document: dict):
    """(name, path, method, body schema) of every operation that takes a body."""
    schemas = document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if body:
                schema = body["content"]["application/json"]["schema"]
                if "$ref" in schema:
                    schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
                yield f"{method.upper()} {path}", path, method, schema


# -- the world's ids ----------------------------------------------------------------

def _first(model, *where):
    return db.session.scalar(sa.select(model.id).where(*where).order_by(model.id).limit(1))


def path_ids(person) -> dict[str, int]:
    """An id for each path parameter: the person's own where they have one."""
    me = user(person) if person else None
    mine = me.id if me else 0
    return {
        "service_id": _first(Service, Service.volunteer_id == user("vol_wang").id),
        "enrollment_id": _first(Enrollment, Enrollment.resident_id == mine) or _first(Enrollment),
        "request_id": _first(HelpRequest, HelpRequest.requester_id == mine)
        or _first(HelpRequest),
        "record_id": _first(HourRecord, HourRecord.volunteer_id == mine) or _first(HourRecord),
        "report_id": _first(HourReport),
        "branch_id": _first(Branch, Branch.name == "米市巷街道第一党支部"),
        "membership_id": _first(Membership, Membership.status == MembershipStatus.PENDING),
        "alliance_id": _first(Alliance),
    }


def body_ids() -> dict[str, int]:
    return {"category_id": _first(Category), "branch_id": _first(Branch, Branch.name ==
                                                                   "米市巷街道第一党支部"),
            "parent_id": _first(Branch), "successor_id": _first(Branch, Branch.name ==
                                                                 "湖墅社区党支部"),
            "user_id": user("vol_zhang").id, "enrollment_id": None, "help_request_id": None,
            "corrects_id": None}


# -- bodies -------------------------------------------------------------------------

def valid_value(name: str, prop: dict, ids: dict):
    kind = prop.get("type")
    if "enum" in prop:
        return prop["enum"][0]
    if kind == "string":
        if prop.get("format") == "date-time":
            return f"{date.today() - timedelta(days=2)}T09:00:00+08:00" if name == "started_at" \
                else f"{date.today() - timedelta(days=2)}T10:00:00+08:00" if name == "ended_at" \
                else f"{date.today() + timedelta(days=20)}T09:00:00+08:00"
        if prop.get("format") == "date":
            return str(date.today() - timedelta(days=1 if name.endswith("end") else 300))
        text = VALID_TEXT.get(name, "网淘测试文本")
        return text[:prop["maxLength"]] if "maxLength" in prop else text
    if kind == "integer":
        return ids.get(name) or max(prop.get("minimum", 1), 1)
    if kind == "boolean":
        return False
    if kind == "array":
        return [ids.get("branch_id") or 1]
    return None


def valid_body(schema: dict, ids: dict) -> dict:
    body = {}
    for name, prop in schema.get("properties", {}).items():
        value = valid_value(name, prop, ids)
        if value is not None or name in schema.get("required", []):
            body[name] = value
    return body


def wrong_types(prop: dict) -> list:
    """Values a field of this schema refuses whatever the rules: 422 naming it."""
    kind = prop.get("type")
    values = [{"nested": [1]}] if kind != "array" else [{"nested": [1]}, 7]
    if not prop.get("nullable"):
        values.append(None)
    if kind == "string":
        values += [12345, ["a"]]
        if "maxLength" in prop:
            values.append("长" * (prop["maxLength"] + 1))
        if "enum" in prop:
            values.append("not-" + prop["enum"][0])
    elif kind == "integer":
        values += ["12abc", True, 10**30]
        if "maximum" in prop:
            values.append(prop["maximum"] + 1)
        if "minimum" in prop:
            values.append(prop["minimum"] - 1)
    elif kind == "boolean":
        values += ["maybe"]
    elif kind == "array":
        values += [[], ["x"], [2**40]] if prop.get("minItems") else [["x"], [2**40]]
    return values


ODD_TEXT = st.one_of(
    st.sampled_from([SCRIPT, "", " ", "👍🏽👨‍👩‍👧", "Ünïcødé مرحبا 你好", "=1+1", "\u202e",
                     "a\r\nb"]),
    st.text(max_size=40),
)


# -- the property ---------------------------------------------------------------------

def _send(client, method, path, body, headers):
    return client.open(path, method=method.upper(), headers=headers,
                       data=json.dumps(body), content_type="application/json")


def check(client, name, method, path, body, headers, field, must_name,
          compare: bool = True) -> None:
    before = snapshot() if compare else None
    response = _send(client, method, path, body, headers)
    where = f"{name} with {field}={body.get(field, '<unknown field>')!r}"
    assert response.status_code < 500, where
    if response.status_code >= 400:
        assert set(response.json["error"]) >= {"code", "message"}, where
        assert before is None or changed_tables(before, snapshot()) == [], where
    if must_name:
        assert response.status_code == 422, (where, response.status_code, response.json)
        assert field in response.json["error"].get("fields", {}), (where, response.json)


def fuzz(client, name, path, method, schema, headers, in_path, ids, examples=5) -> None:
    props = schema.get("properties", {})
    cases = [(field, value, True) for field, prop in props.items()
             for value in wrong_types(prop)]
    if schema.get("additionalProperties") is False:
        cases.append(("zz_unknown", "x", True))
    odd = [f for f, p in props.items() if p.get("type") == "string" and "enum" not in p]
    real_path = path.format(**in_path)

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(case=st.one_of(st.sampled_from(cases), st.tuples(
        st.sampled_from(odd or list(props)), ODD_TEXT, st.just(False))))
    def run(case):
        field, value, must_name = case
        body = valid_body(schema, ids) | {field: value}
        check(client, name, method, real_path, body, headers, field, must_name)

    run()
    # The wrong types are few: each is sent, not left to chance (the database
    # is compared in the examples above; a 422 of the schema comes before the view).
    for field, value, _ in cases:
        body = valid_body(schema, ids) | {field: value}
        check(client, name, method, real_path, body, headers, field, True, compare=False)


@pytest.mark.parametrize("person", [None, "res_liu", "vol_wang", "admin"],
                         ids=SENDER_IDS)
def test_every_json_body_refuses_wrong_fields_by_name_and_saves_nothing(person, client):
    demo_world()
    operations = [op for op in _operations(_document(client)) if sender(op[0]) == person]
    assert operations
    headers = {}
    if person:
        token = client.post("/api/v1/auth/token", json={"username": person,
                                                        "password": PASSWORD})
        headers = {"Authorization": f"Bearer {token.json['token']}"}
    in_path, ids = path_ids(person), body_ids()
    for name, path, method, schema in operations:
        fuzz(client, name, path, method, schema, headers, in_path, ids)


def test_every_operation_with_a_body_has_a_sender(client):
    """SENDERS ends with a catch-all, so a new operation is fuzzed by an admin
    at least; the bodies are all found (a schema without properties would
    test nothing)."""
    operations = list(_operations(_document(client)))
    assert len(operations) > 30
    assert all(sender(name) in (None, "res_liu", "vol_wang", "admin")
               for name, *_ in operations)
    assert [name for name, _, _, schema in operations if not schema.get("properties")] == []


def test_markup_stored_through_the_api_is_shown_escaped_on_the_pages(client, client_for):
    """Stored as sent; every page showing it has it escaped, never as markup."""
    demo_world()
    volunteer, resident = user("vol_wang"), user("res_liu")
    marked = {"title": f"理发{SCRIPT}", "description": SCRIPT, "community": f"{SCRIPT}社区"}
    service = client.post("/api/v1/services", headers=_token(client, "vol_wang"), json=marked | {
        "category_id": body_ids()["category_id"], "mode": "home", "capacity": 3})
    assert service.status_code == 201, service.json
    request = client.post("/api/v1/help-requests", headers=_token(client, "res_liu"),
                          json={"title": f"修水管{SCRIPT}", "details": SCRIPT,
                                "community": "米市巷社区", "contact": "13700000099",
                                "category_id": body_ids()["category_id"]})
    assert request.status_code == 201, request.json
    pages = {None: [f"/services/{service.json['id']}", f"/volunteers/{volunteer.id}",
                    "/services?q=理发", f"/help/{request.json['id']}", "/help"],
             volunteer: ["/my/services", f"/my/services/{service.json['id']}"],
             resident: ["/my/help"]}
    for who, urls in pages.items():
        browser = client_for(who)
        for url in urls:
            page = browser.get(url).get_data(as_text=True)
            assert_no_raw_markup(page, url)
            assert shown_escaped(SCRIPT) in page, url


def _token(client, username) -> dict:
    token = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {token.json['token']}"}
