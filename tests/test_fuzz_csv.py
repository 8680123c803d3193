"""Property-based tests of the CSV exports (a branch's hour records, the
roster's branches and members): whatever text is stored, the file is UTF-8
with a BOM (Excel reads the Chinese right) and no cell starts with what a
spreadsheet runs as a formula (= + - @ tab CR): such a value leaves with a
leading apostrophe, the rest unchanged (roster/csvformat.escape_cell)."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.branches import services as branches
from marketplace.branches.models import MembershipKind
from marketplace.extensions import db
from marketplace.rankings.periods import today

from .factories import make_branch, make_hour_record, make_lead, make_user

RUNS = ("=", "+", "-", "@", "\t", "\r")
formulas = st.tuples(st.sampled_from(RUNS + ("'",)), st.sampled_from([
    'HYPERLINK("http://x","点我")', "cmd|'/c calc'!A1", "1+1", "SUM(A1:A9)", "", "=1", "'=1"]),
).map("".join)
# Text the app stores: neither NUL nor a lone surrogate gets past the guards
# (marketplace/guards.py, codec="utf-8" leaves surrogates out),
# and PostgreSQL refuses it outright.
storable = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1,
                   max_size=30)
values = st.one_of(formulas, storable.filter(lambda t: t.strip()),
                   st.sampled_from(["义务理发", "👍🏽 上门", "a,b\"c", "多\n行"]))
_seq = itertools.count(1)
FUZZ = settings(max_examples=15, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def _rows(response) -> list[list[str]]:
    """The file's cells, checking what every export promises on the way."""
    assert response.status_code == 200
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8")[1:], newline="")))
    for row in rows:
        for cell in row:
            assert not cell.startswith(RUNS), (cell, row)
    return rows


def _escaped(value: str) -> str:
    return "'" + value if value.startswith((*RUNS, "'")) else value


@FUZZ
@given(description=values, place=values, name=values)
def test_the_hours_export_runs_no_formula(client_for, branch, description, place, name):
    lead = make_lead(branch)
    volunteer = make_user(is_volunteer=True)
    branches.add_member(branch, volunteer, MembershipKind.HOME)
    record = make_hour_record(volunteer, branch, approved_by=lead)
    # Stored as it is, past the form's rules: the export must be safe whatever the rows hold.
    description, place, name = description[:500], place[:120], name[:40]
    record.description, record.place, volunteer.display_name = description, place, name
    db.session.commit()
    day = today()
    rows = _rows(client_for(lead).get(
        f"/branches/{branch.id}/hours.csv?start={day - timedelta(days=10)}&end={day}"))
    row = next(r for r in rows[1:] if r[0] == str(record.id))
    assert (row[1], row[7], row[8]) == (_escaped(name), _escaped(description), _escaped(place))


@FUZZ
@given(name=values, community=values, display_name=values, phone=values)
def test_the_roster_exports_run_no_formula(client_for, name, community, display_name, phone):
    admin = make_user(is_admin=True)
    branch = make_branch()
    member = make_user(phone="13700000000")
    branches.add_member(branch, member, MembershipKind.HOME)
    name = f"{name}{next(_seq)}"  # branch names are unique
    # Within the columns' lengths (PostgreSQL holds them to it).
    name, community, display_name, phone = name[:120], community[:60], display_name[:40], phone[:20]
    branch.name, branch.community = name, community
    member.display_name, member.phone = display_name, phone
    db.session.commit()
    client = client_for(admin)
    branch_rows = _rows(client.get("/admin/roster/export/branches.csv"))
    assert [_escaped(name), _escaped(community)] in [[r[1], r[4]] for r in branch_rows]
    member_rows = _rows(client.get("/admin/roster/export/members.csv"))
    assert [member.username, _escaped(display_name), _escaped(phone)] in [
        r[:3] for r in member_rows]
