"""Past one machine: two gunicorn instances of the app behind nginx, sharing
one PostgreSQL (DATABASE_URL) and one Redis (REDIS_URL), checked through
nginx as a user would meet them.

    export DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/wangtao_cluster
    export REDIS_URL=redis://127.0.0.1:6379/9       # a Redis database of its own
    .venv/bin/flask --app run db upgrade
    .venv/bin/python bench/cluster.py       # --residents 400 --places 100 for a quick one
                                            # (--residents 0: no burst)

It starts the instances on --port+1 and --port+2 (production settings, one
SECRET_KEY, rate limits on in Redis) and Debian's nginx (`apt-get install
nginx`) on --port as a round-robin balancer, in the foreground, with a
config of its own in a temporary folder. nginx names the instance that
answered in an `X-Upstream` header, so the app needs no change. Checks:
the instances alternate; a form login holds on both and a logout on one
ends it on the other; the login limit is one count across both; a change
made through one instance shows at once through both on the service page,
search, browse and home (each read through both before and after, so a
stale cache is caught); and bench/burst.py's burst through nginx stays
exact. Prints every check; exits 1 when one fails.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.parse
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import burst  # bench/burst.py
import redis
import requests
from server import Gunicorn, wait_until_up  # bench/server.py

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from marketplace import create_app  # noqa: E402
from marketplace.accounts import services as accounts  # noqa: E402
from marketplace.extensions import db  # noqa: E402

SITE_TZ = ZoneInfo("Asia/Shanghai")
UPSTREAM = "X-Upstream"  # set by nginx: the instance that answered


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    redis_url = os.environ.get("REDIS_URL")
    if not os.environ.get("DATABASE_URL") or not redis_url:
        sys.exit("Set DATABASE_URL (migrated) and REDIS_URL (a Redis database of its own).")
    people = _Accounts.create()
    limits = _LimitCounters(redis_url)
    limits.clear()  # a run a minute ago must not leave this address blocked
    env = {"SECRET_KEY": secrets.token_hex(32), "REDIS_URL": redis_url,
           "RATELIMIT_ENABLED": "true", "PROXY_COUNT": "1"}
    ports = [args.port + 1, args.port + 2]
    base = f"http://127.0.0.1:{args.port}"
    with Gunicorn(ports[0], args.workers, **env), Gunicorn(ports[1], args.workers, **env), \
            Nginx(args.port, ports) as nginx:
        print(f"nginx {base} → gunicorn :{ports[0]} and :{ports[1]} "
              f"({args.workers} workers each, one SECRET_KEY), Redis {redis_url}", flush=True)
        check = Checks()
        check_alternation(base, check)
        check_sessions(base, people, check)
        check_changes(base, people, check)
        check_rate_limits(base, limits, check)
        if args.residents:
            check_burst(base, nginx, args, check)
    print(f"\n{'all checks passed' if not check.failed else f'{check.failed} checks FAILED'}")
    return 1 if check.failed else 0


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=5090,
                        help="nginx; the instances take the next two ports")
    parser.add_argument("--workers", type=int, default=2, help="sync workers per instance")
    parser.add_argument("--residents", type=int, default=4000, help="0: no burst")
    parser.add_argument("--places", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=64)
    return parser.parse_args(argv)


# -- the servers -----------------------------------------------------------

NGINX_CONF = """\
{user}worker_processes 1;  # one round-robin state: the instances strictly alternate
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    log_format upstream '$remote_addr "$request" $status $upstream_addr $request_time';
    access_log {dir}/access.log upstream;
    upstream wangtao {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 256m;  # the roster upload (ROSTER_UPLOAD_MAX_BYTES)
        location / {{
            proxy_pass http://wangtao;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 120s;
            add_header {upstream_header} $upstream_addr always;
        }}
    }}
}}
"""


class Nginx:
    """nginx in the foreground as this user, everything it writes in a
    temporary folder (config, pid, logs, buffers): no root-owned file."""

    def __init__(self, port: int, upstreams: list[int]):
        self.port, self.upstreams = port, upstreams

    def __enter__(self) -> Nginx:
        binary = shutil.which("nginx", path=os.environ.get("PATH", "") + ":/usr/sbin")
        if not binary:
            sys.exit("nginx is not installed: apt-get install nginx")
        self.dir = tempfile.mkdtemp(prefix="bench-nginx-")
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w", encoding="utf-8") as file:
            file.write(self._config())
        self.log = open(os.path.join(self.dir, "nginx.out"), "wb")  # noqa: SIM115
        self.process = subprocess.Popen(  # noqa: S603 (our own config)
            [binary, "-p", self.dir, "-c", conf, "-e", os.path.join(self.dir, "error.log"),
             "-g", "daemon off;"], stdout=self.log, stderr=self.log)
        if wait_until_up(self.port, seconds=10):
            return self
        self.__exit__()
        sys.exit(f"nginx did not start; see {self.dir}")

    def _config(self) -> str:
        # As root, nginx hands its workers to `nobody`; keep them this user's.
        user = f"user {pwd.getpwuid(os.getuid()).pw_name};\n" if os.geteuid() == 0 else ""
        servers = "\n".join(f"        server 127.0.0.1:{port};" for port in self.upstreams)
        return NGINX_CONF.format(user=user, dir=self.dir, port=self.port, servers=servers,
                                 upstream_header=UPSTREAM)

    def access_log(self) -> list[list[str]]:
        with open(os.path.join(self.dir, "access.log"), encoding="utf-8") as file:
            return [line.split() for line in file]

    def __exit__(self, *exc) -> None:
        self.process.send_signal(signal.SIGQUIT)  # graceful: finish what is in flight
        self.process.wait(timeout=30)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


# -- what the checks share -------------------------------------------------

class Checks:
    def __init__(self):
        self.failed = 0

    def __call__(self, ok: bool, what: str) -> bool:
        print(f"  {'✓' if ok else '✗'} {what}", flush=True)
        self.failed += not ok
        return ok

    @staticmethod
    def section(title: str) -> None:
        print(f"\n{title}", flush=True)


class _Browser(requests.Session):
    """A client that keeps cookies. Production cookies are Secure and this
    nginx speaks plain http (in production it terminates TLS), so the jar
    sends them over http too."""

    def prepare_request(self, request):
        for cookie in self.cookies:
            cookie.secure = False
        return super().prepare_request(request)




def upstream(response: requests.Response) -> str:
    return _port(response.headers.get(UPSTREAM, "?"))


def _port(address: str) -> str:
    return address.replace("127.0.0.1", "")


def text(response: requests.Response) -> str:
    """The page, or the JSON answer with its Chinese unescaped."""
    if response.headers.get("Content-Type", "").startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return response.text


def answered_by(responses) -> str:
    counts = collections.Counter(upstream(r) for r in responses)
    return ", ".join(f"{name} ×{n}" for name, n in sorted(counts.items()))


def both(responses) -> bool:
    return len({upstream(r) for r in responses} - {"?"}) == 2


def read_through_both(session, base: str, path: str, times: int = 4, **kwargs) -> list:
    """GET a page several times in a row: round robin sends half to each
    instance (and, with luck, to each of their workers)."""
    return [session.get(base + path, allow_redirects=False, timeout=30, **kwargs)
            for _ in range(times)]


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*? value="([^"]+)"', html).group(1)


class _Accounts:
    """A resident and a volunteer of this run, made in the database directly
    (a cheap hash: synthetic accounts, as bench/burst.py makes)."""

    PASSWORD = "cluster-check-pw"  # noqa: S105

    def __init__(self, run: str):
        self.run = run
        self.resident, self.volunteer = f"cluster_{run}_res", f"cluster_{run}_vol"
        self.resident_name = f"集群居民{run}"

    @classmethod
    def create(cls) -> _Accounts:
        people = cls(uuid.uuid4().hex[:6])
        app = create_app("development", {"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
                                         "DEBUG": False})
        with app.app_context():
            for username, name, volunteer in (
                    (people.resident, people.resident_name, False),
                    (people.volunteer, f"集群志愿者{people.run}", True)):
                accounts.register(accounts.Registration(
                    username=username, password=cls.PASSWORD, display_name=name,
                    is_volunteer=volunteer))
            db.session.commit()
        return people


class _LimitCounters:
    """Flask-Limiter's counters in the shared Redis (its keys only)."""

    def __init__(self, url: str):
        self.redis = redis.Redis.from_url(url)

    def keys(self) -> list[bytes]:
        return list(self.redis.scan_iter(match="LIMITS:LIMITER/*", count=1000))

    def clear(self) -> None:
        for key in self.keys():
            self.redis.delete(key)


# -- the checks ------------------------------------------------------------

def check_alternation(base: str, check: Checks) -> None:
    Checks.section("Round robin")
    answers = [requests.get(f"{base}/healthz", timeout=10) for _ in range(8)]
    order = [upstream(r) for r in answers]
    check(all(r.status_code == 200 for r in answers) and both(answers)
          and all(a != b for a, b in zip(order, order[1:], strict=False)),
          f"8 requests alternate between the instances: {' '.join(order)}")


def check_sessions(base: str, people: _Accounts, check: Checks) -> None:
    Checks.section("Sessions (signed cookie, one SECRET_KEY)")
    session = _Browser()
    form = session.get(f"{base}/account/login", timeout=30)
    login = session.post(f"{base}/account/login", allow_redirects=False, timeout=30, data={
        "username": people.resident, "password": people.PASSWORD,
        "csrf_token": csrf_token(form.text)})
    check(login.status_code == 302 and upstream(form) != upstream(login),
          f"login form from {upstream(form)}, its CSRF token accepted by {upstream(login)}")
    pages = read_through_both(session, base, "/my/enrollments", times=6)
    check(all(p.status_code == 200 and people.resident_name in p.text for p in pages)
          and both(pages),
          f"/my/enrollments logged in on every load ({answered_by(pages)}), "
          f"statuses {sorted({p.status_code for p in pages})}")
    logout = session.post(f"{base}/account/logout", allow_redirects=False, timeout=30,
                          data={"csrf_token": csrf_token(pages[-1].text)})
    after = read_through_both(session, base, "/my/enrollments")
    check(logout.status_code == 302 and both(after) and all(
        p.status_code == 302 and "/account/login" in p.headers.get("Location", "")
        for p in after),
        f"logged out via {upstream(logout)}: /my/enrollments sends to the login page on "
        f"both ({answered_by(after)})")


def check_changes(base: str, people: _Accounts, check: Checks) -> None:
    Checks.section("A change through one instance, read through both at once")
    api = requests.Session()
    token = api.post(f"{base}/api/v1/auth/token", timeout=30, json={
        "username": people.volunteer, "password": people.PASSWORD}).json()["token"]
    api.headers["Authorization"] = f"Bearer {token}"
    category = api.get(f"{base}/api/v1/categories", timeout=30).json()["items"][0]
    service = _Service(base, api, people.run, category)
    reader = requests  # a new visitor on every read: no cookie, the page a cache would keep
    service.expect_before(reader, check)
    service.create(check)
    service.expect(reader, check, "new", listed=True, page=200, count=1, joinable=True)
    service.change(check, "paused", status="paused")
    service.expect(reader, check, "paused", listed=False, page=404, count=0)
    service.change(check, "published again", status="published")
    service.expect(reader, check, "published", listed=True, page=200, count=1, joinable=True)
    service.change(check, "title edited", title=service.titles[1])
    service.expect(reader, check, "edited", listed=True, page=200, count=1, joinable=True)
    service.change(check, "closed", status="closed")
    service.expect(reader, check, "closed", listed=False, page=200, count=0, joinable=False)


class _Service:
    """A service of this run and the public pages that show it."""

    def __init__(self, base: str, api: requests.Session, run: str, category: dict):
        self.base, self.api, self.run, self.category = base, api, run, category
        self.titles = [f"集群验证{run}甲", f"集群验证{run}乙"]
        self.title = self.titles[0]
        self.community = f"集群社区{run}"

    def expect_before(self, reader, check: Checks) -> None:
        """The lists without it (now in any cache) and the category's open
        count before, the same through both instances."""
        self._expect_lists(reader, check, "before", listed=False)
        homes = read_through_both(reader, self.base, "/")
        counts = {self._open_count(r.text) for r in homes}
        check(len(counts) == 1 and None not in counts and both(homes),
              f"before: home counts {counts} open in {self.category['slug']} "
              f"({answered_by(homes)})")
        self.home_count = counts.pop()

    def create(self, check: Checks) -> None:
        starts = datetime.now(SITE_TZ).replace(tzinfo=None) + timedelta(minutes=30)
        answer = self.api.post(f"{self.base}/api/v1/services", timeout=30, json={
            "title": self.title, "description": "两个实例,一个数据库", "mode": "home",
            "category_id": self.category["id"], "community": self.community, "capacity": 5,
            "starts_at": starts.isoformat(timespec="minutes")})
        self.id = answer.json().get("id")
        check(answer.status_code == 201, f"published (new) via the API on {upstream(answer)}")

    def change(self, check: Checks, what: str, **fields) -> None:
        answer = self.api.patch(f"{self.base}/api/v1/services/{self.id}", json=fields,
                                timeout=30)
        self.title = answer.json().get("title", self.title)
        self.through = upstream(answer)
        check(answer.status_code == 200, f"{what} via the API on {self.through}")

    def expect(self, reader, check: Checks, state: str, *, listed: bool, page: int,
               count: int, joinable: bool = False) -> None:
        """Every public page, read through both instances, shows `state`."""
        detail = read_through_both(reader, self.base, f"/services/{self.id}")
        ok = all(r.status_code == page for r in detail)
        if page == 200:
            join = f'href="/account/login?next=/services/{self.id}"'  # "Log in to join"
            ok = ok and all(self._shown(r) and ((join in r.text) == joinable) for r in detail)
        check(ok and both(detail), f"{state}: /services/{self.id} answers {page}"
              + (f", {'with' if joinable else 'without'} the join button" if page == 200
                 else "") + f" ({answered_by(detail)})")
        self._expect_lists(reader, check, state, listed)
        self._expect_home(reader, check, state, count)

    def _shown(self, response) -> bool:
        """Its title now, and no older one."""
        page = text(response)
        return self.title in page and not any(t in page for t in self.titles if t != self.title)

    def _expect_lists(self, reader, check: Checks, state: str, listed: bool) -> None:
        for name, path in (("search", f"/services?q={self.run}"),
                           ("browse", f"/services?community={urllib.parse.quote(self.community)}"),
                           ("API list", f"/api/v1/services?q={self.run}")):
            lists = read_through_both(reader, self.base, path)
            ok = all(r.status_code == 200 and (
                self._shown(r) if listed else not any(t in text(r) for t in self.titles))
                for r in lists)
            check(ok and both(lists), f"{state}: {name} {urllib.parse.unquote(path)} "
                                      f"{'lists' if listed else 'omits'} it ({answered_by(lists)})")

    def _expect_home(self, reader, check: Checks, state: str, count: int) -> None:
        homes = read_through_both(reader, self.base, "/")
        counts = [self._open_count(r.text) for r in homes]
        want = self.home_count + count
        check(counts == [want] * len(homes) and both(homes)
              and all((self.title in r.text) == bool(count) for r in homes),
              f"{state}: home counts {want} open in {self.category['slug']} (read {counts}) "
              f"and {'shows' if count else 'omits'} it under 'On soon' ({answered_by(homes)})")

    def _open_count(self, html: str) -> int | None:
        match = re.search(rf'category={re.escape(self.category["slug"])}".*?text-muted">\s*(\d+)',
                          html, re.S)
        return int(match.group(1)) if match else None


def check_rate_limits(base: str, limits: _LimitCounters, check: Checks) -> None:
    Checks.section("Rate limits in Redis, one count across both instances")
    limits.clear()  # this check starts from zero; the login above counted
    session = _Browser()
    form = session.get(f"{base}/account/login", timeout=30)
    data = {"username": f"nobody_{uuid.uuid4().hex[:6]}", "password": "wrong-password",
            "csrf_token": csrf_token(form.text)}
    tries = [session.post(f"{base}/account/login", data=data, allow_redirects=False,
                          timeout=30) for _ in range(12)]
    allowed, refused = tries[:10], tries[10:]
    check(all(r.status_code == 200 for r in allowed) and both(allowed),
          f"10 failed logins refused as wrong ({answered_by(allowed)})")
    check(all(r.status_code == 429 for r in refused) and both(refused),
          f"the 11th and 12th answered 429 by {' and '.join(upstream(r) for r in refused)} "
          f"(Retry-After {refused[0].headers.get('Retry-After')} s); "
          f"{len(limits.keys())} counters in Redis")
    limits.clear()  # leave nobody blocked


def check_burst(base: str, nginx: Nginx, args, check: Checks) -> None:
    Checks.section("The burst through nginx (bench/burst.py --base-url)")
    exact = burst.main(["--base-url", base, "--residents", str(args.residents),
                        "--places", str(args.places), "--clients", str(args.clients)]) == 0
    joins = collections.Counter(
        _port(fields[-2]) for fields in nginx.access_log()
        if len(fields) >= 5 and fields[1] == '"POST' and fields[2].endswith("/enrollments"))
    check(exact, "the burst is exact across both instances")
    check(len(joins) == 2 and sum(joins.values()) == args.residents,
          "joins answered per instance (nginx's log): "
          + ", ".join(f"{name} {n}" for name, n in sorted(joins.items())))


if __name__ == "__main__":
    sys.exit(main())
