"""The admin's roster page: upload a branches or members file, read the
report, download the exports; nobody else gets in."""

import io
import re

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.accounts.models import User
from marketplace.audit.models import AuditEntry
from marketplace.branches import services as branches
from marketplace.branches.models import Branch, Membership, MembershipKind
from marketplace.extensions import db

from .factories import make_branch, make_lead, make_user
from .page_helpers import text

BRANCHES = ("code,name,kind,parent_code,community\n"
            "DW,米市巷街道党委,党委,,\n"
            "ZB1,米市巷第一党支部,党支部,DW,米市巷社区\n")


@pytest.fixture
def admin():
    return make_user(username="admin1", is_admin=True)


def _upload(client, what: str, content: str, filename: str = "roster.csv"):
    data = {"what": what, "file": (io.BytesIO(("\ufeff" + content).encode()), filename)}
    return client.post("/admin/roster/", data=data, content_type="multipart/form-data")


def test_the_page_offers_the_upload_and_the_exports(client_for, admin):
    page = text(client_for(admin).get("/admin/roster/"))
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
    assert "/admin/roster/export/branches.csv" in page
    assert "/admin/roster/export/members.csv" in page


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/admin/roster/"), ("post", "/admin/roster/"),
    ("get", "/admin/roster/export/branches.csv"), ("get", "/admin/roster/export/members.csv"),
])
def test_only_admins_get_in(client_for, method, path):
    lead = make_lead()
    resident = make_user()
    assert getattr(client_for(lead), method)(path).status_code == 403
    assert getattr(client_for(resident), method)(path).status_code == 403
    anonymous = getattr(client_for(), method)(path)
    assert anonymous.status_code == 302 and "/account/login" in anonymous.headers["Location"]


def test_import_branches_then_members_shows_the_counts(client_for, admin):
    client = client_for(admin)
    response = _upload(client, "branches", BRANCHES, "branches.csv")
    assert response.status_code == 200
    page = text(response)
    assert "branches.csv" in page and 'id="report"' in page
    assert re.search(r"<td>2</td><td>0</td><td>0</td>", page)
    response = _upload(client, "members",
                       "username,display_name,phone,branch_code,membership,role\n"
                       "wangjg,王建国,13800000001,ZB1,组织关系,负责人\n")
    assert response.status_code == 200
    assert db.session.scalar(sa.select(User.display_name).filter_by(username="wangjg")) == "王建国"
    entry = db.session.scalar(sa.select(AuditEntry).filter_by(action="roster.import_members"))
    assert entry.actor_id == admin.id and entry.details["filename"] == "roster.csv"


def test_a_file_with_errors_lists_them_by_line_and_imports_nothing(client_for, admin):
    make_branch("第一党支部").code = "ZB1"
    db.session.commit()
    response = _upload(client_for(admin), "members",
                       "username,display_name,phone,branch_code,membership,role\n"
                       "wangjg,王建国,,ZB1,home,member\n"
                       "lisi,李四,,NOPE,home,member\n"
                       "zhao,赵六,,ZB1,home,boss\n")
    assert response.status_code == 422
    page = text(response)
    rows = re.findall(r'<tr><td class="text-nowrap">(\d+)</td><td>([^<]*)</td></tr>', page)
    assert [line for line, _ in rows] == ["3", "4"]
    assert "NOPE" in rows[0][1]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)) == 0
    assert db.session.scalar(sa.select(User).filter_by(username="wangjg")) is None


def test_errors_beyond_200_are_counted_not_listed(client_for, admin):
    content = "code,name,kind,parent_code,community\n" + "".join(
        f"C{n},名称,society,,\n" for n in range(230))
    page = text(_upload(client_for(admin), "branches", content))
    assert len(re.findall(r'<td class="text-nowrap">', page)) == 200
    assert "230" in page


def test_no_file_is_a_form_error(client_for, admin):
    response = client_for(admin).post("/admin/roster/", data={"what": "members"},
                                      content_type="multipart/form-data")
    assert response.status_code == 200
    assert 'id="report"' not in text(response)
    assert "is-invalid" in text(response)


def test_upload_size_is_limited(client_for, admin, app):
    client = client_for(admin)
    app.config["ROSTER_UPLOAD_MAX_BYTES"] = 100
    try:
        response = _upload(client, "branches", BRANCHES * 3)
        assert response.status_code == 200 and "is-invalid" in text(response)
        huge = _upload(client, "branches", "x" * (200 * 1024))
        assert huge.status_code == 413
    finally:
        del app.config["ROSTER_UPLOAD_MAX_BYTES"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Branch)) == 0


def test_the_upload_needs_a_csrf_token(app, admin):
    strict = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "WTF_CSRF_ENABLED": True})
    client = strict.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = admin.get_id()
    response = _upload(client, "branches", BRANCHES)
    assert response.status_code == 400
    with strict.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Branch)) == 0
    page = client.get("/admin/roster/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = {"what": "branches", "csrf_token": token,
            "file": (io.BytesIO(BRANCHES.encode()), "b.csv")}
    assert client.post("/admin/roster/", data=data,
                       content_type="multipart/form-data").status_code == 200
    with strict.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Branch)) == 2


def _members(n: int, code: str = "ZB1") -> None:
    branch = make_branch("第一党支部")
    branch.code = code
    for i in range(n):
        user = make_user(commit=False, display_name=f"=SUM(A{i})")
        branches.add_member(branch, user, MembershipKind.FUNCTIONAL)
    db.session.commit()


def test_member_export_is_a_csv_download_safe_for_excel(client_for, admin):
    _members(2)
    response = client_for(admin).get("/admin/roster/export/members.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="members.csv"'
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0] == "username,display_name,phone,branch_code,membership,role"
    assert len(lines) == 3 and ",'=SUM(A0),,ZB1,functional,member" in lines[1]


def test_branch_export_download(client_for, admin):
    _members(0)
    body = client_for(admin).get("/admin/roster/export/branches.csv").get_data()
    assert body.decode("utf-8-sig").splitlines()[1] == "ZB1,第一党支部,party_branch,,"


def test_unknown_export_is_404(client_for, admin):
    assert client_for(admin).get("/admin/roster/export/users.csv").status_code == 404


@pytest.mark.parametrize("what", ["members", "branches"])
def test_exports_run_a_fixed_number_of_queries(client_for, admin, count_queries, what):
    client = client_for(admin)
    _members(1)
    with count_queries() as one:
        client.get(f"/admin/roster/export/{what}.csv").get_data()
    _members(30, code="ZB2")
    with count_queries() as many:
        response = client.get(f"/admin/roster/export/{what}.csv")
        body = response.get_data()
    assert many.count == one.count
    assert len(body.decode("utf-8-sig").splitlines()) > 2


def test_the_page_runs_a_fixed_number_of_queries(client_for, admin, count_queries):
    client = client_for(admin)
    with count_queries() as before:
        client.get("/admin/roster/")
    _members(20, code="ZB2")
    with count_queries() as after:
        client.get("/admin/roster/")
    assert before.count == after.count
