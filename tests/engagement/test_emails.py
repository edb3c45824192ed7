"""The outbox: claiming READY rows only, never sending twice, failures recorded, the sweep, broker failures."""

import datetime
import threading
from typing import Any

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from engagement.models import OutboundEmail
from engagement.services import emails as svc


def make_email(**kwargs: Any) -> OutboundEmail:
    defaults = {
        "kind": "receipt",
        "to": "a@example.org",
        "subject": "Hello",
        "body_text": "Text",
        "body_html": "<p>Hi</p>",
    }
    return OutboundEmail.objects.create(**{**defaults, **kwargs})


@pytest.mark.django_db
def test_sends_a_ready_email_once() -> None:
    email = make_email()
    assert svc.outbound_email_send(email_id=email.pk) == "sent"
    assert svc.outbound_email_send(email_id=email.pk) == "not_ready"
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert email.attempts == 1
    assert email.sent_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].alternatives[0] == ("<p>Hi</p>", "text/html")


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["sending", "sent", "failed"])
def test_only_ready_rows_are_claimed(status: str) -> None:
    email = make_email(status=status)
    assert svc.outbound_email_send(email_id=email.pk) == "not_ready"
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_failure_is_recorded_and_not_retried(settings: Any) -> None:
    settings.EMAIL_BACKEND = "tests.engagement.test_emails.BrokenBackend"
    email = make_email()
    assert svc.outbound_email_send(email_id=email.pk) == "failed"
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.FAILED
    assert email.attempts == 1
    assert "SMTP is down" in email.last_error
    assert svc.outbound_email_send(email_id=email.pk) == "not_ready"


class BrokenBackend:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise ConnectionError("SMTP is down")


@pytest.mark.django_db
def test_sweep_sends_ready_rows_older_than_a_minute() -> None:
    now = timezone.now()
    old = make_email(to="old@example.org")
    fresh = make_email(to="fresh@example.org")
    sent = make_email(to="sent@example.org", status="sent")
    OutboundEmail.objects.filter(pk__in=[old.pk, sent.pk]).update(created_at=now - datetime.timedelta(minutes=2))
    assert svc.outbound_emails_send_ready(now=now) == 1
    assert [m.to for m in mail.outbox] == [["old@example.org"]]
    fresh.refresh_from_db()
    assert fresh.status == OutboundEmail.Status.READY


@pytest.mark.django_db(transaction=True)
def test_a_row_locked_by_another_worker_is_skipped() -> None:
    email = make_email()
    locked = threading.Event()
    release = threading.Event()

    def hold_lock() -> None:
        try:
            with transaction.atomic():
                list(OutboundEmail.objects.select_for_update().filter(pk=email.pk))
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=hold_lock)
    thread.start()
    try:
        assert locked.wait(10)
        assert svc.outbound_email_send(email_id=email.pk) == "not_ready"
        assert mail.outbox == []
    finally:
        release.set()
        thread.join()
    assert svc.outbound_email_send(email_id=email.pk) == "sent"


@pytest.mark.django_db
def test_queueing_never_raises_when_the_broker_fails(monkeypatch: Any, caplog: Any) -> None:
    from engagement import tasks

    def down(*args: Any, **kwargs: Any) -> None:
        raise OSError("Connection refused")

    monkeypatch.setattr(tasks.send_outbound_email, "apply_async", down)
    email = make_email()
    svc.enqueue_send(email.pk)  # no exception
    assert "periodic sweep will send it" in caplog.text
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.READY


@pytest.mark.django_db
def test_queue_writes_row_and_sends_after_commit(django_capture_on_commit_callbacks: Any, monkeypatch: Any) -> None:
    from engagement import tasks

    queued: list[Any] = []
    monkeypatch.setattr(tasks.send_outbound_email, "apply_async", lambda args, **kw: queued.append(args))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email = svc.outbound_email_queue(
            kind="resume_link",
            to="b@example.org",
            template="resume_link",
            context={"consultation": {"title": "Tom & <Jerry>"}, "link": "http://x/?a=1&b=2", "expires_days": 7},
        )
    assert queued == [], "nothing is queued before the transaction commits"
    assert len(callbacks) == 1
    callbacks[0]()
    assert queued == [[email.pk]]
    assert email.subject == "Your saved answers to Tom & <Jerry>"
    assert "http://x/?a=1&b=2" in email.body_text
    assert "Tom &amp; &lt;Jerry&gt;" in email.body_html
    assert 'href="http://x/?a=1&amp;b=2"' in email.body_html


def test_sweep_is_scheduled_and_tasks_are_registered() -> None:
    from django.conf import settings

    from ics_portal import celery_app

    entry = settings.CELERY_BEAT_SCHEDULE["engagement-send-ready-emails"]
    assert entry["schedule"] <= 60
    celery_app.loader.import_default_modules()
    assert entry["task"] in celery_app.tasks
    assert "engagement.tasks.send_outbound_email" in celery_app.tasks
