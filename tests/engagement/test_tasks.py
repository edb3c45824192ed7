"""Celery for real: a worker on the Redis broker delivers a submission's receipt; with the broker unreachable a
submission still succeeds quickly and leaves its email READY for the sweep."""

import datetime
import re
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from engagement.models import Response
from ics_portal import celery_app
from notifications.models import Email
from notifications.services import emails_send_due
from tests.engagement.factories import respond_survey

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def answer_everything(client: Any, survey: Any) -> Response:
    q = survey.q
    client.post(reverse("engagement:respond_start", args=[survey.slug]), {"action": "start"})
    page = reverse("engagement:respond_page", args=[survey.slug, 1])
    client.post(page, {f"q{q['choice'].pk}": "Option 2", f"q{q['yes'].pk}": "no"})
    page = reverse("engagement:respond_page", args=[survey.slug, 2])
    client.post(page, {f"q{q['agree'].pk}": "agree"})
    client.post(
        reverse("engagement:respond_about_you", args=[survey.slug]),
        {"respondent_type": "individual", "email": "worker@example.org"},
    )
    return Response.objects.get()


def submit(client: Any, survey: Any, response: Response) -> Any:
    """Post the check-answers page's form (token, reference) as a browser would."""
    body = client.get(reverse("engagement:respond_check", args=[survey.slug])).content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', body))
    assert fields["submission_token"] == response.submission_token
    return client.post(reverse("engagement:respond_submit", args=[survey.slug]), fields)


@pytest.fixture
def worker() -> Iterator[Any]:
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as w:
        yield w


def test_receipt_delivered_by_a_real_worker(client: Any, worker: Any) -> None:
    survey = respond_survey()
    response = answer_everything(client, survey)
    r = submit(client, survey, response)
    assert r.status_code == 302
    deadline = time.monotonic() + 20
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["worker@example.org"]
    assert response.reference in mail.outbox[0].subject
    email = Email.objects.get(kind="receipt")
    deadline = time.monotonic() + 5
    while email.status != Email.Status.SENT and time.monotonic() < deadline:
        time.sleep(0.05)
        email.refresh_from_db()
    assert email.status == Email.Status.SENT


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def broker_down() -> Iterator[None]:
    """Point the Celery app at a port nothing listens on (and drop its cached connection pools)."""
    conf = celery_app.conf
    original = conf.broker_url
    conf.broker_url = f"redis://127.0.0.1:{closed_port()}/0"
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        conf.broker_url = original
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


def test_submission_with_broker_unreachable_is_quick_and_email_stays_ready(client: Any, broker_down: None) -> None:
    survey = respond_survey()
    response = answer_everything(client, survey)
    started = time.monotonic()
    r = submit(client, survey, response)
    elapsed = time.monotonic() - started
    assert r.status_code == 302
    assert r["Location"] == reverse("engagement:respond_done", args=[survey.slug, response.reference])
    assert elapsed < 3, f"the submission waited {elapsed:.1f}s on the broker"
    response.refresh_from_db()
    assert response.state == Response.State.SUBMITTED
    email = Email.objects.get(kind="receipt")
    assert email.status == Email.Status.READY
    assert mail.outbox == []
    # The sweep sends it once the row is a minute old.
    assert emails_send_due(now=timezone.now() + datetime.timedelta(minutes=2)) == 1
    assert len(mail.outbox) == 1
