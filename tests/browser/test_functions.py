"""The function matrix in a real Chromium: axe on the grid (plain and filtered), function, level and version pages;
filtering works without JavaScript."""

import io
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from playwright.sync_api import expect

from accounts import roles
from functions import demo
from functions.models import Function
from tests.browser.viewports import PHONE
from tests.factories import UserFactory
from tests.functions.factories import make_system

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seeded(transactional_db):
    system = make_system()
    demo.load(now=timezone.now(), out=io.StringIO())
    return system


def _grid_rows(page):
    return page.locator("table.nhsuk-table tbody tr")


LAPTOP = {"width": 1280, "height": 720}
ENGAGEMENT = "Engagement with residents on ensuring services meet local needs"


def _no_sideways_scroll(page) -> None:
    """Nothing is wider than the screen: the page does not scroll sideways, every table ends inside the screen,
    and no table sits in a box that scrolls sideways (a phone user would get no hint)."""
    found = page.evaluate(
        """() => {
          const doc = document.documentElement;
          const scrollers = [];
          for (const table of document.querySelectorAll('table')) {
            for (let e = table.parentElement; e && e !== doc; e = e.parentElement) {
              const overflow = getComputedStyle(e).overflowX;
              if ((overflow === 'auto' || overflow === 'scroll') && e.scrollWidth > e.clientWidth) scrollers.push(e.className);
            }
          }
          return {page: [doc.scrollWidth, doc.clientWidth], scrollers,
                  rights: [...document.querySelectorAll('table')].map(t => t.getBoundingClientRect().right)};
        }"""
    )
    assert found["page"][0] <= found["page"][1], found
    assert found["scrollers"] == [], found
    assert all(right <= found["page"][1] for right in found["rights"]), found


@pytest.mark.parametrize("view", ["", "levels"])
@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1280", "320"])
def test_both_views_are_accessible_at_laptop_and_phone_widths(
    page, live_server, assert_accessible, seeded, view, viewport
):
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/functions/?view={view}")
    assert page.locator("h1").inner_text().endswith("Function matrix")
    assert _grid_rows(page).count() == 37
    row = page.locator("tr", has_text=ENGAGEMENT)
    if view:
        assert row.locator("td").nth(0).inner_text().endswith("Supports")
        assert row.locator("td").nth(1).inner_text().endswith("Owned by")
        assert page.locator("#grid-legend").is_visible()
    else:
        owner = row.locator("td").nth(0)
        assert owner.inner_text().endswith("Borough Partnership")
        assert owner.locator("strong").evaluate("e => getComputedStyle(e).fontWeight") in ("600", "700", "bold")
        assert "NCL Engagement Advisory Board" in row.locator("td").nth(1).inner_text()
    _no_sideways_scroll(page)
    assert_accessible(page, f"matrix {view or 'by function'} at {viewport['width']} px")


@pytest.mark.parametrize("view", ["", "levels"])
def test_phone_shows_each_function_as_a_card(page, live_server, seeded, view):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/functions/?view={view}&q=discharge")
    row = _grid_rows(page).first
    assert row.evaluate("e => getComputedStyle(e).display") == "block"  # a card, not a table row
    owner = row.locator("td").first
    # Each value carries its column's name, so the card reads without the (hidden) header row.
    heading = owner.locator(".nhsuk-table__heading")
    assert heading.is_visible()
    assert heading.inner_text().strip() == ("Neighbourhood" if view else "Owned by")
    assert not page.locator("thead").first.is_visible() or page.locator("thead").first.bounding_box()["height"] <= 1
    _no_sideways_scroll(page)


def test_a_search_shows_the_owning_level_on_a_laptops_first_screen(page, live_server, assert_accessible, seeded):
    page.set_viewport_size(LAPTOP)
    page.goto(live_server.url + "/functions/")
    page.get_by_label("Search the functions").fill("discharge")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/functions/?*q=discharge*")
    assert page.evaluate("window.scrollY") == 0
    count = _grid_rows(page).count()
    assert count >= 2
    expect(page.locator("#results")).to_have_text(f"{count} functions match the filters")
    expect(page.locator("#results")).to_be_in_viewport()
    first = _grid_rows(page).first
    expect(first.locator("th")).to_contain_text("discharge")
    owner = first.locator("td.app-matrix__owner")
    expect(owner).to_have_text("Borough Partnership", use_inner_text=True)
    # The owning level's name itself (the cell is as tall as the function's wrapped title).
    owner_name = owner.locator("strong")
    expect(owner_name).to_be_in_viewport(ratio=1)
    box = owner_name.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= LAPTOP["height"], box
    assert_accessible(page, "matrix search for discharge at 1280 px")


def test_grid_filtered_without_javascript_is_accessible(page, no_js_context, assert_accessible, seeded):
    plain = no_js_context.new_page()
    plain.set_default_timeout(20_000)
    plain.goto("/functions/")
    plain.get_by_label("Level", exact=True).select_option("borough-partnership")
    plain.get_by_label("Relationship to the level").select_option("owns")
    plain.get_by_label("Search the functions").fill("coordination")
    plain.get_by_role("button", name="Apply filters").click()
    plain.wait_for_url("**/functions/?*")
    assert "level=borough-partnership" in plain.url
    assert "relationship=owns" in plain.url
    assert "q=coordination" in plain.url
    count = _grid_rows(plain).count()
    assert 0 < count < 18
    assert plain.locator("#results").inner_text() == f"{count} functions match the filters"
    assert plain.get_by_label("Level", exact=True).input_value() == "borough-partnership"
    # The same link, shared, shows the same view; axe needs JavaScript, so it runs in an ordinary page.
    page.goto(plain.url)
    assert _grid_rows(page).count() == count
    assert_accessible(page, "filtered matrix grid")


def test_grid_with_a_bad_filter_is_accessible(page, live_server, assert_accessible, seeded):
    page.goto(live_server.url + "/functions/?level=nowhere")
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert page.locator(".nhsuk-error-summary").count() == 1
    assert_accessible(page, "matrix grid with an error")


def test_function_page_is_accessible(page, live_server, assert_accessible, seeded):
    function = Function.objects.get(title="Single data platform")
    page.goto(f"{live_server.url}/functions/{function.pk}/")
    assert "Single data platform" in page.locator("h1").inner_text()
    assert_accessible(page, "function page")


def test_level_page_is_accessible(page, live_server, assert_accessible, seeded):
    page.goto(live_server.url + "/functions/levels/ncl/borough-partnership/")
    assert page.locator("h2#owns").inner_text() == "Owns (18)"
    assert_accessible(page, "level page")


def test_publish_and_compare_versions_are_accessible(page, live_server, assert_accessible, seeded):
    from tests.browser.test_core_pages import sign_in

    Group.objects.get_or_create(name=roles.STAFF)  # transactional tests flush the data migration's groups
    publisher = UserFactory(email="publisher@nhs.net", groups=[roles.STAFF])
    publisher.user_permissions.add(Permission.objects.get(codename="publish_matrixversion"))
    sign_in(page, live_server, publisher)
    page.goto(live_server.url + "/functions/versions/ncl/")
    page.get_by_role("button", name="Publish this version").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_accessible(page, "publish with an error")
    page.get_by_label("Version name").fill("First version")
    page.get_by_role("button", name="Publish this version").click()
    assert "Published the version 'First version'." in page.content()
    assert_accessible(page, "versions list")
    Function.objects.filter(title="Business planning").update(status="retired")
    page.get_by_role("button", name="Compare").click()
    assert "Functions removed (1)" in page.content()
    assert_accessible(page, "compare versions")


def test_consistency_page_is_accessible(page, live_server, assert_accessible, seeded):
    page.goto(live_server.url + "/functions/check/ncl/")
    assert "No problems found" in page.content()
    assert_accessible(page, "consistency report")
