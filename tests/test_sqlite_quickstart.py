"""The quick start (`make run`) migrates a new SQLite database: every migration must run there too, with the
area tree's triggers in place afterwards (a table rebuild on SQLite once broke on them)."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_migration_runs_on_a_new_sqlite_database_and_leaves_the_triggers(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ics_portal.settings.local",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    with sqlite3.connect(database) as db:
        triggers = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        applied = db.execute("SELECT count(*) FROM django_migrations").fetchone()[0]
    assert "governance_area_check_insert" in triggers
    assert applied > 0
