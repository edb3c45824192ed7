"""Celery tasks: thin wrappers that load by primary key and call a service."""

from celery import shared_task
from django.utils import timezone

from .services.emails import due_emails_plan
from .services.equality import equality_release


@shared_task(ignore_result=True)
def release_equality_answers() -> int:
    """Beat: move held equality answers into the monitoring table in shuffled batches (services/equality.py)."""
    return equality_release(now=timezone.now())


@shared_task(ignore_result=True)
def plan_reminders() -> int:
    """Beat, every 15 minutes: queue the opening emails, reminders, closing emails and onward-deadline reminders
    now due (services/openings.py, reminders.py, staff_emails.py); the outbox sweep sends them."""
    return due_emails_plan(now=timezone.now(), counts=False).planned  # the counts are for send_due_notifications
