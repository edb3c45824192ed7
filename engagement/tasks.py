"""Celery tasks: thin wrappers that load by primary key and call a service (see services/emails.py)."""

from celery import shared_task
from django.utils import timezone

from .services.emails import outbound_email_send, outbound_emails_send_ready


@shared_task(ignore_result=True)
def send_outbound_email(email_id: int) -> str:
    return outbound_email_send(email_id=email_id)


@shared_task(ignore_result=True)
def send_ready_emails() -> int:
    """The sweep: sends READY rows whose task was lost (e.g. the broker was down when they were written)."""
    return outbound_emails_send_ready(now=timezone.now())
