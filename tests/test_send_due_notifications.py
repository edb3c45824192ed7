"""`manage.py send_due_notifications`: what beat runs, with what it planned, sent and skipped (and why)."""

import io

import pytest
from django.core.management import CommandError, call_command

from notifications.models import Email, Follow, Suppression
from notifications.reminders import reminder_due_at
from tests.notifications.test_reminders import scene  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("send_due_notifications", *args, stdout=out)
    return out.getvalue()


def test_dry_run_says_what_it_would_plan_and_changes_nothing(scene) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    seven = reminder_due_at(scene.closes_at, 7)
    out = run("--now", seven.isoformat(), "--dry-run")
    assert "(dry run)" in out
    assert "Reminder 7 days before" in out
    assert "would plan 4; already planned or sent: 0; skipped, already responded: 2" in out
    assert "Reminder 1 day before" in out
    assert "not due until 2026-03-28 09:00 GMT" in out
    assert not Email.objects.exists()


def test_a_run_plans_sends_and_says_why_it_skipped(scene, smtp_sink) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    Suppression.objects.create(address="ann@example.org", reason="550 No such mailbox")
    # London time without an offset: 9am GMT on 22 March, the 7-day moment, plus a minute.
    out = run("--now", "2026-03-22T09:01")
    assert "planned 4; already planned or sent: 0; skipped, already responded: 2" in out
    assert "Sent: 3" in out
    assert "Not sent: reminder to ann@example.org: suppressed: ann@example.org is on the suppression list." in out
    assert sorted(smtp_sink.to()) == ["bo@example.org", "fay@example.org", "hal@example.org"]

    Follow.objects.filter(user__email="hal@example.org").delete()
    out = run("--now", "2026-03-22T09:05")
    assert "planned 0; already planned or sent: 4" in out  # hal still follows the top area by email
    assert "Sent: 0" in out
    assert len(smtp_sink.messages) == 3


def test_a_bad_now_is_refused_in_plain_words() -> None:
    with pytest.raises(CommandError, match="not a date and time in ISO 8601 form"):
        run("--now", "next tuesday")


def test_beats_pass_plans_the_same_rows_without_counting_the_recipients(scene, monkeypatch) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """Beat keeps only how many rows are new, so its pass runs no COUNT of the recipients (each was a scan of the
    audience); the command's pass, which prints them, counts as before."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.planning import due_emails_plan
    from notifications.tasks import plan_due_emails

    seven = reminder_due_at(scene.closes_at, 7)
    monkeypatch.setattr("engagement.tasks.timezone.now", lambda: seven)
    with CaptureQueriesContext(connection) as beat:
        assert plan_due_emails() == 4
    Email.objects.all().delete()
    with CaptureQueriesContext(connection) as counted:
        due = due_emails_plan(now=seven)
    assert (due.planned, [p.responded for p in due.reminders if p.state == "planned"]) == (4, [2])
    counts = [q["sql"] for q in counted.captured_queries if "COUNT(" in q["sql"]]
    assert counts, "the command's pass counts"
    assert not [q["sql"] for q in beat.captured_queries if "COUNT(" in q["sql"]]
    assert len(beat) <= len(counted) - len(counts), "each COUNT saved (and the area walk of the responded count)"
