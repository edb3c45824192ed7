"""`make test` stops at once, one line per missing service, when PostgreSQL, Redis or Chromium is missing."""

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "check_services.py"


def run_check(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_all_services_present_passes_silently():
    result = run_check()
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_each_missing_service_gets_one_line_naming_it_and_the_fix():
    result = run_check(
        DATABASE_URL="postgres://postgres@127.0.0.1:1/nowhere",
        REDIS_URL="redis://127.0.0.1:2/0",
        CHROMIUM_PATH="/nonexistent/chromium",
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("PostgreSQL is not reachable")
    assert "pg_ctlcluster" in lines[0]
    assert lines[1].startswith("Redis is not reachable")
    assert "redis-server" in lines[1]
    assert lines[2].startswith("Chromium is not installed")
    assert "apt-get install -y chromium" in lines[2]


def test_only_the_missing_service_is_reported():
    result = run_check(REDIS_URL="redis://127.0.0.1:2/0")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        line for line in result.stderr.strip().splitlines() if line.startswith("Redis")
    ]
    assert len(result.stderr.strip().splitlines()) == 1
