"""What residents type is never lost, in Chromium with JavaScript on and off and axe on each state: conditional
questions, character counts, and a session lost mid-form."""

from typing import Any

import pytest
from playwright.sync_api import expect

from engagement.models import Answer, Question
from tests.engagement.factories import respond_survey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def begin(page: Any, base: str, survey: Any) -> None:
    page.set_default_timeout(20_000)
    page.goto(f"{base}/consultations/{survey.slug}/respond/")
    page.get_by_role("button", name="Start now").click()


def to_page_2(page: Any) -> None:
    page.get_by_label("Option 1").check()
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_contain_text("Your priorities")


LONG = ("The clinic on the high street should stay open on Saturdays. " * 40)[:1747]


def conditional_then_refused_text(page: Any, base: str, survey: Any) -> None:
    """Page 1: the detail question is revealed only by "Yes"; text typed before switching to "No" comes back."""
    begin(page, base, survey)
    detail = page.get_by_label("What are your other views?")
    expect(detail).to_be_hidden()
    page.get_by_label("Yes", exact=True).check()
    expect(detail).to_be_visible()
    detail.fill(LONG)
    page.get_by_label("No", exact=True).check()
    expect(detail).to_be_hidden()
    page.get_by_label("Option 1").check()
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("“What are your other views?” applies only if you answer “Yes”")
    expect(summary).to_contain_text("keep the 1,747 characters you typed here")
    expect(detail).to_be_visible()
    expect(detail).to_have_value(LONG)
    assert not Answer.objects.exists()


def test_conditional_question_with_javascript(page: Any, live_server: Any, assert_accessible: Any) -> None:
    survey = respond_survey()
    Question.objects.filter(pk=survey.q["detail"].pk).update(max_length=5000)
    conditional_then_refused_text(page, live_server.url, survey)
    assert_accessible(page, "text for a hidden question")
    # The error summary link moves focus to the box holding the text.
    page.locator(".nhsuk-error-summary a").first.click()
    expect(page.get_by_label("What are your other views?")).to_be_focused()
    page.get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_contain_text("Your priorities")
    assert Answer.objects.get(question=survey.q["detail"]).value == LONG


def test_conditional_question_without_javascript(no_js_context: Any, live_server: Any) -> None:
    survey = respond_survey()
    Question.objects.filter(pk=survey.q["detail"].pk).update(max_length=5000)
    page = no_js_context.new_page()
    conditional_then_refused_text(page, live_server.url, survey)
    page.get_by_label("What are your other views?").fill("")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_contain_text("Your priorities")
    assert not Answer.objects.filter(question=survey.q["detail"]).exists()


def test_short_text_shows_its_limit_and_counts(page: Any, live_server: Any, assert_accessible: Any) -> None:
    survey = respond_survey()
    begin(page, live_server.url, survey)
    to_page_2(page)
    group = page.get_by_label("Your group (optional)", exact=True)
    status = page.locator(f".nhsuk-character-count:has(#id_q{survey.q['short'].pk}) .nhsuk-character-count__status")
    group.press_sequentially("x" * 45)
    expect(status).to_contain_text("You have 5 characters remaining")
    # Under the box, as on a textarea: NHS.UK's input wrapper is a flex row (for prefixes), which put it beside.
    box, said = group.bounding_box(), status.bounding_box()
    assert box is not None
    assert said is not None
    assert said["y"] >= box["y"] + box["height"], (box, said)
    group.press_sequentially("y" * 15)
    expect(group).to_have_value("x" * 45 + "y" * 15)  # not stopped at the limit
    expect(status).to_contain_text("You have 10 characters too many")
    assert_accessible(page, "short text over its limit")
    page.get_by_label("Why option 1?").fill("Simpler")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("must be 50 characters or fewer")
    expect(group).to_have_value("x" * 45 + "y" * 15)


def test_short_text_limit_is_said_without_javascript(no_js_context: Any, live_server: Any) -> None:
    survey = respond_survey()
    page = no_js_context.new_page()
    begin(page, live_server.url, survey)
    to_page_2(page)
    expect(page.locator(f"#id_q{survey.q['short'].pk}-info")).to_have_text("You can enter up to 50 characters")
    group = page.get_by_label("Your group (optional)", exact=True)
    group.fill("z" * 60)
    expect(group).to_have_value("z" * 60)


def test_changing_an_earlier_answer_asks_before_removing_a_later_one(
    page: Any, live_server: Any, assert_accessible: Any
) -> None:
    survey = respond_survey()
    begin(page, live_server.url, survey)
    to_page_2(page)
    page.get_by_label("Why option 1?").fill("It keeps what works")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_contain_text("About you")
    page.goto(f"{live_server.url}/consultations/{survey.slug}/respond/page/1/")
    page.get_by_label("Option 2").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Your answer to “Why option 1?” (19 characters)")
    assert_accessible(page, "asking before removing a later answer")
    assert Answer.objects.get(question=survey.q["follow"]).value == "It keeps what works"
    page.get_by_label("Remove my answer to “Why option 1?” and continue").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_contain_text("Your priorities")
    expect(page.get_by_label("Why option 1?")).to_have_count(0)
    assert not Answer.objects.filter(question=survey.q["follow"]).exists()


def test_a_session_lost_mid_form_shows_what_was_typed(page: Any, live_server: Any, assert_accessible: Any) -> None:
    survey = respond_survey()
    begin(page, live_server.url, survey)
    page.get_by_label("Option 1").check()
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("What are your other views?").fill("Keep <b>this</b> & that")
    page.context.clear_cookies()  # the session expires (or cookies are cleared) while the resident types
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Your session has expired or the form was sent from another site")
    box = page.get_by_label("What are your other views?")
    expect(box).to_have_value("Keep <b>this</b> & that")
    expect(box).not_to_be_editable()
    expect(page.get_by_label("Which governance option do you prefer?")).to_have_value("Option 1")
    assert_accessible(page, "session lost mid-form")
    page.get_by_role("link", name="Go back to the page").click()
    expect(page.locator("h1")).to_contain_text(survey.title)


@pytest.mark.parametrize("javascript", [True, False])
def test_organisation_typed_then_individual_chosen_stays_in_view(
    browser: Any, live_server: Any, assert_accessible: Any, javascript: bool
) -> None:
    survey = respond_survey()
    context = browser.new_context(java_script_enabled=javascript)
    try:
        page = context.new_page()
        begin(page, live_server.url, survey)
        page.goto(f"{live_server.url}/consultations/{survey.slug}/respond/about-you/")
        name = page.get_by_label("Name of your organisation")
        expect(name).to_be_hidden()
        page.get_by_label("On behalf of an organisation").check()
        name.fill("Friends of the Whittington")
        page.get_by_label("As an individual").check()
        expect(name).to_be_hidden()
        page.get_by_role("button", name="Continue").click()
        expect(page.locator(".nhsuk-error-summary")).to_contain_text("You typed an organisation's name")
        expect(name).to_be_visible()  # a reveal holding an error is never hidden
        expect(name).to_have_value("Friends of the Whittington")
        if javascript:
            assert_accessible(page, "organisation typed, individual chosen")
    finally:
        context.close()
