"""CSV import of branches and members and the matching export: every row
checked, errors by line with nothing written, re-runs that change nothing."""

import csv
import io

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.audit.models import AuditEntry
from marketplace.branches import requests as join_requests
from marketplace.branches import services as branches
from marketplace.branches import tree
from marketplace.branches.models import (
    Branch,
    BranchKind,
    Membership,
    MembershipKind,
    MembershipRole,
    MembershipStatus,
)
from marketplace.extensions import db
from marketplace.roster import csvformat
from marketplace.roster.branch_import import import_branches
from marketplace.roster.common import UNUSABLE_PASSWORD, ImportRejected
from marketplace.roster.export import export_chunks
from marketplace.roster.member_import import import_members

from .factories import PASSWORD, make_branch, make_user

BRANCH_HEADER = "code,name,kind,parent_code,community\n"
MEMBER_HEADER = "username,display_name,phone,branch_code,membership,role\n"


def _file(text: str, bom: bool = False) -> io.BytesIO:
    return io.BytesIO(("\ufeff" if bom else "").encode() + text.encode("utf-8"))


def _branches(text: str, **kwargs):
    report = import_branches(_file(BRANCH_HEADER + text), **kwargs)
    db.session.commit()
    return report


def _members(text: str, **kwargs):
    report = import_members(_file(MEMBER_HEADER + text), **kwargs)
    db.session.commit()
    return report


def _rejected(run, header: str, text: str) -> list[tuple[int, str]]:
    with pytest.raises(ImportRejected) as caught:
        run(_file(header + text))
    db.session.rollback()
    return [(error.line, error.code) for error in caught.value.report.errors]


def _counts(report, name):
    counts = report.counts[name]
    return counts.created, counts.updated, counts.unchanged


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _export(what: str) -> str:
    return "".join(export_chunks(what))


@pytest.fixture
def district():
    """A committee with a party branch and a volunteer team, by code."""
    _branches("DW,米市巷街道党委,党委,,\n"
              "ZB1,米市巷第一党支部,党支部,DW,米市巷社区\n"
              "TEAM,邻里志愿服务队,volunteer_team,DW,\n")
    return {b.code: b for b in db.session.scalars(sa.select(Branch))}


# -- branches -------------------------------------------------------------------------

def test_branches_import_builds_the_tree_with_paths(district):
    committee, branch = district["DW"], district["ZB1"]
    assert committee.kind == BranchKind.COMMITTEE and committee.parent_id is None
    assert branch.parent_id == committee.id
    assert branch.path == f"/{committee.id}/{branch.id}/"
    assert branch.community == "米市巷社区"


def test_branches_children_may_come_before_their_parent():
    report = _branches("ZB,第一党支部,party_branch,DW,\nDW,街道党委,committee,,\n")
    assert _counts(report, "branches") == (2, 0, 0)
    child = db.session.scalar(sa.select(Branch).filter_by(code="ZB"))
    assert child.parent.code == "DW"


def test_branches_rerun_changes_nothing_and_a_new_name_updates(district):
    text = ("DW,米市巷街道党委,党委,,\nZB1,米市巷第一党支部,党支部,DW,米市巷社区\n"
            "TEAM,邻里志愿服务队,volunteer_team,DW,\n")
    assert _counts(_branches(text), "branches") == (0, 0, 3)
    report = _branches(text.replace("邻里志愿服务队", "邻里互助队"))
    assert _counts(report, "branches") == (0, 1, 2)
    assert db.session.scalar(sa.select(Branch.name).filter_by(code="TEAM")) == "邻里互助队"


@pytest.mark.parametrize(("text", "expected"), [
    ("A,名称,党支部,NOPE,\n", [(2, "unknown_parent")]),
    ("A,甲,committee,,\nA,乙,committee,,\n", [(3, "duplicate_code")]),
    ("A,甲,society,,\n", [(2, "bad_kind")]),
    ("A,,committee,,\n", [(2, "bad_name")]),
    ("A,甲,committee,B,\nB,乙,committee,A,\n", [(2, "loop"), (3, "loop")]),
    ("A,甲,committee,,\nB,乙,party_branch,A,\nC,丙,party_branch,B,\n",
     [(4, "parent_not_committee")]),
    ("X" * 41 + ",甲,committee,,\n", [(2, "bad_code")]),
])
def test_branch_errors_by_line_and_nothing_written(text, expected):
    assert _rejected(import_branches, BRANCH_HEADER, text) == expected
    assert _count(Branch) == 0


def test_branches_the_import_does_not_move_nor_change_kinds(district):
    errors = _rejected(import_branches, BRANCH_HEADER,
                       "ZB1,米市巷第一党支部,volunteer_team,DW,\nTEAM,邻里志愿服务队,volunteer_team,,\n")
    assert errors == [(2, "kind_changed"), (3, "moved")]


# -- members: a good file -------------------------------------------------------------

GOOD_MEMBERS = ("wangjg,王建国,13800000001,ZB1,组织关系,成员\n"
                "wangjg,王建国,13800000001,TEAM,兼合式,member\n"
                "lisi,李四,,TEAM,home,负责人\n")


@pytest.mark.parametrize("method", ["auto", "many"])
def test_members_import_creates_accounts_and_active_memberships(district, method):
    report = import_members(_file(MEMBER_HEADER + GOOD_MEMBERS, bom=True), filename="m.csv",
                            stage_method=method)
    db.session.commit()
    assert report.rows == 3
    assert _counts(report, "users") == (2, 0, 0)
    assert _counts(report, "memberships") == (3, 0, 0)
    wang = db.session.scalar(sa.select(User).filter_by(username="wangjg"))
    li = db.session.scalar(sa.select(User).filter_by(username="lisi"))
    assert (wang.display_name, wang.phone, wang.password_hash) == (
        "王建国", "13800000001", UNUSABLE_PASSWORD)
    # A home in a party branch makes a party member; a home in a team does not.
    assert (wang.is_volunteer, wang.is_party_member) == (True, True)
    assert (li.is_volunteer, li.is_party_member) == (True, False)
    assert branches.home_membership(wang).branch.code == "ZB1"
    lead = branches.home_membership(li)
    assert (lead.role, lead.status, lead.branch.code) == (
        MembershipRole.LEAD, MembershipStatus.ACTIVE, "TEAM")
    assert lead.started_at is not None
    db.session.expire_all()
    assert district["ZB1"].member_count == 1 and district["TEAM"].member_count == 2
    audits = db.session.scalars(sa.select(AuditEntry).filter_by(
        action="roster.import_members")).all()
    assert len(audits) == 1 and audits[0].details["users"]["created"] == 2


def test_members_rerun_changes_nothing(district):
    _members(GOOD_MEMBERS)
    before = [(m.id, m.started_at) for m in db.session.scalars(
        sa.select(Membership).order_by(Membership.id))]
    report = _members(GOOD_MEMBERS)
    assert _counts(report, "users") == (0, 0, 2)
    assert _counts(report, "memberships") == (0, 0, 3)
    assert before == [(m.id, m.started_at) for m in db.session.scalars(
        sa.select(Membership).order_by(Membership.id))]
    db.session.expire_all()
    assert (district["ZB1"].member_count, district["TEAM"].member_count) == (1, 2)


def test_members_existing_account_is_matched_and_updated(district):
    user = make_user(username="wangjg", display_name="老王", phone="13900000000")
    report = _members("WangJG,王建国,,ZB1,home,member\n")
    assert _counts(report, "users") == (0, 1, 0)
    db.session.refresh(user)
    # The name follows the file; an empty phone keeps the one there; the password stays.
    assert (user.display_name, user.phone) == ("王建国", "13900000000")
    assert user.password_hash != UNUSABLE_PASSWORD
    assert user.is_volunteer and user.is_party_member
    report = _members("wangjg,王建国,,ZB1,home,lead\n")
    assert _counts(report, "memberships") == (0, 1, 0)
    assert branches.home_membership(user).role == MembershipRole.LEAD
    assert _count(Membership) == 1


def test_members_existing_membership_is_unchanged(district):
    user = make_user(username="zhou", display_name="周书记", is_volunteer=True)
    branches.add_member(district["ZB1"], user, MembershipKind.HOME)
    db.session.commit()
    report = _members("zhou,周书记,,ZB1,home,member\n")
    assert _counts(report, "memberships") == (0, 0, 1)
    db.session.expire_all()
    assert district["ZB1"].member_count == 1


def test_members_ended_membership_starts_anew(district):
    user = make_user(username="zhou", display_name="周书记", is_volunteer=True)
    old = branches.add_member(district["TEAM"], user, MembershipKind.FUNCTIONAL)
    db.session.flush()
    branches.end_membership(old, user)
    db.session.commit()
    report = _members("zhou,周书记,,TEAM,functional,member\n")
    assert _counts(report, "memberships") == (1, 0, 0)
    assert _count(Membership) == 2


# -- members: errors by line, nothing written -----------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("a1b,甲,,NOPE,home,member\n", [(2, "unknown_branch")]),
    ("a1b,甲,,DW,home,member\n", [(2, "committee")]),
    ("a1b,甲,,ZB1,home,member\nb2c,乙,,#999999,home,member\n", [(3, "unknown_branch")]),
    ("a1b,甲,,ZB1,home,member\na1b,甲,,TEAM,home,member\n", [(3, "two_homes")]),
    ("a1b,甲,,ZB1,home,member\na1b,甲,,ZB1,home,lead\n", [(3, "duplicate_row"), (3, "two_homes")]),
    ("a1b,甲,,ZB1,home,member\na1b,乙,,TEAM,functional,member\n", [(3, "conflicting_details")]),
    ("a1b,甲,,ZB1,member,member\n", [(2, "bad_membership")]),
    ("a1b,甲,,ZB1,home,boss\n", [(2, "bad_role")]),
    ("a1b," + "长" * 41 + ",,ZB1,home,member\n", [(2, "bad_display_name")]),
    ("a1b,,,ZB1,home,member\n", [(2, "bad_display_name")]),
    ("a" * 41 + ",甲,,ZB1,home,member\n", [(2, "bad_username")]),
    ("a b,甲,,ZB1,home,member\n", [(2, "bad_username")]),
    (",甲,,ZB1,home,member\n", [(2, "no_username")]),
    ("a1b,甲,12,ZB1,home,member\n", [(2, "bad_phone")]),
    ("a1b,甲,,,home,member\n", [(2, "no_branch")]),
    ("a1b,甲,,ZB1,home,member,extra\n", [(2, "extra_cells")]),
])
def test_member_errors_by_line_and_nothing_written(district, text, expected):
    users = _count(User)
    assert sorted(_rejected(import_members, MEMBER_HEADER,
                            "ok1,好人,,TEAM,functional,member\n" + text)) == [
        (line + 1, code) for line, code in expected]
    assert _count(User) == users and _count(Membership) == 0
    db.session.expire_all()
    assert district["TEAM"].member_count == 0


def test_member_retired_branch_is_an_error(district):
    tree.retire_branch(district["TEAM"], actor=None)
    db.session.commit()
    assert _rejected(import_members, MEMBER_HEADER, "a1b,甲,,TEAM,functional,member\n") == [
        (2, "retired")]


def test_member_against_the_database(district):
    """A home elsewhere, a request waiting, a home that would turn functional."""
    other = make_branch("第二党支部", parent=district["DW"])
    home_elsewhere = make_user(username="moved", display_name="甲")
    branches.add_member(other, home_elsewhere, MembershipKind.HOME)
    asking = make_user(username="asking", display_name="乙")
    join_requests.request_to_join(district["TEAM"], asking, MembershipKind.FUNCTIONAL)
    home_here = make_user(username="homehere", display_name="丙")
    branches.add_member(district["ZB1"], home_here, MembershipKind.HOME)
    db.session.commit()
    errors = _rejected(import_members, MEMBER_HEADER,
                       "moved,甲,,ZB1,home,member\n"
                       "asking,乙,,TEAM,functional,member\n"
                       "homehere,丙,,ZB1,functional,member\n"
                       "moved,甲,,TEAM,functional,member\n")
    assert errors == [(2, "home_elsewhere"), (3, "pending"), (4, "membership_changed")]
    assert _count(Membership) == 3


def test_member_errors_are_counted_all_and_shown_first_200(district):
    text = "".join(f"user{n:04d},甲,,NOPE,home,member\n" for n in range(250))
    with pytest.raises(ImportRejected) as caught:
        import_members(_file(MEMBER_HEADER + text))
    db.session.rollback()
    report = caught.value.report
    assert report.error_count == 250 and len(report.errors) == 200
    assert report.errors[0].line == 2 and report.errors[-1].line == 201


def test_member_file_not_utf8_names_its_line(district):
    data = ((MEMBER_HEADER + "a1b,甲,,ZB1,home,member\n").encode()
            + "b2c,乙,,ZB1,home,member\n".encode("gbk"))
    with pytest.raises(ImportRejected) as caught:
        import_members(io.BytesIO(data))
    db.session.rollback()
    assert [(e.line, e.code) for e in caught.value.report.errors] == [(3, "not_utf8")]
    assert _count(Membership) == 0


def test_member_file_missing_a_column(district):
    assert _rejected(import_members, "username,display_name,branch_code\n",
                     "a1b,甲,ZB1\n") == [(1, "missing_column")]


# -- export ---------------------------------------------------------------------------

def _rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_export_is_escaped_against_formulas_and_imports_back_unchanged(district):
    _members("calc,=HYPERLINK(\"x\"),+8613800000001,ZB1,home,lead\n"
             "calc,=HYPERLINK(\"x\"),+8613800000001,TEAM,functional,member\n"
             "plain,@王五,,TEAM,home,member\n")
    rows = _rows(_export("members"))
    assert rows[0] == list(csvformat.MEMBER_COLUMNS)
    assert rows[1] == ["calc", "'=HYPERLINK(\"x\")", "'+8613800000001", "ZB1", "home", "lead"]
    assert rows[3][1] == "'@王五"
    report = import_members(_file(_export("members")))
    db.session.commit()
    assert _counts(report, "users") == (0, 0, 2)
    assert _counts(report, "memberships") == (0, 0, 3)
    assert db.session.scalar(sa.select(User.display_name).filter_by(username="calc")) == (
        '=HYPERLINK("x")')


def test_export_import_round_trip_with_branches_without_codes(district):
    uncoded = make_branch("无编号党支部", parent=district["DW"])
    user = make_user(username="nocode", display_name="赵六")
    branches.add_member(uncoded, user, MembershipKind.HOME)
    db.session.commit()
    branch_file = _export("branches")
    assert [f"#{uncoded.id}", "无编号党支部", "party_branch", "DW", ""] in _rows(branch_file)
    report = import_branches(_file(branch_file))
    assert _counts(report, "branches") == (0, 0, 4)
    member_file = _export("members")
    assert ["nocode", "赵六", "", f"#{uncoded.id}", "home", "member"] in _rows(member_file)
    report = import_members(_file(member_file))
    assert _counts(report, "memberships") == (0, 0, 1)
    db.session.commit()


def test_export_leaves_out_ended_memberships_and_retired_branches(district):
    user = make_user(username="gone", display_name="钱七")
    membership = branches.add_member(district["TEAM"], user, MembershipKind.FUNCTIONAL)
    db.session.flush()
    branches.end_membership(membership, user)
    db.session.commit()
    assert _rows(_export("members")) == [list(csvformat.MEMBER_COLUMNS)]
    tree.retire_branch(district["TEAM"], actor=None)
    db.session.commit()
    codes = [row[0] for row in _rows(_export("branches"))[1:]]
    assert codes == ["DW", "ZB1"]


def test_existing_password_still_works_after_import(district, client):
    user = make_user(username="keeps", display_name="孙八")
    _members("keeps,孙八,,TEAM,functional,member\n")
    response = client.post("/account/login", data={"username": "keeps", "password": PASSWORD})
    assert response.status_code == 302
    assert user.username == "keeps"


def test_a_large_level_of_branches_imports_with_right_paths():
    """Enough rows at one level to refresh the planner's statistics between levels."""
    text = "DW,街道党委,committee,,\n" + "".join(
        f"B{n:04d},第{n}党支部,party_branch,DW,\n" for n in range(600))
    report = _branches(text)
    assert _counts(report, "branches") == (601, 0, 0)
    committee = db.session.scalar(sa.select(Branch).filter_by(code="DW"))
    wrong = db.session.scalar(sa.select(sa.func.count()).select_from(Branch).where(
        Branch.parent_id == committee.id,
        Branch.path != sa.literal(f"/{committee.id}/") + sa.cast(Branch.id, sa.String) + "/"))
    assert wrong == 0
