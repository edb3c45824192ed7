"""Celery tasks: thin wrappers that load by primary key and call a service."""

from celery import shared_task
from django.utils import timezone

from .services.equality import equality_release


@shared_task(ignore_result=True)
def release_equality_answers() -> int:
    """Beat: move held equality answers into the monitoring table in shuffled batches (services/equality.py)."""
    return equality_release(now=timezone.now())
