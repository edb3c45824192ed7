"""Writes: recording an export in the log before its file is made, and large exports as background jobs
(queued here, made by a worker with the same code as a download, expired and deleted by the hourly clean-up)."""

import datetime
import logging
import secrets
import tempfile
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import transaction
from django.utils import timezone

from engagement.models import Consultation
from ics_portal.celery import publish

from . import exports
from .exports import export_responses
from .models import ExportDownload, ExportJob, ExportLog
from .selectors import ReportFilters

logger = logging.getLogger(__name__)

REASON_NEEDED = "Say why you need the personal data (email addresses, names and contact details)"
PACK_HAS_NO_PERSONAL_DATA = "The summary pack never holds personal data: untick it, or choose CSV or XLSX"


@transaction.atomic
def export_record(
    *,
    consultation: Consultation,
    user: Any,
    fmt: str,
    filters: ReportFilters,
    personal_data: bool,
    reason: str,
    now: datetime.datetime,
    source: str = ExportLog.Source.WEB,
) -> ExportLog:
    """Record who exports what, with how many rows (the responses sent up to `now`: exports.export_responses).
    Personal data needs a reason; without one nothing is recorded or exported."""
    reason = reason.strip()
    if fmt not in ExportLog.Format.values:
        raise ValidationError({"format": "Choose CSV, XLSX or a summary pack"})
    if personal_data and fmt == ExportLog.Format.DOCX:
        raise ValidationError({"personal_data": PACK_HAS_NO_PERSONAL_DATA})
    if personal_data and not reason:
        raise ValidationError({"reason": REASON_NEEDED})
    rows = export_responses(consultation=consultation, filters=filters, until=now).count()
    signed_in = getattr(user, "is_authenticated", False)
    return ExportLog.objects.create(
        created_at=now,
        user=user if signed_in else None,
        user_email=user.email if signed_in else "",
        consultation=consultation,
        consultation_title=consultation.title,
        format=fmt,
        source=source,
        filters=filters.query(),
        filters_text="; ".join(filters.describe())[:1000],
        rows=rows,
        personal_data=personal_data,
        reason=reason if personal_data else "",
    )


# How often a running job writes its progress (a row update each time), and how long a queued job waits for its
# published task before the sweep runs it, and how long without progress before a running job is taken as dead.
PROGRESS_EVERY = 500
QUEUED_GRACE = datetime.timedelta(minutes=1)
STALLED_AFTER = datetime.timedelta(minutes=15)
FAILED_UNEXPECTEDLY = "The export could not be finished because of a problem on the server. Start it again."
FAILED_STALLED = "The export stopped part-way (the server making it was interrupted). Start it again."
FAILED_FILTERS = "The export's filters no longer apply (an area may have been removed). Start it again."


def export_download_record(*, job: ExportJob, user: Any, now: datetime.datetime) -> ExportDownload:
    """Record a download of a job's file. Every one, the owner's too: a PMO fetching a manager's personal-data
    export is the case that matters, but one rule is clearer to read in the log and shows how many copies went out."""
    return ExportDownload.objects.create(log_id=job.log_id, downloaded_at=now, user=user, user_email=user.email)


def export_storage() -> Storage:
    """Where job files are kept: STORAGES["exports"] if a deployment defines one (a backend every web and worker
    machine reaches, as they share nothing else), else the private folder REPORTING_EXPORT_ROOT. Never the media
    storage: only the job's download view serves these files, after a permission check."""
    if "exports" in settings.STORAGES:
        return storages["exports"]
    return FileSystemStorage(
        location=settings.REPORTING_EXPORT_ROOT, file_permissions_mode=0o600, directory_permissions_mode=0o700
    )


@transaction.atomic
def export_start(
    *,
    consultation: Consultation,
    user: Any,
    fmt: str,
    filters: ReportFilters,
    personal_data: bool,
    reason: str,
    now: datetime.datetime,
) -> tuple[ExportLog, ExportJob | None]:
    """Record the export (export_record); above REPORTING_EXPORT_INLINE_MAX responses also queue a job, published
    after commit, and return it. At or below it (or for a format a job cannot make) the caller makes the file at
    once."""
    log = export_record(
        consultation=consultation,
        user=user,
        fmt=fmt,
        filters=filters,
        personal_data=personal_data,
        reason=reason,
        now=now,
    )
    if log.rows <= settings.REPORTING_EXPORT_INLINE_MAX or log.format not in exports.FILE_FORMATS:
        return log, None
    job = ExportJob.objects.create(
        user=user,
        consultation=consultation,
        log=log,
        format=log.format,
        filters=log.filters,
        personal_data=log.personal_data,
        reason=log.reason,
        progress_total=log.rows,
        created_at=now,
    )
    transaction.on_commit(lambda: _publish(job_id=job.pk))
    return log, job


def _publish(*, job_id: int) -> None:
    """After commit: hand the job to a worker. Never raises; a lost publish is what the sweep is for."""
    from .tasks import run_export_job

    try:
        publish(run_export_job, kwargs={"job_id": job_id})
    except Exception:
        logger.warning("Could not queue export job %s; the sweep will run it", job_id, exc_info=True)


def _job_filters(job: ExportJob) -> ReportFilters | None:
    """The job's filters, parsed as the summary page parses them; None if they no longer hold (leaving one out
    would export more than was asked for)."""
    from .forms import FilterForm

    form = FilterForm(job.filters, consultation=job.consultation)
    return form.filters() if form.is_valid() else None


class _Progress:
    """Writes how far a job has got every `every` responses (outside any transaction, so its page sees it)."""

    def __init__(self, job_id: int, every: int) -> None:
        self.job_id, self.every, self.done = job_id, every, 0

    def __call__(self, done: int) -> None:
        self.done = done
        if done % self.every == 0:
            ExportJob.objects.filter(pk=self.job_id).update(progress_done=done, updated_at=timezone.now())


def export_job_run(*, job_id: int, every: int | None = None) -> str:
    """Make a queued job's file with the download's code (exports.py), store it, then mark the job done. Claimed
    by a conditional update, so a second run (a repeated task, the sweep) does nothing; returns what happened."""
    now = timezone.now()
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, started_at=now, updated_at=now
    )
    if not claimed:
        return "not_queued"
    job = ExportJob.objects.select_related("consultation").get(pk=job_id)
    filters = _job_filters(job)
    if filters is None:
        _fail(job_id, FAILED_FILTERS)
        return "failed"
    storage = export_storage()
    responses = exports.export_responses(consultation=job.consultation, filters=filters, until=job.created_at)
    progress = _Progress(job.pk, every or PROGRESS_EVERY)
    try:
        # Made in a local temporary file, then stored whole; the job is marked done (and downloadable) only after.
        with tempfile.TemporaryFile() as out:
            exports.write_export(
                out,
                fmt=job.format,
                consultation=job.consultation,
                filters=filters,
                responses=responses,
                personal=job.personal_data,
                progress=progress,
            )
            out.seek(0)
            name = storage.save(f"{job.pk}-{secrets.token_hex(12)}.{job.format}", File(out))
    except Exception:
        logger.exception("Export job %s failed", job_id)
        _fail(job_id, FAILED_UNEXPECTEDLY)
        return "failed"
    finished = timezone.now()
    marked = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING).update(
        status=ExportJob.Status.DONE,
        file_name=name,
        progress_done=progress.done,
        finished_at=finished,
        updated_at=finished,
        expires_at=finished + datetime.timedelta(hours=settings.REPORTING_EXPORT_TTL_HOURS),
    )
    if not marked:  # the sweep took it for dead and failed it meanwhile: its page says so, so keep no file
        storage.delete(name)
        return "failed"
    return "done"


def _fail(job_id: int, error: str) -> None:
    finished = timezone.now()
    ExportJob.objects.filter(pk=job_id).update(
        status=ExportJob.Status.FAILED, error=error, finished_at=finished, updated_at=finished
    )


def export_jobs_run_queued(*, now: datetime.datetime) -> int:
    """Beat, every minute: run jobs whose published task never came (queued for over a minute), and fail jobs a
    dead worker left running. Returns how many jobs were run."""
    stalled = ExportJob.objects.filter(status=ExportJob.Status.RUNNING, updated_at__lt=now - STALLED_AFTER)
    for job_id in stalled.values_list("pk", flat=True):
        _fail(job_id, FAILED_STALLED)
    waiting = ExportJob.objects.filter(status=ExportJob.Status.QUEUED, created_at__lt=now - QUEUED_GRACE)
    ran = 0
    for job_id in waiting.order_by("created_at").values_list("pk", flat=True):
        ran += export_job_run(job_id=job_id) != "not_queued"
    return ran


@transaction.atomic
def export_jobs_expire(*, now: datetime.datetime) -> int:
    """Beat, hourly: mark jobs past their expiry expired and delete their files after commit, so a reader never
    sees a "done" job whose file is gone; also delete any stored file older than the expiry that no job points to
    (its job or user was deleted). Returns how many jobs expired."""
    storage = export_storage()
    due = ExportJob.objects.select_for_update(skip_locked=True).filter(
        status=ExportJob.Status.DONE, expires_at__lte=now
    )
    jobs = dict(due.values_list("pk", "file_name"))
    expired = ExportJob.objects.filter(pk__in=jobs).update(
        status=ExportJob.Status.EXPIRED, file_name="", updated_at=now
    )
    expiring = {name for name in jobs.values() if name}
    transaction.on_commit(lambda: _delete_files(storage, expiring))
    try:
        _folders, names = storage.listdir("")
    except FileNotFoundError:  # nothing was ever stored
        return expired
    old = now - datetime.timedelta(hours=settings.REPORTING_EXPORT_TTL_HOURS)
    kept = set(ExportJob.objects.filter(file_name__in=names).values_list("file_name", flat=True))
    for name in set(names) - kept - expiring:
        if storage.get_modified_time(name) <= old:
            storage.delete(name)
    return expired


def _delete_files(storage: Storage, names: set[str]) -> None:
    for name in sorted(names):
        storage.delete(name)
