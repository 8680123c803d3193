"""`flask bench-seed --scale 1.0 --seed 42`: fill an empty, migrated database
with a synthetic province for benchmarks (issue 7, "The data").

At scale 1.0: 1,720,000 accounts (1,520,000 party members), 81,000
branches, 300,000 services, 3,000,000 enrollments, 200,000 help requests,
5,000,000 hour records with their points; a scale multiplies every count.
The same seed and --now give the same rows. Every account's password is
BENCH_PASSWORD (hashed once). Afterwards the summary tables are rebuilt as
`flask stats rebuild` does, so `flask stats check` agrees.
"""

from __future__ import annotations

import resource
import time
from array import array
from collections.abc import Callable
from datetime import UTC, datetime

import click
import sqlalchemy as sa

from ..accounts.passwords import hash_password
from ..extensions import db
from ..listings.categories import ensure_default_categories
from ..listings.services import recount_open_services
from ..localtime import local_zone
from ..pagecache import mark_dirty
from ..rankings import rebuild as summary
from . import activity, people
from .activity import Activity
from .loader import Loader, Progress
from .scale import Counts
from .tree import build

BENCH_PASSWORD = "bench-password-42"  # noqa: S105 (printed for benchmarks on purpose)
POINT_CHUNK = 100_000
SUMMARY = ("member_period_stats", "branch_period_stats", "district_period_stats")
LOADED = ("branches", "users", "memberships", "alliances", "alliance_branches", "services",
          "enrollments", "help_requests", "help_offers", "hour_records", "point_entries",
          *SUMMARY)


class NotEmpty(click.ClickException):
    exit_code = 1


def seed_province(scale: float, seed: int, now: datetime,
                  echo: Callable[[str], None] = print) -> dict[str, int]:
    """Load everything; returns the rows written per table. Raises NotEmpty
    when the database already has accounts."""
    session = db.session
    _check_empty(session)
    ensure_default_categories()
    recount_open_services()
    session.commit()
    category_ids = dict(session.execute(sa.text("SELECT slug, id FROM categories")).all())
    counts = Counts.at(scale)
    province = build(counts, seed, now)
    echo(f"Province: {counts.users:,} users ({counts.party_members:,} party members), "
         f"{len(province.branches):,} branches ({province.leaves:,} branches and teams); "
         f"now = {now.isoformat()}")
    loader = Loader(session, echo)
    written: dict[str, int] = {}

    def load(table, columns, rows):
        written[table] = loader.write(table, columns, rows)

    loader.drop_indexes(LOADED)  # one transaction from here to the end

    password_hash = hash_password(BENCH_PASSWORD)  # one hash for every account
    load("branches", people.BRANCH_COLUMNS, people.branch_rows(province))
    load("users", people.USER_COLUMNS, people.user_rows(province, password_hash))
    functional = array("i", bytes(4 * (counts.users + 1)))
    load("memberships", people.MEMBERSHIP_COLUMNS,
         people.membership_rows(province, functional))
    load("alliances", people.ALLIANCE_COLUMNS, people.alliance_rows(province))
    load("alliance_branches", people.ALLIANCE_BRANCH_COLUMNS,
         people.alliance_branch_rows(province))
    act = Activity(category_ids)
    load("services", activity.SERVICE_COLUMNS, activity.service_rows(province, act))
    load("enrollments", activity.ENROLLMENT_COLUMNS, activity.enrollment_rows(province, act))
    load("help_requests", activity.HELP_COLUMNS, activity.help_rows(province, act))
    load("help_offers", activity.OFFER_COLUMNS, activity.offer_rows(province))
    offset = local_zone().utcoffset(now.replace(tzinfo=None))
    load("hour_records", activity.HOUR_COLUMNS,
         activity.hour_rows(province, act, functional, offset))
    del act, functional
    written["point_entries"] = _points(loader, echo)
    started = time.perf_counter()
    loader.restore_indexes(skip=SUMMARY)
    echo(f"indexes and foreign keys: {time.perf_counter() - started:.1f} s")
    _finish(loader, echo, written)
    return written


def _check_empty(session) -> None:
    if not sa.inspect(session.get_bind()).has_table("users"):
        raise NotEmpty("The database is not migrated: run `flask db upgrade` first.")
    for table in ("users", "branches", "services", "hour_records"):
        sql = f"SELECT 1 FROM {table} LIMIT 1"  # noqa: S608 (our own table names)
        if session.execute(sa.text(sql)).first():
            session.rollback()
            raise NotEmpty(f"The database already has {table.replace('_', ' ')}: "
                           "bench-seed fills an empty database only.")
    session.rollback()


def _points(loader: Loader, echo) -> int:
    """One ledger entry per approved record, from the records as stored
    (read back in id order, in chunks)."""
    progress = Progress("point_entries", echo)
    last, next_id = 0, 1
    while True:
        approved = loader.fetch(
            "SELECT id, volunteer_id, branch_id, minutes, "
            "CASE WHEN resident_confirmed_at IS NULL THEN 0 ELSE 1 END, reviewed_by_id, "
            "reviewed_at FROM hour_records WHERE status = 'approved' AND id > :last "
            "ORDER BY id LIMIT :limit", last=last, limit=POINT_CHUNK)
        if not approved:
            break
        loader.write("point_entries", activity.POINT_COLUMNS,
                     activity.point_rows(approved, next_id), progress)
        last, next_id = approved[-1][0], next_id + len(approved)
    progress.done()
    return progress.rows


def _finish(loader: Loader, echo, written: dict[str, int]) -> None:
    started = time.perf_counter()
    loader.execute("UPDATE branches SET member_count = (SELECT count(*) FROM memberships m "
                   "WHERE m.branch_id = branches.id AND m.status = 'active') "
                   "WHERE kind <> 'committee'")
    recount_open_services()
    loader.move_sequences()
    loader.analyze()  # the rebuild's joins want the planner to know the tables
    echo(f"counters, sequences, ANALYZE: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    if loader.dialect == "postgresql":
        loader.execute("SET LOCAL work_mem = '256MB'")  # the rebuild's aggregates in memory
    rebuilt = summary.rebuild()
    loader.restore_indexes()
    written.update(rebuilt)
    loader.analyze()
    mark_dirty()  # COPY went past SQLAlchemy: cached pages are old at this commit
    loader.commit()
    echo("summary tables rebuilt (" + ", ".join(f"{t}: {n:,}" for t, n in rebuilt.items())
         + f") in {time.perf_counter() - started:.1f} s; committed")


def _default_now() -> datetime:
    """The start of the current UTC day: the same rows all day long."""
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


@click.command("bench-seed")
@click.option("--scale", type=click.FloatRange(min=0, min_open=True), default=0.01,
              show_default=True, help="1.0 is a province: 1.72 million users.")
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--now", "now_text", metavar="ISO-TIME",
              help="The moment the data ends (UTC); default: the start of today (UTC).")
def bench_seed(scale: float, seed: int, now_text: str | None) -> None:
    """Fill an EMPTY, migrated database with a synthetic province for benchmarks."""
    now = datetime.fromisoformat(now_text) if now_text else _default_now()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    now = now.astimezone(UTC)
    started = time.perf_counter()
    try:
        written = seed_province(scale, seed, now, click.echo)
    except NotEmpty:
        db.session.rollback()
        raise
    total = sum(written.values())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    click.echo(f"Done: {total:,} rows in {time.perf_counter() - started:.1f} s, "
               f"peak RSS {peak:,.0f} MB. Every account's password: {BENCH_PASSWORD}")
