"""Import of members.csv: username,display_name,phone,branch_code,membership,role.

Each row makes a person an active member of a branch. An account is
matched by its username; a new one gets the display name and phone of the
file and an unusable password (the person sets one through a password
reset). An existing account takes the file's display name, and its phone
when the file gives one. An active membership that exists already keeps its
start and takes the file's role; the import never ends a membership, never
moves a home branch and never turns a home membership into a functional one
(the branch pages do, with their own rules). A re-run changes nothing.

Branch codes are checked as each row is read, against a dict of the live
branches (code or #id → id, kind): what spans rows (a person twice in a
branch, two home branches, two names for one username) and what needs the
database (a home elsewhere, a request waiting) are set-based queries on the
staging table, like the writes.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..accounts.services import PHONE_RE, USERNAME_RE
from ..audit.services import record as audit
from ..branches.models import Branch, Membership
from ..db import UtcDateTime, utcnow
from ..extensions import db
from . import csvformat
from .common import (
    PROGRESS_EVERY,
    UNUSABLE_PASSWORD,
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

DISPLAY_NAME_MAX = 40
CODE_MAX = 40

_meta = sa.MetaData()
rows_table = sa.Table(
    "roster_member_rows", _meta,
    sa.Column("line", sa.Integer, primary_key=True),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("username", sa.Text, nullable=False),
    sa.Column("display_name", sa.Text),
    sa.Column("phone", sa.Text),
    sa.Column("branch_code", sa.Text),
    sa.Column("branch_id", sa.Integer),
    sa.Column("branch_kind", sa.Text),
    sa.Column("membership", sa.Text),
    sa.Column("role", sa.Text),
    prefixes=["TEMPORARY"],
)
# Made after the load: cheaper than keeping it up to date row by row. (No
# index on branch_id: SQLite would then loop over the memberships and look
# up the file's rows of each branch, ten times slower than the other way.)
_INDEXES = ("CREATE INDEX ix_roster_member_rows_username ON roster_member_rows (username)",)


class BranchCodes:
    """The branches a row may name: code (or #id) → id, and each id's kind
    and whether it is retired. About 81,000 entries for a province: the one
    thing held in memory (a dict of codes and a byte per id, ~12 MB)."""

    KINDS = ("party_branch", "volunteer_team", "committee")
    RETIRED = 0x80

    def __init__(self, conn):
        b = Branch.__table__
        self.by_code: dict[str, int] = {}
        self.info = bytearray()  # per id: 0 = no branch, else kind index + 1 | RETIRED
        stmt = (sa.select(b.c.id, b.c.code, sa.type_coerce(b.c.kind, sa.String),
                          b.c.retired_at.isnot(None))
                .order_by(b.c.id).execution_options(yield_per=5_000))
        for branch_id, code, kind, retired in conn.execute(stmt):
            if branch_id >= len(self.info):
                self.info.extend(bytes(branch_id + 1 - len(self.info)))
            self.info[branch_id] = (self.KINDS.index(kind) + 1) | (self.RETIRED if retired else 0)
            if code:
                self.by_code[code] = branch_id

    def find(self, code: str) -> int | None:
        if code.startswith("#"):
            digits = code[1:]
            if digits.isdigit() and len(digits) <= 9:
                branch_id = int(digits)
                if branch_id < len(self.info) and self.info[branch_id]:
                    return branch_id
            return None
        return self.by_code.get(code)

    def kind(self, branch_id: int) -> tuple[str, bool]:
        """(kind, retired) of a branch `find` gave."""
        flags = self.info[branch_id]
        return self.KINDS[(flags & ~self.RETIRED) - 1], bool(flags & self.RETIRED)


def import_members(binary, actor=None, filename: str | None = None,
                   progress: Progress = no_progress, stage_method: str = "auto"
                   ) -> ImportReport:
    """Import a members CSV (a binary file object) in the session's
    transaction; the caller commits. Raises ImportRejected (nothing written)
    when any line is wrong, RosterChanged when the database changed meanwhile."""
    clock = Clock()
    report = ImportReport("members", filename)
    errors = ErrorList()
    conn = db.session.connection()
    s = rows_table
    branches = BranchCodes(conn)
    readable = True
    with Stage(conn, s, stage_method) as stage:
        try:
            for line, values, problem in csvformat.read_rows(binary, csvformat.MEMBER_COLUMNS):
                report.rows += 1
                if problem:
                    errors.add(problem)
                row = _check_row(line, values, branches, errors)
                if row is not None:
                    stage.add(row)
                if report.rows % PROGRESS_EVERY == 0:
                    progress("read", report.rows)
        except csvformat.FileUnreadable as exc:
            errors.add(exc.error)
            readable = False
    del branches
    progress("read", report.rows)
    if readable:
        progress("check", report.rows)
        for index in _INDEXES:
            conn.execute(sa.text(index))
        _check_file(conn, errors)
        _check_database(conn, errors)
    if errors.count:
        errors.fill(report)
        drop(conn, s)
        raise ImportRejected(report)
    progress("write", report.rows)
    users, members = Counts(), Counts()
    write_guard(lambda: _write(conn, users, members))
    people, ok_rows = conn.execute(sa.select(sa.func.count(sa.distinct(s.c.username)),
                                             sa.func.count())).one()
    users.unchanged = people - users.created - users.updated
    members.unchanged = ok_rows - members.created - members.updated
    report.counts = {"users": users, "memberships": members}
    drop(conn, s)
    report.seconds = clock.seconds()
    audit(actor, "roster.import_members", ImportTarget(), **report.audit_details())
    db.session.expire_all()
    progress("done", report.rows)
    return report


# -- one row at a time ----------------------------------------------------------------

def _check_row(line: int, values: dict[str, str], branches: BranchCodes,
               errors: ErrorList) -> tuple | None:
    """The staged row (`ok` false when a cell is wrong), or None without a
    usable username."""
    before = errors.count
    username = values["username"]
    if not username:
        errors.add(LineError(line, "no_username", _l("The username is missing.")))
        return None
    if not USERNAME_RE.match(username):
        errors.add(LineError(line, "bad_username", _l(
            "Username: 3-40 letters, digits, '_', '.' or '-'.")))
        return None
    display_name = values["display_name"]
    if not 1 <= len(display_name) <= DISPLAY_NAME_MAX:
        errors.add(LineError(line, "bad_display_name", _l("Display name: 1-40 characters.")))
    phone = values["phone"] or None
    if phone is not None and not PHONE_RE.match(phone):
        errors.add(LineError(line, "bad_phone", _l("Please enter a valid phone number.")))
    branch_id, kind = _check_branch(line, values["branch_code"], branches, errors)
    membership = csvformat.MEMBERSHIPS.get(values["membership"].lower())
    if membership is None:
        errors.add(LineError(line, "bad_membership", _l(
            "Unknown membership “%(value)s”: use home or functional (组织关系, 兼合式).",
            value=values["membership"][:40])))
    role = csvformat.ROLES.get(values["role"].lower())
    if role is None:
        errors.add(LineError(line, "bad_role", _l(
            "Unknown role “%(value)s”: use member or lead (成员, 负责人).",
            value=values["role"][:40])))
    return (line, errors.count == before, username.lower(), display_name, phone,
            values["branch_code"], branch_id, kind, membership, role)


def _check_branch(line: int, code: str, branches: BranchCodes, errors: ErrorList
                  ) -> tuple[int | None, str | None]:
    """(id, kind) of a live branch that takes members, or (None, None) after an error."""
    if not code:
        errors.add(LineError(line, "no_branch", _l("The branch code is missing.")))
        return None, None
    if len(code) > CODE_MAX:
        errors.add(LineError(line, "bad_branch", _l(
            "Code: at most %(n)d characters.", n=CODE_MAX)))
        return None, None
    branch_id = branches.find(code)
    if branch_id is None:
        errors.add(LineError(line, "unknown_branch", _l(
            "There is no branch %(code)s.", code=code)))
        return None, None
    kind, retired = branches.kind(branch_id)
    if retired:
        errors.add(LineError(line, "retired", _l(
            "The branch %(code)s is retired.", code=code)))
        return None, None
    if kind == "committee":
        errors.add(LineError(line, "committee", _l(
            "%(code)s is a party committee: it has no members of its own; name one of its "
            "party branches or volunteer teams.", code=code)))
        return None, None
    return branch_id, kind


# -- across rows ----------------------------------------------------------------------

def _later_lines(conn, errors: ErrorList, keys, where, make) -> None:
    """An error (made by `make` from the line, username, branch code and
    first line) on every line after the first of a group of rows with the
    same `keys` (among rows matching `where`)."""
    s = rows_table
    first_rows = (sa.select(*keys, sa.func.min(s.c.line).label("first"))
                  .where(where).group_by(*keys).having(sa.func.count() > 1).subquery())
    on = sa.and_(*(first_rows.c[key.name] == key for key in keys))
    errors.from_query(conn, sa.select(s.c.line, s.c.username, s.c.branch_code, first_rows.c.first)
                      .join(first_rows, on).where(where, s.c.line > first_rows.c.first)
                      .order_by(s.c.line), make)


def _check_file(conn, errors: ErrorList) -> None:
    s = rows_table
    _later_lines(conn, errors, (s.c.username, s.c.branch_id), s.c.branch_id.isnot(None),
                 lambda r: LineError(r.line, "duplicate_row", _l(
                     "%(username)s is a member of %(code)s on line %(first)d already.",
                     username=r.username, code=r.branch_code, first=r.first)))
    _later_lines(conn, errors, (s.c.username,), s.c.membership == "home",
                 lambda r: LineError(r.line, "two_homes", _l(
                     "%(username)s has a home branch on line %(first)d already: a party "
                     "member has exactly one.", username=r.username, first=r.first)))
    # One person, one name and one phone: the rows of a username must agree.
    first = s.alias("first_row")
    first_line = (sa.select(s.c.username, sa.func.min(s.c.line).label("first"))
                  .group_by(s.c.username).having(sa.func.count() > 1).subquery())
    errors.from_query(conn, sa.select(s.c.line, s.c.username, first_line.c.first)
                      .join(first_line, first_line.c.username == s.c.username)
                      .join(first, first.c.line == first_line.c.first)
                      .where(s.c.line > first_line.c.first, sa.or_(
                          s.c.display_name != first.c.display_name,
                          s.c.phone.is_distinct_from(first.c.phone)))
                      .order_by(s.c.line),
                      lambda r: LineError(r.line, "conflicting_details", _l(
                          "The name or phone of %(username)s differs from line %(first)d.",
                          username=r.username, first=r.first)))


def _sql_text(value: str):
    """A string written into the SQL, not bound: SQLite uses a partial index
    (the memberships' live and one-home ones) only when the query names its
    condition's values literally; otherwise it may pick the branch index and
    look through every member of the branch for each row."""
    return sa.literal_column(f"'{value}'")


_m = Membership.__table__
LIVE = _m.c.status.in_([_sql_text("pending"), _sql_text("active")])
ACTIVE = _m.c.status == _sql_text("active")
ACTIVE_HOME = sa.and_(_m.c.membership == _sql_text("home"), ACTIVE)


def _live_membership():
    """Rows joined to their account and its live membership of the row's
    branch (read-only joins: updating 1.7 million staged rows costs more
    than joining them again)."""
    s, u, m = rows_table, User.__table__, Membership.__table__
    return (sa.select(s.c.line, s.c.username, s.c.branch_code, m.c.status, m.c.membership)
            .join(u, u.c.username == s.c.username)
            .join(m, sa.and_(m.c.user_id == u.c.id, m.c.branch_id == s.c.branch_id, LIVE)))


def _check_database(conn, errors: ErrorList) -> None:
    s, u, m, b = rows_table, User.__table__, Membership.__table__, Branch.__table__
    live = _live_membership()
    errors.from_query(conn, live.where(m.c.status == "pending").order_by(s.c.line),
                      lambda r: LineError(r.line, "pending", _l(
                          "%(username)s has asked to join %(code)s: a lead answers the request "
                          "on the branch pages first.", username=r.username,
                          code=r.branch_code)))
    errors.from_query(conn, live.where(s.c.ok, ACTIVE,
                                       m.c.membership != s.c.membership).order_by(s.c.line),
                      _membership_changed)
    home = sa.func.coalesce(b.c.code, "#" + sa.cast(b.c.id, sa.String))
    errors.from_query(conn, sa.select(s.c.line, s.c.username, home.label("home"))
                      .join(u, u.c.username == s.c.username)
                      .join(m, sa.and_(m.c.user_id == u.c.id, ACTIVE_HOME))
                      .join(b, b.c.id == m.c.branch_id)
                      .where(s.c.ok, s.c.membership == "home", m.c.branch_id != s.c.branch_id)
                      .order_by(s.c.line),
                      lambda r: LineError(r.line, "home_elsewhere", _l(
                          "The home branch of %(username)s is %(home)s in the database: the "
                          "import does not move homes (the branch pages do).",
                          username=r.username, home=r.home)))


def _membership_changed(r) -> LineError:
    if r.membership == "home":
        message = _l("%(code)s is the home branch of %(username)s in the database: the import "
                     "does not make it a functional membership (the branch pages do).",
                     username=r.username, code=r.branch_code)
    else:
        message = _l("%(username)s is a functional member of %(code)s in the database: the "
                     "import does not make it the home branch (the branch pages do).",
                     username=r.username, code=r.branch_code)
    return LineError(r.line, "membership_changed", message)


# -- writing --------------------------------------------------------------------------

def _write(conn, users: Counts, members: Counts) -> None:
    s, u, m = rows_table, User.__table__, Membership.__table__
    now = sa.literal(utcnow(), UtcDateTime())
    users.updated = conn.execute(
        sa.update(u).where(u.c.username == s.c.username, sa.or_(
            u.c.display_name != s.c.display_name,
            sa.and_(s.c.phone.isnot(None), u.c.phone.is_distinct_from(s.c.phone))))
        .values(display_name=s.c.display_name, phone=sa.func.coalesce(s.c.phone, u.c.phone))
    ).rowcount
    # What starting a membership does to a person (branches.services.activate);
    # new accounts get it as they are made.
    party_home = sa.and_(s.c.membership == "home", s.c.branch_kind == "party_branch")
    conn.execute(sa.update(u).where(u.c.username == s.c.username, ~u.c.is_volunteer)
                 .values(is_volunteer=True))
    conn.execute(sa.update(u).where(u.c.username == s.c.username, party_home,
                                    ~u.c.is_party_member)
                 .values(is_party_member=True))
    # New accounts, one per username (its rows agree), in file order.
    people = (sa.select(s.c.username, sa.func.min(s.c.display_name).label("display_name"),
                        sa.func.min(s.c.phone).label("phone"),
                        (sa.func.max(sa.case((party_home, 1), else_=0)) == 1).label("party"),
                        sa.func.min(s.c.line).label("first"))
              .where(~sa.exists().where(u.c.username == s.c.username))
              .group_by(s.c.username).subquery())
    users.created = inserted(conn, u.insert().from_select(
        ["username", "display_name", "phone", "password_hash", "is_admin", "is_volunteer",
         "is_party_member", "is_active", "session_version", "created_at"],
        sa.select(people.c.username, people.c.display_name, people.c.phone,
                  sa.literal(UNUSABLE_PASSWORD), sa.false(), sa.true(), people.c.party,
                  sa.true(), sa.literal(1), now).order_by(people.c.first)))
    analyze(conn, users.created, u)  # the next statements join the new accounts
    members.updated = conn.execute(
        sa.update(m).where(u.c.username == s.c.username, m.c.user_id == u.c.id,
                           m.c.branch_id == s.c.branch_id, ACTIVE,
                           m.c.role != s.c.role)
        .values(role=s.c.role)).rowcount
    live = sa.exists().where(m.c.user_id == u.c.id, m.c.branch_id == s.c.branch_id, LIVE)
    members.created = inserted(conn, m.insert().from_select(
        ["user_id", "branch_id", "membership", "role", "status", "created_at", "started_at"],
        sa.select(u.c.id, s.c.branch_id, s.c.membership, s.c.role, sa.literal("active"),
                  now, now).join(u, u.c.username == s.c.username).where(~live)
        .order_by(s.c.line)))
    analyze(conn, members.created, m)
    if members.created:
        _recount(conn)


def _recount(conn) -> None:
    """Set member_count of the file's branches from their active memberships:
    right after the inserts, and right with changes that pages make meanwhile
    (they add to the count under the row lock this update holds)."""
    s, m, b = rows_table, Membership.__table__, Branch.__table__
    counts = (sa.select(m.c.branch_id, sa.func.count().label("n"))
              .where(ACTIVE,
                     m.c.branch_id.in_(sa.select(s.c.branch_id).distinct()))
              .group_by(m.c.branch_id).subquery())
    conn.execute(sa.update(b).where(b.c.id == counts.c.branch_id, b.c.member_count != counts.c.n)
                 .values(member_count=counts.c.n))
