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


def sign_in(page, live_server, user) -> None:
    """Put a signed-in session cookie in the browser (signing in itself is walked in test_accounts.py)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/account/", "Your account"),
        ("/staff/", "Staff pages"),
        ("/pmo/", "Programme office"),
    ],
)
def test_signed_in_pages_have_no_axe_violations(page, live_server, assert_accessible, superuser, path, heading):
    sign_in(page, live_server, superuser)
    page.goto(live_server.url + path)
    assert page.locator("h1").inner_text() == heading
    assert_accessible(page)


def test_forbidden_page_has_no_axe_violations(page, live_server, assert_accessible, resident):
    sign_in(page, live_server, resident)
    response = page.goto(live_server.url + "/pmo/")
    assert response.status == 403
    assert page.locator("h1").inner_text() == "You do not have permission to see this page"
    assert_accessible(page)
