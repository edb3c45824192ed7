"""Roles in Chromium with axe at 1280 and 320 px: a manager and the PMO reach their work from the header; an
anonymous resident changes a sent response from the link in the real receipt; a manager clicks through the
preview, conditional questions included, and publishes after the confirmation."""

import re
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from playwright.sync_api import expect

from accounts import roles
from engagement.models import Answer, Consultation, ManagerScope, Response
from notifications.models import Email
from notifications.services import email_send
from tests.browser.test_core_pages import sign_in
from tests.browser.viewports import desktop_and_phone
from tests.engagement.factories import respond_survey
from tests.engagement.test_respond_views import submit, walk_to_check
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def header_link(page: Any, name: str) -> Any:
    """The header's link, opening the header's "More" menu first if the phone layout folded it away."""
    link = page.locator("header").get_by_role("link", name=name, exact=True)
    if not link.is_visible():
        page.locator("header").get_by_role("button", name=re.compile("More")).click()
    expect(link).to_be_visible()
    return link


def make_manager(survey: Any) -> Any:
    for name in roles.ALL_ROLES:  # a transactional test flushes the roles migration's groups
        Group.objects.get_or_create(name=name)
    manager = UserFactory(email="roles.manager@nhs.net", groups=[roles.CONSULTATION_MANAGER])
    ManagerScope.objects.create(user=manager, area=survey.owner_area)
    return manager


@desktop_and_phone()
def test_a_manager_and_the_pmo_reach_their_work_from_the_header(page, live_server, assert_accessible, viewport) -> None:  # type: ignore[no-untyped-def]
    survey = respond_survey()
    manager = make_manager(survey)
    pmo = UserFactory(email="roles.pmo@nhs.net", groups=[roles.PMO])
    page.set_viewport_size(viewport)

    sign_in(page, live_server, manager)
    page.goto(live_server.url + "/")
    assert_accessible(page, f"home with a manager's header at {viewport['width']}px")
    header_link(page, "Manage consultations").click()
    expect(page.locator("h1")).to_have_text("Your consultations")
    expect(page.locator("main")).to_contain_text(survey.title)
    assert_accessible(page, f"manage list at {viewport['width']}px")

    page.context.clear_cookies()
    sign_in(page, live_server, pmo)
    page.goto(live_server.url + "/")
    expect(page.locator("header").get_by_role("link", name="Manage consultations")).to_have_count(0)
    header_link(page, "Response summaries").click()
    expect(page.locator("h1")).to_contain_text("Programme office")
    assert_accessible(page, f"PMO index at {viewport['width']}px")
    # The manager's page refuses the PMO with words for the PMO.
    page.goto(live_server.url + "/manage/consultations/")
    expect(page.locator("main")).to_contain_text("Your account is in the programme office")
    assert_accessible(page, f"403 for the PMO at {viewport['width']}px")


@desktop_and_phone()
def test_an_anonymous_resident_changes_a_sent_response_from_the_receipt(
    page, browser, live_server, assert_accessible, viewport
) -> None:  # type: ignore[no-untyped-def]
    survey = respond_survey()
    resident = Client()
    response = walk_to_check(resident, survey)
    submit(resident, survey, response)
    assert email_send(email_id=Email.objects.get(kind="receipt").pk) == "sent"
    link = re.search(r"http://testserver(/\S+/respond/change/\S+/)", mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
    response.refresh_from_db()
    page.set_viewport_size(viewport)
    page.set_default_timeout(20_000)

    page.goto(live_server.url + link)
    expect(page.locator("h1")).to_contain_text("Check your answers before sending your changes")
    expect(page.locator("main")).to_contain_text("Because it is local & <simple>")
    assert_accessible(page, f"reopened check answers at {viewport['width']}px")
    page.get_by_role("link", name="Change Care should be planned locally").click()
    expect(page.locator("h1")).to_contain_text("Your priorities")
    page.get_by_label("Disagree", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("main")).to_contain_text("Disagree")
    page.get_by_role("button", name="Send your changes").click()

    expect(page.locator("h1")).to_contain_text("Changes sent")
    expect(page.locator(".portal-reference")).to_have_text(response.reference)
    expect(page.locator("main")).to_contain_text("with the link in your receipt email")
    assert_accessible(page, f"confirmation after changing at {viewport['width']}px")
    assert Response.objects.count() == 1
    assert Answer.objects.get(response=response, question=survey.q["agree"]).value == "disagree"

    other = browser.new_context(base_url=live_server.url)
    stranger = other.new_page()
    stranger.goto(f"/consultations/{survey.slug}/respond/check/")
    expect(stranger.locator("main")).not_to_contain_text("Because it is local")
    expect(stranger.locator("main")).not_to_contain_text(response.reference)
    stranger.goto(link.replace("/change/", "/change/x"))
    expect(stranger.locator("h1")).to_have_text("This link does not work")
    assert_accessible(stranger, f"refused change link at {viewport['width']}px")
    other.close()


@desktop_and_phone()
def test_cancelling_changes_by_keyboard_keeps_the_sent_answers(page, live_server, assert_accessible, viewport) -> None:  # type: ignore[no-untyped-def]
    survey = respond_survey()
    resident = Client()
    response = walk_to_check(resident, survey)
    submit(resident, survey, response)
    assert email_send(email_id=Email.objects.get(kind="receipt").pk) == "sent"
    link = re.search(r"http://testserver(/\S+/respond/change/\S+/)", mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
    page.set_viewport_size(viewport)
    page.set_default_timeout(20_000)

    page.goto(live_server.url + link)
    page.get_by_role("link", name="Change Care should be planned locally").click()
    page.get_by_label("Disagree", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("main")).not_to_contain_text("Save and come back later")
    cancel = page.get_by_role("button", name="Cancel changes")
    cancel.focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Your changes were cancelled")
    assert_accessible(page, f"changes cancelled at {viewport['width']}px")
    assert Answer.objects.get(response=response, question=survey.q["agree"]).value == "strongly_agree"
    page.goto(f"{live_server.url}/consultations/{survey.slug}/respond/check/")
    expect(page.locator("main")).not_to_contain_text("Because it is local")


@desktop_and_phone()
def test_a_manager_clicks_through_the_preview_and_publishes(page, live_server, assert_accessible, viewport) -> None:  # type: ignore[no-untyped-def]
    survey = respond_survey()
    Consultation.objects.filter(pk=survey.pk).update(is_published=False)
    manager = make_manager(survey)
    page.set_viewport_size(viewport)
    page.set_default_timeout(20_000)
    sign_in(page, live_server, manager)

    page.goto(f"{live_server.url}/manage/consultations/{survey.slug}/preview/")
    assert_accessible(page, f"preview at {viewport['width']}px")
    page.get_by_role("button", name="Try responding").click()
    expect(page.locator("h1")).to_contain_text("Governance")
    expect(page.locator("main")).to_contain_text("Nothing you enter is saved or counted")
    assert_accessible(page, f"preview page 1 at {viewport['width']}px")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    assert_accessible(page, f"preview page 1 with errors at {viewport['width']}px")
    page.get_by_label("Option 1").check()
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("What are your other views?").fill("More local say")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_contain_text("Your priorities")
    expect(page.get_by_label("Why option 1?")).to_be_visible()
    assert_accessible(page, f"preview page 2 at {viewport['width']}px")
    page.get_by_label("Why option 1?").fill("Closer to home")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_contain_text("Check your answers")
    expect(page.locator("main")).to_contain_text("Closer to home")
    assert_accessible(page, f"preview check at {viewport['width']}px")
    assert not Response.objects.exists()

    page.get_by_role("link", name=f"Back to managing {survey.title}").click()
    page.get_by_role("link", name=re.compile("^Publish")).click()
    expect(page.locator("h1")).to_have_text("Publish this consultation?")
    assert_accessible(page, f"publish confirmation at {viewport['width']}px")
    survey.refresh_from_db()
    assert not survey.is_published
    page.get_by_role("button", name="Yes, publish it").click()
    expect(page.locator("main")).to_contain_text("Consultation published.")
    survey.refresh_from_db()
    assert survey.is_published
