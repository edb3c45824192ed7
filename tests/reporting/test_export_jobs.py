"""Large exports as background jobs: queued above the threshold, made with the download's code, progress, failures
in plain English, the sweep for lost publishes and dead workers, expiry, and who may see a job or its file."""

import csv
import datetime
import io
import os
import time

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from kombu.exceptions import OperationalError
from openpyxl import load_workbook

from engagement.models import Question
from reporting import services
from reporting.models import ExportJob, ExportLog
from tests.engagement.factories import AreaFactory, QuestionFactory
from tests.factories import UserFactory
from tests.threads import at_once

from .factories import sent
from .test_fuzz import FUZZ, params

pytestmark = pytest.mark.django_db
URL = "/pmo/consultations/barnet-plan/export/"


@pytest.fixture
def big(boroughs, settings, tmp_path):
    """Barnet's consultation with 5 responses and a threshold of 3, so an export of all of them is a job."""
    settings.REPORTING_EXPORT_INLINE_MAX = 3
    settings.REPORTING_EXPORT_ROOT = tmp_path / "exports"
    c = boroughs.barnet_c
    choice = QuestionFactory(consultation=c, order=1, kind=Question.Kind.SINGLE_CHOICE, choices=["A", "B"])
    text = QuestionFactory(consultation=c, order=2, kind=Question.Kind.LONG_TEXT, text="Views?")
    for n in range(5):
        sent(c, {choice: "AB"[n % 2], text: f"=cmd {n}"}, area=boroughs.barnet, reference=f"REF{n}")
    return c


def start(client, user, data=None, query=""):
    client.force_login(user)
    return client.post(URL + query, data or {"format": "csv"})


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_above_the_threshold_a_job_is_queued_published_after_commit_and_logged(
    client, big, pmo_user, django_capture_on_commit_callbacks, monkeypatch
):
    published = []
    monkeypatch.setattr(services, "publish", lambda task, kwargs: published.append((task.name, kwargs)))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = start(client, pmo_user)
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/pmo/exports/{job.pk}/"
    assert not published, "nothing is published before the commit"
    for callback in callbacks:
        callback()
    assert published == [("reporting.tasks.run_export_job", {"job_id": job.pk})]
    log = ExportLog.objects.get()
    assert (job.log, job.status, job.progress_total, job.user, log.rows, log.format) == (
        log, ExportJob.Status.QUEUED, 5, pmo_user, 5, "csv"
    )  # fmt: skip


def test_the_form_says_when_an_export_will_be_made_in_the_background(client, big, pmo_user, settings, boroughs):
    client.force_login(pmo_user)
    assert "made in the background" in client.get(URL).content.decode()
    assert "kept for 24 hours" in client.get(URL).content.decode()
    settings.REPORTING_EXPORT_INLINE_MAX = 5
    assert "made in the background" not in client.get(URL).content.decode()


def test_at_the_threshold_it_downloads_at_once(client, big, pmo_user, settings):
    settings.REPORTING_EXPORT_INLINE_MAX = 5
    response = start(client, pmo_user)
    assert response.status_code == 200
    assert "attachment;" in response["Content-Disposition"]
    assert not ExportJob.objects.exists()
    assert ExportLog.objects.get().rows == 5


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_job_file_is_the_inline_export(client, big, pmo_user, settings, fmt, boroughs):
    query = f"?area={boroughs.barnet.pk}"
    start(client, pmo_user, {"format": fmt, "personal_data": "on", "reason": "Panel"}, query)
    job = ExportJob.objects.get()
    assert services.export_job_run(job_id=job.pk) == "done"
    job.refresh_from_db()
    assert (job.status, job.progress_done, job.error) == (ExportJob.Status.DONE, 5, "")
    assert job.expires_at == job.finished_at + datetime.timedelta(hours=24)
    path = settings.REPORTING_EXPORT_ROOT / job.file_name
    assert path.is_file()
    assert [p.name for p in path.parent.iterdir()] == [path.name], "no partial file left beside it"

    download = client.get(f"/pmo/exports/{job.pk}/download/")
    assert download.status_code == 200
    assert download["Cache-Control"] == "private, no-store"
    assert 'filename="barnet-plan-responses-' in download["Content-Disposition"]
    settings.REPORTING_EXPORT_INLINE_MAX = 100
    inline = start(client, pmo_user, {"format": fmt, "personal_data": "on", "reason": "Panel"}, query)
    if fmt == "csv":
        text = body_of(download).decode("utf-8-sig")
        assert text == body_of(inline).decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        assert [row["Reference"] for row in rows] == [f"REF{n}" for n in range(5)]
        assert rows[0]["Q2. Views?"] == "'=cmd 0", "the formula guard applies to job files too"
    else:

        def sheets(body: bytes) -> dict[str, list[tuple]]:
            book = load_workbook(io.BytesIO(body), read_only=True)
            return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}

        assert sheets(body_of(download)) == sheets(body_of(inline))
    assert ExportLog.objects.count() == 2, "the job and the inline export are both in the log"


def test_progress_is_written_every_n_rows(client, big, pmo_user):
    start(client, pmo_user)
    job = ExportJob.objects.get()
    with CaptureQueriesContext(connection) as queries:
        services.export_job_run(job_id=job.pk, every=2)
    progress = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "reporting_exportjob" SET "progress_done" =')]
    assert len(progress) == 2, progress  # after 2 and 4 of the 5 rows; the 5th with "done"
    assert ["= 2," in progress[0], "= 4," in progress[1]] == [True, True]


def test_a_second_run_does_nothing(client, big, pmo_user, settings):
    start(client, pmo_user)
    job = ExportJob.objects.get()
    assert services.export_job_run(job_id=job.pk) == "done"
    assert services.export_job_run(job_id=job.pk) == "not_queued"
    assert len(list(settings.REPORTING_EXPORT_ROOT.iterdir())) == 1


def test_a_failure_is_recorded_and_shown_in_plain_english(client, big, pmo_user, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.REPORTING_EXPORT_ROOT = blocker / "exports"  # cannot be made: a real failure to write
    start(client, pmo_user)
    job = ExportJob.objects.get()
    assert services.export_job_run(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert (job.status, job.error, job.file_name) == (ExportJob.Status.FAILED, services.FAILED_UNEXPECTEDLY, "")
    failed = client.get(f"/pmo/exports/{job.pk}/")
    page = failed.content.decode()
    assert "Export failed" in page
    assert services.FAILED_UNEXPECTEDLY in page
    assert "Refresh" not in failed
    assert client.get(f"/pmo/exports/{job.pk}/download/").status_code == 404


def test_filters_that_no_longer_hold_fail_the_job_rather_than_export_more(client, big, pmo_user, boroughs):
    east = AreaFactory(parent=boroughs.barnet, name="East Barnet")
    for _ in range(4):
        sent(big, area=east)
    start(client, pmo_user, query=f"?area={east.pk}")
    job = ExportJob.objects.get()
    east.delete()  # removed before a worker got to it: exporting without the filter would export more
    assert services.export_job_run(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert job.error == services.FAILED_FILTERS


def test_the_page_refreshes_while_running_and_links_the_file_when_done(client, big, pmo_user):
    start(client, pmo_user)
    job = ExportJob.objects.get()
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, progress_done=2)
    page = client.get(f"/pmo/exports/{job.pk}/")
    html = page.content.decode()
    assert page["Cache-Control"] == "private, no-store"
    assert page["Refresh"] == "3"
    assert f'href="/pmo/exports/{job.pk}/?refresh=off"' in html
    still = client.get(f"/pmo/exports/{job.pk}/?refresh=off")
    assert "Refresh" not in still, "the person may turn the refreshing off (WCAG 2.2.1)"
    assert "does not update itself" in still.content.decode()
    assert '<progress id="export-progress" max="5" value="2">40%</progress>' in html
    assert "2 of 5 responses (40%)" in html
    assert "/download/" not in html
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.QUEUED)
    services.export_job_run(job_id=job.pk)
    done = client.get(f"/pmo/exports/{job.pk}/")
    html = done.content.decode()
    assert "Refresh" not in done
    assert f'href="/pmo/exports/{job.pk}/download/"' in html
    assert "5 responses exported as CSV" in html


def test_a_lost_publish_is_run_by_the_sweep_after_a_minute(
    client, big, pmo_user, django_capture_on_commit_callbacks, monkeypatch
):
    def refused(task, kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(services, "publish", refused)
    with django_capture_on_commit_callbacks(execute=True):
        start(client, pmo_user)  # the publish fails after commit; the request still succeeds
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.QUEUED
    assert services.export_jobs_run_queued(now=job.created_at + datetime.timedelta(seconds=59)) == 0
    assert ExportJob.objects.get().status == ExportJob.Status.QUEUED
    assert services.export_jobs_run_queued(now=job.created_at + datetime.timedelta(seconds=61)) == 1
    assert ExportJob.objects.get().status == ExportJob.Status.DONE


def test_the_sweep_fails_a_job_a_dead_worker_left_running(client, big, pmo_user):
    start(client, pmo_user)
    job = ExportJob.objects.get()
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, updated_at=job.created_at)
    services.export_jobs_run_queued(now=job.created_at + datetime.timedelta(minutes=14))
    assert ExportJob.objects.get().status == ExportJob.Status.RUNNING
    services.export_jobs_run_queued(now=job.created_at + datetime.timedelta(minutes=16))
    job.refresh_from_db()
    assert (job.status, job.error) == (ExportJob.Status.FAILED, services.FAILED_STALLED)
    assert services.FAILED_STALLED in client.get(f"/pmo/exports/{job.pk}/").content.decode()


def test_expiry_deletes_the_file_and_the_page_says_expired(
    client, big, pmo_user, settings, django_capture_on_commit_callbacks
):
    start(client, pmo_user)
    job = ExportJob.objects.get()
    services.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    path = settings.REPORTING_EXPORT_ROOT / job.file_name
    assert services.export_jobs_expire(now=job.expires_at - datetime.timedelta(seconds=1)) == 0
    assert path.is_file()
    with django_capture_on_commit_callbacks(execute=True):  # the file goes after commit
        assert services.export_jobs_expire(now=job.expires_at) == 1
    assert not path.exists()
    job.refresh_from_db()
    assert (job.status, job.file_name) == (ExportJob.Status.EXPIRED, "")
    page = client.get(f"/pmo/exports/{job.pk}/").content.decode()
    assert "Export expired" in page
    assert "/download/" not in page
    assert client.get(f"/pmo/exports/{job.pk}/download/").status_code == 410
    assert services.export_jobs_expire(now=job.expires_at) == 0


@pytest.mark.django_db(transaction=True)
def test_expiry_marks_the_job_expired_before_its_file_goes(client, big, pmo_user, monkeypatch):
    """Another connection reading the job while its file is deleted sees it expired, never "done" without its
    file: the row is marked and committed first, the file deleted after commit."""
    start(client, pmo_user)
    job = ExportJob.objects.get()
    services.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    seen = []
    real_delete = FileSystemStorage.delete

    def delete(storage, name):  # the status a reader on another connection sees as the file goes
        seen.extend(at_once(lambda: ExportJob.objects.get(pk=job.pk).status, n=1)[0])
        real_delete(storage, name)

    monkeypatch.setattr(FileSystemStorage, "delete", delete)
    assert services.export_jobs_expire(now=job.expires_at) == 1
    assert seen == [ExportJob.Status.EXPIRED]


def test_a_file_past_its_expiry_is_refused_before_the_clean_up_runs(client, big, pmo_user):
    start(client, pmo_user)
    job = ExportJob.objects.get()
    services.export_job_run(job_id=job.pk)
    ExportJob.objects.filter(pk=job.pk).update(expires_at=job.created_at)
    assert client.get(f"/pmo/exports/{job.pk}/download/").status_code == 410
    assert "Export expired" in client.get(f"/pmo/exports/{job.pk}/").content.decode()


def test_the_ttl_setting_sets_the_expiry(client, big, pmo_user, settings):
    settings.REPORTING_EXPORT_TTL_HOURS = 2
    start(client, pmo_user)
    job = ExportJob.objects.get()
    services.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.expires_at - job.finished_at == datetime.timedelta(hours=2)


def test_only_the_owner_and_the_pmo_while_allowed_see_a_job_and_its_file(client, big, boroughs, pmo_user):
    start(client, boroughs.barnet_manager)
    job = ExportJob.objects.get()
    services.export_job_run(job_id=job.pk)
    page, download = f"/pmo/exports/{job.pk}/", f"/pmo/exports/{job.pk}/download/"
    outsiders = {
        "another borough's manager": (boroughs.camden_manager, 404),
        "a manager above, not the owner": (boroughs.ics_manager, 404),
        "a resident": (UserFactory(email="someone@example.com"), 403),  # may see no summary at all
    }
    for who, user in [("owner", boroughs.barnet_manager), ("PMO", pmo_user)]:
        client.force_login(user)
        assert client.get(page).status_code == 200, who
        assert client.get(download).status_code == 200, who
    for who, (user, status) in outsiders.items():
        client.force_login(user)
        assert client.get(page).status_code == status, who
        assert client.get(download).status_code == status, who
    client.force_login(boroughs.camden_manager)
    for guessed in (job.pk, job.pk + 1, job.pk - 1, 999999, 2**63, 10**30):
        assert client.get(f"/pmo/exports/{guessed}/").status_code == 404
        assert client.get(f"/pmo/exports/{guessed}/download/").status_code == 404
    client.logout()
    assert client.get(download)["Location"].startswith("/accounts/login/")

    boroughs.barnet_manager.manager_scopes.all().delete()  # moved off Barnet: no longer sees its reports
    client.force_login(boroughs.barnet_manager)
    assert client.get(download).status_code == 403  # a manager of no area may see no summary


def test_every_download_of_a_job_file_is_in_the_export_log_with_who_took_it(client, big, boroughs, pmo_user):
    """A PMO may fetch a manager's personal-data export: the log must show that they did, not only who asked."""
    manager = boroughs.barnet_manager
    start(client, manager, {"format": "csv", "personal_data": "on", "reason": "To reply to respondents"})
    job = ExportJob.objects.get()
    assert job.personal_data
    services.export_job_run(job_id=job.pk)
    download = f"/pmo/exports/{job.pk}/download/"
    client.force_login(pmo_user)
    assert client.head(download).status_code == 200
    assert not job.log.downloads.exists()  # a HEAD sends no file
    assert client.get(download).status_code == 200
    client.force_login(manager)
    assert client.get(download).status_code == 200
    downloads = list(job.log.downloads.values_list("user", "user_email"))
    assert downloads == [(pmo_user.pk, pmo_user.email), (manager.pk, manager.email)]

    client.force_login(pmo_user)
    html = client.get("/pmo/export-log/").content.decode()
    entry = html[html.index(">Downloaded</dt>") :].split("</div>")[0]
    assert f"By {pmo_user.email} at " in entry
    assert f"By {manager.email} at " in entry
    assert entry.index(pmo_user.email) < entry.index(manager.email)  # in the order they happened


def test_the_clean_up_deletes_old_files_no_job_points_to(client, big, pmo_user, settings):
    start(client, pmo_user)
    job = ExportJob.objects.get()
    services.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    root = settings.REPORTING_EXPORT_ROOT
    orphan, recent = root / "7-deleted-job.csv", root / "8-just-stored.csv"
    orphan.write_text("old")
    recent.write_text("new")
    day = datetime.timedelta(hours=24)
    os.utime(orphan, (time.time() - day.total_seconds() - 60,) * 2)
    assert services.export_jobs_expire(now=timezone.now()) == 0
    assert not orphan.exists()
    assert recent.exists(), "a file younger than the expiry may belong to a job being marked done"
    assert (root / job.file_name).exists(), "a live job's file stays"


def test_a_deployment_may_keep_job_files_in_another_storage(
    client, big, pmo_user, settings, django_capture_on_commit_callbacks
):
    """STORAGES["exports"] (e.g. a bucket every machine reaches) is used instead of the local folder."""
    settings.STORAGES = {**settings.STORAGES, "exports": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    start(client, pmo_user)
    job = ExportJob.objects.get()
    assert services.export_job_run(job_id=job.pk) == "done"
    job.refresh_from_db()
    assert not settings.REPORTING_EXPORT_ROOT.exists()
    storage = services.export_storage()
    assert storage.exists(job.file_name)
    download = body_of(client.get(f"/pmo/exports/{job.pk}/download/"))
    assert download.decode("utf-8-sig").count("REF") == 5
    with django_capture_on_commit_callbacks(execute=True):
        services.export_jobs_expire(now=job.expires_at)
    assert not storage.exists(job.file_name)


def test_the_export_page_lists_the_persons_own_jobs(client, big, boroughs, pmo_user):
    start(client, boroughs.barnet_manager)
    job = ExportJob.objects.get()
    page = client.get(URL).content.decode()
    assert f'href="/pmo/exports/{job.pk}/"' in page
    assert "waiting to start" in page
    services.export_job_run(job_id=job.pk)
    assert "ready to download" in client.get(URL).content.decode()
    client.force_login(pmo_user)
    assert f'href="/pmo/exports/{job.pk}/"' not in client.get(URL).content.decode(), "only one's own are listed"


def test_write_export_makes_only_the_formats_it_knows(big):
    from reporting import exports
    from reporting.selectors import ReportFilters

    responses = exports.export_responses(consultation=big, filters=ReportFilters(), until=timezone.now())
    with pytest.raises(ValueError, match="docx"):
        exports.write_export(
            io.BytesIO(), fmt="docx", consultation=big, filters=ReportFilters(), responses=responses, personal=False
        )


@FUZZ
@given(form=params, query=params, job_id=st.integers(-1, 2**70))
def test_posted_large_exports_and_job_pages_never_fail(client, big, pmo_user, form, query, job_id):
    """A posted export above the threshold is a job (302) or the form again (200, nothing recorded); any job id and
    any GET parameters on a job's pages are a page or a 404, never a server error."""
    client.force_login(pmo_user)
    before = ExportLog.objects.count(), ExportJob.objects.count()
    response = client.post(URL, form)
    after = ExportLog.objects.count(), ExportJob.objects.count()
    assert response.status_code in (200, 302)
    assert after == ((before[0] + 1, before[1] + 1) if response.status_code == 302 else before)
    for pk in {job_id, *ExportJob.objects.values_list("pk", flat=True)[:1]}:
        for path in (f"/pmo/exports/{pk}/", f"/pmo/exports/{pk}/download/"):
            if pk < 0:
                continue  # not an <int:pk> address
            assert client.get(path, query).status_code in (200, 404)
