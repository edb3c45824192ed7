"""The function matrix in a real Chromium: axe on the grid (plain and filtered), function, level and version pages;
filtering works without JavaScript."""

import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from accounts import roles
from functions import demo
from functions.models import Function
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


def test_grid_unfiltered_is_accessible(page, live_server, assert_accessible, seeded):
    page.goto(live_server.url + "/functions/")
    assert page.locator("h1").inner_text().endswith("Function matrix")
    assert _grid_rows(page).count() == 37
    row = page.locator("tr", has_text="Engagement with residents on ensuring services meet local needs")
    assert row.locator("td").nth(0).inner_text() == "Supports"
    assert row.locator("td").nth(1).inner_text() == "Owns"
    assert "NCL Engagement Advisory Board" in row.locator("td").nth(3).inner_text()
    # The wide table scrolls inside a region a keyboard user can reach.
    region = page.locator('[role="region"][tabindex="0"]')
    assert region.count() == 1
    assert_accessible(page, "matrix grid")


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
    assert page.title().startswith("Error: ")
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
    assert page.title().startswith("Error: ")
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
