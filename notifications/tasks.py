"""Celery tasks: thin wrappers around services.py and planning.py."""

from celery import shared_task
from django.utils import timezone

from .planning import due_emails_plan
from .services import email_send, emails_send_due


@shared_task(ignore_result=True)
def send_email(*, email_id: int) -> str:
    """Published after the commit that wrote the row: send it (unless another worker or the sweep has)."""
    return email_send(email_id=email_id)


@shared_task(ignore_result=True)
def send_due_emails() -> int:
    """Beat, every minute: what a lost publish left, retries that are due, rows a dead worker left sending."""
    return emails_send_due(now=timezone.now())


@shared_task(ignore_result=True)
def plan_due_emails() -> int:
    """Beat, every 15 minutes: queue the opening emails, reminders, closing emails and onward-deadline reminders
    now due (planning.py); the sweep above sends them."""
    return due_emails_plan(now=timezone.now(), counts=False).planned  # the counts are for send_due_notifications
