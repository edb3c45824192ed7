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
def test_a_failure_is_retried_later_then_given_up(settings: Any) -> None:
    settings.EMAIL_BACKEND = "tests.engagement.test_emails.BrokenBackend"
    now = timezone.now()
    email = make_email()
    OutboundEmail.objects.filter(pk=email.pk).update(created_at=now - datetime.timedelta(minutes=5))
    assert svc.outbound_email_send(email_id=email.pk, now=now) == "retry"
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.READY
    assert email.attempts == 1
    assert email.not_before == now + datetime.timedelta(minutes=1)
    assert "SMTP is down" in email.last_error
    # Not due yet: neither a drain nor the sweep touches it.
    assert svc.outbound_email_send(email_id=email.pk, now=now + datetime.timedelta(seconds=30)) == "not_ready"
    assert svc.outbound_emails_send_ready(now=now + datetime.timedelta(seconds=30)) == 0
    email.refresh_from_db()
    assert email.attempts == 1
    # Each retry waits longer; the fifth failure is the last.
    at = now
    for attempt, wait in enumerate([1, 5, 30, 120], start=2):
        at += datetime.timedelta(minutes=wait)
        assert svc.outbound_emails_send_ready(now=at) == 0
        email.refresh_from_db()
        assert email.attempts == attempt
    assert email.status == OutboundEmail.Status.FAILED
    assert svc.outbound_emails_send_ready(now=at + datetime.timedelta(days=1)) == 0
    email.refresh_from_db()
    assert email.attempts == svc.MAX_ATTEMPTS
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_retry_is_sent_when_the_server_is_back(settings: Any) -> None:
    settings.EMAIL_BACKEND = "tests.engagement.test_emails.BrokenBackend"
    now = timezone.now()
    email = make_email()
    assert svc.outbound_email_send(email_id=email.pk, now=now) == "retry"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert svc.outbound_emails_send_ready(now=now + datetime.timedelta(minutes=1)) == 1
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert email.attempts == 2
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_row_left_sending_by_a_dead_worker_is_sent_again_after_a_while() -> None:
    now = timezone.now()
    email = make_email(status="sending", attempts=1, claimed_at=now)
    assert svc.outbound_emails_send_ready(now=now + datetime.timedelta(minutes=5)) == 0, "it may still be sending"
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENDING
    assert svc.outbound_emails_send_ready(now=now + svc.STALE_SENDING) == 1
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert email.attempts == 2
    assert "stopped while sending" in email.last_error
    assert len(mail.outbox) == 1


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
def test_a_kick_never_raises_when_the_broker_fails_and_the_next_one_tries_again(monkeypatch: Any, caplog: Any) -> None:
    from engagement import tasks

    attempts: list[int] = []

    def down(*args: Any, **kwargs: Any) -> None:
        attempts.append(1)
        raise OSError("Connection refused")

    monkeypatch.setattr(tasks.drain_outbox, "apply_async", down)
    email = make_email()
    svc.outbox_kick()  # no exception
    assert "periodic sweep will send the emails" in caplog.text
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.READY
    svc.outbox_kick()  # the failed kick let go of its key, so this one publishes (and fails) again
    assert len(attempts) == 2


@pytest.mark.django_db
def test_queue_writes_row_and_kicks_after_commit(django_capture_on_commit_callbacks: Any, monkeypatch: Any) -> None:
    from engagement import tasks

    queued: list[Any] = []
    monkeypatch.setattr(tasks.drain_outbox, "apply_async", lambda *a, **kw: queued.append(kw))
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
    assert len(queued) == 1
    assert email.subject == "Your saved answers to Tom & <Jerry>"
    assert "http://x/?a=1&b=2" in email.body_text
    assert "Tom &amp; &lt;Jerry&gt;" in email.body_html
    assert 'href="http://x/?a=1&amp;b=2"' in email.body_html


def queue_one(to: str) -> OutboundEmail:
    return svc.outbound_email_queue(
        kind="resume_link",
        to=to,
        template="resume_link",
        context={"consultation": {"title": "T"}, "link": "http://x/", "expires_days": 7},
    )


@pytest.mark.django_db
def test_one_drain_is_published_for_many_emails_and_sends_them_all(
    django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    from engagement import tasks

    published: list[Any] = []
    monkeypatch.setattr(tasks.drain_outbox, "apply_async", lambda *a, **kw: published.append(kw))
    for n in range(3):  # three requests, each committing its own email while the drain waits in the queue
        with django_capture_on_commit_callbacks(execute=True):
            queue_one(f"r{n}@example.org")
    assert len(published) == 1, "a drain already queued is not queued again"
    assert tasks.drain_outbox() == 3  # what the worker runs
    assert sorted(m.to[0] for m in mail.outbox) == ["r0@example.org", "r1@example.org", "r2@example.org"]
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {OutboundEmail.Status.SENT}
    # The drain let go of the key when it started: the next email queues a new drain.
    with django_capture_on_commit_callbacks(execute=True):
        queue_one("r3@example.org")
    assert len(published) == 2


@pytest.mark.django_db
def test_an_email_committed_while_a_drain_runs_is_sent_by_it_or_kicks_another(
    django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    """The drain clears its key before it looks: a row committed after that either is found by this drain or
    publishes a new one; it is never left waiting for the sweep."""
    from engagement import tasks

    published: list[Any] = []
    monkeypatch.setattr(tasks.drain_outbox, "apply_async", lambda *a, **kw: published.append(kw))
    with django_capture_on_commit_callbacks(execute=True):
        queue_one("first@example.org")
    original_send = svc.outbound_email_send

    def send_and_meanwhile_commit_another(*, email_id: int, now: Any) -> str:
        if not OutboundEmail.objects.filter(to="late@example.org").exists():
            with django_capture_on_commit_callbacks(execute=True):
                queue_one("late@example.org")
        return original_send(email_id=email_id, now=now)

    monkeypatch.setattr(svc, "outbound_email_send", send_and_meanwhile_commit_another)
    sent = svc.outbox_drain(now=timezone.now())
    assert sent == 2 or len(published) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["first@example.org", "late@example.org"]


@pytest.mark.django_db
def test_a_process_that_just_kicked_skips_the_cache_and_the_drain_lingers_for_its_rows(
    django_capture_on_commit_callbacks: Any, monkeypatch: Any, settings: Any
) -> None:
    """With a linger, a process kicks the cache once per window; the drain looks again until `linger` after it
    started, so a row committed in that window by a process that skipped its kick is still sent by it."""
    from engagement import tasks
    from ics_portal import counters

    settings.ENGAGEMENT_OUTBOX_LINGER_SECONDS = 30  # a window no slow test machine outlasts
    monkeypatch.setitem(svc._last_kick, "at", float("-inf"))
    published: list[Any] = []
    monkeypatch.setattr(tasks.drain_outbox, "apply_async", lambda *a, **kw: published.append(kw))
    cache_calls: list[str] = []
    real_set_if_absent = counters.set_if_absent

    def counted(key: str, timeout: int) -> bool:
        cache_calls.append(key)
        return real_set_if_absent(key, timeout)

    monkeypatch.setattr(counters, "set_if_absent", counted)
    clock = {"now": 1000.0}
    monkeypatch.setattr(svc, "monotonic", lambda: clock["now"])
    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            queue_one(f"r{n}@example.org")
        clock["now"] += 1
    assert len(published) == 1
    assert len(cache_calls) == 1, "the second and third kicks came within the window: no cache round trip"

    sleeps: list[float] = []

    def linger(seconds: float) -> None:  # while the drain waits, a process that skipped its kick commits a row
        sleeps.append(seconds)
        with django_capture_on_commit_callbacks(execute=True):
            queue_one("during-linger@example.org")
        clock["now"] += seconds

    monkeypatch.setattr(svc, "sleep", linger)
    assert svc.outbox_drain(now=timezone.now()) == 4
    assert sleeps == [30.0], "one wait, to `linger` after the drain started; then a look finds the row and stops"
    assert len(cache_calls) == 1
    assert len(published) == 1, "the row committed during the linger needed no kick"
    assert sorted(m.to[0] for m in mail.outbox)[0] == "during-linger@example.org"
    clock["now"] += 12  # past the window: the next commit kicks again
    with django_capture_on_commit_callbacks(execute=True):
        queue_one("later@example.org")
    assert len(cache_calls) == 2
    assert len(published) == 2


def test_sweep_is_scheduled_and_tasks_are_registered() -> None:
    from django.conf import settings

    from ics_portal import celery_app

    entry = settings.CELERY_BEAT_SCHEDULE["engagement-send-ready-emails"]
    assert entry["schedule"] <= 60
    celery_app.loader.import_default_modules()
    assert entry["task"] in celery_app.tasks
    assert "engagement.tasks.drain_outbox" in celery_app.tasks


@pytest.mark.django_db
def test_a_receipt_is_rendered_once_and_its_failures_are_retried(monkeypatch: Any) -> None:
    """Rendered when first claimed and kept, so a retry after an SMTP error sends the same text; a rendering error
    is a failed attempt (retried later), and a receipt whose response was deleted fails at once."""
    from tests.engagement.factories import ResponseFactory

    response = ResponseFactory(email="r@example.org", state="submitted", submitted_at=timezone.now())
    email = make_email(subject="", body_text="", body_html="", response=response, render=svc.receipt_render_payload(
        site_url="https://portal.example", changed=True
    ))  # fmt: skip

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("template missing")

    with monkeypatch.context() as m:
        m.setattr(svc, "render_email", broken)
        assert svc.outbound_email_send(email_id=email.pk) == "retry"
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.READY
    assert email.render is not None
    assert "template missing" in email.last_error

    with monkeypatch.context() as m:
        m.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", broken)
        assert svc.outbound_email_send(email_id=email.pk, now=timezone.now() + datetime.timedelta(hours=1)) == "retry"
    email.refresh_from_db()
    assert email.render is None
    assert response.reference in email.subject
    assert "https://portal.example/consultations/" in email.body_text
    rendered = email.body_text
    assert svc.outbound_email_send(email_id=email.pk, now=timezone.now() + datetime.timedelta(hours=3)) == "sent"
    assert mail.outbox[0].body == rendered

    orphan = make_email(subject="", body_text="", render=svc.receipt_render_payload(site_url="", changed=False))
    assert svc.outbound_email_send(email_id=orphan.pk) == "failed"
    orphan.refresh_from_db()
    assert orphan.status == OutboundEmail.Status.FAILED
    assert "deleted" in orphan.last_error
