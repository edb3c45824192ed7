"""Following and unsubscribing in a real Chromium with axe, at desktop and phone widths, by keyboard: signed out
(an address, the confirmation link's page and its button), signed in (one button), a bad address, unsubscribing."""

import re

import pytest
from playwright.sync_api import expect

from notifications import services as svc
from notifications.models import Email, Follow
from tests.browser.test_core_pages import sign_in
from tests.browser.viewports import desktop_and_phone
from tests.engagement.factories import AreaFactory, ConsultationFactory
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Longer than a 320 px phone is wide, with nowhere to break: the pages that show it must wrap it, not scroll.
LONG_ADDRESS = "alexandra.montgomerywhitfield@camdenandislingtonhealth.org"


def press(page, name: str) -> None:  # type: ignore[no-untyped-def]
    button = page.get_by_role("button", name=name)
    button.focus()
    page.keyboard.press("Enter")


@desktop_and_phone()
def test_follow_signed_out_with_a_mistake_then_confirm(page, live_server, assert_accessible, viewport) -> None:  # type: ignore[no-untyped-def]
    consultation = ConsultationFactory(title="Community diagnostic centres")
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/consultations/{consultation.slug}/")
    expect(page.get_by_role("heading", name="Get updates by email")).to_be_visible()
    assert_accessible(page, f"consultation page with the follow box at {viewport['width']}px")

    page.get_by_label("Your email address").fill("not-an-address")
    press(page, "Follow this consultation")
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_label("Your email address")).to_have_value("not-an-address")  # what was typed is kept
    assert_accessible(page, f"follow form with an error at {viewport['width']}px")

    page.get_by_label("Your email address").fill(LONG_ADDRESS)
    press(page, "Follow")
    expect(page.locator("h1")).to_have_text("Check your email")
    assert_accessible(page, f"check your email at {viewport['width']}px")
    assert Follow.objects.get().confirmed_at is None

    link = re.search(r"/follow/confirm/\S+/", Email.objects.get(kind="follow_confirm").body_text)
    assert link is not None
    page.goto(live_server.url + link.group(0))
    expect(page.locator("h1")).to_have_text("Follow Community diagnostic centres")
    assert_accessible(page, f"confirm follow at {viewport['width']}px")
    press(page, "Follow")
    expect(page.locator("h1")).to_have_text("You are following Community diagnostic centres")
    assert_accessible(page, f"follow confirmed at {viewport['width']}px")
    assert Follow.objects.get().confirmed_at is not None


@desktop_and_phone()
def test_follow_an_area_signed_in_then_stop(page, live_server, assert_accessible, viewport) -> None:  # type: ignore[no-untyped-def]
    area = AreaFactory(name="Barnet")
    user = UserFactory()
    page.set_viewport_size(viewport)
    sign_in(page, live_server, user)
    page.goto(f"{live_server.url}/ics/{area.system.slug}/{area.slug}/")
    press(page, "Follow this area")
    expect(page.locator("main")).to_contain_text("You are following Barnet")
    expect(page.get_by_role("button", name="Stop following this area")).to_be_visible()
    assert_accessible(page, f"area page, following, at {viewport['width']}px")
    assert Follow.objects.get().user == user
    press(page, "Stop following this area")
    expect(page.locator("main")).to_contain_text("You are no longer following Barnet")
    assert not Follow.objects.exists()


@desktop_and_phone()
def test_unsubscribe_signed_out_and_a_forged_link(page, live_server, assert_accessible, viewport) -> None:  # type: ignore[no-untyped-def]
    consultation = ConsultationFactory()
    svc.follow_add(user=UserFactory(email="res@example.org"), target=consultation, now=consultation.opens_at)
    page.set_viewport_size(viewport)
    page.goto(live_server.url + svc.unsubscribe_url("res@example.org").removeprefix("http://localhost:8000"))
    expect(page.locator("h1")).to_have_text("Unsubscribe")
    assert_accessible(page, f"unsubscribe at {viewport['width']}px")
    assert Follow.objects.exists()  # opening the link changed nothing
    press(page, "Unsubscribe")
    expect(page.locator("h1")).to_have_text("You have unsubscribed")
    assert_accessible(page, f"unsubscribed at {viewport['width']}px")
    assert not Follow.objects.exists()

    page.goto(live_server.url + "/unsubscribe/forged-token/")
    expect(page.locator("h1")).to_have_text("This link does not work")
    assert_accessible(page, f"refused link at {viewport['width']}px")
