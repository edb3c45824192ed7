"""The PMO's pages in a real Chromium: axe (WCAG 2.2 AA) at desktop and phone widths on /pmo/, a filtered summary
with its charts, the answers page with a search, the export form (with an error too) and the export log;
filtering and exporting by keyboard without JavaScript."""

import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from accounts import roles
from engagement.models import Question, Response
from engagement.questions import OTHER
from reporting.models import ExportDownload, ExportLog
from tests.browser.test_core_pages import sign_in
from tests.browser.viewports import DESKTOP, PHONE, SMALL_LAPTOP, desktop_and_phone
from tests.engagement.factories import AreaFactory, OrganisationFactory, QuestionFactory
from tests.factories import UserFactory
from tests.reporting.conftest import Boroughs
from tests.reporting.factories import equality, sent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def data():  # type: ignore[no-untyped-def]
    Group.objects.get_or_create(name=roles.PMO)  # transactional tests flush data migrations' rows
    Group.objects.get_or_create(name=roles.CONSULTATION_MANAGER)
    boroughs = Boroughs()
    c = boroughs.barnet_c
    kind = Question.Kind
    choice = QuestionFactory(consultation=c, kind=kind.SINGLE_CHOICE, choices=["A", "B"], allow_other=True)
    multi = QuestionFactory(consultation=c, kind=kind.MULTIPLE_CHOICE, choices=["Red", "Green", "Blue"])
    agree = QuestionFactory(consultation=c, kind=kind.AGREE_SCALE, text="Care should be local")
    text = QuestionFactory(consultation=c, kind=kind.LONG_TEXT, text="Anything else?")
    east = AreaFactory(parent=boroughs.barnet, name="East Finchley")
    org = OrganisationFactory(name="Barnet Carers Centre")
    for n in range(12):
        sent(c, {choice: [OTHER, "A", "B"][n % 3], multi: ["Red", "Blue"][: 1 + n % 2], agree: "agree",
                 text: f"Waiting times are long ({n})"}, other={choice: "Something else"},
             area=[boroughs.barnet, east, boroughs.camden][n % 3], is_late=n == 5,
             **({"respondent_type": Response.RespondentType.ORGANISATION, "organisation": org} if n == 4 else {}))  # fmt: skip
    equality(c, 3, sex="female")
    equality(c, 9, sex="male")
    pmo = UserFactory(email="pmo.browser@nhs.net", groups=[roles.PMO])
    return {"boroughs": boroughs, "pmo": pmo, "text": text}


def test_reporting_pages_are_accessible(page, live_server, assert_accessible, data) -> None:  # type: ignore[no-untyped-def]
    """Each page visited once at a phone's width and checked there and at a small laptop's."""
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, data["pmo"])
    barnet = data["boroughs"].barnet.pk
    c = data["boroughs"].barnet_c
    type(c).objects.filter(pk=c.pk).update(equality_left_out=2)  # the summary's "left out" line
    log = ExportLog.objects.create(created_at=timezone.now(), consultation=c, consultation_title=c.title, rows=12,
                                   format=ExportLog.Format.CSV)  # fmt: skip
    ExportDownload.objects.create(log=log, downloaded_at=timezone.now(), user_email=data["pmo"].email)
    for path, heading in [
        ("/pmo/", "Programme office"),
        (f"/pmo/consultations/barnet-plan/?area={barnet}&late=no", "Barnet plan"),
        ("/pmo/consultations/barnet-plan/?late=maybe", "Barnet plan"),  # with an error summary
        (f"/pmo/consultations/barnet-plan/questions/{data['text'].pk}/?q=wait", "Answers: Anything else?"),
        (f"/pmo/consultations/barnet-plan/export/?area={barnet}", "Export responses"),
        ("/pmo/export-log/", "Export log"),
    ]:
        page.goto(live_server.url + path)
        expect(page.locator("h1")).to_have_text(heading)
        assert_accessible(page, path, at=(SMALL_LAPTOP, PHONE))
    expect(page.get_by_text(f"By {data['pmo'].email} at")).to_be_visible()  # the export log, checked last
    page.goto(live_server.url + "/pmo/consultations/barnet-plan/")
    expect(page.get_by_text("2 equality answers were left out")).to_be_visible()
    page.goto(live_server.url + "/pmo/consultations/barnet-plan/export/")
    page.get_by_label("Include personal data").check()
    page.get_by_role("button", name="Export").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Say why you need the personal data")
    assert_accessible(page, "export form with an error", at=(SMALL_LAPTOP, PHONE))


def test_filtering_by_keyboard_without_javascript(no_js_context, live_server, data) -> None:  # type: ignore[no-untyped-def]
    page = no_js_context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live_server, data["pmo"])
    page.goto(live_server.url + "/pmo/")
    page.get_by_role("link", name=re.compile("Barnet plan")).click()
    expect(page.locator("#total-responses")).to_have_text("12")
    page.locator("summary", has_text="Filter the responses").click()
    page.get_by_label("Area (including the areas below it)").select_option(label="Barnet (Level 2)")
    page.get_by_role("button", name="Apply filters").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#total-responses")).to_have_text("8")
    assert f"area={data['boroughs'].barnet.pk}" in page.url  # a filtered summary can be shared
    expect(page.locator("#chart-by-area title")).to_have_text("Responses by area")


@desktop_and_phone(SMALL_LAPTOP)
def test_export_without_javascript_refuses_then_downloads(no_js_context, live_server, data, viewport) -> None:  # type: ignore[no-untyped-def]
    from reporting.models import ExportLog

    page = no_js_context.new_page()
    page.set_viewport_size(viewport)
    page.set_default_timeout(10_000)
    sign_in(page, live_server, data["pmo"])
    page.goto(live_server.url + f"/pmo/consultations/barnet-plan/?area={data['boroughs'].barnet.pk}")
    page.get_by_role("button", name="Export these responses").click()
    expect(page.locator("#export-rows")).to_contain_text("8 responses will be exported")
    page.get_by_label("Include personal data").check()
    page.get_by_role("button", name="Export").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Say why you need the personal data")
    expect(page).to_have_title(re.compile(r"^Error: "))
    page.get_by_label("Why do you need the personal data?").fill("To invite respondents to a panel")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export").click()
    assert download.value.suggested_filename.startswith("barnet-plan-responses-")
    log = ExportLog.objects.get()
    assert (log.rows, log.personal_data) == (8, True)


def test_printed_summary_is_accessible_and_prints_to_pdf(page, live_server, assert_accessible, data) -> None:  # type: ignore[no-untyped-def]
    import io

    from pypdf import PdfReader

    sign_in(page, live_server, data["pmo"])
    barnet = data["boroughs"].barnet.pk
    page.goto(live_server.url + f"/pmo/consultations/barnet-plan/?area={barnet}")
    page.get_by_role("link", name="Print this summary").click()
    assert f"area={barnet}" in page.url
    assert "print=1" in page.url
    expect(page.get_by_role("button", name="Print this summary")).to_be_visible()  # with JavaScript only
    expect(page.locator(".nhsuk-header")).to_be_hidden()
    expect(page.locator("#total-responses")).to_have_text("8")
    assert_accessible(page, "print view on screen")

    page.emulate_media(media="print")
    for hidden in (".nhsuk-header", ".nhsuk-footer", ".nhsuk-breadcrumb", "summary:has-text('Filter the responses')",
                   "text=Export these responses", ".app-print-view-only"):  # fmt: skip
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.get_by_role("table", name="Responses per day")).to_be_visible()
    assert page.locator(".app-chart__bar").first.evaluate("bar => getComputedStyle(bar).fill") == "rgb(33, 43, 50)"
    assert page.locator("tr").first.evaluate("row => getComputedStyle(row).breakInside") == "avoid"
    assert_accessible(page, "summary emulating print")

    pdf = page.pdf(format="A4")
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert len(pdf) > 20_000, len(pdf)
    assert len(reader.pages) >= 2, len(reader.pages)
    assert "Barnet plan" in text
    assert "Total 8" in text  # the filtered total, as on the page
    assert "Filter the responses" not in text
    assert "Export these responses" not in text

    page.goto(live_server.url + "/pmo/consultations/barnet-plan/")  # the browser's Print on the summary itself
    expect(page.locator(".nhsuk-header")).to_be_hidden()
    expect(page.get_by_role("link", name="Print this summary")).to_be_hidden()
    expect(page.locator("#total-responses")).to_have_text("12")


def test_print_view_without_javascript(no_js_context, live_server, data) -> None:  # type: ignore[no-untyped-def]
    page = no_js_context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live_server, data["pmo"])
    page.goto(live_server.url + "/pmo/consultations/barnet-plan/")
    page.get_by_role("link", name="Print this summary").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".app-print-view-only")).to_contain_text("Use your browser’s Print command")
    expect(page.get_by_role("button", name="Print this summary")).to_be_hidden()  # needs JavaScript
    expect(page.get_by_role("table", name="Responses per day")).to_be_visible()  # printed open


@desktop_and_phone()
def test_organisations_pages_are_accessible_and_reached_by_keyboard(  # type: ignore[no-untyped-def]
    page, live_server, assert_accessible, data, viewport, monkeypatch
) -> None:
    from reporting import views

    monkeypatch.setattr(views, "ORGANISATIONS_PER_PAGE", 1)  # the live server runs in this process
    c = data["boroughs"].barnet_c
    sent(c, {data["text"]: "The forum agrees"}, respondent_type=Response.RespondentType.ORGANISATION,
         organisation=OrganisationFactory(name="Barnet Youth Forum"))  # fmt: skip
    page.set_viewport_size(viewport)
    sign_in(page, live_server, data["pmo"])
    page.goto(live_server.url + "/pmo/consultations/barnet-plan/")
    section = page.locator("#organisations ~ p").first
    expect(section).to_contain_text("2 responses on behalf of an organisation")
    assert_accessible(page, f"summary with pages of organisations at {viewport['width']}px")
    next_link = page.get_by_role("link", name=re.compile("Next"))
    next_link.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"organisations_page=2#organisations$"))
    expect(page.locator("#organisations ~ p").first).to_contain_text("2 to 2 shown here")
    assert_accessible(page, f"second page of organisations at {viewport['width']}px")


def test_the_pmo_list_on_a_phone_shows_every_figure_without_scrolling(page, live_server, data) -> None:  # type: ignore[no-untyped-def]
    """A responsive table: at 320 px each consultation is a block of labelled figures, none off to the right."""
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, data["pmo"])
    page.goto(live_server.url + "/pmo/")
    cells = page.locator("table td")
    assert cells.count() >= 5
    for n in range(cells.count()):
        box = cells.nth(n).bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= PHONE["width"], cells.nth(n).inner_text()
    expect(cells.nth(4)).to_contain_text("Late")  # the heading shown beside the figure on a phone


def test_a_table_region_is_a_tab_stop_only_while_it_scrolls(page, live_server, data) -> None:  # type: ignore[no-untyped-def]
    """NHS.UK's scroll script: at a desktop's width no table overflows and no region takes focus (an extra Tab
    press per table); on a phone the regions that overflow do, with a shadow on the side that goes on."""
    sign_in(page, live_server, data["pmo"])
    summary = f"{live_server.url}/pmo/consultations/{data['boroughs'].barnet_c.slug}/"
    state = """() => [...document.querySelectorAll('.portal-table-scroll')].map(r => ({
      overflows: r.scrollWidth > r.clientWidth, focusable: r.getAttribute('tabindex') === '0',
      shadow: r.parentElement.classList.contains('nhsuk-scroll--scrollable-right')}))"""
    page.set_viewport_size(DESKTOP)
    page.goto(summary)
    regions = page.evaluate(state)
    assert regions
    assert not any(r["overflows"] or r["focusable"] for r in regions), regions
    page.set_viewport_size(PHONE)
    page.goto(summary)
    regions = page.evaluate(state)
    assert any(r["overflows"] for r in regions), "no table overflows at 320 px: the test shows nothing"
    assert all(r["focusable"] == r["overflows"] == r["shadow"] for r in regions), regions
