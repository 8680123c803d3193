"""Import of branches.csv: code,name,kind,parent_code,community.

A row whose code is new creates a branch under its parent (a committee, in
the file — before or after the row — or in the database); a row whose code
exists renames the branch and sets its community (when given). The import
never moves a branch nor changes its kind: the branch pages do that, with
their own checks. A code like #42 names the existing branch with id 42 (the
export writes it for branches without a code). Paths are set level by
level, parents first; a re-run changes nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record as audit
from ..branches.models import Branch
from ..db import UtcDateTime, utcnow
from ..extensions import db
from . import csvformat
from .common import (
    PROGRESS_EVERY,
    Clock,
    Counts,
    ErrorList,
    ImportRejected,
    ImportReport,
    ImportTarget,
    Progress,
    Stage,
    analyze,
    drop,
    inserted,
    no_progress,
    write_guard,
)
from .csvformat import LineError

CODE_MAX = 40
NAME_MAX = 120
COMMUNITY_MAX = 60
MAX_LEVELS = 64

_meta = sa.MetaData()
rows_table = sa.Table(
    "roster_branch_rows", _meta,
    sa.Column("line", sa.Integer, primary_key=True),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("code", sa.Text, nullable=False),
    sa.Column("ref_id", sa.Integer),  # a "#42" code: the id it names
    sa.Column("name", sa.Text),
    sa.Column("kind", sa.Text),
    sa.Column("parent_code", sa.Text),
    sa.Column("parent_ref_id", sa.Integer),
    sa.Column("community", sa.Text),
    sa.Column("existing_id", sa.Integer),  # resolved after loading
    sa.Column("parent_existing_id", sa.Integer),
    sa.Column("depth", sa.Integer),  # new rows: levels below their anchor
    prefixes=["TEMPORARY"],
)


def import_branches(binary, actor=None, filename: str | None = None,
                    progress: Progress = no_progress, stage_method: str = "auto"
                    ) -> ImportReport:
    """Import a branches CSV (a binary file object) in the session's
    transaction; the caller commits. Raises ImportRejected (nothing written)
    when any line is wrong, RosterChanged when the database changed meanwhile."""
    clock = Clock()
    report = ImportReport("branches", filename)
    errors = ErrorList()
    conn = db.session.connection()
    s = rows_table
    readable = True
    with Stage(conn, s, stage_method) as stage:
        try:
            for line, values, problem in csvformat.read_rows(binary, csvformat.BRANCH_COLUMNS):
                report.rows += 1
                if problem:
                    errors.add(problem)
                row = _check_row(line, values, errors)
                if row is not None:
                    stage.add(row)
                if report.rows % PROGRESS_EVERY == 0:
                    progress("read", report.rows)
        except csvformat.FileUnreadable as exc:
            errors.add(exc.error)
            readable = False
    progress("read", report.rows)
    if readable:  # what spans rows, once every row is in
        progress("check", report.rows)
        _resolve(conn)
        _check_rows(conn, errors)
    if errors.count:
        errors.fill(report)
        raise ImportRejected(report)
    progress("write", report.rows)
    counts = Counts()
    write_guard(lambda: _write(conn, counts, errors))
    if errors.count:  # a path would be too long: found while writing, rolled back
        errors.fill(report)
        raise ImportRejected(report)
    ok_rows = conn.execute(sa.select(sa.func.count()).select_from(s)).scalar_one()
    counts.unchanged = ok_rows - counts.created - counts.updated
    analyze(conn, counts.created, Branch.__table__)
    report.counts = {"branches": counts}
    drop(conn, s)
    report.seconds = clock.seconds()
    audit(actor, "roster.import_branches", ImportTarget(), **report.audit_details())
    db.session.expire_all()
    progress("done", report.rows)
    return report


def _code(value: str, line: int, errors: ErrorList, what: str) -> tuple[str | None, int | None]:
    """(code, id named by a #id code) of a code cell, or (None, None) after an error."""
    if value.startswith("#"):
        digits = value[1:]
        if digits.isdigit() and len(digits) <= 9:
            return value, int(digits)
        errors.add(LineError(line, f"bad_{what}", _l(
            "A code starting with # names an existing branch by its id, like #42.")))
        return None, None
    if len(value) > CODE_MAX:
        errors.add(LineError(line, f"bad_{what}", _l(
            "Code: at most %(n)d characters.", n=CODE_MAX)))
        return None, None
    return value, None


def _check_row(line: int, values: dict[str, str], errors: ErrorList) -> tuple | None:
    """The staged row (with `ok` false when a cell is wrong), or None
    without a usable code."""
    before = errors.count
    if not values["code"]:
        errors.add(LineError(line, "no_code", _l("The code is missing.")))
        return None
    code, ref_id = _code(values["code"], line, errors, "code")
    if code is None:
        return None
    name = values["name"]
    if not 1 <= len(name) <= NAME_MAX:
        errors.add(LineError(line, "bad_name", _l("Branch name: 1-120 characters.")))
    kind = csvformat.KINDS.get(values["kind"].lower())
    if kind is None:
        errors.add(LineError(line, "bad_kind", _l(
            "Unknown kind “%(value)s”: use committee, party_branch or volunteer_team "
            "(党委, 党支部, 志愿服务队).", value=values["kind"][:40])))
    parent_code, parent_ref_id = None, None
    if values["parent_code"]:
        parent_code, parent_ref_id = _code(values["parent_code"], line, errors, "parent")
        if parent_code is not None and parent_code == code:
            errors.add(LineError(line, "own_parent", _l("A branch cannot be its own parent.")))
    community = values["community"] or None
    if community and len(community) > COMMUNITY_MAX:
        errors.add(LineError(line, "bad_community", _l(
            "Community: at most %(n)d characters.", n=COMMUNITY_MAX)))
    return (line, errors.count == before, code, ref_id, name, kind, parent_code, parent_ref_id,
            community, None, None, None)


def _resolve(conn) -> None:
    """The existing branch of each code and of each parent code."""
    s, b = rows_table, Branch.__table__
    for target, code, ref in (("existing_id", s.c.code, s.c.ref_id),
                              ("parent_existing_id", s.c.parent_code, s.c.parent_ref_id)):
        conn.execute(sa.update(s).where(ref.is_(None), code == b.c.code)
                     .values({target: b.c.id}))
        conn.execute(sa.update(s).where(ref.isnot(None), ref == b.c.id).values({target: b.c.id}))


def _check_rows(conn, errors: ErrorList) -> None:
    s, b = rows_table, Branch.__table__
    first = s.alias("first_row")

    # Codes twice in the file (also a code and the #id naming the same branch).
    dupes = (sa.select(s.c.code, sa.func.min(s.c.line).label("first"))
             .group_by(s.c.code).having(sa.func.count() > 1).subquery())
    errors.from_query(conn, sa.select(s.c.line, s.c.code, dupes.c.first)
                      .join(dupes, dupes.c.code == s.c.code)
                      .where(s.c.line > dupes.c.first).order_by(s.c.line),
                      lambda r: LineError(r.line, "duplicate_code", _l(
                          "The code %(code)s is on line %(first)d already.",
                          code=r.code, first=r.first)))
    same = (sa.select(s.c.existing_id, sa.func.min(s.c.line).label("first"))
            .where(s.c.existing_id.isnot(None))
            .group_by(s.c.existing_id).having(sa.func.count() > 1).subquery())
    errors.from_query(conn, sa.select(s.c.line, s.c.code, same.c.first)
                      .join(same, same.c.existing_id == s.c.existing_id)
                      .join(first, first.c.line == same.c.first)
                      .where(s.c.line > same.c.first, s.c.code != first.c.code)
                      .order_by(s.c.line),
                      lambda r: LineError(r.line, "duplicate_code", _l(
                          "The code %(code)s is on line %(first)d already.",
                          code=r.code, first=r.first)))
    # #id codes naming no branch.
    errors.from_query(conn, sa.select(s.c.line, s.c.code)
                      .where(s.c.ref_id.isnot(None), s.c.existing_id.is_(None))
                      .order_by(s.c.line),
                      lambda r: LineError(r.line, "unknown_id", _l(
                          "There is no branch %(code)s.", code=r.code)))
    # Existing branches: not retired, same kind, same parent.
    existing = sa.select(s.c.line, s.c.code, b.c.kind, b.c.retired_at).join(
        b, b.c.id == s.c.existing_id)
    errors.from_query(conn, existing.where(b.c.retired_at.isnot(None)).order_by(s.c.line),
                      lambda r: LineError(r.line, "retired", _l(
                          "The branch %(code)s is retired.", code=r.code)))
    errors.from_query(conn, existing.where(s.c.ok, b.c.retired_at.is_(None),
                                           b.c.kind != s.c.kind).order_by(s.c.line),
                      lambda r: LineError(r.line, "kind_changed", _l(
                          "The branch %(code)s is a %(kind)s in the database: the import "
                          "does not change kinds.", code=r.code, kind=r.kind)))
    moved = sa.or_(b.c.parent_id.is_distinct_from(s.c.parent_existing_id),
                   sa.and_(s.c.parent_code.isnot(None), s.c.parent_existing_id.is_(None)))
    errors.from_query(conn, existing.where(s.c.ok, b.c.retired_at.is_(None), moved)
                      .order_by(s.c.line),
                      lambda r: LineError(r.line, "moved", _l(
                          "The branch %(code)s is under another parent in the database: the "
                          "import does not move branches (the branch pages do).",
                          code=r.code)))
    # Parents of new branches: known, live, committees.
    new = s.c.existing_id.is_(None)
    in_file = sa.exists().where(first.c.code == s.c.parent_code)
    errors.from_query(conn, sa.select(s.c.line, s.c.parent_code)
                      .where(new, s.c.ref_id.is_(None), s.c.parent_code.isnot(None),
                             s.c.parent_existing_id.is_(None),
                             sa.or_(s.c.parent_ref_id.isnot(None), ~in_file))
                      .order_by(s.c.line),
                      lambda r: LineError(r.line, "unknown_parent", _l(
                          "The parent %(code)s is neither in the file nor in the database.",
                          code=r.parent_code)))
    parent = b.alias("parent")
    errors.from_query(conn, sa.select(s.c.line, s.c.parent_code)
                      .join(parent, parent.c.id == s.c.parent_existing_id)
                      .where(new, parent.c.retired_at.isnot(None)).order_by(s.c.line),
                      lambda r: LineError(r.line, "parent_retired", _l(
                          "The parent %(code)s is retired.", code=r.parent_code)))
    parent_row = s.alias("parent_row")
    parent_kind = sa.func.coalesce(parent.c.kind, parent_row.c.kind)
    errors.from_query(conn, sa.select(s.c.line)
                      .outerjoin(parent, parent.c.id == s.c.parent_existing_id)
                      .outerjoin(parent_row, sa.and_(s.c.parent_existing_id.is_(None),
                                                     parent_row.c.code == s.c.parent_code,
                                                     parent_row.c.ok))
                      .where(new, s.c.ok, s.c.parent_code.isnot(None),
                             parent_kind.isnot(None), parent_kind != "committee")
                      .order_by(s.c.line),
                      lambda r: LineError(r.line, "parent_not_committee", _l(
                          "Only a party committee can have branches under it.")))
    # Levels below the anchors (a parent in the database, none, or unknown);
    # what never gets a level sits in a loop of parents.
    anchored = sa.or_(s.c.parent_code.is_(None), s.c.parent_existing_id.isnot(None),
                      s.c.parent_ref_id.isnot(None), ~in_file)
    conn.execute(sa.update(s).where(anchored).values(depth=0))
    for level in range(MAX_LEVELS):
        above = sa.select(first.c.code).where(first.c.depth == level)
        changed = conn.execute(sa.update(s).where(s.c.depth.is_(None),
                                                  s.c.parent_code.in_(above))
                               .values(depth=level + 1)).rowcount
        if not changed:
            break
    errors.from_query(conn, sa.select(s.c.line).where(s.c.depth.is_(None)).order_by(s.c.line),
                      lambda r: LineError(r.line, "loop", _l(
                          "The parents of this branch lead back to it: a loop.")))


def _write(conn, counts: Counts, errors: ErrorList) -> None:
    s, b = rows_table, Branch.__table__
    counts.updated = conn.execute(
        sa.update(b).where(b.c.id == s.c.existing_id, sa.or_(
            b.c.name != s.c.name,
            sa.and_(s.c.community.isnot(None), b.c.community.is_distinct_from(s.c.community))))
        .values(name=s.c.name, community=sa.func.coalesce(s.c.community, b.c.community))
    ).rowcount
    now = sa.literal(utcnow(), UtcDateTime())
    parent = b.alias("parent")
    path_max = b.c.path.type.length
    levels = conn.execute(sa.select(sa.func.max(s.c.depth))
                          .where(s.c.existing_id.is_(None))).scalar()
    for level in range(-1 if levels is None else levels + 1):
        at_level = sa.and_(s.c.existing_id.is_(None), s.c.depth == level)
        created = inserted(conn, b.insert().from_select(
            ["name", "kind", "parent_id", "path", "code", "community", "member_count",
             "created_at"],
            sa.select(s.c.name, s.c.kind, sa.func.coalesce(s.c.parent_existing_id, parent.c.id),
                      sa.literal("/"), s.c.code, s.c.community, sa.literal(0), now)
            .outerjoin(parent, sa.and_(s.c.parent_existing_id.is_(None),
                                       parent.c.code == s.c.parent_code))
            .where(at_level).order_by(s.c.line)))
        counts.created += created
        # The next level joins its parents by code: without fresh statistics
        # PostgreSQL plans a scan of the (in its eyes empty) table per row.
        analyze(conn, created, b, at_least=500)
        parent_path = sa.func.coalesce(
            sa.select(parent.c.path).where(parent.c.id == b.c.parent_id).scalar_subquery(), "/")
        new_path = parent_path + sa.cast(b.c.id, sa.String) + "/"
        just_made = b.c.code.in_(sa.select(s.c.code).where(at_level))
        errors.from_query(conn, sa.select(s.c.line).join(b, b.c.code == s.c.code)
                          .where(at_level, sa.func.length(new_path) > path_max)
                          .order_by(s.c.line),
                          lambda r: LineError(r.line, "too_deep", _l(
                              "The tree would be too deep there.")))
        if errors.count:
            return
        conn.execute(sa.update(b).where(just_made).values(path=new_path))
