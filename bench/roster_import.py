"""Benchmark of the roster CSV import and export at provincial scale.

Generates a province (81,000 branches in a committee tree and 1,700,000
member rows at --scale 1; deterministic from --seed), written streaming to a
temporary folder, then imports it through the same functions as the pages
and `flask roster`, against DATABASE_URL, and prints rows/s, seconds and the
process's peak RSS after each step:

    createdb -h 127.0.0.1 -U postgres wangtao_roster_bench
    export DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/wangtao_roster_bench
    .venv/bin/flask --app run db upgrade
    .venv/bin/python bench/roster_import.py            # --scale 0.1 for a 10x smaller run

The database must be migrated and hold no branches or members yet (a fresh
one per run); the steps: import branches, import members, the same members
again (a re-run: nothing changes), export members. Peak RSS is the
high-water mark of the whole process (ru_maxrss), so a step that kept rows
in memory would show as a jump; compare with a --scale 0.1 run to see it
stays flat.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BRANCHES = 81_000
MEMBER_ROWS = 1_700_000
FUNCTIONAL_SHARE = 0.18  # rows that are a second, functional (兼合式) membership
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
            "许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈")
GIVEN = "建国秀英玉兰明华志强丽娟海燕文军桂芳红梅伟平晓东春生德荣金凤永福淑珍宏伟国庆美玲"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def tree_shape(branches: int) -> tuple[int, int, int, int]:
    """Cities, districts per city, streets per district, leaf branches: a
    province of 11 cities, ~10 districts each, ~10 street committees each."""
    cities = 11
    districts = 10
    streets = max(1, round(10 * branches / BRANCHES))
    committees = 1 + cities + cities * districts + cities * districts * streets
    return cities, districts, streets, branches - committees


def write_branches(path: Path, total: int, rng: random.Random) -> list[tuple[str, str]]:
    """The branches file; returns the leaves (code, kind) members go to."""
    cities, districts, streets, leaves = tree_shape(total)
    street_codes = []
    leaf_codes: list[tuple[str, str]] = []
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("\ufeff")
        writer = csv.writer(out)
        writer.writerow(["code", "name", "kind", "parent_code", "community"])
        writer.writerow(["P", "省委", "党委", "", ""])
        for c in range(cities):
            city = f"P{c:02d}"
            writer.writerow([city, f"第{c + 1}市委", "党委", "P", ""])
            for d in range(districts):
                district = f"{city}D{d:02d}"
                writer.writerow([district, f"第{c + 1}市第{d + 1}区委", "党委", city, ""])
                for s in range(streets):
                    street = f"{district}S{s:02d}"
                    writer.writerow([street, f"{street}街道党工委", "committee", district, ""])
                    street_codes.append(street)
        for n in range(leaves):
            street = street_codes[n % len(street_codes)]
            kind = "volunteer_team" if rng.random() < 0.2 else "party_branch"
            code = f"{street}B{n:06d}"
            name = (f"{street}第{n + 1}志愿服务队" if kind == "volunteer_team"
                    else f"{street}第{n + 1}党支部")
            writer.writerow([code, name, "志愿服务队" if kind == "volunteer_team" else "党支部",
                             street, f"{street}社区"])
            leaf_codes.append((code, kind))
    return leaf_codes


def write_members(path: Path, rows: int, leaves: list[tuple[str, str]],
                  rng: random.Random) -> int:
    """The members file, streamed: each person a home row, some a second
    functional row; the first member of each branch leads it."""
    led: set[int] = set()
    written = 0
    person = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("\ufeff")
        writer = csv.writer(out)
        writer.writerow(["username", "display_name", "phone", "branch_code", "membership",
                         "role"])
        while written < rows:
            person += 1
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
            phone = f"13{rng.randrange(10**9):09d}"
            username = f"m{person:07d}"
            home = rng.randrange(len(leaves))
            role = "负责人" if home not in led else "成员"
            led.add(home)
            writer.writerow([username, name, phone, leaves[home][0], "组织关系", role])
            written += 1
            if written < rows and rng.random() < FUNCTIONAL_SHARE:
                other = rng.randrange(len(leaves))
                if other != home:
                    writer.writerow([username, name, phone, leaves[other][0], "functional",
                                     "member"])
                    written += 1
    return written


def log_slow_statements(engine, threshold: float) -> None:
    import sqlalchemy as sa

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _start(conn, cursor, statement, parameters, context, executemany):
        conn.info["started"] = time.perf_counter()

    @sa.event.listens_for(engine, "after_cursor_execute")
    def _end(conn, cursor, statement, parameters, context, executemany):
        seconds = time.perf_counter() - conn.info.pop("started", time.perf_counter())
        if seconds > threshold:
            print(f"    {seconds:6.1f} s  {' '.join(statement.split())[:300]}", flush=True)


def generate(branch_file: Path, member_file: Path, branches: int, rows: int, seed: int) -> int:
    """Write both files in a child process, so that what generating holds
    (the list of leaf branches) never counts in the imports' peak RSS."""
    import multiprocessing

    def child(queue):
        rng = random.Random(seed)
        started = time.perf_counter()
        leaves = write_branches(branch_file, branches, rng)
        written = write_members(member_file, rows, leaves, rng)
        queue.put((written, time.perf_counter() - started))

    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=child, args=(queue,))
    process.start()
    written, seconds = queue.get()
    process.join()
    print(f"{'generate files':<22} {branches + written:>10,} rows {seconds:8.1f} s", flush=True)
    return written


def step(name: str, rows: int, run) -> None:
    started = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - started
    print(f"{name:<22} {rows:>10,} rows {seconds:8.1f} s {rows / seconds:>10,.0f} rows/s "
          f"peak RSS {peak_rss_mb():7.0f} MB", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--slow", type=float, default=0,
                        help="print each SQL statement that takes more seconds than this")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to a migrated database of its own.")

    from marketplace import create_app
    from marketplace.branches.models import Branch
    from marketplace.extensions import db
    from marketplace.roster.branch_import import import_branches
    from marketplace.roster.export import export_chunks
    from marketplace.roster.member_import import import_members

    folder = Path(tempfile.mkdtemp(prefix="roster-bench-"))
    branch_file, member_file = folder / "branches.csv", folder / "members.csv"
    app = create_app("development", {"DEBUG": False})
    with app.app_context():
        print(f"database: {db.engine.url.render_as_string(hide_password=True)}; "
              f"files in {folder}", flush=True)
        if args.slow:
            log_slow_statements(db.engine, args.slow)
        if db.session.scalar(db.select(db.func.count()).select_from(Branch)):
            sys.exit("The database has branches already: use a fresh one.")
        total_branches = round(BRANCHES * args.scale)
        total_members = round(MEMBER_ROWS * args.scale)
        members = generate(branch_file, member_file, total_branches, total_members, args.seed)
        print(f"files: branches {branch_file.stat().st_size / 2**20:.1f} MiB, "
              f"members {member_file.stat().st_size / 2**20:.1f} MiB; peak RSS before the "
              f"imports {peak_rss_mb():.0f} MB", flush=True)

        def run_import(function, path):
            with path.open("rb") as binary:
                report = function(binary, filename=path.name)
            db.session.commit()
            db.session.expunge_all()
            return report

        for label, function, path, rows in (
                ("import branches", import_branches, branch_file, total_branches),
                ("import members", import_members, member_file, members),
                ("re-import members", import_members, member_file, members)):
            report = step(label, rows, lambda f=function, p=path: run_import(f, p))
            print("    " + "; ".join(f"{name}: {c.created:,} created, {c.updated:,} updated, "
                                     f"{c.unchanged:,} unchanged"
                                     for name, c in report.counts.items()), flush=True)

        def export_members():
            with open(os.devnull, "w", encoding="utf-8") as out:
                for chunk in export_chunks("members"):
                    out.write(chunk)
            db.session.rollback()

        step("export members", members, export_members)
    if not args.keep:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
