"""Against a real SMTP server (tests/smtp_sink.py): temporary and permanent refusals, suppression, and two
workers sending at once with a real PostgreSQL."""

import datetime
from typing import Any

import pytest
from django.utils import timezone

from notifications import services as svc
from notifications.kinds import Rendered
from notifications.models import Email, Suppression
from tests.notifications.factories import EmailFactory, test_kinds  # noqa: F401 (fixture)
from tests.threads import at_once


@pytest.mark.django_db
def test_a_temporary_refusal_is_retried_and_delivered(smtp_sink: Any) -> None:
    smtp_sink.mode = "temporary"
    now = timezone.now()
    email = EmailFactory(to="later@example.org")
    assert svc.email_send(email_id=email.pk, now=now) == "retry"
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Email.Status.READY, 1)
    assert email.not_before == now + datetime.timedelta(minutes=1)
    assert "451" in email.last_error
    assert smtp_sink.refused == [("later@example.org", "451")]
    assert not Suppression.objects.exists(), "a temporary refusal suppresses nothing"

    smtp_sink.mode = "accept"
    assert svc.emails_send_due(now=now + datetime.timedelta(minutes=1)) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Email.Status.SENT, 2)
    (message,) = smtp_sink.messages
    assert message["To"] == "later@example.org"
    assert message["Message-ID"] == email.message_id
    assert message.get_content_type() == "multipart/alternative"


@pytest.mark.django_db
def test_a_permanent_refusal_fails_at_once_and_suppresses_the_address_for_optional_kinds(smtp_sink: Any) -> None:
    smtp_sink.mode = "permanent"
    email = EmailFactory(to="Gone@Example.org")
    assert svc.email_send(email_id=email.pk) == "failed"
    email.refresh_from_db()
    assert (email.status, email.attempts, email.not_before) == (Email.Status.FAILED, 1, None)
    assert "550" in email.last_error
    suppression = Suppression.objects.get()
    assert (suppression.address, suppression.email) == ("gone@example.org", email)
    assert "550" in suppression.reason
    # Never retried: the sweep leaves it alone.
    assert svc.emails_send_due(now=timezone.now() + datetime.timedelta(days=1)) == 0

    smtp_sink.mode = "accept"
    optional = svc.email_queue(kind="digest", to="gone@example.org", data={"title": "T"})
    required = svc.email_queue(kind="note", to="GONE@example.org", rendered=Rendered("Your code", "1234"))
    assert svc.email_send(email_id=optional.pk) == "suppressed"
    assert svc.email_send(email_id=required.pk) == "sent", "a kind that is not optional is still sent"
    optional.refresh_from_db()
    assert optional.status == Email.Status.SUPPRESSED
    assert "suppression list" in optional.last_error
    assert [m["To"] for m in smtp_sink.messages] == ["GONE@example.org"]


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_never_send_a_row_twice(smtp_sink: Any, monkeypatch: Any) -> None:
    """Two sweeps in two threads (two PostgreSQL connections) over the same 120 rows, in small batches so they
    interleave: every row is delivered exactly once."""
    monkeypatch.setattr(svc, "BATCH", 5)
    rows = EmailFactory.create_batch(120)
    Email.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=2))
    counts, errors = at_once(lambda: svc.emails_send_due(now=timezone.now()))
    assert errors == []
    assert sum(counts) == 120
    assert all(counts), f"both workers sent some ({counts}): they ran at once"
    ids = [m["Message-ID"] for m in smtp_sink.messages]
    assert len(ids) == 120
    assert set(ids) == {r.message_id for r in rows}
    assert set(Email.objects.values_list("status", flat=True)) == {Email.Status.SENT}


@pytest.mark.django_db
def test_a_batch_shares_one_smtp_session_and_a_refusal_in_it_costs_only_that_email(smtp_sink: Any) -> None:
    """The sweep sends a batch over one session; after a refusal it opens a fresh one for the rest."""
    smtp_sink.refuse = {"bad@example.org": "permanent"}
    for name in ("first", "bad", "second", "third"):
        EmailFactory(to=f"{name}@example.org")
    Email.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=2))
    assert svc.emails_send_due(now=timezone.now()) == 3
    statuses = dict(Email.objects.values_list("to", "status"))
    assert statuses == {
        "first@example.org": "sent",
        "bad@example.org": "failed",
        "second@example.org": "sent",
        "third@example.org": "sent",
    }
    assert smtp_sink.to() == ["first@example.org", "second@example.org", "third@example.org"]
    assert smtp_sink.sessions == 2, "one session for the batch, one more after the refusal"


@pytest.mark.django_db
def test_the_sweep_checks_a_batchs_addresses_against_the_suppression_list_in_one_query(smtp_sink: Any) -> None:
    """The sweep asks once per batch which addresses are suppressed: an optional kind to one of them is not sent,
    a required kind to it is, and the others go."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    Suppression.objects.create(address="gone@example.org", reason="550 No such mailbox")
    rows = [
        svc.email_queue(kind="digest", to="Gone@Example.org", data={"title": "T"}),
        svc.email_queue(kind="note", to="gone@example.org", rendered=Rendered("Your code", "1234")),
        *(svc.email_queue(kind="digest", to=f"p{n}@example.org", data={"title": "T"}) for n in range(3)),
    ]
    Email.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=2))
    with CaptureQueriesContext(connection) as captured:
        assert svc.emails_send_due(now=timezone.now()) == 4
    checks = [q["sql"] for q in captured.captured_queries if '"notifications_suppression"' in q["sql"]]
    assert len(checks) == 1, checks
    statuses = dict(Email.objects.filter(pk__in=[r.pk for r in rows]).values_list("to", "status"))
    assert statuses["Gone@Example.org"] == Email.Status.SUPPRESSED
    assert statuses["gone@example.org"] == Email.Status.SENT
    assert sorted(m["To"] for m in smtp_sink.messages) == [
        "gone@example.org",
        "p0@example.org",
        "p1@example.org",
        "p2@example.org",
    ]
