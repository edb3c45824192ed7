"""Give `make test` its PostgreSQL, Redis and Chromium, setting up on this machine what is installed but not running.

For each one that is missing:
- PostgreSQL on this machine: start the stopped cluster that listens on DATABASE_URL's port (`pg_ctlcluster`);
- Redis on this machine: start `redis-server` on REDIS_URL's port (no persistence: tests need none);
- Chromium at Debian's path: install Debian's `chromium` with apt-get;
starting or installing as root, or through passwordless sudo where root is needed. Whatever is still missing gets
one line on stderr saying what to run, and the exit code is 1, so `make test` stops before anything else.
`SERVICES_SETUP=check` only checks (and says what to run). Standard library only: it runs before the virtualenv.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from urllib.parse import urlparse

DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ics_portal")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1")
DEBIAN_CHROMIUM = "/usr/bin/chromium"
CHROMIUM = os.environ.get("CHROMIUM_PATH", DEBIAN_CHROMIUM)
SETUP = os.environ.get("SERVICES_SETUP", "auto") != "check"
LOCAL_HOSTS = {"", "127.0.0.1", "localhost", "::1"}
READY_SECONDS = 30


def say(message: str) -> None:
    print(f"check_services: {message}", file=sys.stderr, flush=True)


def address(url: str, default_port: int) -> tuple[str, int]:
    parsed = urlparse(url)
    return parsed.hostname or "127.0.0.1", parsed.port or default_port


def reachable(url: str, default_port: int) -> bool:
    try:
        with socket.create_connection(address(url, default_port), timeout=2):
            return True
    except OSError:
        return False


def wait_until(ready: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if ready():
            return True
        time.sleep(0.5)
    return False


def run(command: list[str], timeout: int = 60) -> bool:
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def as_root() -> list[str] | None:
    """The prefix that runs a command as root here ([] when we are root), or None when nothing can."""
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo") and run(["sudo", "-n", "true"], timeout=10):
        return ["sudo", "-n"]
    return None


def postgres() -> str | None:
    host, port = address(DATABASE_URL, 5432)
    fix = "start it (e.g. 'pg_ctlcluster --skip-systemctl-redirect <version> main start') or set DATABASE_URL."
    problem = f"PostgreSQL is not reachable at {DATABASE_URL}: "
    if not SETUP or host not in LOCAL_HOSTS:
        return problem + fix
    if not shutil.which("pg_lsclusters"):
        return problem + "it is not installed here: install it ('apt-get install -y postgresql') or set DATABASE_URL."
    listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=False)
    # Each line: version, cluster name, port, status, owner, data directory, log file.
    cluster = next((line.split() for line in listing.stdout.splitlines() if line.split()[2:3] == [str(port)]), None)
    if cluster is None:
        return (
            problem + f"no PostgreSQL cluster on this machine listens on port {port}: create one or set DATABASE_URL."
        )
    version, name = cluster[0], cluster[1]
    start = ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"]
    root = as_root()
    if root is None:
        return problem + f"run '{' '.join(start)}' as root."
    say(f"starting PostgreSQL {version}/{name} on port {port}")
    run([*root, *start], timeout=READY_SECONDS)
    if wait_until(lambda: reachable(DATABASE_URL, 5432)):
        return None
    return problem + f"'{' '.join(start)}' did not start it: see {cluster[-1]}."


def redis() -> str | None:
    host, port = address(REDIS_URL, 6379)
    start = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", str(port)]
    # Nothing is saved (tests need no persistence), so any writable folder will do for its working directory.
    start += ["--save", "", "--appendonly", "no", "--dir", tempfile.gettempdir()]
    start += ["--logfile", os.path.join(tempfile.gettempdir(), f"redis-{port}.log")]
    problem = f"Redis is not reachable at {REDIS_URL}: "
    if not SETUP or host not in LOCAL_HOSTS:
        return problem + f"start it with 'redis-server --daemonize yes --port {port} --save \"\"' or set REDIS_URL."
    if not shutil.which("redis-server"):
        return problem + "it is not installed here: install it ('apt-get install -y redis-server') or set REDIS_URL."
    say(f"starting Redis on port {port}")
    run(start, timeout=READY_SECONDS)
    if wait_until(lambda: reachable(REDIS_URL, 6379)):
        return None
    return problem + f"'redis-server' did not start on port {port}: see {start[-1]}."


def chromium() -> str | None:
    install = "apt-get install -y chromium"
    problem = f"Chromium is not installed at {CHROMIUM}: "
    if CHROMIUM != DEBIAN_CHROMIUM:
        return problem + f"install it there or set CHROMIUM_PATH (Debian's, '{install}', goes to {DEBIAN_CHROMIUM})."
    root = as_root() if SETUP and shutil.which("apt-get") else None
    if root is None:
        return problem + f"install it with '{install}' as root, or set CHROMIUM_PATH."
    say("installing Debian's chromium (apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        subprocess.run([*root, *command], capture_output=True, env=env, timeout=900, check=False)
    if os.access(CHROMIUM, os.X_OK):
        return None
    return problem + f"'{install}' failed: run it by hand to see why, or set CHROMIUM_PATH."


def main() -> int:
    problems = []
    if not reachable(DATABASE_URL, 5432):
        problems.append(postgres())
    if not reachable(REDIS_URL, 6379):
        problems.append(redis())
    if not os.access(CHROMIUM, os.X_OK):
        problems.append(chromium())
    lines = [problem for problem in problems if problem]
    for line in lines:
        print(line, file=sys.stderr)
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
