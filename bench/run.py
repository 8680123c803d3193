"""The page benchmark: requests per second and latency of each main page
and API call under gunicorn, as a share of a hello-world endpoint in the
same app and server (the machine's limit), and SQL queries per request.

    apt-get install wrk                      # the load generator (Debian)
    export DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/wangtao_bench
    .venv/bin/flask --app run db upgrade && .venv/bin/flask --app run bench-seed --scale 1.0
    BENCH_PASSWORD=bench-password-42 .venv/bin/python bench/run.py --label 1.0
    .venv/bin/python bench/run.py --duration 2 --runs 1   # a quick look

It starts gunicorn (2 sync workers by default) on the database, logs in as
a resident, a volunteer and a branch lead (through the login form and the
token endpoint, as clients do), runs wrk against each target at a fixed
concurrency (median of --runs runs), reads X-Query-Count for the queries of
one request, and writes bench/results/pages.md and pages.json (the latest
run) and, with --label, pages-<label>.md/.json (bench/plot.py compares
those across scales).

Besides the pages:
- page 1,000 against page 1 of the API's service list and of the browse
  page: the keyset cursor is walked to page --deep-page (or the last full one)
  and both are measured the same way; the ratio's target is ≤ 2×;
- two writes, each request on a different row: "join" (residents, each
  with an API token, join services with free places; 201, or 409 if a pair
  ever repeats) and "approve" (leads approve distinct submitted hour records
  of their branches; 200, or 409 once they run out). Their tokens are
  issued in-process (like bench/burst.py): logging in thousands of accounts
  over HTTP would cost a scrypt check (0.2 s) each.
  THE WRITES CHANGE THE DATABASE (enrollments, approvals, points, tokens):
  run this on a throwaway benchmark database, seeded again for a clean run;
- the resident memory (VmRSS, and its peak VmHWM) of every gunicorn worker
  after the measurements (target ≤ 200 MB at scale 1.0), and the database's
  size and number of users, so that runs at several scales can be compared.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
import sqlalchemy as sa
from server import Gunicorn  # bench/server.py

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PASSWORD = os.environ.get("BENCH_PASSWORD", "wangtao-demo-2026")
WRK_THREADS = 2

# wrk prints these from its own latency histogram (in microseconds).
REPORT_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("BENCH %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
"""

# Writes: thread t of n sends calls t, t + n, t + 2n, ... (each a different
# row; after the last, they repeat), and counts the answers by status. wrk
# counts 4xx as errors itself, so only socket errors come from its summary.
WRITE_LUA = """
local calls = {%(calls)s}
local body = %(body)s
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  step, i, statuses = %(threads)d, id + 1 - %(threads)d, {}
end
function request()
  i = i + step
  local call = calls[(i - 1) %% #calls + 1]
  return wrk.format("POST", call[1], {["Authorization"] = "Bearer " .. call[2],
    ["Content-Type"] = "application/json"}, body)
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  io.write(string.format("BENCH %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout))
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      io.write(string.format("STATUS %%d %%d\\n", status, count))
    end
  end
end
"""


@dataclass
class Target:
    name: str
    path: str
    headers: dict
    budget_ms: int = 50  # the p95 target (issue 7): 50 ms, 100 for search and figures
    # A write: POST each (path, bearer token) once; these statuses are not errors.
    calls: list[tuple[str, str]] | None = None
    body: str | None = None
    expected: tuple[int, ...] = (200,)


@dataclass
class Result:
    name: str
    path: str
    rps: float
    share: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    queries: int | None
    budget_ms: int
    method: str = "GET"
    statuses: dict = field(default_factory=dict)  # writes: answers by status, all runs


def main() -> int:
    args = _parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("Set DATABASE_URL to the benchmark database.")
    base = f"http://127.0.0.1:{args.port}"
    engine = sa.create_engine(_sync_url(url))
    database = _database_size(engine)
    with Gunicorn(args.port, args.workers, QUERY_COUNT_HEADER="true") as server:
        hello = _measure(base, Target("hello world (/healthz)", "/healthz", {}), args)
        targets, deep = _all_targets(base, engine, args)
        results = [_measure(base, target, args, limit=hello.rps) for target in targets]
        memory = _worker_memory(server.process.pid)
    hello.share = 1.0
    _write([hello, *results], _ratios(results, deep), memory, database, args)
    return 0


def _parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=5088)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--runs", type=int, default=3, help="the median is reported")
    parser.add_argument("--only", help="a regular expression on target names")
    parser.add_argument("--label", default="",
                        help="a name for this run (e.g. the scale): also pages-<label>.md/json")
    parser.add_argument("--deep-page", type=int, default=1000,
                        help="the page compared with page 1 (the last one if fewer)")
    parser.add_argument("--writes", type=int, default=3000,
                        help="distinct rows prepared per run of each write (join, approve)")
    return parser.parse_args()


def _sync_url(url: str) -> str:
    return url.replace("postgres://", "postgresql+psycopg://", 1)


def _all_targets(base: str, engine: sa.Engine, args) -> tuple[list[Target], list[tuple]]:
    """The targets --only selects; the deep-page pairs (page 1, page N)."""
    def wanted(name: str) -> bool:
        return not args.only or re.search(args.only, name) is not None

    targets = [t for t in _targets(base, engine) if wanted(t.name)]
    deep_targets, deep = _deep_pages(base, args.deep_page, wanted)
    targets += deep_targets
    if wanted("join"):
        targets.append(_join_target(engine, args))
    if wanted("approve"):
        targets.append(_approve_target(engine, args))
    return targets, deep


def _targets(base: str, engine: sa.Engine) -> list[Target]:
    """The main pages, on rows picked from the database (the busiest ones,
    where a page is slowest), each read as the role that uses it."""
    pick = _Picker(engine)
    resident, volunteer = pick.resident(), pick.volunteer()
    lead, branch = pick.lead_and_branch()
    category, community = pick.category_and_community()
    service = pick.service()
    committee = pick.committee()
    as_resident = _page_session(base, resident)
    as_lead = _page_session(base, lead)
    as_volunteer_api = _api_token(base, volunteer)
    quote = urllib.parse.quote
    return [
        Target("home", "/", {}),
        Target("browse by category + community",
               f"/services?category={category}&community={quote(community)}", {}),
        *[Target(f"search {word} ({len(word)} character{'s' if len(word) > 1 else ''})",
                 f"/services?q={quote(word)}", {}, 100) for word in ("理", "理发", "修空调")],
        Target("service page", f"/services/{service}", {}),
        Target("my enrollments", "/my/enrollments", as_resident),
        Target("help-request list", "/help", as_resident),
        Target("lead review queue", f"/branches/{branch}/review", as_lead),
        Target("branch dashboard", f"/branches/{branch}/dashboard", as_lead, 100),
        Target("rankings", f"/rankings?parent={committee}", {}, 100),
        Target("public page", "/public", {}, 100),
        Target("API: services", "/api/v1/services?limit=20", {}),
        Target("API: my hours", "/api/v1/me/hours", as_volunteer_api),
    ]


class _Picker:
    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def _one(self, sql: str, **params):
        with self.engine.connect() as conn:
            row = conn.execute(sa.text(sql), params).first()
        if row is None:
            sys.exit(f"The database has no row for: {sql}")
        return row

    def _all(self, sql: str, **params) -> list:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params))

    def resident(self) -> str:
        return self._one("SELECT u.username FROM users u JOIN enrollments e "
                         "ON e.resident_id = u.id GROUP BY u.username "
                         "ORDER BY count(*) DESC LIMIT 1")[0]

    def volunteer(self) -> str:
        return self._one("SELECT u.username FROM users u JOIN hour_records h "
                         "ON h.volunteer_id = u.id GROUP BY u.username "
                         "ORDER BY count(*) DESC LIMIT 1")[0]

    def lead_and_branch(self) -> tuple[str, int]:
        return tuple(self._one(
            "SELECT u.username, m.branch_id FROM memberships m JOIN users u ON u.id = m.user_id "
            "WHERE m.role = 'lead' AND m.status = 'active' AND m.branch_id = ("
            " SELECT branch_id FROM hour_records GROUP BY branch_id ORDER BY count(*) DESC "
            " LIMIT 1) LIMIT 1"))

    def category_and_community(self) -> tuple[str, str]:
        return tuple(self._one(
            "SELECT c.slug, s.community FROM services s JOIN categories c ON c.id = s.category_id "
            "GROUP BY c.slug, s.community ORDER BY count(*) DESC LIMIT 1"))

    def service(self) -> int:
        """The busiest service that the public may see."""
        return self._one("SELECT e.service_id FROM enrollments e JOIN services s "
                         "ON s.id = e.service_id WHERE s.status = 'published' "
                         "AND s.hidden_at IS NULL GROUP BY e.service_id "
                         "ORDER BY count(*) DESC LIMIT 1")[0]

    def committee(self) -> int:
        return self._one("SELECT parent_id FROM branches WHERE parent_id IS NOT NULL "
                         "GROUP BY parent_id ORDER BY count(*) DESC LIMIT 1")[0]

    def open_services(self, count: int) -> list[int]:
        """Services open for joining, most free places first."""
        return [row[0] for row in self._all(
            "SELECT id FROM services WHERE status = 'published' AND hidden_at IS NULL "
            "AND taken < capacity AND (starts_at IS NULL "
            " OR coalesce(ends_at, starts_at) > :soon) "
            "ORDER BY capacity - taken DESC, id LIMIT :count", count=count,
            soon=datetime.now(UTC) + timedelta(days=1))]  # still open as the run ends

    def joiners(self, services: list[int], count: int) -> list[int]:
        """Active residents (not volunteers) with no enrollment in `services`."""
        query = sa.text(
            "SELECT u.id FROM users u WHERE u.is_active AND NOT u.is_volunteer AND NOT EXISTS ("
            " SELECT 1 FROM enrollments e WHERE e.resident_id = u.id AND e.service_id IN :ids)"
            " ORDER BY u.id LIMIT :count").bindparams(sa.bindparam("ids", expanding=True))
        with self.engine.connect() as conn:
            return list(conn.scalars(query, {"ids": services, "count": count}))

    def pending_records(self, count: int) -> list[tuple[int, int]]:
        """(record, lead) for submitted hour records, each with an active lead
        of its branch who is not its volunteer; from the longest queues (fewer
        leads to issue tokens for)."""
        rows = self._all(
            "WITH pending AS (SELECT id, branch_id, volunteer_id, "
            " count(*) OVER (PARTITION BY branch_id) AS queue "
            " FROM hour_records WHERE status = 'submitted') "
            "SELECT p.id, (SELECT min(m.user_id) FROM memberships m JOIN users u "
            " ON u.id = m.user_id WHERE m.branch_id = p.branch_id AND m.role = 'lead' "
            " AND m.status = 'active' AND u.is_active AND m.user_id <> p.volunteer_id) "
            "FROM pending p ORDER BY p.queue DESC, p.branch_id, p.id LIMIT :count",
            count=2 * count)
        chosen = [(record, lead) for record, lead in rows if lead is not None][:count]
        return _interleave(chosen)


def _interleave(records: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Each lead's first record, then each one's second, ...: concurrent
    approvals are in different branches, as when many leads work at once."""
    rank = Counter()
    ordered = []
    for record, lead in records:
        ordered.append((rank[lead], record, lead))
        rank[lead] += 1
    return [(record, lead) for _, record, lead in sorted(ordered)]


def _page_session(base: str, username: str) -> dict:
    """Log in through the form (with its CSRF token): the session cookie.
    (Production cookies are Secure, so they are carried by hand over http.)"""
    page = requests.get(f"{base}/account/login", timeout=30)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    response = requests.post(f"{base}/account/login", allow_redirects=False, timeout=30,
                             headers=_cookie_header(page.cookies), data={
                                 "username": username, "password": PASSWORD,
                                 "csrf_token": token})
    if response.status_code != 302:
        sys.exit(f"Could not log in as {username} (password from BENCH_PASSWORD)")
    return _cookie_header(response.cookies)


def _cookie_header(cookies) -> dict:
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())}


def _api_token(base: str, username: str) -> dict:
    response = requests.post(f"{base}/api/v1/auth/token",
                             json={"username": username, "password": PASSWORD}, timeout=30)
    if response.status_code != 200:
        sys.exit(f"Could not get a token for {username} (password from BENCH_PASSWORD)")
    return {"Authorization": f"Bearer {response.json()['token']}"}


# -- page 1,000 against page 1 ----------------------------------------------------------

def _deep_pages(base: str, deep_page: int, wanted) -> tuple[list[Target], list[tuple]]:
    """Walk the API's keyset cursor to page `deep_page` (or the last), and
    read the same page of the browse page if its cursor is the same one
    (both list open services soonest first, 20 to a page)."""
    names = {"api": f"API: services, page {deep_page:,}", "page1": "browse, page 1",
             "browse": f"browse, page {deep_page:,}"}
    if not any(wanted(name) for name in names.values()):
        return [], []
    number, cursor, first_id = _walk(base, deep_page)
    if cursor is None:
        print("The service list has one page only: no deep page to compare.")
        return [], []
    names["api"] = names["api"].replace(f"{deep_page:,}", f"{number:,}")
    names["browse"] = names["browse"].replace(f"{deep_page:,}", f"{number:,}")
    quoted = urllib.parse.quote(cursor)
    targets = [Target(names["api"], f"/api/v1/services?limit=20&cursor={quoted}", {})]
    pairs = [("API: services", names["api"], number)]
    page = requests.get(f"{base}/services?cursor={quoted}", timeout=30)
    if f'href="/services/{first_id}"' in page.text:
        targets += [Target(names["page1"], "/services", {}),
                    Target(names["browse"], f"/services?cursor={quoted}", {})]
        pairs.append((names["page1"], names["browse"], number))
    else:
        print(f"The browse page did not show page {number}'s first service for the API's "
              "cursor: browse is left out of the deep-page comparison.")
    return [t for t in targets if wanted(t.name)], pairs


def _walk(base: str, deep_page: int) -> tuple[int, str | None, int | None]:
    """(page number, its cursor, its first service id) after following
    next_cursor from page 1. When the list ends first, its last full page
    (a short last page would flatter the comparison)."""
    session, number, cursor = requests.Session(), 1, None
    page = before = None
    while True:
        params = {"limit": 20} | ({"cursor": cursor} if cursor else {})
        answer = session.get(f"{base}/api/v1/services", params=params, timeout=30)
        answer.raise_for_status()
        page, before = (number, cursor, answer.json()), page
        following = page[2]["next_cursor"]
        if number == deep_page or following is None:
            break
        cursor, number = following, number + 1
        if number % 200 == 0:
            print(f"  walked to page {number:,}", flush=True)
    if len(page[2]["items"]) < 20 and before and before[1]:
        page = before
    number, cursor, items = page
    return number, cursor, items["items"][0]["id"] if cursor else None


def _ratios(results: list[Result], deep: list[tuple]) -> list[dict]:
    by_name = {r.name: r for r in results}
    ratios = []
    for first, far, number in deep:
        if first in by_name and far in by_name:
            p1, pn = by_name[first].p95_ms, by_name[far].p95_ms
            ratios.append({"page_1": first, "page_n": far, "n": number, "p95_page_1_ms": p1,
                           "p95_page_n_ms": pn, "ratio": round(pn / p1, 2) if p1 else None})
    return ratios


# -- writes ------------------------------------------------------------------------------

def _join_target(engine: sa.Engine, args) -> Target:
    """Distinct (resident, service) pairs: consecutive calls go to different
    services and residents, as when a neighbourhood signs up at once."""
    needed = args.writes * args.runs + 1
    pick = _Picker(engine)
    services = pick.open_services(200)
    if not services:
        sys.exit("join: no open service with free places")
    residents = pick.joiners(services, math.ceil(needed / len(services)))
    tokens = _issue_tokens(residents)
    calls = []
    for k in range(min(needed, len(residents) * len(services))):
        service, round_ = services[k % len(services)], k // len(services)
        resident = residents[(round_ + k % len(services)) % len(residents)]
        calls.append((f"/api/v1/services/{service}/enrollments", tokens[resident]))
    print(f"join: {len(residents):,} residents with tokens, {len(services)} services, "
          f"{len(calls):,} distinct joins", flush=True)
    return Target("join", "/api/v1/services/<id>/enrollments", {}, calls=calls,
                  body=json.dumps({"contact": "13800138000"}), expected=(201, 409))


def _approve_target(engine: sa.Engine, args) -> Target:
    records = _Picker(engine).pending_records(args.writes * args.runs + 1)
    if not records:
        sys.exit("approve: no submitted hour record with a lead to approve it")
    tokens = _issue_tokens(sorted({lead for _, lead in records}))
    calls = [(f"/api/v1/hours/{record}/approve", tokens[lead]) for record, lead in records]
    print(f"approve: {len(tokens):,} leads with tokens, {len(calls):,} submitted records",
          flush=True)
    return Target("approve", "/api/v1/hours/<id>/approve", {}, calls=calls, body="{}",
                  expected=(200, 409))


def _issue_tokens(user_ids: list[int]) -> dict[int, str]:
    """An API token for each user, issued by the app's own code in this
    process (what POST /api/v1/auth/token does, without the password check)."""
    sys.path.insert(0, str(ROOT))
    from marketplace import create_app
    from marketplace.accounts import tokens
    from marketplace.accounts.models import User
    from marketplace.extensions import db

    issued = {}
    with create_app("development", {"DEBUG": False}).app_context():
        for start in range(0, len(user_ids), 1000):
            users = db.session.scalars(sa.select(User).where(
                User.id.in_(user_ids[start:start + 1000])))
            issued |= {user.id: tokens.issue_token(user)[0] for user in users}
            db.session.commit()
    return issued


# -- measuring ---------------------------------------------------------------------------

def _measure(base: str, target: Target, args, limit: float | None = None) -> Result:
    queries, scripts = _check(base, target, args)
    url = base + (target.path if target.calls is None else "/")
    runs = [_wrk(url, target.headers, args, script) for script in scripts]
    rps = statistics.median(r["rps"] for r in runs)
    median = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]
    statuses = sum((r["statuses"] for r in runs), Counter())
    unexpected = sum(n for status, n in statuses.items() if status not in target.expected)
    result = Result(target.name, target.path, round(rps, 1),
                    round(rps / limit, 3) if limit else 1.0,
                    median["p50"], median["p95"], median["p99"],
                    sum(r["errors"] for r in runs) + unexpected,
                    int(queries) if queries is not None else None, target.budget_ms,
                    "GET" if target.calls is None else "POST",
                    {str(s): n for s, n in sorted(statuses.items())})
    answers = f"  answers {result.statuses}" if target.calls else ""
    print(f"{target.name:38} {result.rps:8.1f} req/s  p95 {result.p95_ms:6.1f} ms  "
          f"queries {result.queries}{answers}", flush=True)
    _warn_repeats(target, statuses)
    return result


def _check(base: str, target: Target, args) -> tuple[str | None, list[str]]:
    """One request by hand (it must answer as expected; its X-Query-Count),
    and the wrk script of each run (a write's calls split between the runs)."""
    if target.calls is None:
        check = requests.get(base + target.path, headers=target.headers, timeout=30,
                             allow_redirects=False)
        expected = 200
        scripts = [REPORT_LUA] * args.runs
    else:
        path, token = target.calls[0]
        check = requests.post(base + path, data=target.body, timeout=30, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        expected = target.expected[0]
        share = max(1, (len(target.calls) - 1) // args.runs)
        scripts = [_write_lua(target.calls[1 + run * share:1 + (run + 1) * share]
                              or target.calls, target.body) for run in range(args.runs)]
    if check.status_code != expected:
        sys.exit(f"{target.name}: {check.request.path_url} answered {check.status_code}")
    return check.headers.get("X-Query-Count"), scripts


def _write_lua(calls: list[tuple[str, str]], body: str | None) -> str:
    def lua(text: str) -> str:
        return json.dumps(text)  # a JSON string of ASCII is a Lua string too

    rows = ",".join(f"{{{lua(path)},{lua(token)}}}" for path, token in calls)
    return WRITE_LUA % {"calls": rows, "body": lua(body) if body else "nil",
                        "threads": WRK_THREADS}


def _warn_repeats(target: Target, statuses: Counter) -> None:
    if target.calls and statuses.total() > len(target.calls):
        print(f"  note: {statuses.total():,} {target.name} requests for {len(target.calls):,} "
              "rows: after the rows ran out, requests repeated (409s are in the latency); "
              "raise --writes, or the database has too few rows", flush=True)


def _wrk(url: str, headers: dict, args, script_text: str) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(script_text)
    command = ["wrk", "-t", str(WRK_THREADS), "-c", str(args.concurrency),
               "-d", f"{args.duration}s", "-s", script.name, "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True,  # noqa: S603
                            check=True).stdout
    os.unlink(script.name)
    count, duration_us, p50, p95, p99, errors = map(int, re.search(
        r"^BENCH (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", output, re.M).groups())
    statuses = Counter()
    for status, n in re.findall(r"^STATUS (\d+) (\d+)$", output, re.M):
        statuses[int(status)] += int(n)
    return {"rps": count / (duration_us / 1e6), "p50": p50 / 1000, "p95": p95 / 1000,
            "p99": p99 / 1000, "errors": errors, "statuses": statuses}


# -- the machine and the data ------------------------------------------------------------

def _worker_memory(master: int) -> list[dict]:
    """VmRSS and VmHWM (its peak) of each gunicorn worker: the master's children."""
    workers = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) != master:
                continue
            fields = dict(line.split(":", 1) for line in
                          (entry / "status").read_text().splitlines() if ":" in line)
        except (OSError, ValueError, IndexError):  # gone meanwhile, or not ours to read
            continue
        workers.append({"pid": int(entry.name),
                        "rss_mb": round(int(fields["VmRSS"].split()[0]) / 1024, 1),
                        "hwm_mb": round(int(fields["VmHWM"].split()[0]) / 1024, 1)})
    return sorted(workers, key=lambda w: w["pid"])


def _database_size(engine: sa.Engine) -> dict:
    with engine.connect() as conn:
        users = conn.scalar(sa.text("SELECT count(*) FROM users"))
        services = conn.scalar(sa.text("SELECT count(*) FROM services"))
        if engine.dialect.name == "postgresql":
            size = conn.scalar(sa.text("SELECT pg_database_size(current_database())"))
        else:
            size = os.path.getsize(engine.url.database) if engine.url.database else None
    return {"engine": engine.dialect.name, "users": users, "services": services,
            "bytes": size}


# -- output ------------------------------------------------------------------------------

def _write(results: list[Result], ratios: list[dict], memory: list[dict], database: dict,
           args) -> None:
    RESULTS.mkdir(exist_ok=True)
    machine = f"{os.cpu_count()} cores, gunicorn {args.workers} sync workers, " \
              f"{args.concurrency} connections, {args.duration} s × {args.runs} runs (median)"
    lines = _markdown(results, ratios, memory, database, machine, args.label)
    data = {"machine": machine, "label": args.label, "database": database,
            "workers": memory, "max_rss_mb": max((w["rss_mb"] for w in memory), default=None),
            "max_hwm_mb": max((w["hwm_mb"] for w in memory), default=None),
            "deep_pages": ratios, "results": [asdict(r) for r in results]}
    label = re.sub(r"[^\w.-]", "_", args.label)
    names = ["pages"] + ([f"pages-{label}"] if label else [])
    for name in names:
        (RESULTS / f"{name}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (RESULTS / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False, indent=2),
                                              encoding="utf-8")
    print("\n".join(lines))


def _markdown(results, ratios, memory, database, machine, label) -> list[str]:
    size = f"{database['bytes'] / 2**20:,.0f} MB" if database["bytes"] else "size unknown"
    rss = ", ".join(f"{w['rss_mb']:.0f}" for w in memory)
    hwm = max((w["hwm_mb"] for w in memory), default=0)
    lines = [f"Machine: {machine}. {label}".strip(),
             f"Database: {database['engine']}, {database['users']:,} users, "
             f"{database['services']:,} services, {size}.",
             f"Worker RSS after the run: {rss} MB (peak {hwm:.0f} MB; target ≤ 200 MB "
             "at scale 1.0).", "",
             "| page | req/s | % of hello | p50 ms | p95 ms | p99 ms | queries | p95 target |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in results:
        met = "—" if r.name.startswith("hello") else (
            f"≤ {r.budget_ms} ms " + ("✓" if r.p95_ms <= r.budget_ms else "✗"))
        queries = "" if r.queries is None else r.queries
        lines.append(f"| {r.name} | {r.rps:.0f} | {100 * r.share:.0f} % | {r.p50_ms:.1f} | "
                     f"{r.p95_ms:.1f} | {r.p99_ms:.1f} | {queries} | {met} |")
    writes = [r for r in results if r.method == "POST"]
    if writes:
        lines += ["", "Writes, answers by status: " + "; ".join(
            f"{r.name} {', '.join(f'{n:,} × {s}' for s, n in r.statuses.items())}"
            for r in writes) + "."]
    for ratio in ratios:
        ok = ratio["ratio"] is not None and ratio["ratio"] <= 2
        lines.append(f"Page {ratio['n']:,} against page 1 ({ratio['page_1']}): p95 "
                     f"{ratio['p95_page_n_ms']:.1f} against {ratio['p95_page_1_ms']:.1f} ms, "
                     f"{ratio['ratio']}× (target ≤ 2× {'✓' if ok else '✗'}).")
    return lines


if __name__ == "__main__":
    sys.exit(main())
