"""Consultations where you live in a real Chromium at a laptop's and a phone's width: a Camden resident finds an
NCL-wide consultation from the Camden choice (without JavaScript, by keyboard), the Camden page lists its
consultations, and an unknown area explains itself; zero axe WCAG 2.2 AA violations on each."""

import io
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from governance import demo
from governance.models import Area
from tests.browser.viewports import DESKTOP, PHONE
from tests.engagement.factories import ConsultationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture
def places(db: Any) -> dict[str, Any]:
    demo.load(now=timezone.now(), out=io.StringIO())
    area = Area.objects.get
    return {
        "ncl": ConsultationFactory(title="Urgent care across north central London", owner_area=area(slug="ncl")),
        "camden": ConsultationFactory(
            title="Camden community mental health", owner_area=area(slug="camden"), forthcoming=True
        ),
        "islington": ConsultationFactory(title="Islington pharmacy hours", owner_area=area(slug="islington")),
        "camden_area": area(slug="camden"),
    }


def choose_camden(page: Any, camden: Area) -> None:
    page.get_by_label("Where you live").select_option(label="Camden (Borough Partnership)")
    page.get_by_role("button", name="Filter consultations").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/consultations/?area={camden.pk}&status=")
    ncl = page.get_by_role("link", name="Urgent care across north central London")
    expect(ncl).to_be_visible()
    expect(page.get_by_text("Run by North Central London (NCL-wide)").first).to_be_visible()
    expect(page.get_by_role("link", name="Camden community mental health")).to_be_visible()
    expect(page.get_by_role("link", name="Islington pharmacy hours")).to_have_count(0)
    expect(page.get_by_label("Where you live")).to_have_value(str(camden.pk))


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_camden_resident_finds_an_ncl_wide_consultation(
    page: Any, live_server: Any, assert_accessible: Any, places: dict[str, Any], viewport: str
) -> None:
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(live_server.url + "/consultations/")
    assert_accessible(page, f"the list at {viewport}")
    choose_camden(page, places["camden_area"])
    assert_accessible(page, f"the Camden results at {viewport}")
    page.get_by_role("link", name="Urgent care across north central London").click()
    expect(page.locator("h1")).to_have_text("Urgent care across north central London")


def test_the_camden_choice_works_without_javascript_on_a_phone(
    browser: Any, live_server: Any, places: dict[str, Any]
) -> None:
    # axe needs JavaScript, so it runs in the test above; this one proves the form needs none.
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url, viewport=VIEWPORTS["phone"])
    page = context.new_page()
    page.goto("/consultations/")
    choose_camden(page, places["camden_area"])
    context.close()


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_the_camden_page_lists_its_consultations_and_those_above(
    page: Any, live_server: Any, assert_accessible: Any, places: dict[str, Any], viewport: str
) -> None:
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(live_server.url + "/ics/ncl/camden/")
    expect(page.locator("h1")).to_have_text("Camden")
    open_list = page.locator("ul[data-group=open]")
    expect(open_list.get_by_role("link", name="Urgent care across north central London")).to_be_visible()
    expect(open_list.get_by_text("Run by North Central London (NCL-wide)")).to_be_visible()
    forthcoming = page.locator("ul[data-group=forthcoming]")
    expect(forthcoming.get_by_role("link", name="Camden community mental health")).to_be_visible()
    expect(page.get_by_role("link", name="Islington pharmacy hours")).to_have_count(0)
    assert_accessible(page, f"the Camden page at {viewport}")
    page.get_by_role("link", name="All consultations for Camden, closed ones included").click()
    expect(page.get_by_label("Where you live")).to_have_value(str(places["camden_area"].pk))


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_an_unknown_area_explains_itself(
    page: Any, live_server: Any, assert_accessible: Any, places: dict[str, Any], viewport: str
) -> None:
    page.set_viewport_size(VIEWPORTS[viewport])
    response = page.goto(live_server.url + "/consultations/?area=999999")
    assert response is not None
    assert response.status == 400
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("We could not find that area. Choose where you live from the list.")
    summary.get_by_role("link").click()
    expect(page.get_by_label("Where you live")).to_be_focused()
    assert_accessible(page, f"the unknown area at {viewport}")
