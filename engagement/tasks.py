"""Celery tasks: thin wrappers that load by primary key and call a service (see services/emails.py)."""

from celery import shared_task
from django.utils import timezone

from .services.emails import outbound_emails_send_ready, outbox_drain
from .services.equality import equality_release


@shared_task(ignore_result=True)
def drain_outbox() -> int:
    """Queued by `outbox_kick` after a commit that wrote outbox rows: sends every READY row."""
    return outbox_drain(now=timezone.now())


@shared_task(ignore_result=True)
def send_ready_emails() -> int:
    """The sweep: sends READY rows whose task was lost (e.g. the broker was down when they were written)."""
    return outbound_emails_send_ready(now=timezone.now())


@shared_task(ignore_result=True)
def release_equality_answers() -> int:
    """Beat: move held equality answers into the monitoring table in shuffled batches (services/equality.py)."""
    return equality_release(now=timezone.now())
