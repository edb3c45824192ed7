"""Every core page in a real Chromium: zero axe WCAG 2.2 AA violations."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CORE_PAGES = [
    "/",
    "/accessibility/",
    "/privacy/",
    "/no-such-page/",
    "/accounts/login/code/",
    "/accounts/signup/",
    "/accounts/login/",
]


@pytest.mark.parametrize("path", CORE_PAGES)
def test_core_page_has_no_axe_violations(page, live_server, assert_accessible, path):
    page.goto(live_server.url + path)
    assert page.locator("header.nhsuk-header").count() == 1
    assert_accessible(page)
