"""The staff outbox page in a real Chromium with axe, at desktop and phone widths: a permanently refused email
(from a real SMTP server) is shown with its error and sent again."""

import pytest
from playwright.sync_api import expect

from notifications import services as svc
from notifications.kinds import Rendered
from notifications.models import Email, Suppression
from tests.browser.test_core_pages import sign_in
from tests.browser.viewports import desktop_and_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@desktop_and_phone()
def test_a_refused_email_is_shown_to_the_pmo_and_sent_again(
    page, live_server, assert_accessible, smtp_sink, pmo_user, viewport
) -> None:  # type: ignore[no-untyped-def]
    smtp_sink.mode = "permanent"
    email = svc.email_queue(kind="resume_link", to="gone@example.org", rendered=Rendered("Saved", "Your link"))
    assert svc.email_send(email_id=email.pk) == "failed"
    assert Suppression.objects.filter(address="gone@example.org").exists()

    page.set_viewport_size(viewport)
    sign_in(page, live_server, pmo_user)
    page.goto(live_server.url + "/staff/outbox/")
    expect(page.locator("h1")).to_have_text("Email outbox")
    expect(page.get_by_role("table", name="Emails by kind and status")).to_contain_text("Save and come back later link")
    failed = page.get_by_role("table", name="Failed emails, newest first")
    expect(failed).to_contain_text("gone@example.org")
    expect(failed).to_contain_text("550")
    assert_accessible(page, f"outbox with a failed email at {viewport['width']}px")

    smtp_sink.mode = "accept"
    button = page.get_by_role("button", name="Send again the save and come back later link email to gone@example.org")
    button.focus()
    page.keyboard.press("Enter")  # by keyboard
    expect(page.locator("main")).to_contain_text("will be sent again in a moment")
    expect(page.locator("main")).to_contain_text("No email has failed.")
    assert_accessible(page, f"outbox after sending again at {viewport['width']}px")
    email.refresh_from_db()
    assert email.status == Email.Status.READY
    assert not Suppression.objects.exists()
    assert svc.email_send(email_id=email.pk) == "sent"
    assert smtp_sink.to() == ["gone@example.org"]
