"""The whole mission over the API, by a client that knows only the OpenAPI
document: it names each call by the document's path and method, and every
answer is checked against the document (status code, content type, body
schema) by schemathesis. If the server and its document drift apart, this
journey fails at the first call where they differ.

Register, publish, join, waitlist and promotion, complete, rate; a help
request with an offer; branch membership; hours and their review."""

from datetime import timedelta

import pytest
import schemathesis
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from marketplace.db import utcnow
from marketplace.extensions import db

from .factories import PASSWORD, make_user

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


class DocumentClient:
    def __init__(self, app):
        self.schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
        self.tokens = {}

    def call(self, method: str, path: str, who: str | None = None, *, expect: int = 200,
             body=None, query=None, **path_parameters):
        operation = self.schema[f"/api/v1{path}"][method]  # KeyError: not in the document
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        with_body = {} if body is None else {"body": body, "media_type": "application/json"}
        case = operation.Case(path_parameters=path_parameters or None, query=query,
                              headers=headers, **with_body)
        response = case.call()
        case.validate_response(response, checks=CHECKS)
        data = response.json() if response.content else None
        assert response.status_code == expect, (method, path, data)
        return data

    def sign_up(self, who: str, volunteer: bool = False) -> int:
        user = self.call("POST", "/auth/register", expect=201,
                         body={"username": who, "password": f"{who}-pw-2026!",
                               "display_name": who, "is_volunteer": volunteer})
        self.log_in(who, f"{who}-pw-2026!")
        return user["id"]

    def log_in(self, who: str, password: str) -> None:
        answer = self.call("POST", "/auth/token",
                           body={"username": who, "password": password})
        self.tokens[who] = answer["token"]


@pytest.fixture
def api(app):
    return DocumentClient(app)


def test_the_whole_mission_from_the_document_alone(api):
    # Sign-ups: a volunteer, two residents and a second volunteer who will lead.
    api.sign_up("zhang_vol", volunteer=True)
    api.sign_up("li_nainai")
    api.sign_up("wang_dashu")
    lead_id = api.sign_up("chen_lead", volunteer=True)
    # Admins are appointed, not registered: the one step outside the API.
    make_user(username="district_admin", is_admin=True)
    db.session.commit()
    api.log_in("district_admin", PASSWORD)
    assert api.call("GET", "/me", "zhang_vol")["username"] == "zhang_vol"

    # Publish a service with one place.
    categories = api.call("GET", "/categories")["items"]
    assert len(categories) == 8
    service = api.call("POST", "/services", "zhang_vol", expect=201, body={
        "title": "上门理发", "description": "给行动不便的老人上门理发", "community": "米市巷",
        "category_id": categories[0]["id"], "mode": "home", "capacity": 1,
        "auto_confirm": True})
    assert service["status"] == "published" and service["places_left"] == 1
    found = api.call("GET", "/services", query={"q": "理发"})["items"]
    assert [s["id"] for s in found] == [service["id"]]

    # Join: the first takes the place, the second waits; a cancel promotes.
    first = api.call("POST", "/services/{service_id}/enrollments", "li_nainai", expect=201,
                     body={"contact": "13800138000"}, service_id=service["id"])
    second = api.call("POST", "/services/{service_id}/enrollments", "wang_dashu", expect=201,
                      body={"contact": "13900139000"}, service_id=service["id"])
    assert (first["status"], second["status"]) == ("confirmed", "waitlisted")
    assert second["waitlist_position"] == 1
    api.call("POST", "/services/{service_id}/enrollments", "wang_dashu", expect=409,
             body={"contact": "13900139000"}, service_id=service["id"])
    api.call("POST", "/enrollments/{enrollment_id}/cancel", "li_nainai",
             enrollment_id=first["id"])
    promoted = api.call("GET", "/enrollments/{enrollment_id}", "wang_dashu",
                        enrollment_id=second["id"])
    assert promoted["status"] == "confirmed"

    # Complete and rate, once.
    done = api.call("POST", "/enrollments/{enrollment_id}/complete", "zhang_vol",
                    enrollment_id=second["id"])
    assert done["status"] == "completed"
    api.call("POST", "/enrollments/{enrollment_id}/feedback", "wang_dashu", expect=201,
             body={"rating": 5, "comment": "理得很好"}, enrollment_id=second["id"])
    api.call("POST", "/enrollments/{enrollment_id}/feedback", "wang_dashu", expect=409,
             body={"rating": 4}, enrollment_id=second["id"])

    # A help request, an offer, its acceptance and completion.
    need = api.call("POST", "/help-requests", "li_nainai", expect=201, body={
        "title": "水龙头漏水", "details": "厨房水龙头一直滴水", "community": "米市巷",
        "category_id": categories[1]["id"], "contact": "13800138000", "urgency": "high"})
    offer = api.call("POST", "/help-requests/{request_id}/offers", "zhang_vol", expect=201,
                     body={"message": "今晚七点可以来修"}, request_id=need["id"])
    api.call("POST", "/help-offers/{offer_id}/accept", "li_nainai", offer_id=offer["id"])
    seen = api.call("GET", "/help-requests/{request_id}", "zhang_vol", request_id=need["id"])
    assert seen["status"] == "matched" and seen["contact"] == "13800138000"
    closed = api.call("POST", "/help-requests/{request_id}/complete", "li_nainai",
                      request_id=need["id"])
    assert closed["status"] == "completed"

    # A branch: the admin founds it and appoints a lead; the volunteer asks
    # to join and the lead accepts.
    branch = api.call("POST", "/branches", "district_admin", expect=201,
                      body={"name": "米市巷第一党支部", "kind": "party_branch"})
    api.call("POST", "/branches/{branch_id}/members", "district_admin", expect=201,
             body={"user_id": lead_id, "membership": "home", "role": "lead"},
             branch_id=branch["id"])
    asked = api.call("POST", "/branches/{branch_id}/membership-requests", "zhang_vol",
                     expect=201, body={"membership": "home", "message": "我住米市巷"},
                     branch_id=branch["id"])
    waiting = api.call("GET", "/branches/{branch_id}/membership-requests", "chen_lead",
                       branch_id=branch["id"])["items"]
    assert [m["id"] for m in waiting] == [asked["id"]]
    api.call("POST", "/memberships/{membership_id}/accept", "zhang_vol", expect=403,
             membership_id=asked["id"])
    api.call("POST", "/memberships/{membership_id}/accept", "chen_lead",
             membership_id=asked["id"])
    me = api.call("GET", "/me", "zhang_vol")
    assert [(b["id"], b["membership"]) for b in me["branches"]] == [(branch["id"], "home")]

    # Hours for the haircut, reviewed by the lead (never by oneself).
    ended = utcnow() - timedelta(hours=1)
    record = api.call("POST", "/hours", "zhang_vol", expect=201, body={
        "branch_id": branch["id"], "started_at": (ended - timedelta(hours=2)).isoformat(),
        "ended_at": ended.isoformat(), "description": "上门理发", "place": "米市巷",
        "enrollment_id": second["id"]})
    assert record["status"] == "submitted" and record["hours"] == 2
    api.call("POST", "/hours/{record_id}/approve", "zhang_vol", expect=403,
             record_id=record["id"])
    queue = api.call("GET", "/branches/{branch_id}/hours", "chen_lead",
                     query={"status": "submitted"}, branch_id=branch["id"])["items"]
    assert [r["id"] for r in queue] == [record["id"]]
    approved = api.call("POST", "/hours/{record_id}/approve", "chen_lead",
                        record_id=record["id"])
    assert approved["status"] == "approved"
    api.call("POST", "/hours/{record_id}/approve", "chen_lead", expect=409,
             record_id=record["id"])
    assert api.call("GET", "/me/hours", "zhang_vol")["approved_hours"] == 2
    summary = api.call("GET", "/branches/{branch_id}/summary", branch_id=branch["id"])
    assert summary["approved_hours"] == 2 and summary["members"] == 2

    # Logging out ends the token.
    api.call("DELETE", "/auth/token", "zhang_vol", expect=204)
    api.call("GET", "/me", "zhang_vol", expect=401)
