"""Sign-up and sign-in by one-time code, walked in a real Chromium with axe on every step.

The codes are read from the email the portal sent (locmem backend: live_server runs in this process).
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import User
from tests.browser.viewports import desktop_and_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4}|[A-Z0-9]{6})\s*$", re.MULTILINE)


def code_from(message) -> str:
    match = CODE.search(message.body)
    assert match, f"no code in the email:\n{message.body}"
    return match.group(1)


def test_sign_up_then_sign_out_then_sign_in_by_code(page, live_server, mailoutbox, assert_accessible):
    email = "new.resident@example.com"

    # 1. Create an account with just an email address.
    page.goto(live_server.url + "/accounts/signup/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    assert_accessible(page, "sign-up form")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Continue").click()

    # 2. Confirm the address with the code from the email.
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
    expect(page.locator("main")).to_contain_text(email)
    assert_accessible(page, "confirm email code")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [email]
    page.get_by_label("Code").fill(code_from(mailoutbox[0]))
    page.get_by_role("button", name="Confirm").click()

    # 3. Signed in: the header offers the account page, which shows the address.
    expect(page.get_by_role("link", name="Your account")).to_be_visible()
    assert_accessible(page, "after sign-up")
    user = User.objects.get(email=email)
    assert user.emailaddress_set.get().verified
    assert not user.has_usable_password()
    page.get_by_role("link", name="Your account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.locator("main")).to_contain_text(email)
    assert_accessible(page, "account page")

    # 4. Sign out.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()

    # 5. Sign in again by code; a wrong code first is refused with the NHS error summary.
    page.get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert_accessible(page, "request sign-in code")
    page.get_by_label("Email").fill(email.upper())  # addresses match whatever the case
    page.get_by_role("button", name="Email me a sign-in code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your sign-in code")
    assert_accessible(page, "enter sign-in code")
    assert len(mailoutbox) == 2
    code = code_from(mailoutbox[1])

    page.get_by_label("Code").fill("AAAA-AAAA" if code != "AAAA-AAAA" else "BBBB-BBBB")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_accessible(page, "wrong sign-in code")

    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="Your account")).to_be_visible()
    assert User.objects.count() == 1


def test_sign_up_error_summary_links_move_focus_to_the_field(page, live_server, mailoutbox, assert_accessible):
    page.goto(live_server.url + "/accounts/signup/")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_role("button", name="Continue").click()

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # nhsuk-frontend moves focus to the summary on load
    expect(page).to_have_title(re.compile(r"^Error: Create an account"))
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")

    # The message is at the field too, and the input points at it.
    field_error = page.locator("#id_email-error")
    expect(field_error).to_contain_text("Enter an email address in the correct format, like name@example.com")
    expect(page.locator("#id_email")).to_have_attribute("aria-describedby", re.compile(r"\bid_email-error\b"))
    expect(page.locator("#id_email")).to_have_value("not-an-email")
    assert_accessible(page, "sign-up with an invalid email")

    summary.get_by_role("link", name=re.compile("Enter an email address in the correct format")).click()
    expect(page.locator("#id_email")).to_be_focused()
    assert mailoutbox == []


def test_sign_in_works_without_javascript(no_js_context, live_server, mailoutbox, resident):
    page = no_js_context.new_page()
    page.goto("/accounts/login/code/")
    page.get_by_label("Email").fill(resident.email)
    page.get_by_role("button", name="Email me a sign-in code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your sign-in code")
    page.get_by_label("Code").fill(code_from(mailoutbox[0]))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="Your account")).to_be_visible()


def test_owner_signs_in_with_the_code_a_stranger_caused_when_no_more_emails_are_sent(
    page, live_server, mailoutbox, resident, assert_accessible, settings
):
    """A stranger's requests used up the address's emails; the owner is told so truthfully and still signs in."""
    from django.test import Client

    for _ in range(settings.ACCOUNTS_LOGIN_CODE_EMAILS):
        Client().post("/accounts/login/code/", {"email": resident.email})
    assert len(mailoutbox) == settings.ACCOUNTS_LOGIN_CODE_EMAILS

    page.goto(live_server.url + "/accounts/login/code/")
    page.get_by_label("Email").fill(resident.email)
    page.get_by_role("button", name="Email me a sign-in code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your sign-in code")
    expect(page.locator("main")).to_contain_text(f"We have not sent another email to {resident.email}")
    expect(page.locator("main")).to_contain_text("Use the sign-in code in the latest one.")
    assert len(mailoutbox) == settings.ACCOUNTS_LOGIN_CODE_EMAILS
    assert_accessible(page, "sign-in code page when no email was sent")

    page.get_by_label("Code").fill(code_from(mailoutbox[-1]))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="Your account")).to_be_visible()


@desktop_and_phone()
def test_the_inactive_account_page_says_who_to_contact(page, live_server, assert_accessible, settings, viewport):
    settings.SUPPORT_EMAIL = "portal.admins@nhs.net"
    page.set_viewport_size(viewport)
    page.goto(live_server.url + reverse("account_inactive"))
    expect(page.locator("h1")).to_have_text("This account is not active")
    expect(page.get_by_role("link", name="portal.admins@nhs.net")).to_have_attribute(
        "href", "mailto:portal.admins@nhs.net"
    )
    assert_accessible(page, f"inactive account at {viewport['width']}px")
