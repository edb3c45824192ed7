"""A large export's page in a real Chromium at desktop and phone widths: without JavaScript it shows a progress bar,
refreshes itself until the file is made, then offers the download; axe (WCAG 2.2 AA) at each stage."""

import pytest
from django.contrib.auth.models import Group
from kombu.exceptions import OperationalError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from accounts import roles
from reporting import services
from reporting.models import ExportJob
from tests.browser.test_core_pages import sign_in
from tests.browser.viewports import SMALL_LAPTOP, desktop_and_phone
from tests.factories import UserFactory
from tests.reporting.conftest import Boroughs
from tests.reporting.factories import sent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pmo(settings, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """Five responses to Barnet's plan and a threshold of three: exporting them all is a background job."""
    settings.REPORTING_EXPORT_INLINE_MAX = 3
    settings.REPORTING_EXPORT_ROOT = tmp_path / "exports"

    def refused(task, kwargs):  # type: ignore[no-untyped-def]
        # No worker runs here (the test plays it), so no task is left on the broker for a later test's worker.
        raise OperationalError("Connection refused")

    monkeypatch.setattr(services, "publish", refused)
    Group.objects.get_or_create(name=roles.CONSULTATION_MANAGER)
    boroughs = Boroughs()
    for n in range(5):
        sent(boroughs.barnet_c, area=boroughs.barnet, reference=f"REF{n}")
    return UserFactory(email="pmo.jobs@nhs.net", groups=[roles.PMO])


def start_export(page, live_server, user, viewport) -> ExportJob:  # type: ignore[no-untyped-def]
    page.set_viewport_size(viewport)
    page.set_default_timeout(10_000)
    sign_in(page, live_server, user)
    page.goto(live_server.url + "/pmo/consultations/barnet-plan/export/")
    expect(page.locator("#export-in-background")).to_contain_text("made in the background")
    page.get_by_role("button", name="Export").click()
    expect(page.locator("h1")).to_have_text("Export in progress")
    job = ExportJob.objects.get()
    assert page.url == f"{live_server.url}/pmo/exports/{job.pk}/"
    return job


@desktop_and_phone(SMALL_LAPTOP)
def test_progress_page_refreshes_itself_without_javascript_then_downloads(  # type: ignore[no-untyped-def]
    no_js_context, live_server, settings, pmo, viewport
) -> None:
    page = no_js_context.new_page()
    job = start_export(page, live_server, pmo, viewport)
    expect(page.locator("progress#export-progress")).to_have_attribute("max", "5")
    expect(page.locator("#export-progress-text")).to_have_text("0 of 5 responses (0%)")
    expect(page.get_by_label("Responses written")).to_be_visible()

    assert services.export_job_run(job_id=job.pk) == "done"  # as the worker would
    expect(page.locator("h1")).to_have_text("Export ready", timeout=15_000)  # the page reloaded itself (Refresh: 3)
    assert page.url == f"{live_server.url}/pmo/exports/{job.pk}/"
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the CSV file").focus()
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.startswith("barnet-plan-responses-")
    job.refresh_from_db()
    with open(download.value.path(), "rb") as got:
        assert got.read() == (settings.REPORTING_EXPORT_ROOT / job.file_name).read_bytes()


@desktop_and_phone(SMALL_LAPTOP)
def test_export_job_pages_are_accessible(page, live_server, assert_accessible, pmo, viewport) -> None:  # type: ignore[no-untyped-def]
    job = start_export(page, live_server, pmo, viewport)
    # axe straight after a self-refresh, so it finishes before the next one; on a loaded machine the refresh may not
    # come within the wait, and then the page is not changing under axe either.
    try:
        with page.expect_navigation(timeout=8_000):
            pass
    except PlaywrightTimeoutError:
        pass
    assert_accessible(page, f"export in progress at {viewport['width']}px")
    page.get_by_role("link", name="stop this page updating itself").click()
    expect(page.locator("#export-refresh-on")).to_be_visible()
    assert_accessible(page, f"export in progress, not refreshing, at {viewport['width']}px")
    page.get_by_role("link", name="let it update itself every few seconds").click()
    services.export_job_run(job_id=job.pk)
    # The next self-refresh (every 3 s) shows it; on a loaded machine that can take longer than expect's 5 s.
    expect(page.locator("h1")).to_have_text("Export ready", timeout=15_000)
    assert_accessible(page, f"export ready at {viewport['width']}px")
    ExportJob.objects.filter(pk=job.pk).update(expires_at=job.created_at)
    page.reload()
    expect(page.locator("h1")).to_have_text("Export expired")
    assert_accessible(page, f"export expired at {viewport['width']}px")
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED, error=services.FAILED_STALLED)
    page.reload()
    expect(page.locator("h1")).to_have_text("Export failed")
    assert_accessible(page, f"export failed at {viewport['width']}px")
    page.goto(live_server.url + "/pmo/consultations/barnet-plan/export/")
    expect(page.locator("#your-exports")).to_be_visible()
    assert_accessible(page, f"export form listing a job at {viewport['width']}px")
