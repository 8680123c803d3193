"""The page benchmark: requests per second and latency of each main page
and API call under gunicorn, as a share of a hello-world endpoint in the
same app and server (the machine's limit), and SQL queries per request.

    apt-get install wrk                      # the load generator (Debian)
    export DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/wangtao_bench
    .venv/bin/flask --app run db upgrade && .venv/bin/flask --app run bench-seed --scale 1.0
    .venv/bin/python bench/run.py            # --duration 5 --runs 1 for a quick look

It starts gunicorn (2 sync workers by default) on the database, logs in as
a resident, a volunteer and a branch lead (through the login form and the
token endpoint, as clients do), runs wrk against each target at a fixed
concurrency (median of --runs runs), reads X-Query-Count for the queries of
one request, and writes bench/results/pages.md and pages.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
from dataclasses import asdict, dataclass
from pathlib import Path

import requests
import sqlalchemy as sa
from server import Gunicorn  # bench/server.py

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PASSWORD = os.environ.get("BENCH_PASSWORD", "wangtao-demo-2026")

# wrk prints these from its own latency histogram (in microseconds).
REPORT_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("BENCH %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
"""


@dataclass
class Target:
    name: str
    path: str
    headers: dict
    budget_ms: int = 50  # the p95 target (issue 7): 50 ms, 100 for search and figures


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


def main() -> int:
    args = _parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("Set DATABASE_URL to the benchmark database.")
    base = f"http://127.0.0.1:{args.port}"
    with Gunicorn(args.port, args.workers, QUERY_COUNT_HEADER="true"):
        targets = [t for t in _targets(base, sa.create_engine(_sync_url(url)))
                   if not args.only or re.search(args.only, t.name)]
        results = []
        hello = _measure(base, Target("hello world (/healthz)", "/healthz", {}), args)
        for target in targets:
            results.append(_measure(base, target, args, limit=hello.rps))
    hello.share = 1.0
    _write([hello, *results], args)
    return 0


def _parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=5088)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--runs", type=int, default=3, help="the median is reported")
    parser.add_argument("--only", help="a regular expression on target names")
    parser.add_argument("--label", default="", help="a name for this run in the output")
    return parser.parse_args()


def _sync_url(url: str) -> str:
    return url.replace("postgres://", "postgresql+psycopg://", 1)


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
        return self._one("SELECT service_id FROM enrollments GROUP BY service_id "
                         "ORDER BY count(*) DESC LIMIT 1")[0]

    def committee(self) -> int:
        return self._one("SELECT parent_id FROM branches WHERE parent_id IS NOT NULL "
                         "GROUP BY parent_id ORDER BY count(*) DESC LIMIT 1")[0]


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
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _measure(base: str, target: Target, args, limit: float | None = None) -> Result:
    check = requests.get(base + target.path, headers=target.headers, timeout=30,
                         allow_redirects=False)
    if check.status_code != 200:
        sys.exit(f"{target.name}: {target.path} answered {check.status_code}")
    queries = check.headers.get("X-Query-Count")
    runs = [_wrk(base + target.path, target.headers, args) for _ in range(args.runs)]
    rps = statistics.median(r["rps"] for r in runs)
    median = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]
    result = Result(target.name, target.path, round(rps, 1),
                    round(rps / limit, 3) if limit else 1.0,
                    median["p50"], median["p95"], median["p99"], sum(r["errors"] for r in runs),
                    int(queries) if queries is not None else None, target.budget_ms)
    print(f"{target.name:38} {result.rps:8.1f} req/s  p95 {result.p95_ms:6.1f} ms  "
          f"queries {result.queries}", flush=True)
    return result


def _wrk(url: str, headers: dict, args) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(REPORT_LUA)
    command = ["wrk", "-t", "2", "-c", str(args.concurrency), "-d", f"{args.duration}s",
               "-s", script.name, "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True,  # noqa: S603
                            check=True).stdout
    os.unlink(script.name)
    count, duration_us, p50, p95, p99, errors = map(int, re.search(
        r"^BENCH (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", output, re.M).groups())
    return {"rps": count / (duration_us / 1e6), "p50": p50 / 1000, "p95": p95 / 1000,
            "p99": p99 / 1000, "errors": errors}


def _write(results: list[Result], args) -> None:
    RESULTS.mkdir(exist_ok=True)
    machine = f"{os.cpu_count()} cores, gunicorn {args.workers} sync workers, " \
              f"{args.concurrency} connections, {args.duration} s × {args.runs} runs (median)"
    lines = [f"Machine: {machine}. {args.label}".strip(), "",
             "| page | req/s | % of hello | p50 ms | p95 ms | p99 ms | queries | p95 target |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in results:
        met = "—" if r.name.startswith("hello") else (
            f"≤ {r.budget_ms} ms " + ("✓" if r.p95_ms <= r.budget_ms else "✗"))
        queries = "" if r.queries is None else r.queries
        lines.append(f"| {r.name} | {r.rps:.0f} | {100 * r.share:.0f} % | {r.p50_ms:.1f} | "
                     f"{r.p95_ms:.1f} | {r.p99_ms:.1f} | {queries} | {met} |")
    (RESULTS / "pages.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (RESULTS / "pages.json").write_text(json.dumps(
        {"machine": machine, "label": args.label, "results": [asdict(r) for r in results]},
        ensure_ascii=False, indent=2), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
