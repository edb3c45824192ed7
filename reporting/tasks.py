"""Celery tasks: thin wrappers around services.py."""

from celery import shared_task
from django.utils import timezone

from .services import export_job_run, export_jobs_expire, export_jobs_run_queued


@shared_task(ignore_result=True)
def run_export_job(*, job_id: int) -> str:
    """Published after the commit that queued the job: make its file (unless another run has claimed it)."""
    return export_job_run(job_id=job_id)


@shared_task(ignore_result=True)
def run_queued_export_jobs() -> int:
    """Beat, every minute: jobs whose task was lost, and jobs a dead worker left running."""
    return export_jobs_run_queued(now=timezone.now())


@shared_task(ignore_result=True)
def expire_export_jobs() -> int:
    """Beat, hourly: delete expired export files."""
    return export_jobs_expire(now=timezone.now())


@shared_task(ignore_result=True)
def run_suggestion_job(*, job_id: int) -> str:
    """Published after the commit that queued the job: read a question's answers and suggest themes."""
    from .services_themes import suggestion_job_run

    return suggestion_job_run(job_id=job_id)


@shared_task(ignore_result=True)
def run_queued_suggestion_jobs() -> int:
    """Beat, every minute: theme suggestion jobs whose task was lost, and ones a dead worker left running."""
    from .services_themes import suggestion_jobs_run_queued

    return suggestion_jobs_run_queued(now=timezone.now())
