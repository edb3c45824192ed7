"""A real Celery worker (in a thread, solo pool) on the real Redis broker delivers the portal's email (outbox rows,
allauth's sign-in codes among them)."""

import time
from unittest import mock

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from kombu.exceptions import OperationalError

from ics_portal import celery as celery_module
from ics_portal.celery import app
from notifications.models import Email
from notifications.services import email_queue
from notifications.tasks import send_email
from tests.factories import UserFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for_mail(count: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while len(mail.outbox) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(mail.outbox) >= count, f"{len(mail.outbox)} of {count} emails arrived within {timeout} s"


@pytest.fixture(scope="module")
def celery_worker(django_db_blocker):
    assert app.conf.broker_url.startswith("redis://")
    with django_db_blocker.unblock(), start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def test_worker_delivers_a_queued_email(celery_worker, mailoutbox):
    email = email_queue(  # autocommit (a transactional test): published at once, as after a commit
        kind="resume_link",
        to="resident@example.com",
        context={"consultation": {"title": "Stroke services"}, "link": "http://x/", "expires_days": 7},
    )
    wait_for_mail(1)
    (message,) = mailoutbox
    assert message.subject == "Your saved answers to Stroke services"
    assert message.to == ["resident@example.com"]
    assert "http://x/" in message.body
    assert message.alternatives[0][1] == "text/html"
    deadline = time.monotonic() + 5
    while Email.objects.get(pk=email.pk).status != Email.Status.SENT and time.monotonic() < deadline:
        time.sleep(0.05)
    assert Email.objects.get(pk=email.pk).status == Email.Status.SENT


def test_allauth_sign_in_code_goes_through_the_worker(celery_worker, client, mailoutbox, settings):
    settings.EMAIL_VIA_CELERY = True
    user = UserFactory(email="queued@example.com")
    with mock.patch.object(send_email, "apply_async", wraps=send_email.apply_async) as queued:
        response = client.post("/accounts/login/code/", {"email": user.email})
    assert response.status_code == 302
    queued.assert_called_once()
    wait_for_mail(1)
    assert mailoutbox[0].to == [user.email]
    assert "sign-in code" in mailoutbox[0].body.lower()
    (row,) = Email.objects.filter(kind="login_code")
    assert queued.call_args.kwargs["kwargs"] == {"email_id": row.pk}, "the worker sent the outbox row"


def test_mail_is_sent_at_once_when_the_broker_is_down(client, mailoutbox, settings):
    """A web request never loses a code because Redis is unreachable: the row is sent from the web process at
    once (not left a minute for the sweep), and marked sent, so nothing sends it again."""
    settings.EMAIL_VIA_CELERY = True
    user = UserFactory(email="fallback@example.com")
    with mock.patch.object(send_email, "apply_async", side_effect=OperationalError("broker down")):
        response = client.post("/accounts/login/code/", {"email": user.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [user.email]
    (row,) = Email.objects.filter(kind="login_code")
    assert (row.status, row.to, row.attempts) == (Email.Status.SENT, user.email, 1)


class FailingTask:
    """Stands in for a task whose broker fails: after `wait` seconds (stalled) or at once (refused)."""

    name = "failing"

    def __init__(self, wait: float) -> None:
        self.wait, self.calls = wait, 0

    def apply_async(self, **kwargs: object) -> None:
        self.calls += 1
        time.sleep(self.wait)
        raise OperationalError("Timeout reading from socket" if self.wait else "Connection refused")


@pytest.fixture
def no_pause(monkeypatch):
    monkeypatch.setitem(celery_module._paused_until, "at", 0.0)


def test_after_a_publish_waited_on_the_broker_this_process_skips_it_for_a_few_seconds(no_pause, monkeypatch):
    stalled = FailingTask(wait=celery_module.SLOW_FAILURE + 0.05)
    with pytest.raises(OperationalError):
        celery_module.publish(stalled)
    started = time.monotonic()
    with pytest.raises(celery_module.BrokerPausedError):
        celery_module.publish(stalled)
    assert time.monotonic() - started < 0.05
    assert stalled.calls == 1, "the second request did not wait on the broker"

    monkeypatch.setitem(celery_module._paused_until, "at", time.monotonic() - 1)  # the pause is over
    with pytest.raises(OperationalError):
        celery_module.publish(stalled)
    assert stalled.calls == 2


def test_a_refused_connection_costs_nothing_so_it_does_not_pause(no_pause):
    refused = FailingTask(wait=0)
    for _ in range(2):
        with pytest.raises(OperationalError):
            celery_module.publish(refused)
    assert refused.calls == 2
