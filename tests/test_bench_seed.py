"""`flask bench-seed` (issue 7, the data): a synthetic province at a tiny
scale, reproducible from its seed, that keeps every rule the domain relies
on, and that the summary tables agree with."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from marketplace.benchdata.command import BENCH_PASSWORD, seed_province
from marketplace.benchdata.scale import FULL, Counts, allocate
from marketplace.enrollments.models import Enrollment
from marketplace.enrollments.services import waitlist_positions
from marketplace.extensions import db
from marketplace.hours.points import points_for
from marketplace.listings.models import Service
from marketplace.listings.search import matches

from .factories import make_user

SCALE = 0.0005
NOW = datetime(2026, 11, 20, tzinfo=UTC)
HASHED = ("branches", "users", "memberships", "services", "enrollments", "help_requests",
          "help_offers", "hour_records", "point_entries")


def seed(scale: float = SCALE, seed: int = 42) -> dict[str, int]:
    return seed_province(scale, seed, NOW, echo=lambda _line: None)


def scalar(sql: str, **params):
    return db.session.execute(sa.text(sql), params).scalar()


def rows(sql: str, **params) -> list[tuple]:
    return [tuple(row) for row in db.session.execute(sa.text(sql), params)]


def digest() -> dict[str, str]:
    """A hash of each table's rows, but the password hash (salted anew on
    each run: the same password, another salt)."""
    found = {}
    for table in HASHED:
        h = hashlib.sha256()
        sql = f"SELECT * FROM {table} ORDER BY 1, 2"  # noqa: S608 (our own table names)
        for row in db.session.execute(sa.text(sql)):
            values = row._asdict()
            values.pop("password_hash", None)
            h.update(repr(values).encode())
        found[table] = h.hexdigest()
    return found


def empty_generated_tables() -> None:
    for table in reversed(db.metadata.sorted_tables):
        if table.name != "categories":
            db.session.execute(table.delete())
    db.session.commit()


# -- counts ---------------------------------------------------------------------------

def test_counts_scale():
    assert Counts.at(1.0) == Counts(**FULL)
    tenth = Counts.at(0.1)
    assert (tenth.users, tenth.party_members, tenth.hour_records) == (172_000, 152_000, 500_000)
    assert tenth.residents == 20_000
    assert sum(allocate(1000, [1, 2, 3.5], minimum=3)) == 1000
    assert allocate(10, [1, 1, 1, 1, 1], minimum=3) == [2, 2, 2, 2, 2]


def test_the_database_holds_the_counts_of_the_scale():
    counts = Counts.at(SCALE)
    written = seed()
    for table, expected in (("users", counts.users), ("branches", counts.branches),
                            ("services", counts.services),
                            ("enrollments", counts.enrollments),
                            ("help_requests", counts.help_requests),
                            ("hour_records", counts.hour_records)):
        found = scalar(f"SELECT count(*) FROM {table}")  # noqa: S608 (our own table names)
        assert found == expected == written[table], table
    assert scalar("SELECT count(*) FROM users WHERE is_party_member") == counts.party_members
    assert scalar("SELECT count(*) FROM users WHERE NOT is_party_member") == counts.residents
    assert scalar("SELECT count(*) FROM alliances") >= 2
    assert scalar("SELECT count(*) FROM alliance_branches") >= 6
    # The eight categories with a skew: the most common far ahead of the rarest.
    by_category = [n for (n,) in rows("SELECT count(*) FROM services GROUP BY category_id "
                                      "ORDER BY 1 DESC")]
    assert by_category[0] >= 4 * by_category[-1]


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    seed(seed=42)
    first = digest()
    empty_generated_tables()
    seed(seed=42)
    assert digest() == first
    empty_generated_tables()
    seed(seed=7)
    other = digest()
    assert all(other[table] != first[table] for table in HASHED)


# -- the rules the domain relies on ------------------------------------------------------

def test_people_branches_and_memberships():
    seed()
    # Every party member has exactly one active home, in a party branch;
    # residents have none there, and plain residents are no volunteers.
    assert rows("SELECT u.id FROM users u WHERE u.is_party_member AND 1 <> (SELECT count(*) "
                "FROM memberships m JOIN branches b ON b.id = m.branch_id WHERE m.user_id = u.id "
                "AND m.membership = 'home' AND m.status = 'active' "
                "AND b.kind = 'party_branch')") == []
    assert scalar("SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id "
                  "JOIN branches b ON b.id = m.branch_id WHERE NOT u.is_party_member "
                  "AND b.kind = 'party_branch' AND m.membership = 'home'") == 0
    assert scalar("SELECT count(*) FROM users u WHERE NOT u.is_volunteer AND EXISTS (SELECT 1 "
                  "FROM memberships m WHERE m.user_id = u.id AND m.status = 'active')") == 0
    assert scalar("SELECT count(*) FROM memberships WHERE membership = 'functional' "
                  "AND status = 'active'") > 0
    # Committees have no members; every branch and team has two leads.
    assert scalar("SELECT count(*) FROM memberships m JOIN branches b ON b.id = m.branch_id "
                  "WHERE b.kind = 'committee'") == 0
    assert rows("SELECT b.id FROM branches b WHERE b.kind <> 'committee' AND 2 <> (SELECT "
                "count(*) FROM memberships m WHERE m.branch_id = b.id AND m.role = 'lead' "
                "AND m.status = 'active')") == []
    assert rows("SELECT b.id FROM branches b WHERE b.member_count <> (SELECT count(*) FROM "
                "memberships m WHERE m.branch_id = b.id AND m.status = 'active')") == []
    # The tree: a path of ids down from the province's committee.
    assert scalar("SELECT count(*) FROM branches WHERE parent_id IS NULL") == 1
    assert rows("SELECT c.id FROM branches c JOIN branches p ON p.id = c.parent_id "
                "WHERE c.path <> p.path || CAST(c.id AS VARCHAR(12)) || '/'") == []
    assert scalar("SELECT password_hash FROM users ORDER BY id LIMIT 1") == scalar(
        "SELECT password_hash FROM users ORDER BY id DESC LIMIT 1")
    from marketplace.accounts.passwords import verify_password
    assert verify_password(scalar("SELECT password_hash FROM users LIMIT 1"), BENCH_PASSWORD)


def test_services_and_enrollments_keep_their_counters_and_the_waitlist():
    seed()
    statuses = {s for (s,) in rows("SELECT DISTINCT status FROM enrollments")}
    assert statuses == {"pending", "confirmed", "waitlisted", "cancelled", "declined",
                        "completed", "no_show"}
    wrong = rows(
        "SELECT s.id FROM services s WHERE s.taken > s.capacity "
        "OR s.taken <> (SELECT count(*) FROM enrollments e WHERE e.service_id = s.id "
        "  AND e.status IN ('pending', 'confirmed')) "
        "OR s.waitlisted <> (SELECT count(*) FROM enrollments e WHERE e.service_id = s.id "
        "  AND e.status = 'waitlisted') "
        "OR (s.waitlisted > 0 AND s.taken <> s.capacity) "
        "OR s.joined_total <> (SELECT count(*) FROM enrollments e WHERE e.service_id = s.id) "
        "OR s.completed_count <> (SELECT count(*) FROM enrollments e "
        "  WHERE e.service_id = s.id AND e.status = 'completed')")
    assert wrong == []
    assert scalar("SELECT count(*) FROM enrollments e JOIN services s ON s.id = e.service_id "
                  "WHERE e.resident_id = s.volunteer_id") == 0
    assert scalar("SELECT count(*) FROM enrollments e JOIN services s ON s.id = e.service_id "
                  "WHERE s.status = 'draft' OR (s.status = 'closed' AND e.status IN "
                  "('pending', 'confirmed', 'waitlisted'))") == 0
    # Timestamps follow the status.
    assert scalar("SELECT count(*) FROM enrollments WHERE (status IN ('confirmed', 'completed', "
                  "'no_show')) <> (confirmed_at IS NOT NULL AND visit_code IS NOT NULL) "
                  "OR (status IN ('cancelled', 'declined', 'completed', 'no_show')) "
                  "<> (ended_at IS NOT NULL) "
                  "OR (resident_confirmed_at IS NOT NULL AND status <> 'completed') "
                  "OR ended_at < created_at OR updated_at < created_at") == 0
    # The longest waitlist is 1..n without a gap, as the domain derives it.
    service_id = scalar("SELECT id FROM services ORDER BY waitlisted DESC, id LIMIT 1")
    waiting = list(db.session.scalars(sa.select(Enrollment).where(
        Enrollment.service_id == service_id, Enrollment.status == "waitlisted")))
    assert waiting
    assert sorted(waitlist_positions(waiting).values()) == list(range(1, len(waiting) + 1))
    # Published, visible services are counted per category; search finds them.
    assert rows("SELECT c.id FROM categories c WHERE c.open_service_count <> (SELECT count(*) "
                "FROM services s WHERE s.category_id = c.id AND s.status = 'published' "
                "AND s.hidden_at IS NULL)") == []
    title = scalar("SELECT title FROM services ORDER BY id LIMIT 1")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Service)
                             .where(matches(title))) >= 1


def test_help_requests_and_offers():
    seed()
    assert {s for (s,) in rows("SELECT DISTINCT status FROM help_requests")} == {
        "open", "matched", "completed", "cancelled"}
    assert scalar("SELECT count(*) FROM help_offers") > 0
    assert rows(
        "SELECT r.id FROM help_requests r WHERE r.offer_count <> (SELECT count(*) "
        "FROM help_offers o WHERE o.help_request_id = r.id AND o.status = 'open') "
        "OR (r.status IN ('matched', 'completed')) <> (r.volunteer_id IS NOT NULL) "
        "OR (r.volunteer_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM help_offers o "
        "  WHERE o.help_request_id = r.id AND o.volunteer_id = r.volunteer_id "
        "  AND o.status = 'accepted')) "
        "OR (r.status <> 'open' AND EXISTS (SELECT 1 FROM help_offers o "
        "  WHERE o.help_request_id = r.id AND o.status = 'open')) "
        "OR (r.status IN ('completed', 'cancelled')) <> (r.ended_at IS NOT NULL)") == []
    assert scalar("SELECT count(*) FROM help_offers o JOIN help_requests r "
                  "ON r.id = o.help_request_id WHERE o.volunteer_id = r.requester_id") == 0


def test_hour_records_and_points():
    seed()
    assert {s for (s,) in rows("SELECT DISTINCT status FROM hour_records")} == {
        "submitted", "approved", "rejected"}
    approved = scalar("SELECT count(*) FROM hour_records WHERE status = 'approved'")
    assert approved > 0.8 * Counts.at(SCALE).hour_records
    # Reviewed by an active lead of the record's branch, never by the volunteer,
    # who is an active member of it.
    assert scalar(
        "SELECT count(*) FROM hour_records r WHERE r.status <> 'submitted' AND (r.reviewed_at "
        "IS NULL OR r.reviewed_by_id = r.volunteer_id OR NOT EXISTS (SELECT 1 FROM memberships m "
        "WHERE m.user_id = r.reviewed_by_id AND m.branch_id = r.branch_id "
        "AND m.role = 'lead' AND m.status = 'active'))") == 0
    assert scalar("SELECT count(*) FROM hour_records r WHERE NOT EXISTS (SELECT 1 FROM "
                  "memberships m WHERE m.user_id = r.volunteer_id AND m.branch_id = r.branch_id "
                  "AND m.status = 'active')") == 0
    assert scalar("SELECT count(*) FROM hour_records WHERE status = 'submitted' "
                  "AND reviewed_by_id IS NOT NULL") == 0
    assert scalar("SELECT count(*) FROM hour_records WHERE minutes % 30 <> 0 OR minutes > 1440 "
                  "OR ended_at <= started_at OR created_at < ended_at "
                  "OR created_at > :now", now=NOW) == 0
    # No two counting records of a volunteer overlap, and each lasts its minutes.
    assert scalar("SELECT count(*) FROM hour_records a JOIN hour_records b ON "
                  "a.volunteer_id = b.volunteer_id AND a.id < b.id AND a.status <> 'rejected' "
                  "AND b.status <> 'rejected' AND a.started_at < b.ended_at "
                  "AND b.started_at < a.ended_at") == 0
    for record_id, started, ended, minutes in rows(
            "SELECT id, started_at, ended_at, minutes FROM hour_records"):
        started, ended = (datetime.fromisoformat(str(v)) for v in (started, ended))
        assert (ended - started).total_seconds() == minutes * 60, record_id
    # What a record served is the volunteer's own completed enrollment or request.
    assert scalar("SELECT count(*) FROM hour_records WHERE enrollment_id IS NOT NULL "
                  "OR help_request_id IS NOT NULL") > 0
    assert scalar("SELECT count(*) FROM hour_records r JOIN enrollments e "
                  "ON e.id = r.enrollment_id JOIN services s ON s.id = e.service_id "
                  "WHERE e.status <> 'completed' OR s.volunteer_id <> r.volunteer_id") == 0
    assert scalar("SELECT count(*) FROM hour_records r JOIN help_requests h "
                  "ON h.id = r.help_request_id WHERE h.status <> 'completed' "
                  "OR h.volunteer_id <> r.volunteer_id") == 0
    # One ledger entry per approved record, with the domain's points.
    assert scalar("SELECT count(*) FROM point_entries") == approved
    for minutes, confirmed, points, entry_minutes in rows(
            "SELECT r.minutes, CASE WHEN r.resident_confirmed_at IS NULL THEN 0 ELSE 1 END, "
            "p.points, p.minutes FROM point_entries p JOIN hour_records r "
            "ON r.id = p.hour_record_id AND r.status = 'approved' "
            "AND p.user_id = r.volunteer_id AND p.branch_id = r.branch_id "
            "AND p.created_by_id = r.reviewed_by_id"):
        assert (points, entry_minutes) == (points_for(minutes, bool(confirmed)), minutes)
    assert scalar("SELECT count(DISTINCT hour_record_id) FROM point_entries") == approved


# -- the command -----------------------------------------------------------------------

def test_the_command_seeds_and_stats_check_agrees(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["bench-seed", "--scale", str(SCALE), "--seed", "3",
                                 "--now", "2026-11-20T00:00:00+00:00"])
    assert result.exit_code == 0, result.output
    assert "hour_records:" in result.output and "rows/s" in result.output
    assert BENCH_PASSWORD in result.output
    assert scalar("SELECT count(*) FROM branch_period_stats") > 0
    check = runner.invoke(args=["stats", "check"])
    assert check.exit_code == 0, check.output
    assert "agree" in check.output
    # The sequences go on after the generated ids.
    user = make_user()
    assert user.id == Counts.at(SCALE).users + 1 or db.engine.dialect.name == "sqlite"
    assert user.id > Counts.at(SCALE).users


@pytest.mark.parametrize("scale", ["0", "-1", "abc"])
def test_the_command_refuses_a_bad_scale(app, scale):
    result = app.test_cli_runner().invoke(args=["bench-seed", "--scale", scale])
    assert result.exit_code == 2
    assert scalar("SELECT count(*) FROM users") == 0


def test_the_command_refuses_a_database_with_users(app):
    make_user()
    result = app.test_cli_runner().invoke(args=["bench-seed", "--scale", str(SCALE)])
    assert result.exit_code == 1
    assert "already has users" in result.output
    assert scalar("SELECT count(*) FROM users") == 1
    assert scalar("SELECT count(*) FROM branches") == 0
