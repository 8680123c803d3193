"""Certificates over the API: issue for a period (and every refusal, naming
the field), the caller's list, one by id and who sees it, revoke, and the
public check of a code that answers only what the certificate certifies."""

from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from marketplace.branches import services as branches
from marketplace.branches.models import BranchKind, MembershipKind
from marketplace.certificates import services as certificates
from marketplace.certificates.models import Certificate
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.hours import services as hours
from marketplace.localtime import local_to_utc, local_zone

from .api_helpers import auth, error_field
from .factories import make_branch, make_lead, make_user

PHONE = "13912345678"
PUBLIC_FACTS = {"number", "volunteer_name", "branch_name", "period_start", "period_end",
                "hours", "issued_on", "revoked"}


@pytest.fixture
def branch():
    return make_branch("米市巷第一党支部")


@pytest.fixture
def lead(branch):
    return make_lead(branch, display_name="周书记")


@pytest.fixture
def volunteer(branch):
    user = make_user(is_volunteer=True, display_name="王建国", username="wangjianguo",
                     phone=PHONE)
    branches.add_member(branch, user, MembershipKind.HOME)
    db.session.commit()
    return user


def today() -> date:
    return utcnow().astimezone(local_zone()).date()


def _approved(volunteer, branch, lead, days_ago=5, length=2.0, description="上门打扫"):
    started = local_to_utc(datetime.combine(today() - timedelta(days=days_ago), time(9)))
    record = hours.record_hours(volunteer, hours.HourData(
        branch_id=branch.id, started_at=started, ended_at=started + timedelta(hours=length),
        description=description, place="米市巷社区"))
    hours.approve(record, lead)
    db.session.commit()
    return record


def _body(branch, start_days_ago=30, end_days_ago=0, **overrides) -> dict:
    return {"branch_id": branch.id,
            "period_start": (today() - timedelta(days=start_days_ago)).isoformat(),
            "period_end": (today() - timedelta(days=end_days_ago)).isoformat()} | overrides


def _issued(volunteer, branch) -> Certificate:
    certificate = certificates.issue(volunteer, certificates.CertificateRequest(
        branch_id=branch.id, period_start=today() - timedelta(days=30), period_end=today()))
    db.session.commit()
    return certificate


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Certificate))


def test_issue_a_certificate(client, volunteer, branch, lead):
    _approved(volunteer, branch, lead, length=2.5)
    response = client.post("/api/v1/certificates", json=_body(branch),
                           headers=auth(client, volunteer))
    assert response.status_code == 201, response.json
    body = response.json
    certificate = db.session.get(Certificate, body["id"])
    assert body["number"] == certificate.number
    assert body["volunteer"] == {"id": volunteer.id, "name": "王建国",
                                 "number": f"WT{volunteer.id:08d}"}
    assert body["branch"] == {"id": branch.id, "name": "米市巷第一党支部"}
    assert (body["hours"], body["minutes"], body["records"], body["content"]) == (
        2.5, 150, 1, "上门打扫")
    assert (body["lead_name"], body["revoked_at"]) == ("周书记", None)
    assert body["period_end"] == today().isoformat()
    assert body["issued_on"] == certificates.issued_on(certificate).isoformat()
    assert body["verify_code"] == certificates.format_code(certificate.verify_code)
    assert body["verify_url"].endswith(f"/verify/{certificate.verify_code}")


@pytest.mark.parametrize(("overrides", "field"), [
    ({"period_end": "tomorrow"}, "period_end"),
    ({"period_start": None}, "period_start"),
    ({"branch_id": "1"}, "branch_id"),
    ({"branch_id": 0}, "branch_id"),
    ({"branch_id": 2**40}, "branch_id"),
    ({"branch_id": 987654}, "branch_id"),          # unknown: the rule names it
])
def test_bad_input_names_the_field(client, volunteer, branch, lead, overrides, field):
    _approved(volunteer, branch, lead)
    response = client.post("/api/v1/certificates", json=_body(branch, **overrides),
                           headers=auth(client, volunteer))
    assert field in error_field(response)
    assert _count() == 0


@pytest.mark.parametrize(("start", "end", "field"), [
    (3, -1, "period_end"),            # ends tomorrow
    (2, 5, "period_start"),           # reversed
    (6 * 365, 0, "period_start"),     # over five years
    (3, 0, "branch_id"),              # no approved hours in it
])
def test_periods_the_rules_refuse(client, volunteer, branch, lead, start, end, field):
    _approved(volunteer, branch, lead, days_ago=20)
    response = client.post("/api/v1/certificates", json=_body(branch, start, end),
                           headers=auth(client, volunteer))
    assert error_field(response) == {field}
    assert _count() == 0


def test_missing_fields_are_named(client, volunteer):
    response = client.post("/api/v1/certificates", json={}, headers=auth(client, volunteer))
    assert error_field(response) >= {"branch_id", "period_start", "period_end"}


def test_the_callers_certificates_page_by_keyset(client, volunteer, branch, lead):
    _approved(volunteer, branch, lead)
    made = [_issued(volunteer, branch).id for _ in range(3)]
    other = make_user(is_volunteer=True)
    branches.add_member(branch, other, MembershipKind.FUNCTIONAL)
    _approved(other, branch, lead)
    _issued(other, branch)
    headers = auth(client, volunteer)
    first = client.get("/api/v1/me/certificates?limit=2", headers=headers).json
    assert [c["id"] for c in first["items"]] == made[::-1][:2]
    rest = client.get(f"/api/v1/me/certificates?limit=2&cursor={first['next_cursor']}",
                      headers=headers).json
    assert [c["id"] for c in rest["items"]] == made[:1] and rest["next_cursor"] is None
    assert client.get("/api/v1/me/certificates?cursor=garbage",
                      headers=headers).status_code == 422
    assert client.get("/api/v1/me/certificates?limit=101", headers=headers).status_code == 422
    assert client.get("/api/v1/me/certificates").status_code == 401


def test_who_sees_a_certificate(client, volunteer, branch, lead):
    _approved(volunteer, branch, lead)
    certificate = _issued(volunteer, branch)
    path = f"/api/v1/certificates/{certificate.id}"
    committee = make_branch("米市巷社区党委", BranchKind.COMMITTEE)
    for allowed in (volunteer, lead, make_user(is_admin=True)):
        response = client.get(path, headers=auth(client, allowed))
        assert response.status_code == 200 and response.json["id"] == certificate.id
    for stranger in (make_user(is_volunteer=True), make_lead(make_branch("别的支部")),
                     make_lead(committee)):
        assert client.get(path, headers=auth(client, stranger)).status_code == 404
    assert client.get("/api/v1/certificates/999999",
                      headers=auth(client, volunteer)).status_code == 404
    assert client.get(path).status_code == 401


def test_revoke(client, volunteer, branch, lead):
    _approved(volunteer, branch, lead)
    certificate = _issued(volunteer, branch)
    path = f"/api/v1/certificates/{certificate.id}/revoke"
    assert client.post(path, headers=auth(client, lead)).status_code == 403
    stranger = make_lead(make_branch("别的支部"))
    assert client.post(path, headers=auth(client, stranger)).status_code == 404
    assert client.post(path).status_code == 401
    response = client.post(path, headers=auth(client, volunteer))
    assert response.status_code == 200 and response.json["revoked_at"] is not None
    again = client.post(path, headers=auth(client, volunteer))
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"
    other = _issued(volunteer, branch)
    assert client.post(f"/api/v1/certificates/{other.id}/revoke",
                       headers=auth(client, make_user(is_admin=True))).status_code == 200


def test_the_public_check_answers_only_the_public_facts(client, volunteer, branch, lead):
    _approved(volunteer, branch, lead, length=2)
    certificate = _issued(volunteer, branch)
    typed = certificates.format_code(certificate.verify_code).lower()
    response = client.get(f"/api/v1/certificates/verify/{typed}")  # no token needed
    assert response.status_code == 200
    body = response.json
    assert set(body) == PUBLIC_FACTS
    assert (body["volunteer_name"], body["branch_name"], body["hours"], body["revoked"]) == (
        "王建国", "米市巷第一党支部", 2.0, False)
    assert body["number"] == certificate.number
    raw = response.get_data(as_text=True)
    for hidden in (PHONE, "wangjianguo", certificate.volunteer_number, "上门打扫", "周书记"):
        assert hidden not in raw

    certificates.revoke(certificate, volunteer)
    db.session.commit()
    assert client.get(f"/api/v1/certificates/verify/{certificate.verify_code}"
                      ).json["revoked"] is True


def test_an_unknown_code_is_404(client):
    for code in ("ABCD-EFGH-JKLM", "x", "A" * 300):
        response = client.get(f"/api/v1/certificates/verify/{code}")
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
