"""`make test` sets up its services (scripts/check_services.py): it starts a stopped PostgreSQL cluster and Redis on
this machine, and whatever it cannot set up stops the run with one line per service saying what to run."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "check_services.py"


def run_check(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_all_services_present_passes_silently():
    result = run_check()
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_each_missing_service_gets_one_line_naming_it_and_the_fix():
    result = run_check(
        SERVICES_SETUP="check",
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
    assert "--port 2 " in lines[1]
    assert lines[2].startswith("Chromium is not installed")
    assert "apt-get install -y chromium" in lines[2]


def test_only_the_missing_service_is_reported():
    result = run_check(SERVICES_SETUP="check", REDIS_URL="redis://127.0.0.1:2/0")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Redis is not reachable")


def test_what_cannot_be_set_up_here_is_one_line_and_nothing_is_started():
    """No cluster listens on the port, Redis is on another machine, Chromium is wanted outside Debian's path."""
    result = run_check(
        DATABASE_URL="postgres://postgres@127.0.0.1:1/nowhere",
        REDIS_URL="redis://192.0.2.1:6379/0",  # TEST-NET-1: never this machine
        CHROMIUM_PATH="/nonexistent/chromium",
    )
    assert result.returncode == 1
    assert "starting" not in result.stderr
    assert "installing" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3
    assert "no PostgreSQL cluster on this machine listens on port 1" in lines[0]
    assert lines[1].startswith("Redis is not reachable at redis://192.0.2.1:6379/0: start it with")
    assert "set CHROMIUM_PATH" in lines[2]


@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server installed")
def test_a_stopped_redis_on_this_machine_is_started():
    port = free_port()
    try:
        result = run_check(REDIS_URL=f"redis://127.0.0.1:{port}/0")
        assert result.returncode == 0, result.stderr
        assert result.stderr.strip() == f"check_services: starting Redis on port {port}"
        assert listening(port)
    finally:
        subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True, check=False)


@pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("pg_createcluster"), reason="needs root and Debian's postgresql-common"
)
def test_a_stopped_postgresql_cluster_on_this_machine_is_started():
    """A throwaway cluster on a free port, created stopped, is started by the check (and dropped afterwards)."""
    port = free_port()
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    name = f"check{port}"
    subprocess.run(["pg_createcluster", version, name, "-p", str(port)], capture_output=True, check=True)
    try:
        assert not listening(port)
        result = run_check(DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/postgres")
        assert result.returncode == 0, result.stderr
        assert result.stderr.strip() == f"check_services: starting PostgreSQL {version}/{name} on port {port}"
        assert listening(port)
    finally:
        subprocess.run(["pg_dropcluster", "--stop", version, name], capture_output=True, check=False)
        for _ in range(20):
            if not listening(port):
                break
            time.sleep(0.25)
