"""Every model change has its migration: a field's choices changed in one branch and its migration forgotten
would otherwise pass every other test (they build the schema from the migrations)."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_missing_a_migration() -> None:
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:  # --check exits 1 when a migration is missing
        pytest.fail(f"makemigrations would write migrations (exit {exit_.code}):\n{out.getvalue()}")
