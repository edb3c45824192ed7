"""ICS structure pages in a real Chromium: zero axe WCAG 2.2 AA violations, and search works without JavaScript."""

import io

import pytest
from django.utils import timezone

from governance import demo
from governance.models import Organisation
from tests.browser.viewports import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def structure(db):
    demo.load(now=timezone.now(), out=io.StringIO())


PAGES = [
    "/ics/",
    "/ics/ncl/",
    "/ics/nel/",
    "/ics/ncl/barnet/",
    "/ics/ncl/islington-neighbourhood-2/",
    "/ics/nel/city-and-hackney/",
    "/ics/search/?q=camden",
    "/ics/search/?q=E09",
    "/ics/search/?q=" + "x" * 101,
    "/ics/ncl/no-such-area/",
]


def test_governance_pages_have_no_axe_violations(page, live_server, assert_accessible, structure):
    """Every page in one test (the demo structure loads once), each checked at a desktop's and a phone's width;
    every failing page is named."""
    icb = Organisation.objects.get(ods_code="QMJ")
    page.set_viewport_size(DESKTOP)
    failures = []
    for path in [*PAGES, f"/ics/organisations/{icb.pk}/"]:
        page.goto(live_server.url + path)
        assert page.locator("h1").count() == 1, path
        try:
            assert_accessible(page, path, at=(DESKTOP, PHONE))
        except AssertionError as exc:
            failures.append(str(exc).split("\nassert")[0])
    assert "NHS North Central London Integrated Care Board" in page.locator("h1").inner_text()
    assert not failures, "\n\n".join(failures)


def test_search_and_navigate_without_javascript(no_js_context, structure):
    page = no_js_context.new_page()
    page.goto("/ics/")
    page.get_by_label("Search by name or code").fill("E09000014")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Haringey", exact=True).click()
    assert page.locator("h1").inner_text() == "Haringey"
    page.get_by_role("link", name="Haringey neighbourhood 8 (placeholder)").click()
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb")
    breadcrumb.get_by_role("link", name="Haringey").click()
    assert page.locator("h1").inner_text() == "Haringey"


def test_system_tree_is_keyboard_navigable(page, live_server, structure):
    page.goto(live_server.url + "/ics/nel/")
    link = page.get_by_role("link", name="Tower Hamlets", exact=True)
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/ics/nel/tower-hamlets/")
    assert page.locator("h1").inner_text() == "Tower Hamlets"


def test_history_page_for_staff_has_no_axe_violations(page, live_server, assert_accessible, structure, client):
    from django.conf import settings

    from governance.models import Area
    from tests.factories import UserFactory

    # Transactional tests flush the role groups, so a superuser stands in for staff here.
    staff = UserFactory(email="history.staff@nhs.net", is_staff=True, is_superuser=True)
    client.force_login(staff)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    area = Area.objects.get(system__slug="ncl", slug="enfield")
    page.goto(f"{live_server.url}/ics/ncl/enfield/")
    page.get_by_role("link", name="See who changed Enfield and when").click()
    assert page.locator("h1").inner_text() == "Enfield"
    assert page.url.endswith(f"/ics/history/area/{area.pk}/")
    assert "Created" in page.locator("table").inner_text()
    assert_accessible(page)
