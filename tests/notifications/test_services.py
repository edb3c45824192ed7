"""The outbox: claiming READY rows only, never sending twice, failures recorded, the sweep, publishing."""

import datetime
import threading
from typing import Any

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from notifications import services as svc
from notifications import tasks
from notifications.kinds import Rendered
from notifications.models import Email
from tests.notifications.factories import EmailFactory, test_kinds  # noqa: F401 (fixture)


@pytest.mark.django_db
def test_sends_a_ready_email_once_with_its_message_id() -> None:
    email = EmailFactory()
    assert svc.email_send(email_id=email.pk) == "sent"
    assert svc.email_send(email_id=email.pk) == "not_ready"
    email.refresh_from_db()
    assert email.status == Email.Status.SENT
    assert email.attempts == 1
    assert email.sent_at is not None
    (message,) = mail.outbox
    assert message.alternatives[0] == ("<p>Hi</p>", "text/html")
    assert message.extra_headers["Message-ID"] == email.message_id
    assert email.message_id.startswith("<")
    assert email.message_id.endswith("@ics-portal.invalid>")


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["sending", "sent", "failed", "suppressed"])
def test_only_ready_rows_are_claimed(status: str) -> None:
    email = EmailFactory(status=status)
    assert svc.email_send(email_id=email.pk) == "not_ready"
    assert mail.outbox == []


class BrokenBackend:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise ConnectionError("SMTP is down")


@pytest.mark.django_db
def test_a_failure_is_retried_later_then_given_up(settings: Any) -> None:
    settings.EMAIL_BACKEND = "tests.notifications.test_services.BrokenBackend"
    now = timezone.now()
    email = EmailFactory()
    Email.objects.filter(pk=email.pk).update(created_at=now - datetime.timedelta(minutes=5))
    assert svc.email_send(email_id=email.pk, now=now) == "retry"
    email.refresh_from_db()
    assert email.status == Email.Status.READY
    assert email.attempts == 1
    assert email.not_before == now + datetime.timedelta(minutes=1)
    assert "SMTP is down" in email.last_error
    # Not due yet: neither its task nor the sweep touches it.
    assert svc.email_send(email_id=email.pk, now=now + datetime.timedelta(seconds=30)) == "not_ready"
    assert svc.emails_send_due(now=now + datetime.timedelta(seconds=30)) == 0
    email.refresh_from_db()
    assert email.attempts == 1
    # Each retry waits longer; the fifth failure is the last.
    at = now
    for attempt, wait in enumerate([1, 5, 30, 120], start=2):
        at += datetime.timedelta(minutes=wait)
        assert svc.emails_send_due(now=at) == 0
        email.refresh_from_db()
        assert email.attempts == attempt
    assert email.status == Email.Status.FAILED
    assert svc.emails_send_due(now=at + datetime.timedelta(days=1)) == 0
    email.refresh_from_db()
    assert email.attempts == svc.MAX_ATTEMPTS
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_retry_is_sent_when_the_server_is_back(settings: Any) -> None:
    settings.EMAIL_BACKEND = "tests.notifications.test_services.BrokenBackend"
    now = timezone.now()
    email = EmailFactory()
    assert svc.email_send(email_id=email.pk, now=now) == "retry"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert svc.emails_send_due(now=now + datetime.timedelta(minutes=1)) == 1
    email.refresh_from_db()
    assert email.status == Email.Status.SENT
    assert email.attempts == 2
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_row_left_sending_by_a_dead_worker_is_sent_again_only_once_certainly_stale() -> None:
    now = timezone.now()
    email = EmailFactory(status="sending", attempts=1, claimed_at=now)
    assert svc.emails_send_due(now=now + datetime.timedelta(minutes=5)) == 0, "it may still be sending"
    email.refresh_from_db()
    assert email.status == Email.Status.SENDING
    assert svc.emails_send_due(now=now + svc.STALE_SENDING) == 1
    email.refresh_from_db()
    assert email.status == Email.Status.SENT
    assert email.attempts == 2
    assert "stopped while sending" in email.last_error
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_sweep_sends_ready_rows_older_than_a_minute() -> None:
    now = timezone.now()
    old = EmailFactory(to="old@example.org")
    fresh = EmailFactory(to="fresh@example.org")
    sent = EmailFactory(to="sent@example.org", status="sent")
    Email.objects.filter(pk__in=[old.pk, sent.pk]).update(created_at=now - datetime.timedelta(minutes=2))
    assert svc.emails_send_due(now=now) == 1
    assert [m.to for m in mail.outbox] == [["old@example.org"]]
    fresh.refresh_from_db()
    assert fresh.status == Email.Status.READY


@pytest.mark.django_db
def test_the_sweep_claims_in_bounded_batches_each_stamped_when_claimed(monkeypatch: Any) -> None:
    """claimed_at is the moment of each batch's claim, not the sweep's start (a long sweep must not make its
    later rows look stale), and no claim takes more than BATCH rows."""
    monkeypatch.setattr(svc, "BATCH", 3)
    start = timezone.now() - datetime.timedelta(minutes=2)
    EmailFactory.create_batch(7)
    Email.objects.update(created_at=start)
    claims: list[int] = []
    real_claim = svc._claim

    def claim(queryset: Any, *, limit: int) -> list[Email]:
        rows = real_claim(queryset, limit=limit)
        claims.append(len(rows))
        return rows

    monkeypatch.setattr(svc, "_claim", claim)
    before = timezone.now()
    assert svc.emails_send_due(now=start + datetime.timedelta(minutes=2)) == 7
    assert claims == [3, 3, 1, 0]
    stamps = sorted(set(Email.objects.values_list("claimed_at", flat=True)))
    assert len(stamps) == 3
    assert stamps[0] >= before


@pytest.mark.django_db
def test_a_worker_holding_a_batch_too_long_gives_the_rest_back(monkeypatch: Any) -> None:
    """So that a row SENDING longer than STALE_SENDING is certainly abandoned, a live worker never holds one
    that long: past half of it, the rest of its batch goes back to READY (and is claimed afresh)."""
    rows = EmailFactory.create_batch(3)
    Email.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=2))
    offset = {"by": datetime.timedelta(0)}

    class Clock:
        @staticmethod
        def now() -> datetime.datetime:
            return timezone.now() + offset["by"]

    monkeypatch.setattr(svc, "timezone", Clock)
    real_deliver = svc._deliver
    claims: list[tuple[int, Any]] = []

    def slow_deliver(email: Email, *, now: datetime.datetime, **kwargs: Any) -> str:
        claims.append((email.pk, email.claimed_at))
        result = real_deliver(email, now=now, **kwargs)
        offset["by"] += svc.STALE_SENDING * 0.6  # that send hung for most of the stale limit
        return result

    monkeypatch.setattr(svc, "_deliver", slow_deliver)
    assert svc.emails_send_due(now=timezone.now()) == 3
    assert [pk for pk, _ in claims] == [r.pk for r in rows]
    assert claims[1][1] > claims[0][1], "the second row was given back and claimed again, with a new stamp"
    assert list(Email.objects.values_list("attempts", flat=True)) == [1, 1, 1], "a give-back is not an attempt"


@pytest.mark.django_db(transaction=True)
def test_a_row_locked_by_another_worker_is_skipped() -> None:
    email = EmailFactory()
    locked = threading.Event()
    release = threading.Event()

    def hold_lock() -> None:
        try:
            with transaction.atomic():
                list(Email.objects.select_for_update().filter(pk=email.pk))
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=hold_lock)
    thread.start()
    try:
        assert locked.wait(10)
        assert svc.email_send(email_id=email.pk) == "not_ready"
        assert mail.outbox == []
    finally:
        release.set()
        thread.join()
    assert svc.email_send(email_id=email.pk) == "sent"


@pytest.mark.django_db
def test_queue_writes_row_and_publishes_after_commit(django_capture_on_commit_callbacks: Any, monkeypatch: Any) -> None:
    queued: list[Any] = []
    monkeypatch.setattr(tasks.send_email, "apply_async", lambda *a, **kw: queued.append(kw))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email = svc.email_queue(
            kind="resume_link",
            to="b@example.org",
            context={"consultation": {"title": "Tom & <Jerry>"}, "link": "http://x/?a=1&b=2", "expires_days": 7},
        )
    assert queued == [], "nothing is queued before the transaction commits"
    assert len(callbacks) == 1
    callbacks[0]()
    assert queued == [{"kwargs": {"email_id": email.pk}, "retry": False}]
    assert email.subject == "Your saved answers to Tom & <Jerry>"
    assert "http://x/?a=1&b=2" in email.body_text
    assert "Tom &amp; &lt;Jerry&gt;" in email.body_html
    assert 'href="http://x/?a=1&amp;b=2"' in email.body_html


@pytest.mark.django_db
def test_a_failed_publish_leaves_the_row_for_the_sweep(
    django_capture_on_commit_callbacks: Any, monkeypatch: Any, caplog: Any
) -> None:
    def down(*args: Any, **kwargs: Any) -> None:
        raise OSError("Connection refused")

    monkeypatch.setattr(tasks.send_email, "apply_async", down)
    with django_capture_on_commit_callbacks(execute=True):
        email = svc.email_queue(kind="note", to="c@example.org", rendered=Rendered("Hi", "Text"))  # no exception
    assert "the sweep will send it" in caplog.text
    email.refresh_from_db()
    assert email.status == Email.Status.READY
    assert mail.outbox == []
    assert svc.emails_send_due(now=timezone.now() + svc.SWEEP_AFTER) == 1
    assert [m.to for m in mail.outbox] == [["c@example.org"]]


@pytest.mark.django_db
def test_planning_the_same_email_twice_makes_one_row(django_capture_on_commit_callbacks: Any, monkeypatch: Any) -> None:
    queued: list[Any] = []
    monkeypatch.setattr(tasks.send_email, "apply_async", lambda *a, **kw: queued.append(kw))
    with django_capture_on_commit_callbacks(execute=True):
        first = svc.email_queue(kind="digest", to="d@example.org", dedup_key="digest:d:2026-12-01", data={})
        again = svc.email_queue(kind="digest", to="d@example.org", dedup_key="digest:d:2026-12-01", data={})
    assert again.pk == first.pk
    assert Email.objects.count() == 1
    assert len(queued) == 1, "only the new row is published"
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database holds to it
        Email.objects.create(kind="digest", to="d@example.org", dedup_key="digest:d:2026-12-01")


@pytest.mark.django_db
def test_a_renderer_may_answer_do_not_send_and_the_reason_is_kept() -> None:
    skipped = svc.email_queue(kind="digest", to="e@example.org", data={"skip": "They have already responded."})
    sent = svc.email_queue(kind="digest", to="f@example.org", data={"title": "Stroke services"})
    assert svc.email_send(email_id=skipped.pk) == "suppressed"
    assert svc.email_send(email_id=sent.pk) == "sent"
    skipped.refresh_from_db()
    assert (skipped.status, skipped.last_error) == (Email.Status.SUPPRESSED, "They have already responded.")
    (message,) = mail.outbox
    assert message.to == ["f@example.org"]
    assert message.subject == "Your saved answers to Stroke services"


@pytest.mark.django_db
def test_an_unknown_kind_is_refused_when_queued_and_fails_if_found() -> None:
    with pytest.raises(KeyError):
        svc.email_queue(kind="nobody_registered_this", to="g@example.org", rendered=Rendered("Hi", "Text"))
    orphan = EmailFactory(kind="gone_kind")
    assert svc.email_send(email_id=orphan.pk) == "failed"
    orphan.refresh_from_db()
    assert "gone_kind" in orphan.last_error


def test_sweep_is_scheduled_every_minute_in_utc_and_tasks_are_registered() -> None:
    from django.conf import settings

    from ics_portal import celery_app

    entry = settings.CELERY_BEAT_SCHEDULE["notifications-send-due-emails"]
    assert entry["schedule"] <= 60
    assert (celery_app.conf.timezone, celery_app.conf.enable_utc) == ("UTC", True)
    celery_app.loader.import_default_modules()
    assert entry["task"] in celery_app.tasks
    assert "notifications.tasks.send_email" in celery_app.tasks
    assert not [name for name in celery_app.tasks if "drain_outbox" in name or "send_ready_emails" in name]
