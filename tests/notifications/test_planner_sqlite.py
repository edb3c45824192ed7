"""The outbox's planner on SQLite (what `make run` uses): the one INSERT ... SELECT must run there too and make the
same rows, keys and Message-IDs as on PostgreSQL. A process of its own (sqlite_planner.py), as the tests' own
database is PostgreSQL."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from notifications.services import address_key

ROOT = Path(__file__).resolve().parents[2]


def test_the_planner_makes_the_same_rows_on_sqlite(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    env["PYTHONPATH"] = str(ROOT)
    run = subprocess.run(
        [sys.executable, str(ROOT / "tests/notifications/sqlite_planner.py"), str(tmp_path / "db.sqlite3")],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    # Followers and invitees; "both" follows and is invited (one email); "responded" sent a response.
    assert result["dry"] == [[3, 0]]
    assert result["first"] == [[3, 0, 1]]
    assert result["again"] == [[0, 3]]  # planning twice adds nothing
    assert result["dry_after"] == [[0, 3]]
    assert result["openings"] == [[3, 0]]  # nor is "responded" told it has opened
    reminders = [row for row in result["rows"] if row[0] == "reminder"]
    assert [row[1] for row in reminders] == ["both@example.org", "invited@example.org", "local@example.org"]
    for kind, to, key, message_id, status, data, _not_before in result["rows"]:
        assert key.endswith(":" + address_key(to))  # the same hash as Python's (and PostgreSQL's)
        assert message_id == f"<{hashlib.sha256(key.encode()).hexdigest()}@ics-portal.invalid>"
        assert status == "ready"
        assert data == ({"offset_days": 7} if kind == "reminder" else None)
