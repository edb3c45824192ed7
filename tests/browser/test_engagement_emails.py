"""The managers' emails page in a real Chromium with axe (WCAG 2.2 AA) at desktop and phone widths: counts by
email and outcome, each email with what happened, and the next page of emails reached by keyboard."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_core_pages import sign_in
from tests.browser.viewports import desktop_and_phone
from tests.engagement.test_manage_emails import email, world  # noqa: F401 (world is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@desktop_and_phone()
def test_the_emails_page_at_desktop_and_phone_widths(page, live_server, assert_accessible, world, viewport) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    consultation, users = world
    for n in range(100, 160):
        email(consultation, n, data={"offset_days": 7}, status="sent")
    page.set_viewport_size(viewport)
    sign_in(page, live_server, users["camden"])
    page.goto(live_server.url + "/manage/consultations/camden-plan/")
    page.get_by_role("link", name="Reminders and other emails about it").click()
    expect(page.locator("h1")).to_have_text("Reminders and other emails")
    expect(page.get_by_role("table", name="Emails by kind and what happened")).to_contain_text("Closing email")
    listed = page.get_by_role("table", name="Emails about this consultation, page 1 of 2")
    expect(listed).to_contain_text("Reminder 7 days before closing")
    assert_accessible(page, f"emails page at {viewport['width']}px")
    older = page.get_by_role("link", name=re.compile(r"^Older.*Page 2 of 2$"))
    older.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("table", name="Emails about this consultation, page 2 of 2")).to_contain_text(
        "Not sent: already responded"
    )
    assert_accessible(page, f"emails page 2 at {viewport['width']}px")
