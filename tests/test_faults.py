"""Faults: the database going away or staying locked answers 503 (a Chinese
page, or JSON under /api, with Retry-After, no traceback) and the same app
serves again once it is back; an action failing halfway leaves nothing of
itself behind (the whole database compared before and after)."""

from __future__ import annotations

import io
import sqlite3

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from marketplace import create_app
from marketplace.branches import services as branches
from marketplace.branches.models import MembershipKind
from marketplace.enrollments import services as enrollments
from marketplace.enrollments.models import Enrollment, EnrollmentStatus
from marketplace.extensions import db

from .api_helpers import auth
from .conftest import IsolatedClient
from .factories import make_branch, make_hour_record, make_lead, make_service, make_user
from .faults import PrivatePostgres, fault, snapshot
from .page_helpers import text

BUSY = "系统繁忙或正在维护,请稍后再试。"
BROKEN = "系统出了点问题,请稍后再试。"
LEAKS = ("Traceback", "OperationalError", "sqlalchemy", "psycopg", "sqlite3", "InjectedFault")


def _own_app(uri: str, **overrides):
    """An app of the test's own on `uri`, migrated to head. The page cache is
    off: a stored copy would answer without asking the database."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": uri, "PAGE_CACHE_ENABLED": False,
                                 **overrides})
    app.test_client_class = IsolatedClient
    return app


def _signed_in(app, user):
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return browser


def _assert_answer(response, status: int, message: str, api: bool) -> None:
    assert response.status_code == status, text(response)[:300]
    if api:
        assert response.json == {"error": {"code": {500: "server_error", 503: "unavailable"}[
            status], "message": message}}
    else:
        page = text(response)
        assert response.mimetype == "text/html" and message in page
        assert not [leak for leak in LEAKS if leak in page]
    if status == 503:
        assert int(response.headers["Retry-After"]) > 0


def _unavailable(response, api: bool = False) -> None:
    _assert_answer(response, 503, BUSY, api)


# -- the database goes away and comes back ------------------------------------------

def test_postgresql_stopped_then_started_gets_503_then_the_same_app_serves_again():
    server = PrivatePostgres()  # fails (never skips) without PostgreSQL's binaries
    try:
        server.start()
        app = _own_app(server.url)
        with app.app_context():
            upgrade()
            service = make_service(title="上门修空调")
            resident = make_user(display_name="刘奶奶")
            enrollments.join(service.id, resident, "13800000001")
            db.session.commit()
            browser = _signed_in(app, resident)
            headers = auth(browser, resident)
            service_id = service.id
            db.session.close()  # the test's own session holds no connection either

            def reads():
                return (browser.get("/my/enrollments"),
                        browser.get("/api/v1/me/enrollments", headers=headers),
                        app.test_client().get(f"/services/{service_id}"))

            assert [r.status_code for r in reads()] == [200, 200, 200]

            server.stop()
            page, api, public = reads()
            _unavailable(page)
            _unavailable(api, api=True)
            _unavailable(public)
            _unavailable(browser.post(f"/services/{service_id}/join",
                                      data={"contact": "13800000002"}))
            # An error page of its own (404) is still drawn, as for a visitor.
            _assert_answer(browser.get("/no-such-page"), 404, "您要找的页面不存在。", api=False)

            server.start()
            page, api, public = reads()
            assert [r.status_code for r in (page, api, public)] == [200, 200, 200]
            assert "刘奶奶" in text(page) and "上门修空调" in text(page)  # still signed in
            assert [e["service"]["id"] for e in api.json["items"]] == [service_id]
            db.engine.dispose()
    finally:
        server.remove()


def test_a_write_meeting_a_locked_sqlite_file_gets_503_then_succeeds(tmp_path):
    path = tmp_path / "locked.sqlite3"
    # A short busy timeout: the request gives up on the lock after 0.1 s.
    app = _own_app(f"sqlite:///{path}", SQLITE_BUSY_TIMEOUT_MS=100)
    with app.app_context():
        upgrade()
        service = make_service(capacity=5)
        on_page, on_api = make_user(), make_user()
        browser = _signed_in(app, on_page)
        headers = auth(app.test_client(), on_api)  # a token is a write: before the lock
        service_id, resident_ids = service.id, {on_page.id, on_api.id}
        db.session.close()

        def join():
            return (browser.post(f"/services/{service_id}/join", data={"contact": "13800000001"}),
                    app.test_client().post(f"/api/v1/services/{service_id}/enrollments",
                                           json={"contact": "13800000002"}, headers=headers))

        holder = sqlite3.connect(path, isolation_level=None)
        try:
            holder.execute("BEGIN EXCLUSIVE")  # another process writing, and writing
            page, api = join()
            _unavailable(page)
            _unavailable(api, api=True)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        page, api = join()
        assert page.status_code == 302 and api.status_code == 201, api.json
        assert set(db.session.scalars(sa.select(Enrollment.resident_id).filter_by(
            service_id=service_id))) == resident_ids
        db.engine.dispose()


# -- an action failing halfway leaves nothing behind ---------------------------------

def _broken(response, api: bool) -> None:
    _assert_answer(response, 500, BROKEN, api)


@pytest.mark.parametrize("api", [False, True], ids=["page", "api"])
def test_a_cancel_whose_promotion_fails_is_not_kept(client, client_for, api):
    service = make_service(capacity=1, auto_confirm=True)
    first, second = make_user(), make_user()
    held = enrollments.join(service.id, first, "13800000001")
    waiting = enrollments.join(service.id, second, "13800000002")
    db.session.commit()
    assert (held.status, waiting.status) == (EnrollmentStatus.CONFIRMED,
                                             EnrollmentStatus.WAITLISTED)
    if api:
        headers = auth(client, first)
        send = lambda: client.post(f"/api/v1/enrollments/{held.id}/cancel", headers=headers)  # noqa: E731
    else:
        browser = client_for(first)
        send = lambda: browser.post(f"/enrollments/{held.id}/cancel")  # noqa: E731
    before = snapshot()
    # The promotion's notification is written after the cancellation was.
    with fault(r"^\s*INSERT INTO notifications\b") as injected:
        response = send()
    assert injected.fired
    assert injected.wrote_before("enrollments") and injected.wrote_before("services")
    _broken(response, api)
    assert snapshot() == before


@pytest.fixture
def review():
    """A branch lead, three records waiting and one approved before (so the
    ledger and the summary tables have rows that must not change)."""
    branch = make_branch("米市巷第一党支部")
    volunteer = make_user(is_volunteer=True, is_party_member=True)
    branches.add_member(branch, volunteer, MembershipKind.HOME)
    db.session.commit()
    lead = make_lead(branch)
    make_hour_record(volunteer, branch, days_ago=6, approved_by=lead)
    waiting = [make_hour_record(volunteer, branch, days_ago=d).id for d in (3, 4, 5)]
    return branch, lead, waiting


@pytest.mark.parametrize("api", [False, True], ids=["page", "api"])
def test_a_batch_approval_failing_at_its_second_record_approves_none(client, client_for,
                                                                    review, api):
    branch, lead, ids = review
    if api:
        headers = auth(client, lead)
        send = lambda: client.post("/api/v1/hours/approve", json={"ids": ids}, headers=headers)  # noqa: E731
    else:
        browser = client_for(lead)
        send = lambda: browser.post(f"/branches/{branch.id}/review/approve", data={"ids": ids})  # noqa: E731
    before = snapshot()
    with fault(r"^\s*INSERT INTO point_entries\b", nth=2) as injected:  # the second record's
        response = send()
    assert injected.fired
    for table in ("hour_records", "point_entries", "branch_period_stats",
                  "member_period_stats", "district_period_stats", "notifications"):
        assert injected.wrote_before(table), table  # the first record was all done
    _broken(response, api)
    assert snapshot() == before


def _upload(browser, what: str, content: str):
    data = {"what": what, "file": (io.BytesIO(content.encode()), f"{what}.csv")}
    return browser.post("/admin/roster/", data=data, content_type="multipart/form-data")


def test_a_branch_import_failing_between_levels_writes_no_branch(client_for):
    admin = make_user(is_admin=True)
    make_branch("旧名党支部").code = "OLD"
    db.session.commit()
    content = ("code,name,kind,parent_code,community\n"
               "OLD,新名党支部,党支部,,\n"  # a rename: the first write
               "DW,米市巷街道党委,党委,,\n"
               "ZB1,米市巷第一党支部,党支部,DW,米市巷社区\n")
    before = snapshot()
    with fault(r"^\s*INSERT INTO branches\b", nth=2) as injected:  # the second level
        response = _upload(client_for(admin), "branches", content)
    assert injected.fired and injected.wrote_before("branches")
    _broken(response, api=False)
    assert snapshot() == before


def test_a_member_import_failing_after_the_accounts_writes_no_account(client_for):
    admin = make_user(is_admin=True)
    branch = make_branch("第一党支部")
    branch.code = "ZB1"
    make_branch("第二党支部").code = "ZB2"
    known = make_user(username="wangjg", display_name="王建")
    db.session.commit()
    content = ("username,display_name,phone,branch_code,membership,role\n"
               f"{known.username},王建国,13800000001,ZB1,组织关系,负责人\n"
               "lixy,李秀英,13800000002,ZB1,组织关系,成员\n"
               "zhaom,赵敏,,ZB2,兼合式,成员\n")
    before = snapshot()
    with fault(r"^\s*INSERT INTO memberships\b") as injected:
        response = _upload(client_for(admin), "members", content)
    assert injected.fired and injected.wrote_before("users")
    _broken(response, api=False)
    assert snapshot() == before
