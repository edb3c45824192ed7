"""A resident walks a whole consultation in Chromium, with axe at every step, with JavaScript on and off."""

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from engagement.models import Answer, Response
from tests.browser.viewports import desktop_and_phone
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
    expect(page).to_have_title(re.compile(r"^Error: "))
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


def test_two_people_one_browser(
    page: Any, live_server: Any, assert_accessible: Any, mailoutbox: Any, resident: Any
) -> None:
    """A shared computer: resident A sends a response without signing in and walks away; B, at the same browser,
    presses Back, opens A's confirmation from the history, signs in and responds. B never sees A's reference,
    answers or email, and A's response stays A's."""
    from tests.browser.test_accounts import code_from

    survey = respond_survey()
    walk(page, live_server.url, assert_accessible, survey)
    reference = page.locator(".portal-reference").inner_text()
    done_url = page.url
    assert page.get_by_text("walker@example.org").count() == 1, "A sees where the receipt went"

    # B: Back from the confirmation, then the confirmation again from the history.
    page.go_back()
    expect(page.locator("h1")).to_contain_text(survey.title)
    expect(page.get_by_role("button", name="Start now")).to_be_visible()
    assert reference not in page.content()
    assert "walker@example.org" not in page.content()
    page.goto(done_url)
    expect(page.locator("h1")).to_contain_text("Response sent")
    assert reference not in page.content()
    assert "walker@example.org" not in page.content()
    assert_accessible(page, "confirmation seen again")

    # B signs in on the same browser and opens the consultation.
    page.goto(f"{live_server.url}/accounts/login/code/")
    page.get_by_label("Email").fill(resident.email)
    page.get_by_role("button", name="Email me a sign-in code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your sign-in code")
    page.get_by_label("Code").fill(code_from([m for m in mailoutbox if resident.email in m.to][-1]))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="Your account")).to_be_visible()
    page.goto(f"{live_server.url}/consultations/{survey.slug}/respond/")
    expect(page.get_by_role("button", name="Start now")).to_be_visible()
    assert reference not in page.content()
    page.goto(f"{live_server.url}/consultations/{survey.slug}/respond/check/")
    expect(page.get_by_role("button", name="Start now")).to_be_visible()
    assert page.goto(done_url).status == 404
    page.goto(f"{live_server.url}/consultations/my-responses/")
    assert reference not in page.content()
    assert "walker@example.org" not in page.content()

    sent = Response.objects.get(reference=reference)
    assert sent.user_id is None
    assert sent.state == Response.State.SUBMITTED
    assert not Response.objects.filter(user=resident).exists()


@desktop_and_phone()
def test_two_people_one_browser_save_for_later(
    page: Any, browser: Any, live_server: Any, assert_accessible: Any, viewport: dict[str, int]
) -> None:
    """A shared computer: A saves for later with their email and walks away; B, at the same browser, finds none
    of A's answers and not A's email; A comes back on another device with the emailed link, answers intact."""
    from notifications.models import Email

    survey = respond_survey()
    page.set_default_timeout(20_000)
    page.set_viewport_size(viewport)
    start_url = f"{live_server.url}/consultations/{survey.slug}/respond/"
    page.goto(start_url)
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("Option 1").check()
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Why option 1?").fill("Closer to home")
    page.get_by_role("button", name="Save and come back later").click()
    expect(page.locator("h1")).to_contain_text("Save your answers and come back later")
    page.get_by_label("Email address").fill("first.person@example.org")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.locator("h1")).to_contain_text("Check your email")
    main = page.locator("main")
    expect(main).to_contain_text("Your answers are saved")
    expect(main).to_contain_text("f••••@example.org")
    expect(main).to_contain_text("no longer kept in this browser")
    assert "first.person@example.org" not in page.content()
    expect(page.get_by_role("link", name="Continue with your response now")).to_have_count(0)
    assert_accessible(page, f"save for later sent at {viewport['width']}px")

    # B, at the same browser: a fresh start, and nothing of A's on any step.
    page.goto(start_url)
    expect(page.get_by_role("button", name="Start now")).to_be_visible()
    page.get_by_role("button", name="Start now").click()
    expect(page.get_by_label("Option 1")).not_to_be_checked()
    page.get_by_label("Option 1").check()
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_label("Why option 1?")).to_have_value("")
    page.goto(f"{start_url}about-you/")
    expect(page.get_by_label("Email address (optional)")).to_have_value("")
    page.goto(f"{start_url}save/")
    expect(page.get_by_label("Email address")).to_have_value("")
    assert "first.person@example.org" not in page.content()

    # A, on another device, with the link from the email.
    other = browser.new_context(base_url=live_server.url)
    try:
        a = other.new_page()
        body = Email.objects.get(kind="resume_link", to="first.person@example.org").body_text
        link = re.search(r"https?://[^/\s]+(/consultations/\S+/respond/resume/\S+/)", body)
        assert link, body
        a.goto(link.group(1))
        # Back on page 2, where A saved, with what A typed there; page 1's answer kept too.
        expect(a.locator("h1")).to_contain_text("Your priorities")
        expect(a.get_by_label("Why option 1?")).to_have_value("Closer to home")
        a.goto(start_url.removeprefix(live_server.url) + "page/1/")
        expect(a.get_by_label("Option 1")).to_be_checked()
    finally:
        other.close()


def test_refused_and_closed_pages_keep_what_was_typed(
    page: Any, live_server: Any, assert_accessible: Any, settings: Any
) -> None:
    """The rate-limited page and the page for a consultation closed mid-draft, each checked by axe."""
    import datetime

    from django.utils import timezone

    settings.ENGAGEMENT_RATE_LIMITS = {"submit": "0/10m"}
    survey = respond_survey()
    page.goto(f"{live_server.url}/consultations/{survey.slug}/respond/")
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("Option 1").check()
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Why option 1?").fill("It is simpler")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("As an individual").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Send your response").click()
    expect(page.locator("h1")).to_have_text("Your response was not sent yet")
    expect(page.locator("main")).to_contain_text("Your answers are saved")
    assert_accessible(page, "rate limited")

    page.get_by_role("link", name="Go back to check your answers").click()
    page.get_by_role("link", name="Change Why option 1?").click()
    survey.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    survey.save()
    page.get_by_label("Why option 1?").fill("Typed after it closed")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("h1")).to_have_text("This consultation has closed")
    expect(page.get_by_label("Why option 1?")).to_have_value("Typed after it closed")
    assert_accessible(page, "closed mid-draft")


def test_your_responses_on_a_phone_shows_each_response_without_scrolling(
    page: Any, live_server: Any, assert_accessible: Any, resident: Any
) -> None:
    """A responsive table: at 320 px each response is a block with its parts labelled, none off to the right."""
    from tests.browser.test_core_pages import sign_in
    from tests.browser.viewports import PHONE
    from tests.reporting.factories import sent

    survey = respond_survey()
    mine = sent(survey, user=resident)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, resident)
    page.goto(f"{live_server.url}/consultations/my-responses/")
    cells = page.locator("table td")
    expect(cells).to_have_count(4)
    for n in range(4):
        box = cells.nth(n).bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= PHONE["width"], cells.nth(n).inner_text()
    expect(cells.nth(1)).to_contain_text(mine.reference)
    assert_accessible(page, "your responses on a phone")


def _tab_to(page: Any, name: str, limit: int = 60) -> None:
    """Press Tab until the focused element is the control called `name`, as a keyboard user would reach it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.textContent.trim()") == name:
            return
    raise AssertionError(f"{name!r} cannot be reached with Tab")


def test_a_signed_in_resident_changes_a_sent_response_by_keyboard_on_a_phone(
    page: Any, live_server: Any, assert_accessible: Any, resident: Any
) -> None:
    """At 320 px and with the keyboard only: "Change your response" on "Your response" is reached with Tab and
    pressed with Enter, which begins the changes; one answer is changed and the changes are sent. The sent response
    keeps its reference and carries the new answer."""
    from tests.browser.test_core_pages import sign_in
    from tests.browser.viewports import PHONE
    from tests.reporting.factories import sent

    survey = respond_survey()
    q = survey.q
    mine = sent(
        survey,
        {q["choice"]: "Option 2", q["yes"]: "No", q["agree"]: "agree"},
        user=resident,
        email=resident.email,
        area=survey.borough,
    )
    page.set_viewport_size(PHONE)
    page.set_default_timeout(20_000)
    sign_in(page, live_server, resident)
    page.goto(f"{live_server.url}/consultations/my-responses/{mine.reference}/")
    expect(page.locator("h1")).to_contain_text(mine.reference)
    assert_accessible(page, "your response", at=(PHONE,))
    assert not Response.objects.filter(replaces=mine).exists(), "opening the page began nothing"

    _tab_to(page, "Change your response")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("Check your answers")
    expect(page.get_by_role("button", name="Send your changes")).to_be_visible()
    assert_accessible(page, "check your changes", at=(PHONE,))
    assert Response.objects.get(replaces=mine).state == Response.State.CHANGES

    _tab_to(page, "Change Care should be planned locally")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("Your priorities")
    page.get_by_label("Strongly agree").focus()
    page.keyboard.press("Space")
    _tab_to(page, "Save and continue")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("Check your answers")
    expect(page.locator("main")).to_contain_text("Strongly agree")
    _tab_to(page, "Send your changes")
    page.keyboard.press("Enter")

    expect(page.locator("h1")).to_contain_text("Changes sent")
    assert_accessible(page, "changes sent", at=(PHONE,))
    assert not Response.objects.filter(replaces=mine).exists(), "the copy is gone once its changes are sent"
    assert Answer.objects.get(response=mine, question=q["agree"]).value == "strongly_agree"
    assert Answer.objects.get(response=mine, question=q["choice"]).value == "Option 2"


def test_a_page_sent_after_saving_in_another_tab_shows_what_was_typed(
    page: Any, live_server: Any, assert_accessible: Any
) -> None:
    """Two tabs: the second saves the response for later (so this browser lets go of it); the first then sends
    a page. Nothing can be saved, and the page says so and shows the typed text to copy (axe at both widths)."""
    from tests.browser.viewports import DESKTOP, PHONE

    survey = respond_survey()
    page.goto(f"{live_server.url}/consultations/{survey.slug}/respond/")
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("Option 1").check()
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_contain_text("Your priorities")
    other = page.context.new_page()
    other.goto(f"{live_server.url}/consultations/{survey.slug}/respond/save/")
    other.get_by_label("Email address").fill("two.tabs@example.org")
    other.get_by_role("button", name="Send me a link").click()
    expect(other.locator("h1")).to_contain_text("Check your email")
    other.close()
    page.get_by_label("Why option 1?").fill("Typed in the first tab")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Your answers were not saved")
    expect(page.get_by_label("Why option 1?")).to_have_value("Typed in the first tab")
    assert_accessible(page, "not saved", at=(DESKTOP, PHONE))
