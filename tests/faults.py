"""Helpers for tests/test_faults.py: a PostgreSQL server of the test's own
(to stop and start without touching the shared one), a fault injected into
the SQL an action runs, and a snapshot of every table."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from marketplace.extensions import db

PG_BIN = Path("/usr/lib/postgresql/15/bin")
OS_USER = "postgres"  # PostgreSQL refuses to run as root
READY_WAIT_SECONDS = 60  # a bound on startup, not a measurement


class PrivatePostgres:
    """A throwaway cluster in a temporary folder, on a free port of
    127.0.0.1, its socket in that folder. Missing binaries raise (the test
    fails: it never skips)."""

    def __init__(self):
        self.base = Path(tempfile.mkdtemp(prefix="wangtao-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.port = _free_port()
        self.process: subprocess.Popen | None = None
        try:
            shutil.chown(self.base, OS_USER, OS_USER)
            # No fsync: the cluster lives for one test and speed is what matters.
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
                      "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        except Exception:
            self.remove()
            raise

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our own binaries and folder)
                _as_os_user(PG_BIN / "postgres", "-D", self.data, "-p", self.port,
                            "-k", self.base, "-c", "listen_addresses=127.0.0.1",
                            "-c", "fsync=off"),
                stdout=log, stderr=subprocess.STDOUT, cwd=self.base)
        self._wait_until_ready()

    def stop(self) -> None:
        """pg_ctl stop -m fast: open connections are cut, as in a crash of
        the service or a failover."""
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w")
        self.process.wait(timeout=READY_WAIT_SECONDS)
        self.process = None

    def remove(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.stop()
        shutil.rmtree(self.base, ignore_errors=True)

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_WAIT_SECONDS
        while subprocess.run([PG_BIN / "pg_isready", "-q", "-h", "127.0.0.1",  # noqa: S603
                              "-p", str(self.port)], check=False).returncode != 0:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not start:\n{self.log.read_text()}")
            time.sleep(0.05)

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run(_as_os_user(PG_BIN / program, *args), cwd=self.base,  # noqa: S603
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed: {done.stdout}{done.stderr}")


def _as_os_user(program: Path, *args) -> list[str]:
    command = [str(program), *(str(a) for a in args)]
    if os.geteuid() == 0:
        return ["runuser", "-u", OS_USER, "--", *command]
    return command


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class InjectedFault(RuntimeError):
    """The failure a test plants in the middle of an action."""


class Fault:
    """Raises InjectedFault when the `nth` statement matching `pattern`
    (a regular expression, case-insensitive, searched in the SQL) is about to
    run; `before` holds the statements run until then."""

    def __init__(self, pattern: str, nth: int = 1):
        self.pattern, self.nth = re.compile(pattern, re.IGNORECASE), nth
        self.seen = 0
        self.before: list[str] = []
        self.fired = False

    def __call__(self, conn, cursor, statement, *args):
        if not self.fired and self.pattern.search(statement):
            self.seen += 1
            if self.seen == self.nth:
                self.fired = True
                raise InjectedFault(f"injected before: {statement[:80]}")
        if not self.fired:
            self.before.append(statement)

    def wrote_before(self, table: str) -> bool:
        """Whether the action had written `table` when the fault struck."""
        write = re.compile(rf"^\s*(INSERT INTO|UPDATE|DELETE FROM)\s+\"?{table}\b", re.I)
        return any(write.search(s) for s in self.before)


@contextmanager
def fault(pattern: str, nth: int = 1):
    injected = Fault(pattern, nth)
    sa.event.listen(db.engine, "before_cursor_execute", injected)
    try:
        yield injected
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", injected)


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, in key order: the whole database, which a
    failed action must leave exactly as it was."""
    db.session.expire_all()
    tables = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        tables[table.name] = [tuple(row) for row in
                              db.session.execute(sa.select(table).order_by(*order))]
    db.session.rollback()
    return tables
