"""A real Celery worker (in a thread, solo pool, on the real Redis broker) makes a large export from synthetic
responses: the file is the inline export's, byte for byte, and its progress moves while it is made; the beat tasks
run lost jobs and delete expired files."""

import datetime
import time

import pytest
from django.core.management import call_command
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts import roles
from engagement.models import Question
from ics_portal.celery import app
from reporting import services
from reporting.models import ExportJob
from reporting.tasks import expire_export_jobs, run_queued_export_jobs
from tests.engagement.factories import QuestionFactory
from tests.factories import UserFactory
from tests.reporting.conftest import Boroughs
from tests.test_celery import celery_worker  # noqa: F401 (the module's real worker)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
URL = "/pmo/consultations/barnet-plan/export/"
COUNT = 3000


def wait_for(condition, timeout: float = 60.0, every: float = 0.01):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"not within {timeout} s")


@pytest.fixture
def survey(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.REPORTING_EXPORT_INLINE_MAX = 100
    settings.REPORTING_EXPORT_ROOT = tmp_path / "exports"
    boroughs = Boroughs()
    c = boroughs.barnet_c
    kind = Question.Kind
    QuestionFactory(consultation=c, order=1, kind=kind.SINGLE_CHOICE, choices=["A", "B"], allow_other=True)
    QuestionFactory(consultation=c, order=2, kind=kind.MULTIPLE_CHOICE, choices=["Red", "Green", "Blue"])
    QuestionFactory(consultation=c, order=3, kind=kind.AGREE_SCALE)
    QuestionFactory(consultation=c, order=4, kind=kind.LONG_TEXT)
    call_command("generate_responses", c.slug, "--count", str(COUNT), "--seed", "7")
    return c


def test_a_worker_makes_the_file_the_inline_export_makes_and_progress_moves(
    celery_worker,  # noqa: F811
    client,
    survey,
    settings,
    monkeypatch,
):
    monkeypatch.setattr(services, "PROGRESS_EVERY", 200)
    client.force_login(UserFactory(email="pmo.worker@nhs.net", groups=[roles.PMO]))
    response = client.post(URL, {"format": "csv"})
    job = ExportJob.objects.get()
    assert response["Location"] == f"/pmo/exports/{job.pk}/"
    assert job.progress_total == COUNT

    seen: set[int] = set()

    def finished() -> bool:
        status, done = ExportJob.objects.values_list("status", "progress_done").get(pk=job.pk)
        seen.add(done)
        return status in (ExportJob.Status.DONE, ExportJob.Status.FAILED)

    wait_for(finished)
    job.refresh_from_db()
    assert (job.status, job.error, job.progress_done) == (ExportJob.Status.DONE, "", COUNT)
    assert {n for n in seen if 0 < n < COUNT}, f"progress moved while the file was made (seen {sorted(seen)})"
    assert all(n % 200 == 0 for n in seen if n < COUNT)

    page = client.get(f"/pmo/exports/{job.pk}/").content.decode()
    assert f'href="/pmo/exports/{job.pk}/download/"' in page
    download = b"".join(client.get(f"/pmo/exports/{job.pk}/download/").streaming_content)
    settings.REPORTING_EXPORT_INLINE_MAX = COUNT
    inline = b"".join(client.post(URL, {"format": "csv"}).streaming_content)
    assert download == inline
    assert download.count(b"\r\n") == COUNT + 1


def test_the_beat_tasks_run_a_lost_job_and_delete_expired_files(
    celery_worker,  # noqa: F811
    client,
    survey,
    settings,
    monkeypatch,
):
    def refused(task, kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("Connection refused")

    monkeypatch.setattr(services, "publish", refused)
    client.force_login(UserFactory(email="pmo.worker@nhs.net", groups=[roles.PMO]))
    client.post(URL, {"format": "xlsx"})
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.QUEUED, "its publish was lost"
    ExportJob.objects.filter(pk=job.pk).update(created_at=job.created_at - datetime.timedelta(minutes=2))
    run_queued_export_jobs.apply_async()  # as beat does, through the broker to the worker
    wait_for(lambda: ExportJob.objects.get(pk=job.pk).status != ExportJob.Status.QUEUED)
    job = wait_for(lambda: ExportJob.objects.filter(pk=job.pk, status__in=["done", "failed"]).first())
    assert job.status == ExportJob.Status.DONE, job.error
    path = settings.REPORTING_EXPORT_ROOT / job.file_name
    assert path.is_file()

    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now())
    expire_export_jobs.apply_async()
    wait_for(lambda: not path.exists())
    assert ExportJob.objects.get(pk=job.pk).status == ExportJob.Status.EXPIRED


def test_beat_runs_the_reporting_tasks_hourly_and_every_minute(settings):
    app.loader.import_default_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["reporting-run-queued-export-jobs"]["schedule"] == 60.0
    assert schedule["reporting-expire-export-jobs"]["schedule"] == 3600.0
    for name in ("reporting-run-queued-export-jobs", "reporting-expire-export-jobs"):
        assert schedule[name]["task"] in app.tasks
