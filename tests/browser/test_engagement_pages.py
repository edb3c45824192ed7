"""Consultation pages in a real Chromium: axe (WCAG 2.2 AA) on public and managers' pages (including a form with
errors and the closing confirmations), a manager creating a consultation without JavaScript, error and correction
included, and closing one early and releasing a held response by keyboard, without JavaScript."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from accounts import roles
from engagement.models import Answer, Consultation, ManagerScope, Response
from tests.browser.test_core_pages import sign_in
from tests.browser.viewports import SMALL_LAPTOP, desktop_and_phone
from tests.engagement.factories import ConsultationFactory, QuestionFactory, ResponseFactory, SectionFactory, area_tree
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DAY = datetime.timedelta(days=1)


@pytest.fixture
def data():  # type: ignore[no-untyped-def]
    top, middle, _bottom = area_tree(slug="demo", ranks=3)
    now = timezone.now()
    open_one = ConsultationFactory(
        owner_area=middle,
        title="Open consultation",
        slug="open-one",
        body="<p>Details with a <a href='https://example.org'>link</a>.</p><ul><li>One</li></ul>",
        onward_deadline=(now + 40 * DAY).date(),
        onward_deadline_text="so the board can decide",
        contact_email="team@example.nhs.uk",
    )
    section = SectionFactory(consultation=open_one, title="Your views", order=1)
    yes = QuestionFactory(consultation=open_one, order=1, kind="yes_no", text="Do you agree?", section=section)
    QuestionFactory(
        consultation=open_one, order=2, text="Why?", section=section, show_if_question=yes, show_if_value="yes"
    )
    which = QuestionFactory(consultation=open_one, order=3, single_choice=True, text="Which option?", allow_other=True)
    ResponseFactory.create_batch(2, consultation=open_one)  # drafts in progress
    held = ResponseFactory(
        consultation=open_one, state="submitted", submitted_at=now, suspected_automated=True, suspected_at=now,
        suspected_reason="Hidden field filled in on check answers", respondent_type="individual",
    )  # fmt: skip
    Answer.objects.create(response=held, question=yes, value="yes")
    Answer.objects.create(response=held, question=which, value="__other__", other_text="A third way")
    ConsultationFactory(owner_area=top, title="Closed consultation", slug="closed-one", closed=True)
    ConsultationFactory(owner_area=top, title="Forthcoming consultation", slug="forthcoming-one", forthcoming=True)
    Group.objects.get_or_create(name=roles.CONSULTATION_MANAGER)  # transactional tests flush data migrations' rows
    manager = UserFactory(email="manager.browser@nhs.net", groups=[roles.CONSULTATION_MANAGER])
    ManagerScope.objects.create(user=manager, area=top)
    return {"open": open_one, "manager": manager, "middle": middle, "held": held}


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/consultations/", "Consultations"),
        ("/consultations/?status=open&area=", "Consultations"),
        ("/consultations/open-one/", "Open consultation"),
        ("/consultations/closed-one/", "Closed consultation"),
        ("/consultations/forthcoming-one/", "Forthcoming consultation"),
    ],
)
def test_public_pages_are_accessible(page, live_server, assert_accessible, data, path, heading) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + path)
    assert page.locator("h1").inner_text() == heading
    assert_accessible(page)


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/manage/consultations/", "Your consultations"),
        ("/manage/consultations/new/", "Create a consultation"),
        ("/manage/consultations/open-one/", "Open consultation"),
        ("/manage/consultations/open-one/edit/", "Edit consultation details"),
        ("/manage/consultations/open-one/preview/", "Open consultation"),
        ("/manage/consultations/open-one/questions/new/", "Add a question"),
        ("/manage/consultations/open-one/sections/new/", "Add a section"),
        ("/manage/consultations/open-one/documents/new/", "Add a document"),
        ("/manage/consultations/open-one/suspected/", "Responses held as suspected automated"),
    ],
)
def test_manager_pages_are_accessible(page, live_server, assert_accessible, data, path, heading) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server, data["manager"])
    page.goto(live_server.url + path)
    assert page.locator("h1").inner_text() == heading
    assert_accessible(page)


@desktop_and_phone()
def test_overview_and_emails_open_and_closed(page, live_server, assert_accessible, data, viewport) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size(viewport)
    sign_in(page, live_server, data["manager"])
    page.goto(live_server.url + "/manage/consultations/open-one/")
    questions = page.get_by_role("table", name="Questions")
    expect(questions.get_by_role("row").nth(2)).to_contain_text("is answered “Yes”")
    expect(questions.get_by_label("Order of “Do you agree?”")).to_be_visible()
    assert_accessible(page, "overview with a responsive questions table")
    page.goto(live_server.url + "/manage/consultations/open-one/emails/")
    expect(page.locator("main")).to_contain_text("The next reminder goes at")
    assert_accessible(page, "emails page, none planned yet")
    page.goto(live_server.url + "/manage/consultations/closed-one/")
    expect(page.get_by_role("heading", name='Outcome ("you said, we did")', level=2)).to_be_visible()
    expect(page.locator("main")).to_contain_text("It has closed, so no questions can be added.")
    expect(page.get_by_role("link", name="Add a question")).to_have_count(0)
    assert_accessible(page, "closed overview")
    page.goto(live_server.url + "/manage/consultations/closed-one/emails/")
    expect(page.locator("main")).to_contain_text("It has closed, so no reminders will be sent.")
    assert_accessible(page, "emails page, closed")


def test_manager_creates_consultation_without_javascript(no_js_context, live_server, data) -> None:  # type: ignore[no-untyped-def]
    """axe needs JavaScript, so it runs on these pages in the tests above; here the point is no JS at all."""
    page = no_js_context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live_server, data["manager"])
    page.goto(live_server.url + "/manage/consultations/new/")
    page.get_by_label("Title").fill("Walking and cycling in Demo")
    page.get_by_label("Owning area").select_option(label=data["middle"].label_in_system)
    page.get_by_label("Summary").fill("Tell us where paths are needed.")
    page.locator("#id_opens_on-day").fill("1")
    page.locator("#id_opens_on-month").fill("3")
    page.locator("#id_opens_on-year").fill("2030")
    page.locator("#id_closes_on-day").fill("31")
    page.locator("#id_closes_on-month").fill("2")  # no such date
    page.locator("#id_closes_on-year").fill("2030")
    page.get_by_role("button", name="Create draft").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert page.locator(".nhsuk-error-summary").is_visible()
    assert not Consultation.objects.filter(title="Walking and cycling in Demo").exists()

    page.locator("#id_closes_on-day").fill("31")
    page.locator("#id_closes_on-month").fill("3")
    page.get_by_role("button", name="Create draft").click()
    expect(page.locator("h1")).to_have_text("Walking and cycling in Demo")
    page.get_by_role("link", name="Add a question").click()
    page.get_by_label("Question", exact=True).fill("Where do you walk most?")
    page.get_by_label("Long text").check()
    page.get_by_role("button", name="Save question").click()
    page.get_by_role("link", name=re.compile("^Publish")).click()
    expect(page.locator("h1")).to_have_text("Publish this consultation?")  # asks first, without JavaScript too
    page.get_by_role("button", name="Yes, publish it").click()
    expect(page.locator("main")).to_contain_text("Consultation published.")
    created = Consultation.objects.get(title="Walking and cycling in Demo")
    assert created.is_published
    assert created.questions.count() == 1
    page.goto(live_server.url + f"/consultations/{created.slug}/")
    assert "opens on 1 March 2030" in page.content()


def test_form_with_errors_is_accessible(page, live_server, assert_accessible, data) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server, data["manager"])
    page.goto(live_server.url + "/manage/consultations/new/")
    page.get_by_role("button", name="Create draft").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert page.locator(".nhsuk-error-summary").is_visible()
    assert_accessible(page, "create form with errors")


@desktop_and_phone(SMALL_LAPTOP)
def test_closing_confirmations_are_accessible(page, live_server, assert_accessible, data, viewport) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size(viewport)
    sign_in(page, live_server, data["manager"])
    page.goto(live_server.url + "/manage/consultations/open-one/")
    page.get_by_role("button", name="Close now").click()
    expect(page.locator("h1")).to_have_text("Close this consultation now?")
    expect(page.locator("main")).to_contain_text("2 residents have started a response but not sent it.")
    assert_accessible(page, "close now confirmation")
    page.goto(live_server.url + "/manage/consultations/open-one/edit/")
    yesterday = timezone.localdate() - DAY
    page.locator("#id_closes_on-day").fill(str(yesterday.day))
    page.locator("#id_closes_on-month").fill(str(yesterday.month))
    page.locator("#id_closes_on-year").fill(str(yesterday.year))
    page.get_by_role("button", name=re.compile("Save")).click()
    expect(page.locator("h1")).to_have_text("These changes close this consultation now")
    assert_accessible(page, "edit closing confirmation")
    data["open"].refresh_from_db()
    assert data["open"].accepts_responses_at(now=timezone.now()), "nothing changed before confirming"


def test_manager_closes_early_and_releases_by_keyboard_without_javascript(no_js_context, live_server, data) -> None:  # type: ignore[no-untyped-def]
    page = no_js_context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live_server, data["manager"])
    page.goto(live_server.url + "/manage/consultations/open-one/")
    expect(page.locator("main")).to_contain_text("0 sent responses · 2 responses being written")
    page.get_by_role("link", name=re.compile("held as suspected automated")).click()
    expect(page.locator("main")).to_contain_text("Other: A third way")
    page.get_by_role("button", name=re.compile("Release")).focus()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("released: it now counts")
    assert Response.objects.counted().get() == data["held"]

    page.goto(live_server.url + "/manage/consultations/open-one/")
    expect(page.locator("main")).to_contain_text("1 sent response · 2 responses being written")
    page.get_by_role("button", name="Close now").focus()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("2 residents have started a response but not sent it.")
    page.get_by_role("button", name="Yes, close it now").focus()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("Consultation closed: it no longer takes responses.")
    data["open"].refresh_from_db()
    assert not data["open"].accepts_responses_at(now=timezone.now())
