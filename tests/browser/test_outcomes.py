"""You said, we did, and who we have not heard from, in a real Chromium: axe (WCAG 2.2 AA) at 1280 and 320 px on
the outcome's editing page (empty, with errors, published), the published outcome on the consultation page, and
the summary's population section; the outcome written and published by keyboard without JavaScript."""

import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from accounts import roles
from engagement.models import ManagerScope, Question
from governance.models import AreaPopulation
from reporting import services_themes
from tests.browser.test_core_pages import sign_in
from tests.browser.viewports import desktop_and_phone
from tests.engagement.factories import AreaFactory, ConsultationFactory, QuestionFactory
from tests.factories import UserFactory
from tests.functions.factories import FunctionFactory
from tests.reporting.conftest import Boroughs
from tests.reporting.factories import equality, sent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def data():  # type: ignore[no-untyped-def]
    for name in roles.ALL_ROLES:  # a transactional test flushes the roles migration's groups
        Group.objects.get_or_create(name=name)
    b = Boroughs()
    c = ConsultationFactory(owner_area=b.barnet, title="Barnet estates", slug="barnet-estates", closed=True)
    FunctionFactory(system=b.barnet.system, owner=b.barnet.level, title="Borough estates strategy")
    manager = UserFactory(email="estates.manager@nhs.net", groups=[roles.CONSULTATION_MANAGER])
    ManagerScope.objects.create(user=manager, area=b.barnet)
    islington = AreaFactory(parent=b.ics, level=b.barnet.level, name="Islington", slug="islington")
    for area, people in ((b.barnet, 389_300), (b.camden, 210_100), (islington, 216_600)):
        AreaPopulation.objects.create(area=area, population=people, source="ONS Census 2021", year=2021)
        AreaPopulation.objects.create(area=area, age_band="25_34", population=people // 6, source="ONS", year=2021)
    for n in range(9):
        sent(b.ics_c, area=[b.barnet, b.camden, b.camden][n % 3], email=f"r{n}@example.org", consent_to_contact=True)
    equality(b.ics_c, 7, age_band="25_34")
    equality(b.ics_c, 2, age_band="16_24")
    pmo = UserFactory(email="pmo.outcomes@nhs.net", groups=[roles.PMO])
    question = QuestionFactory(consultation=c, kind=Question.Kind.LONG_TEXT, text="What would help?")
    theme = services_themes.theme_create(
        consultation=c, name="Travel to clinics", description="How far people go", by=pmo, now=c.closes_at
    )
    for text in ("The clinic is two buses away", "Too far to walk"):
        answer = sent(c, {question: text}, at=c.closes_at).answers.get()
        services_themes.answer_tag(theme=theme, answer=answer, by=pmo, now=c.closes_at)
    return {"c": c, "manager": manager, "pmo": pmo, "boroughs": b}


@desktop_and_phone()
def test_outcome_pages_and_population_section_are_accessible(
    page, live_server, assert_accessible, data, viewport
) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size(viewport)
    sign_in(page, live_server, data["manager"])
    page.goto(live_server.url + "/manage/consultations/barnet-estates/outcome/")
    expect(page.locator("h1")).to_have_text("You said, we did")
    expect(page.locator("main")).to_contain_text("Travel to clinics: 2 answers")
    assert_accessible(page, f"outcome form at {viewport['width']}px")
    page.get_by_role("button", name="Publish the outcome").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter what was decided")
    expect(page).to_have_title(re.compile("^Error: "))
    assert_accessible(page, f"outcome form with errors at {viewport['width']}px")
    page.get_by_label("What we heard").fill("You told us the clinics are too far away.")
    page.get_by_label("Headline points (optional)").fill("Evening clinics\nBetter buses")
    page.get_by_label("What we decided").fill("We will open two evening clinics.")
    page.get_by_label("The function the decision falls under (optional)").select_option(index=1)
    page.get_by_role("button", name="Publish the outcome").click()
    expect(page.locator("main")).to_contain_text("Outcome published.")
    assert_accessible(page, f"published outcome's form at {viewport['width']}px")

    page.goto(live_server.url + "/consultations/barnet-estates/")
    expect(page.locator("#outcome")).to_have_text("You said, we did")
    expect(page.locator("main")).to_contain_text("We will open two evening clinics.")
    expect(page.get_by_role("link", name="Borough estates strategy")).to_be_visible()
    expect(page.get_by_role("table", name="Themes in the responses")).to_contain_text("Travel to clinics")
    assert_accessible(page, f"consultation page with its outcome at {viewport['width']}px")

    sign_in(page, live_server, data["pmo"])
    page.goto(live_server.url + "/pmo/consultations/ncl-plan/")
    expect(page.locator("#reach")).to_have_text("Who we have not heard from")
    expect(page.locator("#reach-below")).to_contain_text("Islington")
    expect(page.locator("#reach-age-table")).to_contain_text("not shown")  # 7 would reveal the 2 in 16 to 24
    assert_accessible(page, f"summary with the population section at {viewport['width']}px")


def test_an_outcome_is_written_and_published_by_keyboard_without_javascript(no_js_context, live_server, data) -> None:  # type: ignore[no-untyped-def]
    page = no_js_context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live_server, data["manager"])
    page.goto(live_server.url + "/manage/consultations/barnet-estates/")
    page.get_by_role("link", name=re.compile("Write and publish the outcome")).click()
    page.get_by_label("What we heard").fill("Too far away.")
    page.get_by_label("What we decided").fill("Two evening clinics.")
    page.get_by_role("button", name="Save draft").focus()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("Draft saved")
    page.get_by_role("button", name="Publish the outcome").focus()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("Outcome published. No respondent is waiting to be emailed about it.")
    page.goto(live_server.url + "/consultations/barnet-estates/")
    expect(page.locator("main")).to_contain_text("Two evening clinics.")
