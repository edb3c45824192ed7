"""The home page's "Who decides...?" search in a real Chromium: it finds a function (with its owning level) and a
consultation without JavaScript, and the home and results pages have no axe violations at 1280 and 320 px."""

import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from functions import demo
from tests.browser.viewports import PHONE
from tests.engagement.factories import AreaFactory, ConsultationFactory
from tests.functions.factories import make_system

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"1280": {"width": 1280, "height": 720}, "320": PHONE}
FUNCTION = (
    "Coordination of local discharge initiatives to provide a single approach per borough and link to neighbourhoods."
)


@pytest.fixture
def seeded(transactional_db):
    system = make_system()
    demo.load(now=timezone.now(), out=io.StringIO())
    area = AreaFactory(system=system, level=system.levels.get(slug="ncl"), name="NCL ICS")
    ConsultationFactory(owner_area=area, system=system, title="Hospital discharge: your views", slug="discharge")
    return system


def test_home_search_finds_a_function_and_a_consultation_without_javascript(no_js_context, seeded):
    page = no_js_context.new_page()
    page.set_default_timeout(20_000)
    page.goto("/")
    page.get_by_label("Who decides…?").fill("discharge")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/?q=discharge")
    functions = page.locator("#functions + ul li")
    expect(functions.filter(has_text=FUNCTION)).to_contain_text("Owned by Borough Partnership")
    consultations = page.locator("#consultations + ul li")
    expect(consultations).to_have_count(1)
    expect(consultations.first).to_contain_text("Hospital discharge: your views")
    consultations.first.get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text("Hospital discharge: your views")


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_home_and_results_are_accessible(page, live_server, assert_accessible, seeded, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(live_server.url + "/")
    assert_accessible(page, f"home at {viewport} px")
    page.get_by_label("Who decides…?").fill("discharge")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#search-count")).to_contain_text("results for ‘discharge’")
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert_accessible(page, f"search results at {viewport} px")
    page.get_by_label("Who decides…?").fill("")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter what you are looking for")
    assert_accessible(page, f"search with an error at {viewport} px")
