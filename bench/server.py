"""What the benchmark scripts share: gunicorn serving run:app on
DATABASE_URL, in the production configuration, with rate limits off (the
load comes from one address)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


class Gunicorn:
    def __init__(self, port: int, workers: int, **env):
        self.port, self.workers, self.env = port, workers, env

    def __enter__(self) -> Gunicorn:
        env = os.environ | {"RATELIMIT_ENABLED": "false", "WANGTAO_CONFIG": "production",
                            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret"),
                            **self.env}
        self.log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log",
                                               delete=False)
        self.process = subprocess.Popen(  # noqa: S603 (our own server)
            [sys.executable, "-m", "gunicorn", "--workers", str(self.workers),
             "--bind", f"127.0.0.1:{self.port}", "run:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=self.log)
        if wait_until_up(self.port, seconds=30):
            return self
        self.__exit__()
        sys.exit(f"gunicorn did not start; see {self.log.name}")

    def __exit__(self, *exc) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def wait_until_up(port: int, seconds: float) -> bool:
    """Whether /healthz on `port` answers within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return True
        except requests.RequestException:  # not up yet
            time.sleep(0.2)
    return False
