"""The invite list page in a real Chromium with axe (WCAG 2.2 AA) at desktop and phone widths: a bad file gives an
error summary listing each bad row by line and adds nobody; the corrected file adds everyone."""

import re

import pytest
from playwright.sync_api import expect

from accounts import roles
from engagement.models import ManagerScope
from notifications.models import Invitee
from tests.browser.test_core_pages import sign_in
from tests.browser.viewports import desktop_and_phone
from tests.engagement.factories import ConsultationFactory, area_tree
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BAD = b"name,email,organisation\nAsha Patel,asha@example.org,Camden Carers\nBen,not-an-address,\n"
GOOD = b"\xef\xbb\xbfname,email,organisation\nAsha Patel,asha@example.org,Camden Carers\nBen Ode,ben@example.org,\n"


@desktop_and_phone()
def test_upload_a_bad_file_then_a_good_one(page, live_server, assert_accessible, viewport, tmp_path) -> None:  # type: ignore[no-untyped-def]
    top, borough, _ = area_tree(slug="inv")
    consultation = ConsultationFactory(owner_area=borough, system=borough.system, title="Carers' breaks")
    manager = UserFactory(email="manager.invites@nhs.net", groups=[roles.CONSULTATION_MANAGER])
    ManagerScope.objects.create(user=manager, area=top)
    sign_in(page, live_server, manager)
    page.set_viewport_size(viewport)

    page.goto(f"{live_server.url}/manage/consultations/{consultation.slug}/")
    page.get_by_role("link", name="Upload an invite list").click()
    expect(page.locator("h1")).to_have_text("Invite list")
    assert_accessible(page, f"empty invite list at {viewport['width']}px")

    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_bytes(BAD)
    good.write_bytes(GOOD)
    page.locator("input[type=file][name=file]").set_input_files(str(bad))
    page.get_by_role("button", name="Upload invite list").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Nobody was added. Correct the file and upload it again.")
    expect(summary).to_contain_text("Line 3: “not-an-address” is not an email address")
    assert_accessible(page, f"invite list with a bad file at {viewport['width']}px")
    assert not Invitee.objects.exists()

    page.locator("input[type=file][name=file]").set_input_files(str(good))
    page.get_by_role("button", name="Upload invite list").click()
    expect(page.get_by_text("2 people added to the invite list.")).to_be_visible()
    expect(page.get_by_role("cell", name="Asha Patel", exact=True)).to_be_visible()
    assert_accessible(page, f"invite list with two people at {viewport['width']}px")
    assert sorted(Invitee.objects.values_list("email", flat=True)) == ["asha@example.org", "ben@example.org"]

    # Removing one: a confirmation page (axe), then the list without them.
    page.get_by_role("link", name="Remove Asha Patel (asha@example.org)").click()
    expect(page.locator("h1")).to_have_text("Remove Asha Patel from the invite list?")
    assert_accessible(page, f"remove an invitee at {viewport['width']}px")
    page.get_by_role("button", name="Yes, remove them").click()
    expect(page.get_by_text("Removed Asha Patel (asha@example.org) from the invite list.")).to_be_visible()
    assert list(Invitee.objects.values_list("email", flat=True)) == ["ben@example.org"]
