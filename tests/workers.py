"""Under pytest-xdist (`-n 2`) each worker gets services of its own, set in
the environment before the app's config reads it: a PostgreSQL database
`<name>_gw0` (created on first use) and a Redis database of its own, so that
one worker's emptying of tables or resetting of rate limits never reaches
another's. SQLite needs nothing: each worker already makes its own file.

Commits cost no disk flush (speed_up_commits): a test commits several times,
and on a virtual disk each flush is milliseconds, more than the commit's own
work. Only what a crash of the machine would keep changes; no test crashes
the machine (tests/faults.py stops its own PostgreSQL with a clean shutdown,
which writes everything)."""

import os
import shutil
import tempfile

import sqlalchemy as sa

RAM_DISK = "/dev/shm"  # noqa: S108 (a folder of our own is made in it, mkdtemp)


def speed_up_commits() -> None:
    """Scratch files that tests make with tempfile (each worker's SQLite
    database, the migrations' and first start's, tests/faults.py's own
    PostgreSQL) on the RAM disk when the machine has one, so SQLite's commits
    flush nothing (pytest's tmp_path stays where it was); and PostgreSQL
    sessions of this process and its children with synchronous_commit off
    (PGOPTIONS, read by libpq), so a commit does not wait for the WAL's flush.
    What every session sees is the same. The run's RAM folder is removed at
    its end (remove_scratch)."""
    if "WANGTAO_TEST_TMPDIR" not in os.environ and os.path.isdir(RAM_DISK) \
            and os.access(RAM_DISK, os.W_OK):
        os.environ.setdefault("PYTEST_DEBUG_TEMPROOT", tempfile.gettempdir())  # tmp_path's
        scratch = tempfile.mkdtemp(prefix="wangtao-tests-", dir=RAM_DISK)
        os.chmod(scratch, 0o755)  # noqa: S103 (tests/faults.py runs a cluster as postgres in it)
        os.environ["WANGTAO_TEST_TMPDIR"] = scratch
        os.environ["WANGTAO_TEST_TMPDIR_OWNER"] = str(os.getpid())
    if os.environ.get("WANGTAO_TEST_TMPDIR"):  # the controller's, for its workers too
        os.environ["TMPDIR"] = os.environ["WANGTAO_TEST_TMPDIR"]
        tempfile.tempdir = None  # gettempdir() reads TMPDIR again
    option = "-c synchronous_commit=off"
    if option not in os.environ.get("PGOPTIONS", ""):
        os.environ["PGOPTIONS"] = f"{os.environ.get('PGOPTIONS', '')} {option}".strip()


def remove_scratch() -> None:
    """At the end of the run, in the process that made the RAM folder."""
    if os.environ.get("WANGTAO_TEST_TMPDIR_OWNER") == str(os.getpid()):
        shutil.rmtree(os.environ["WANGTAO_TEST_TMPDIR"], ignore_errors=True)


def isolate_worker() -> None:
    speed_up_commits()
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
