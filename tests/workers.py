"""Under pytest-xdist (`-n 2`) each worker gets services of its own, set in
the environment before the app's config reads it: a PostgreSQL database
`<name>_gw0` (created on first use) and a Redis database of its own, so that
one worker's emptying of tables or resetting of rate limits never reaches
another's. SQLite needs nothing: each worker already makes its own file."""

import os

import sqlalchemy as sa


def isolate_worker() -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, ... under xdist
    if not worker:
        return
    number = int(worker.removeprefix("gw"))
    if os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = _own_postgres_database(os.environ["DATABASE_URL"], worker)
    if os.environ.get("REDIS_URL"):
        url = sa.make_url(os.environ["REDIS_URL"])  # redis://host:port/15 → /14, /13, ...
        base = int(url.database or 0)
        os.environ["REDIS_URL"] = str(url.set(database=str((base - number) % 16)))


def _own_postgres_database(url: str, worker: str) -> str:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return url
    name = f"{parsed.database}_{worker}"
    engine = sa.create_engine(parsed, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                             {"name": name})
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)
