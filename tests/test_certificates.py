"""Certificates of approved hours (志愿服务证明): the rules of issuing (the
period, the figures, corrections, a snapshot), revoking, and the pages:
my certificates, the printable certificate, the public check of a code
(only what it certifies, rate limited), and who may see what."""

import html
import re
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from marketplace.audit.models import AuditEntry
from marketplace.branches import services as branches
from marketplace.branches.models import BranchKind, MembershipKind
from marketplace.certificates import services as certificates
from marketplace.certificates.models import Certificate
from marketplace.db import utcnow
from marketplace.enrollments import services as enrollments
from marketplace.exceptions import Conflict, InvalidInput, NotAllowed
from marketplace.extensions import db
from marketplace.hours import services as hours
from marketplace.hours.models import HourRecord
from marketplace.listings.models import Category
from marketplace.localtime import local_to_utc, local_zone

from .factories import make_branch, make_lead, make_service, make_user
from .limits_helpers import limited_app
from .page_helpers import text

PHONE = "13912345678"


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


def _record(volunteer, branch, day: date, start="09:00", length=2.0, description="上门打扫",
            corrects=None) -> HourRecord:
    started = local_to_utc(datetime.combine(day, time.fromisoformat(start)))
    data = hours.HourData(branch_id=branch.id, started_at=started,
                          ended_at=started + timedelta(hours=length),
                          description=description, place="米市巷社区")
    if corrects is not None:
        return hours.correct_record(corrects, volunteer, data)
    return hours.record_hours(volunteer, data)


def _approved(volunteer, branch, lead, days_ago, **kwargs) -> HourRecord:
    record = _record(volunteer, branch, today() - timedelta(days=days_ago), **kwargs)
    hours.approve(record, lead)
    db.session.commit()
    return record


def _issue(volunteer, branch, start_days_ago=30, end_days_ago=0) -> Certificate:
    certificate = certificates.issue(volunteer, certificates.CertificateRequest(
        branch_id=branch.id, period_start=today() - timedelta(days=start_days_ago),
        period_end=today() - timedelta(days=end_days_ago)))
    db.session.commit()
    return certificate


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Certificate))


def said(message: str) -> str:
    """A message as the pages show it, in the default language (Chinese once
    translated)."""
    return str(_l(message))


def _day(app, value: date) -> str:
    with app.test_request_context():
        return format_date(value, "long")


# -- issuing: the figures ------------------------------------------------------------

def test_a_certificate_counts_the_approved_hours_of_the_period(volunteer, branch, lead):
    _approved(volunteer, branch, lead, 10, length=2, description="上门打扫")
    _approved(volunteer, branch, lead, 20, length=1.5, description="陪老人聊天")
    _approved(volunteer, branch, lead, 40, length=3, description="太早了")  # before the period
    _record(volunteer, branch, today() - timedelta(days=5))  # waits for review
    rejected = _record(volunteer, branch, today() - timedelta(days=6), description="不算")
    hours.reject(rejected, lead, "没有这次活动")
    other = make_branch("第二志愿服务队", BranchKind.VOLUNTEER_TEAM)
    other_lead = make_lead(other)
    branches.add_member(other, volunteer, MembershipKind.FUNCTIONAL)
    _approved(volunteer, other, other_lead, 8, length=4, description="别的支部")

    certificate = _issue(volunteer, branch)

    assert (certificate.minutes, certificate.hours, certificate.records) == (210, 3.5, 2)
    assert certificate.content == "上门打扫、陪老人聊天"  # most time spent first
    assert (certificate.volunteer_name, certificate.branch_name, certificate.lead_name) == (
        "王建国", "米市巷第一党支部", "周书记")
    assert certificate.volunteer_number == f"WT{volunteer.id:08d}"
    assert re.fullmatch(rf"WT-{today().year}-0*{certificate.id}", certificate.number)
    assert len(certificate.verify_code) == 12
    assert set(certificate.verify_code) <= set(certificates.CODE_ALPHABET)
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "certificate.issue", AuditEntry.target_id == certificate.id))
    assert entry.actor_id == volunteer.id and entry.details["minutes"] == 210


def test_the_service_content_names_the_categories_served(volunteer, branch, lead):
    service = make_service(volunteer=volunteer, auto_confirm=True, starts_at=None,
                           ends_at=None)  # 便民利民 (convenience)
    enrollment = enrollments.join(service.id, make_user(display_name="刘奶奶"), PHONE)
    enrollments.complete(enrollment, volunteer)
    started = local_to_utc(datetime.combine(today() - timedelta(days=4), time(9)))
    record = hours.record_hours(volunteer, hours.HourData(
        branch_id=branch.id, started_at=started, ended_at=started + timedelta(hours=2),
        description="义务理发", place="米市巷社区", enrollment_id=enrollment.id))
    hours.approve(record, lead)
    _approved(volunteer, branch, lead, 6, length=1, description="社区巡逻")
    certificate = _issue(volunteer, branch)
    category = db.session.get(Category, service.category_id).name
    assert certificate.content == f"{category}：义务理发、社区巡逻"
    assert certificate.records == 2


def test_the_period_is_of_local_days_both_included(volunteer, branch, lead):
    last = today() - timedelta(days=10)
    first = last - timedelta(days=3)
    for day, start in ((first, "00:00"), (last, "23:00")):  # counted
        hours.approve(_record(volunteer, branch, day, start=start, length=1), lead)
    for day, start in ((first - timedelta(days=1), "22:00"),  # the evening before
                       (last + timedelta(days=1), "00:30")):  # just after midnight
        hours.approve(_record(volunteer, branch, day, start=start, length=1), lead)
    db.session.commit()
    certificate = certificates.issue(volunteer, certificates.CertificateRequest(
        branch_id=branch.id, period_start=first, period_end=last))
    assert (certificate.minutes, certificate.records) == (120, 2)


def test_an_approved_correction_replaces_the_old_records_hours(volunteer, branch, lead):
    original = _approved(volunteer, branch, lead, 10, length=3)
    pending = _record(volunteer, branch, original.started_at.astimezone(local_zone()).date(),
                      length=1, description="上门打扫(更正)", corrects=original)
    db.session.commit()
    assert _issue(volunteer, branch).minutes == 180  # a correction counts once approved

    hours.approve(pending, lead)
    db.session.commit()
    certificate = _issue(volunteer, branch)
    assert (certificate.minutes, certificate.records) == (60, 1)
    assert certificate.content == "上门打扫(更正)"


def test_no_approved_hours_is_a_clear_refusal(volunteer, branch, lead):
    _approved(volunteer, branch, lead, 40)  # outside the period
    _record(volunteer, branch, today() - timedelta(days=3))  # not approved yet
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        _issue(volunteer, branch)
    assert refused.value.field == "branch_id"
    assert str(refused.value.message) == said(
        "You have no approved hours in this branch in this period.")
    db.session.rollback()
    assert _count() == 0


def test_an_unknown_branch_is_refused(volunteer):
    with pytest.raises(InvalidInput) as refused:
        certificates.issue(volunteer, certificates.CertificateRequest(
            branch_id=987654, period_start=today() - timedelta(days=3), period_end=today()))
    assert refused.value.field == "branch_id"


@pytest.mark.parametrize(("start", "end", "field"), [
    (3, -1, "period_end"),         # ends tomorrow (days ago, negative: ahead)
    (2, 5, "period_start"),        # reversed
    (None, 0, "period_start"),
    (0, None, "period_end"),
])
def test_bad_periods_are_refused(volunteer, branch, lead, start, end, field):
    _approved(volunteer, branch, lead, 3)

    def day(days_ago):
        return None if days_ago is None else today() - timedelta(days=days_ago)

    with pytest.raises(InvalidInput) as refused:
        certificates.issue(volunteer, certificates.CertificateRequest(
            branch_id=branch.id, period_start=day(start), period_end=day(end)))
    assert refused.value.field == field


def test_a_period_is_at_most_five_calendar_years():
    assert certificates.earliest_start(date(2025, 12, 31)) == date(2021, 1, 1)
    assert certificates.earliest_start(date(2024, 2, 28)) == date(2019, 3, 1)
    assert certificates.earliest_start(date(2025, 6, 14)) == date(2020, 6, 15)
    end = date(2025, 12, 31)
    certificates.check_period(date(2021, 1, 1), end)  # exactly five years
    with pytest.raises(InvalidInput) as refused:
        certificates.check_period(date(2020, 12, 31), end)
    assert refused.value.field == "period_start"


def test_a_certificate_is_a_snapshot(app, client_for, volunteer, branch, lead):
    _approved(volunteer, branch, lead, 10, length=2)
    certificate = _issue(volunteer, branch)
    branch.name = "米市巷新名字党支部"
    volunteer.display_name = "王改名"
    _approved(volunteer, branch, lead, 9, length=5, description="后来的")
    db.session.commit()

    db.session.expire_all()
    kept = db.session.get(Certificate, certificate.id)
    assert (kept.minutes, kept.volunteer_name, kept.branch_name, kept.content) == (
        120, "王建国", "米市巷第一党支部", "上门打扫")
    page = text(client_for(volunteer).get(f"/certificates/{certificate.id}"))
    assert "米市巷第一党支部" in page and "新名字" not in page and "后来的" not in page


# -- revoking --------------------------------------------------------------------------

def test_its_volunteer_or_an_admin_revokes_it_once(volunteer, branch, lead):
    _approved(volunteer, branch, lead, 3)
    first, second = _issue(volunteer, branch), _issue(volunteer, branch)
    with pytest.raises(NotAllowed):
        certificates.revoke(first, lead)  # a lead sees it but does not withdraw it
    db.session.rollback()
    certificates.revoke(first, volunteer)
    certificates.revoke(second, make_user(is_admin=True))
    db.session.commit()
    assert first.revoked_at is not None and second.revoked_at is not None
    with pytest.raises(Conflict):
        certificates.revoke(first, volunteer)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "certificate.revoke")) == 2


def test_a_typed_code_is_found_in_any_case_with_dashes_and_spaces(volunteer, branch, lead):
    _approved(volunteer, branch, lead, 3)
    certificate = _issue(volunteer, branch)
    typed = " " + certificates.format_code(certificate.verify_code).lower().replace("-", " - ")
    assert certificates.find_by_code(typed).id == certificate.id
    assert certificates.find_by_code("0000-0000-0000") is None  # 0 is never in a code
    assert certificates.find_by_code("") is None


# -- pages: issuing ----------------------------------------------------------------------

def test_issue_through_the_page_and_print_every_field(app, client_for, volunteer, branch,
                                                      lead):
    _approved(volunteer, branch, lead, 10, length=2.5)
    client = client_for(volunteer)
    form_page = text(client.get("/my/certificates"))
    assert "米市巷第一党支部" in form_page and 'name="period_start"' in form_page
    start, end = today() - timedelta(days=30), today()
    response = client.post("/my/certificates", data={
        "branch_id": branch.id, "period_start": start.isoformat(),
        "period_end": end.isoformat()})
    assert response.status_code == 302
    certificate = db.session.scalar(sa.select(Certificate))
    assert response.headers["Location"].endswith(f"/certificates/{certificate.id}")

    page = html.unescape(text(client.get(f"/certificates/{certificate.id}")))
    for shown in ("王建国", f"WT{volunteer.id:08d}", _day(app, start), _day(app, end), "2.5",
                  "上门打扫", "米市巷第一党支部", "周书记", certificate.number,
                  _day(app, certificates.issued_on(certificate)),
                  certificates.format_code(certificate.verify_code),
                  f"http://localhost/verify/{certificate.verify_code}"):
        assert shown in page, shown
    # Printable: its own style sheet and script, a print button, no inline script.
    assert "certificate.css" in page and "certificate.js" in page and "data-print" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    listed = text(client.get("/my/certificates"))
    assert certificate.number in listed


def test_the_print_style_drops_the_navigation_on_a4(client):
    css = text(client.get("/certificates/static/certificate.css"))
    assert "@page { size: A4" in css
    print_rules = css[css.index("@media print"):]
    assert "nav.navbar" in print_rules and "footer" in print_rules
    assert ".no-print" in print_rules and "display: none" in print_rules
    assert "max-width: 480px" in css  # a 360 px phone gets one column
    assert "window.print()" in text(client.get("/certificates/static/certificate.js"))


@pytest.mark.parametrize(("start", "end", "field"), [
    (1, 6, "period_start"),        # reversed: starts after it ends (days ago)
    (3, -1, "period_end"),         # ends tomorrow
    (6 * 365, 0, "period_start"),  # over five years
])
def test_bad_periods_on_the_page_keep_what_was_typed(client_for, volunteer, branch, lead,
                                                     start, end, field):
    _approved(volunteer, branch, lead, 3)
    first, last = today() - timedelta(days=start), today() - timedelta(days=end)
    response = client_for(volunteer).post("/my/certificates", data={
        "branch_id": branch.id, "period_start": first.isoformat(),
        "period_end": last.isoformat()})
    page = html.unescape(text(response))
    assert response.status_code == 200
    assert f'value="{first.isoformat()}"' in page and f'value="{last.isoformat()}"' in page
    assert re.search(rf'name="{field}"[^>]*is-invalid|is-invalid[^>]*name="{field}"', page)
    assert _count() == 0


def test_no_hours_in_the_chosen_period_is_said_on_the_page(client_for, volunteer, branch,
                                                           lead):
    _approved(volunteer, branch, lead, 40)
    response = client_for(volunteer).post("/my/certificates", data={
        "branch_id": branch.id, "period_start": (today() - timedelta(days=10)).isoformat(),
        "period_end": today().isoformat()})
    page = html.unescape(text(response))
    assert said("You have no approved hours in this branch in this period.") in page
    assert _count() == 0


def test_without_approved_hours_there_is_no_form(client_for, volunteer, branch):
    client = client_for(volunteer)
    assert 'name="period_start"' not in text(client.get("/my/certificates"))
    client.post("/my/certificates", data={"branch_id": branch.id,
                                          "period_start": today().isoformat(),
                                          "period_end": today().isoformat()})
    assert _count() == 0


def test_anonymous_is_sent_to_login(client, volunteer, branch, lead):
    _approved(volunteer, branch, lead, 3)
    certificate = _issue(volunteer, branch)
    for path in ("/my/certificates", f"/certificates/{certificate.id}"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.post(f"/certificates/{certificate.id}/revoke")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# -- pages: who sees and who revokes ---------------------------------------------------------

def test_who_sees_a_certificate(client_for, volunteer, branch, lead):
    _approved(volunteer, branch, lead, 3)
    certificate = _issue(volunteer, branch)
    path = f"/certificates/{certificate.id}"
    committee = make_branch("米市巷社区党委", BranchKind.COMMITTEE)
    inner = make_branch("米市巷第二党支部", parent=committee)
    for allowed in (volunteer, lead, make_user(is_admin=True)):
        assert client_for(allowed).get(path).status_code == 200
    for stranger in (make_user(is_volunteer=True), make_lead(make_branch("别的支部")),
                     make_lead(committee), make_lead(inner)):
        assert client_for(stranger).get(path).status_code == 404
    assert client_for(volunteer).get("/certificates/999999").status_code == 404


def test_revoke_through_the_page(client_for, volunteer, branch, lead):
    _approved(volunteer, branch, lead, 3)
    certificate = _issue(volunteer, branch)
    path = f"/certificates/{certificate.id}/revoke"
    assert client_for(lead).post(path).status_code == 403
    assert client_for(make_user(is_volunteer=True)).post(path).status_code == 404
    assert client_for(make_lead(make_branch("别的支部"))).post(path).status_code == 404
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).revoked_at is None

    response = client_for(volunteer).post(path)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).revoked_at is not None
    page = text(client_for(volunteer).get(f"/certificates/{certificate.id}"))
    assert "certificate-revoked" in page and f'action="{path}"' not in page

    other = _issue(volunteer, branch)
    assert client_for(make_user(is_admin=True)).post(
        f"/certificates/{other.id}/revoke").status_code == 302
    db.session.expire_all()
    assert db.session.get(Certificate, other.id).revoked_at is not None


# -- the public check ----------------------------------------------------------------------

def _private_bits(volunteer, certificate) -> list[str]:
    return [PHONE, volunteer.username, certificate.volunteer_number, "上门打扫", "米市巷社区",
            "周书记", f"/certificates/{certificate.id}"]


def test_the_public_check_shows_only_what_it_certifies(app, client, volunteer, branch, lead):
    _approved(volunteer, branch, lead, 3, length=2)
    certificate = _issue(volunteer, branch)
    typed = certificates.format_code(certificate.verify_code).lower()
    for path in (f"/verify?code={typed}", f"/verify/{certificate.verify_code}"):
        response = client.get(path)
        assert response.status_code == 200
        page = html.unescape(text(response))
        result = page[page.index('id="result"'):]
        for shown in ("王建国", "米市巷第一党支部", "2.0", certificate.number,
                      _day(app, certificate.period_start), _day(app, certificate.period_end),
                      _day(app, certificates.issued_on(certificate))):
            assert shown in result, shown
        for hidden in _private_bits(volunteer, certificate):
            assert hidden not in page, hidden
        assert "text-success" in result


def test_a_revoked_certificate_verifies_as_revoked(client, volunteer, branch, lead):
    _approved(volunteer, branch, lead, 3)
    certificate = _issue(volunteer, branch)
    certificates.revoke(certificate, volunteer)
    db.session.commit()
    page = text(client.get(f"/verify/{certificate.verify_code}"))
    assert "x-octagon" in page or "text-danger" in page
    assert "patch-check" not in page and certificate.number in page


def test_an_unknown_code_is_404_and_the_empty_form_is_fine(client):
    response = client.get("/verify?code=ABCD-EFGH-JKLM")
    assert response.status_code == 404 and 'id="result"' in text(response)
    assert client.get("/verify/not-a-code").status_code == 404
    assert client.get("/verify/" + "A" * 300).status_code == 404
    empty = client.get("/verify")
    assert empty.status_code == 200 and 'id="result"' not in text(empty)


@pytest.fixture
def strict_app(app):
    with limited_app(app, VERIFY_RATE_LIMIT="3 per minute") as strict:
        yield strict


def test_checking_codes_is_rate_limited_for_page_and_api_together(strict_app, volunteer,
                                                                   branch, lead):
    _approved(volunteer, branch, lead, 3)
    certificate = _issue(volunteer, branch)
    client = strict_app.test_client()
    for _ in range(3):
        assert client.get("/verify").status_code == 200  # the empty form costs nothing
    assert client.get(f"/verify/{certificate.verify_code}").status_code == 200
    assert client.get("/verify?code=ABCD-EFGH-JKLM").status_code == 404
    api = client.get(f"/api/v1/certificates/verify/{certificate.verify_code}")
    assert api.status_code == 200
    blocked = client.get(f"/verify/{certificate.verify_code}")
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers
    api = client.get(f"/api/v1/certificates/verify/{certificate.verify_code}")
    assert api.status_code == 429 and api.json["error"]["code"] == "rate_limited"
    other = client.get(f"/verify/{certificate.verify_code}",
                       environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200  # counted per address


# -- query counts ---------------------------------------------------------------------------

def test_my_certificates_page_queries_do_not_grow_with_rows(client_for, volunteer, branch,
                                                            lead, count_queries):
    _approved(volunteer, branch, lead, 3)
    client = client_for(volunteer)

    def measured():
        with count_queries() as counter:
            assert client.get("/my/certificates").status_code == 200
        return counter.count

    _issue(volunteer, branch)
    few = measured()
    for _ in range(19):
        _issue(volunteer, branch)
    assert text(client.get("/my/certificates")).count("badge text-bg-success") == 20
    assert measured() == few
