"""A resident walks a whole consultation in Chromium, with axe at every step, with JavaScript on and off."""

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from engagement.models import Answer, Response
from tests.engagement.factories import respond_survey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def walk(page: Any, base: str, check: Any, survey: Any) -> None:
    page.set_default_timeout(20_000)
    page.goto(f"{base}/consultations/{survey.slug}/respond/")
    expect(page.locator("h1")).to_contain_text(survey.title)
    check(page, "start")
    page.get_by_role("button", name="Start now").click()

    # Page 1: an error, then its correction.
    expect(page.locator("h1")).to_contain_text("Governance")
    check(page, "page 1")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    assert page.title().startswith("Error: ")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Select an answer for")
    check(page, "page 1 with errors")
    page.get_by_label("Option 1").check()
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("What are your other views?").fill("More say for boroughs & neighbourhoods")
    page.get_by_role("button", name="Continue").click()

    # Page 2: checkboxes, the scale, and the question shown because of page 1's answer.
    expect(page.locator("h1")).to_contain_text("Your priorities")
    check(page, "page 2")
    page.get_by_label("Access").check()
    page.get_by_label("Agree", exact=True).check()
    page.get_by_label("Why option 1?").fill("It is simpler")
    page.get_by_role("button", name="Continue").click()

    # About you.
    expect(page.locator("h1")).to_contain_text("About you")
    check(page, "about you")
    page.get_by_label("As an individual").check()
    page.get_by_label("Where do you live or work? (optional)").select_option(label=survey.borough.name)
    page.get_by_label("Email address (optional)").fill("walker@example.org")
    page.get_by_role("button", name="Continue").click()

    # Equality monitoring (optional).
    expect(page.locator("h1")).to_contain_text("Equality monitoring")
    check(page, "equality")
    page.get_by_label("35 to 44").check()
    page.get_by_role("button", name="Continue").click()

    # Check your answers, change one, send.
    expect(page.locator("h1")).to_contain_text("Check your answers before sending")
    check(page, "check answers")
    expect(page.locator("main")).to_contain_text("More say for boroughs & neighbourhoods")
    page.get_by_role("link", name="Change Care should be planned locally").click()
    expect(page.locator("h1")).to_contain_text("Your priorities")
    page.get_by_label("Strongly agree").check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("h1")).to_contain_text("Check your answers before sending")
    expect(page.locator("main")).to_contain_text("Strongly agree")
    page.get_by_role("button", name="Send your response").click()

    # Confirmation with the reference.
    expect(page.locator("h1")).to_contain_text("Response sent")
    check(page, "confirmation")
    reference = page.locator(".portal-reference").inner_text()
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", reference)
    response = Response.objects.get(reference=reference)
    assert response.state == Response.State.SUBMITTED
    assert Answer.objects.get(response=response, question=survey.q["agree"]).value == "strongly_agree"


def test_resident_walks_a_consultation_with_javascript(page: Any, live_server: Any, assert_accessible: Any) -> None:
    survey = respond_survey()
    walk(page, live_server.url, assert_accessible, survey)


def test_resident_walks_a_consultation_without_javascript(
    no_js_context: Any, browser: Any, live_server: Any, assert_accessible: Any
) -> None:
    """axe needs JavaScript (it hangs in a page without it), so each step's page, as the browser without
    JavaScript has it, is served again to a JavaScript-enabled page at the same address, scripts removed."""
    survey = respond_survey()
    page = no_js_context.new_page()
    checker_context = browser.new_context()
    checker = checker_context.new_page()

    def check(no_js_page: Any, context: str = "") -> None:
        html = re.sub(r"<script\b.*?</script>", "", no_js_page.content(), flags=re.S)
        address = no_js_page.url

        def serve(route: Any) -> None:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

        checker.route(lambda u: u == address, serve)
        checker.goto(address)
        assert_accessible(checker, f"{context} (without JavaScript)")
        checker.unroute_all()

    try:
        walk(page, live_server.url, check, survey)
    finally:
        checker_context.close()


def test_other_answer_box_is_revealed_with_javascript(page: Any, live_server: Any, assert_accessible: Any) -> None:
    survey = respond_survey()
    page.goto(f"{live_server.url}/consultations/{survey.slug}/respond/")
    page.get_by_role("button", name="Start now").click()
    other_box = page.get_by_label("Please specify", exact=True)
    expect(other_box).to_be_hidden()
    page.get_by_label("Other, please specify").check()
    expect(other_box).to_be_visible()
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter your other answer")
    assert_accessible(page, "other answer error")
    other_box.fill("A mix of both")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_contain_text("Your priorities")
