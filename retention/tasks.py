from celery import shared_task
from django.utils import timezone

from .services import personal_data_purge


@shared_task
def purge_personal_data() -> int:
    """Beat, daily: remove the personal data of consultations past their retention period."""
    return sum(p.total for p in personal_data_purge(now=timezone.now()))
