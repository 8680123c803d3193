"""flask roster import-branches / import-members / export-branches / export-members."""

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.branches.models import Branch, Membership
from marketplace.extensions import db

BRANCHES = ("\ufeffcode,name,kind,parent_code,community\n"
            "DW,米市巷街道党委,党委,,\n"
            "ZB1,米市巷第一党支部,党支部,DW,米市巷社区\n"
            "TEAM,邻里志愿服务队,志愿服务队,DW,\n")
MEMBERS = ("username,display_name,phone,branch_code,membership,role\n"
           "wangjg,王建国,13800000001,ZB1,组织关系,负责人\n"
           "wangjg,王建国,13800000001,TEAM,兼合式,成员\n"
           "lisi,-李四,,TEAM,home,member\n")


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _write(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return str(path)


def _import(runner, tmp_path):
    for command, name, content in (("import-branches", "b.csv", BRANCHES),
                                   ("import-members", "m.csv", MEMBERS)):
        result = runner.invoke(args=["roster", command, _write(tmp_path, name, content)])
        assert result.exit_code == 0, result.output
    return result


def test_import_prints_progress_and_the_report(runner, tmp_path):
    result = _import(runner, tmp_path)
    assert "3 rows" in result.output
    assert "users: 2 created, 0 updated, 0 unchanged" in result.output
    assert "memberships: 3 created, 0 updated, 0 unchanged" in result.output
    assert "done: 3 rows" in result.output
    assert (_count(Branch), _count(User), _count(Membership)) == (3, 2, 3)


def test_a_rerun_says_unchanged(runner, tmp_path):
    _import(runner, tmp_path)
    result = runner.invoke(args=["roster", "import-members", str(tmp_path / "m.csv")])
    assert result.exit_code == 0
    assert "memberships: 0 created, 0 updated, 3 unchanged" in result.output


def test_errors_by_line_and_exit_code_1(runner, tmp_path):
    _import(runner, tmp_path)
    path = _write(tmp_path, "bad.csv", MEMBERS.replace("TEAM,home", "NOPE,home")
                  + "zhao,赵六,,ZB1,home,boss\n")
    result = runner.invoke(args=["roster", "import-members", path])
    assert result.exit_code == 1
    assert "2 error(s); nothing was imported." in result.output
    assert "line 4: " in result.output and "NOPE" in result.output
    assert "line 5: " in result.output
    assert _count(User) == 2


def test_branch_errors_exit_1(runner, tmp_path):
    path = _write(tmp_path, "b.csv", "code,name,kind,parent_code,community\nA,甲,society,,\n")
    result = runner.invoke(args=["roster", "import-branches", path])
    assert result.exit_code == 1 and "line 2: " in result.output
    assert _count(Branch) == 0


def test_export_to_a_file_imports_back_unchanged(runner, tmp_path):
    _import(runner, tmp_path)
    for what in ("branches", "members"):
        out = tmp_path / f"{what}-out.csv"
        result = runner.invoke(args=["roster", f"export-{what}", str(out)])
        assert result.exit_code == 0, result.output
        data = out.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        result = runner.invoke(args=["roster", f"import-{what}", str(out)])
        assert result.exit_code == 0, result.output
        assert " 0 created, 0 updated, 3 unchanged" in result.output
    assert "'-李四" in (tmp_path / "members-out.csv").read_text(encoding="utf-8-sig")


def test_export_to_standard_output(runner, tmp_path):
    _import(runner, tmp_path)
    result = runner.invoke(args=["roster", "export-branches"])
    assert result.exit_code == 0
    lines = result.output.lstrip("\ufeff").splitlines()
    assert lines[0] == "code,name,kind,parent_code,community"
    assert "ZB1,米市巷第一党支部,party_branch,DW,米市巷社区" in lines
