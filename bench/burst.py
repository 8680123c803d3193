"""The burst: many logged-in residents press "加入该项目" on one service at
once (Nanhu's rainbow run: 4,000 sign-ups for 1,000 places), through HTTP,
against gunicorn on DATABASE_URL (PostgreSQL or SQLite).

    export DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/wangtao_bench
    .venv/bin/flask --app run db upgrade
    .venv/bin/python bench/burst.py          # --residents 400 --places 100 for a quick one
    .venv/bin/python bench/burst.py --base-url http://127.0.0.1:5090   # a server already running

It registers a volunteer, a service with --places places (confirmed at
once) and --residents residents with API tokens (synthetic accounts, a
cheap password hash), then --clients threads send every resident's join at
the same time (at a gunicorn it starts, or at --base-url: a running
server or a load balancer, as bench/cluster.py does). Exact means: every
join answered 201, --places confirmed, the rest waitlisted at positions
1..n with no gap and no repeat, and the service's counters agree with its
rows. Prints joins per second; exits 1 when the result is not exact.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests
import sqlalchemy as sa
from server import Gunicorn  # bench/server.py

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from marketplace import create_app  # noqa: E402
from marketplace.accounts import services as accounts  # noqa: E402
from marketplace.accounts import tokens  # noqa: E402
from marketplace.enrollments.models import Enrollment  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.listings import services as listings  # noqa: E402
from marketplace.listings.models import Category, Service, ServiceMode  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to the benchmark database (migrated).")
    app = create_app("development", {"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
                                     "DEBUG": False})
    service_id, bearer = _prepare(app, args)
    base = args.base_url or f"http://127.0.0.1:{args.port}"
    url = f"{base.rstrip('/')}/api/v1/services/{service_id}/enrollments"
    if args.base_url:
        answers, seconds = _burst(url, bearer, args.clients)
    else:
        with Gunicorn(args.port, args.workers):
            answers, seconds = _burst(url, bearer, args.clients)
    return 0 if _verify(app, service_id, answers, seconds, args) else 1


def _parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=4000)
    parser.add_argument("--places", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=5089)
    parser.add_argument("--base-url", help="send the joins to this running server (on the same "
                                           "DATABASE_URL) instead of starting gunicorn")
    return parser.parse_args(argv)


def _prepare(app, args) -> tuple[int, list[str]]:
    run = uuid.uuid4().hex[:6]  # a fresh set of accounts on every run
    with app.app_context():
        volunteer = accounts.register(accounts.Registration(
            username=f"burst_{run}_vol", password=f"burst-{run}-pw", display_name="彩虹跑组委会",
            is_volunteer=True))
        category = db.session.scalars(sa.select(Category).order_by(Category.id)).first()
        service = listings.create_service(volunteer, listings.ServiceData(
            title="南湖彩虹跑", description="四千人报名,一千个名额", category_id=category.id,
            community="南湖", mode=ServiceMode.PLACE, capacity=args.places, auto_confirm=True,
            place="南湖公园", starts_at=None, ends_at=None), publish=True)
        bearer = []
        started = time.perf_counter()
        for n in range(args.residents):
            resident = accounts.register(accounts.Registration(
                username=f"burst_{run}_{n}", password=f"burst-{run}-pw", display_name=f"居民{n}"))
            bearer.append(tokens.issue_token(resident)[0])
            if n % 1000 == 999:
                db.session.commit()
                print(f"  {n + 1} residents with tokens ({time.perf_counter() - started:.0f} s)",
                      flush=True)
        db.session.commit()
        return service.id, bearer


def _burst(url: str, bearer: list[str], clients: int) -> tuple[list[tuple[int, dict]], float]:
    start = threading.Barrier(min(clients, len(bearer)) + 1)
    local = threading.local()

    def join(token: str) -> tuple[int, dict]:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            start.wait()  # every client starts at once
        response = local.session.post(url, json={"contact": "13800138000"}, timeout=120,
                                      headers={"Authorization": f"Bearer {token}"})
        return response.status_code, response.json() if response.content else {}

    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [pool.submit(join, token) for token in bearer]
        start.wait()
        began = time.perf_counter()
        answers = [future.result() for future in futures]
    return answers, time.perf_counter() - began


def _verify(app, service_id: int, answers, seconds: float, args) -> bool:
    statuses = Counter(code for code, _ in answers)
    kinds = Counter(body.get("status") for code, body in answers if code == 201)
    positions = sorted(body["waitlist_position"] for code, body in answers
                       if code == 201 and body.get("status") == "waitlisted")
    waiting = args.residents - args.places
    with app.app_context():
        service = db.session.get(Service, service_id)
        rows = Counter(db.session.scalars(
            sa.select(Enrollment.status).where(Enrollment.service_id == service_id)))
        counters = (service.taken, service.waitlisted)
    checks = {
        "every join answered 201": statuses == {201: args.residents},
        f"{args.places} confirmed": kinds["confirmed"] == args.places,
        f"waitlist 1..{waiting}, no gap, no repeat": positions == list(range(1, waiting + 1)),
        "rows agree": (rows["confirmed"], rows["waitlisted"]) == (args.places, waiting),
        "counters agree": counters == (args.places, waiting),
    }
    engine = sa.make_url(os.environ["DATABASE_URL"]).get_backend_name()
    server = f"via {args.base_url}" if args.base_url else f"gunicorn {args.workers} workers"
    print(f"\n{args.residents} residents, {args.places} places, {args.clients} clients, "
          f"{server}, {engine}: {seconds:.1f} s, "
          f"{args.residents / seconds:.0f} joins/s; answers {dict(statuses)}")
    for name, ok in checks.items():
        print(f"  {'✓' if ok else '✗'} {name}")
    return all(checks.values())


if __name__ == "__main__":
    sys.exit(main())
