"""Stop `make test` at once, with one line saying what to do, when PostgreSQL, Redis or Chromium is missing."""

import os
import socket
import sys
from urllib.parse import urlparse

DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ics_portal")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


problems = []
if not reachable(DATABASE_URL, 5432):
    problems.append(
        f"PostgreSQL is not reachable at {DATABASE_URL}: start it with "
        "'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start' or set DATABASE_URL."
    )
if not reachable(REDIS_URL, 6379):
    problems.append(
        f"Redis is not reachable at {REDIS_URL}: start it with "
        "'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save \"\"' or set REDIS_URL."
    )
if not os.access(CHROMIUM, os.X_OK):
    problems.append(
        f"Chromium is not installed at {CHROMIUM}: install it with 'apt-get install -y chromium' or set CHROMIUM_PATH."
    )

for problem in problems:
    print(problem, file=sys.stderr)
sys.exit(1 if problems else 0)
