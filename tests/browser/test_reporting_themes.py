"""The themes pages in a real Chromium: axe (WCAG 2.2 AA) at 1280 and 320 px on the codebook (with an error too),
the answers page with its tag forms, a suggestion job's page in progress and done, answers like this one, and
changing and deleting a theme; and tagging every result of a search, then accepting a suggestion, by keyboard
without JavaScript."""

import datetime

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from accounts import roles
from engagement.models import Question
from reporting import services_themes
from reporting.models import ThemeTag
from tests.browser.test_core_pages import sign_in
from tests.browser.viewports import DESKTOP, PHONE
from tests.engagement.factories import QuestionFactory
from tests.factories import UserFactory
from tests.reporting.conftest import Boroughs
from tests.reporting.factories import sent
from tests.reporting.labelled_answers import LABELLED

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NOW = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def data():  # type: ignore[no-untyped-def]
    Group.objects.get_or_create(name=roles.PMO)  # transactional tests flush data migrations' rows
    Group.objects.get_or_create(name=roles.CONSULTATION_MANAGER)
    boroughs = Boroughs()
    c = boroughs.barnet_c
    q = QuestionFactory(consultation=c, kind=Question.Kind.LONG_TEXT, text="What would make it work?")
    texts = [t for answers in LABELLED.values() for t in answers[:5]]  # 35 answers, every theme
    responses = [sent(c, {q: text}, area=boroughs.barnet) for text in texts]
    pmo = UserFactory(email="pmo.themes@nhs.net", groups=[roles.PMO])
    theme = services_themes.theme_create(
        consultation=c, name="GP access", description="Getting an appointment", by=pmo, now=NOW
    )
    services_themes.theme_create(consultation=c, name="Transport", by=pmo, now=NOW)
    services_themes.answer_tag(theme=theme, answer=responses[0].answers.get(), by=pmo, now=NOW)
    done = services_themes.suggestion_job_start(consultation=c, question=q, k=7, by=pmo, now=NOW, queue=False)
    services_themes.suggestion_job_run(job_id=done.pk)
    waiting = services_themes.suggestion_job_start(consultation=c, question=q, k=5, by=pmo, now=NOW, queue=False)
    return {"pmo": pmo, "theme": theme, "q": q, "done": done, "waiting": waiting, "answer": responses[1].answers.get()}


def test_themes_pages_are_accessible(page, live_server, assert_accessible, data) -> None:  # type: ignore[no-untyped-def]
    """Each page visited once at a phone's width and checked there and at a desktop's."""
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, data["pmo"])
    base = "/pmo/consultations/barnet-plan"
    for path, heading in [
        (f"{base}/themes/", "Themes"),
        (f"{base}/questions/{data['q'].pk}/?q=appointment", "Answers: What would make it work?"),
        (f"{base}/themes/suggestions/{data['done'].pk}/", "Suggested themes"),
        (f"{base}/themes/suggestions/{data['waiting'].pk}/?refresh=off", "Suggesting themes"),
        (f"{base}/themes/answers/{data['answer'].pk}/", "Answers like this one"),
        (f"{base}/", "Barnet plan"),  # the summary with its themes section
        (f"{base}/themes/{data['theme'].pk}/", "Change theme"),
        (f"{base}/themes/{data['theme'].pk}/delete/", "Delete the theme “GP access”?"),
    ]:
        page.goto(live_server.url + path)
        expect(page.locator("h1")).to_have_text(heading)
        assert_accessible(page, path, at=(DESKTOP, PHONE))
    page.goto(live_server.url + f"{base}/themes/")
    page.get_by_label("Name", exact=True).fill("gp ACCESS")
    page.get_by_role("button", name="Add theme").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("already has a theme with that name")
    assert_accessible(page, "codebook with an error", at=(DESKTOP, PHONE))


def test_tagging_a_search_and_accepting_a_suggestion_by_keyboard_without_javascript(  # type: ignore[no-untyped-def]
    no_js_context, live_server, data
) -> None:
    page = no_js_context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live_server, data["pmo"])
    page.goto(live_server.url + f"/pmo/consultations/barnet-plan/questions/{data['q'].pk}/")
    page.get_by_label("Search the answers").fill("appointment")
    page.keyboard.press("Enter")
    count = page.locator("#answer-count")
    expect(count).to_contain_text("matching “appointment”")
    n = int(count.inner_text().split()[0])
    assert n >= 2
    form = page.locator("#tag-search")
    form.get_by_label("Tag all").select_option(label="Transport")
    form.get_by_role("button", name=f"Tag all {n} answers").focus()
    page.keyboard.press("Enter")
    expect(page.locator("body")).to_contain_text(f"{n} more answers tagged “Transport”")
    assert ThemeTag.objects.filter(theme__name="Transport", source=ThemeTag.Source.SEARCH).count() == n

    page.goto(live_server.url + f"/pmo/consultations/barnet-plan/themes/suggestions/{data['done'].pk}/")
    card = page.locator("#suggestion-1")
    card.get_by_label("Name the theme").fill("Waiting for care")
    card.get_by_role("button", name="Accept and tag").focus()
    page.keyboard.press("Enter")
    expect(page.locator("body")).to_contain_text("Suggestion 1 accepted")
    expect(page.locator("#suggestion-1")).to_contain_text("Accepted: “Waiting for care”")
    assert ThemeTag.objects.filter(theme__name="Waiting for care", tagged_by=data["pmo"]).exists()


def test_the_codebook_on_a_phone_shows_every_cell_without_scrolling(page, live_server, data) -> None:  # type: ignore[no-untyped-def]
    """A responsive table: at 320 px each theme is a block of labelled cells, its merge form among them, none off to
    the right."""
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, data["pmo"])
    page.goto(live_server.url + "/pmo/consultations/barnet-plan/themes/")
    cells = page.locator("#theme-list th[scope=row], #theme-list td")
    assert cells.count() == 6  # two themes, three cells each
    for n in range(cells.count()):
        box = cells.nth(n).bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= PHONE["width"], cells.nth(n).inner_text()
    expect(cells.nth(1)).to_contain_text("Answers")  # the heading shown beside the figure on a phone
    merge = page.get_by_role("button", name="Merge GP access")
    merge.scroll_into_view_if_needed()
    expect(merge).to_be_in_viewport()
