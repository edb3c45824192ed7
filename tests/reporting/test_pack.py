"""The DOCX summary pack: the same figures as the summary page (read back with python-docx), its filters, the
same equality suppression, organisations in full, a sample of free text, the export log and the command."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from docx import Document

from engagement.models import Question, Response
from engagement.questions import OTHER
from reporting import pack
from reporting.models import ExportLog
from tests.engagement.factories import AreaFactory, OrganisationFactory, QuestionFactory
from tests.html import parse

from .factories import equality, export_questions, sent

pytestmark = pytest.mark.django_db
kind = Question.Kind
SUMMARY = "/pmo/consultations/barnet-plan/"
EXPORT = SUMMARY + "export/"


@pytest.fixture
def survey(boroughs):
    c = boroughs.barnet_c
    c.onward_deadline = datetime.date(2021, 1, 8)
    c.onward_deadline_text = "so the ICS can respond to NHS England"
    c.save()
    c.q = export_questions(c)
    c.q["agree"] = QuestionFactory(consultation=c, order=5, kind=kind.AGREE_SCALE, text="Care should be local")
    q = c.q
    east = AreaFactory(parent=boroughs.barnet, name="East Finchley")
    for n in range(14):
        sent(c, {q["choice"]: [OTHER, "A", "B"][n % 3], q["multi"]: ["Red", "Green"][: 1 + n % 2],
                 q["agree"]: ["agree", "disagree"][n % 2], q["text"]: f"Waiting times are long ({n})",
                 q["email"]: "me@example.com"},
             other={q["choice"]: "Something else"} if n % 3 == 0 else {}, area=[boroughs.barnet, east, boroughs.camden][n % 3],
             is_late=n == 5, at=datetime.datetime(2026, 7, 1 + n % 3, 10, tzinfo=datetime.UTC),
             email="person@example.com")  # fmt: skip
    org = OrganisationFactory(name="Barnet Carers Centre")
    sent(c, {q["choice"]: "B", q["text"]: "We support the plan", q["email"]: "org@example.com"},
         respondent_type=Response.RespondentType.ORGANISATION, organisation=org, area=boroughs.barnet,
         reference="ORGA-0001", at=datetime.datetime(2026, 7, 2, 9, tzinfo=datetime.UTC))  # fmt: skip
    equality(c, 3, sex="female")
    equality(c, 9, sex="male")
    return c


def page_tables(html: str) -> dict[str, list[list[str]]]:
    """The summary page's tables, by caption: each body row's cells as text."""
    tables = {}
    for table in parse(html).find_all("table"):
        body = table.one("tbody")
        rows = [[cell.text for cell in tr.children if not isinstance(cell, str)] for tr in body.find_all("tr")]
        tables[table.one("caption").text] = rows
    return tables


def docx_tables(content: bytes) -> list[list[list[str]]]:
    """The pack's tables, header row left out."""
    document = Document(io.BytesIO(content))
    return [[[cell.text for cell in row.cells] for row in table.rows[1:]] for table in document.tables]


def docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def download(client, query: str = "", **data) -> bytes:
    response = client.post(EXPORT + query, {"format": "docx", **data})
    assert response["Content-Type"] == pack.DOCX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith('attachment; filename="barnet-plan-summary-')
    assert response["Cache-Control"] == "private, no-store"
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("query", ["", "?area={barnet}", "?late=no&respondent_type=individual"])
def test_pack_has_the_pages_figures_with_its_filters(client, boroughs, survey, pmo_user, query):
    query = query.format(barnet=boroughs.barnet.pk)
    client.force_login(pmo_user)
    html = client.get(SUMMARY + query).content.decode()
    content = download(client, query)

    tables = docx_tables(content)
    document = parse(html)
    totals = [document.by_id(f"total-{name}").text for name in ("responses", "individuals", "organisations", "late")]
    assert [["Total", totals[0]], ["Individuals", totals[1]], ["Organisations", totals[2]], ["Late", totals[3]]] in (
        tables
    )
    figures = page_tables(html)
    assert any(caption.startswith("Answers to: Which?") for caption in figures)
    assert "Sex" in figures  # equality, suppressed: "fewer than 5" for the 3 women, and the men's 9 hidden
    assert ["Female", "fewer than 5"] in figures["Sex"]
    for caption, rows in figures.items():
        assert rows in tables, f"the pack's figures differ from the page's table {caption!r}"


def test_pack_holds_details_organisations_free_text_and_no_personal_data(client, boroughs, survey, pmo_user):
    client.force_login(pmo_user)
    content = download(client)
    text = docx_text(content)
    assert "Summary of responses: Barnet plan" in text
    assert "8 January 2021 (so the ICS can respond to NHS England)" in text
    # Organisations in full, with their name and answers.
    assert "Barnet Carers Centre (ORGA-0001)" in text
    assert ["Views?", "We support the plan"] in next(t for t in docx_tables(content) if ["Which?", "B"] in t)
    # A sample of the free text, saying how many there are.
    assert "The first 10 of 15 answers" in text
    assert "Waiting times are long (0) (" in text
    assert "Waiting times are long (13)" not in text  # the last sent, beyond the sample
    assert "All 5 “Other, please specify” answers:" in text
    assert "A respondent may pick several options" in text
    for personal in ("me@example.com", "org@example.com", "person@example.com"):
        assert personal not in text
    log = ExportLog.objects.get()
    assert (log.format, log.rows, log.personal_data, log.user) == ("docx", 15, False, pmo_user)


def test_pack_follows_filters_and_the_log_records_them(client, boroughs, survey, pmo_user):
    client.force_login(pmo_user)
    content = download(client, "?late=yes")
    tables = docx_tables(content)
    assert [["Total", "1"], ["Individuals", "1"], ["Organisations", "0"], ["Late", "1"]] in tables
    assert "Filters" in docx_text(content)
    assert "Late responses only" in docx_text(content)
    assert "No responses on behalf of an organisation match the filters." in docx_text(content)
    log = ExportLog.objects.get()
    assert (log.format, log.rows, log.filters) == ("docx", 1, {"late": "yes"})


def test_export_page_offers_the_pack_and_refuses_personal_data_in_it(client, boroughs, survey, pmo_user):
    client.force_login(pmo_user)
    page = client.get(EXPORT).content.decode()
    assert 'value="docx"' in page
    assert "Summary pack (Word, DOCX)" in page
    refused = client.post(EXPORT, {"format": "docx", "personal_data": "on", "reason": "To call them"})
    html = refused.content.decode()
    assert refused.status_code == 200
    assert "The summary pack never holds personal data" in html
    assert not ExportLog.objects.exists()


def test_control_characters_typed_by_a_resident_do_not_break_the_pack(client, boroughs, survey, pmo_user):
    sent(survey, {survey.q["text"]: "Bell\x07 and tab\x0b"}, respondent_type=Response.RespondentType.ORGANISATION,
         organisation_name="Odd\x01 Org")  # fmt: skip
    client.force_login(pmo_user)
    text = docx_text(download(client))
    assert "Bell\ufffd and tab\ufffd" in text
    assert "Odd\ufffd Org" in text


def test_export_responses_command_writes_the_pack(boroughs, survey, tmp_path):
    path = tmp_path / "pack.docx"
    call_command("export_responses", "barnet-plan", "--format", "docx", "--output", str(path), stderr=io.StringIO())
    assert "Summary of responses: Barnet plan" in docx_text(path.read_bytes())
    assert list(ExportLog.objects.values_list("source", "format", "rows")) == [("command", "docx", 15)]
    with pytest.raises(CommandError, match="--format docx needs --output FILE"):
        call_command("export_responses", "barnet-plan", "--format", "docx", stderr=io.StringIO())


@pytest.mark.parametrize("query", ["", "?respondent_type=organisation"])
def test_pack_has_the_pages_population_reach(client, boroughs, survey, pmo_user, query):
    from governance.models import AreaPopulation

    survey.target_areas.set([boroughs.barnet, boroughs.camden])  # Barnet's plan, for Camden too: both measured
    client.force_login(pmo_user)
    assert "No population figures are recorded for the areas this consultation is for." in docx_text(
        download(client, query)
    )
    source = "ONS Census 2021, table P01"
    for area, people in ((boroughs.barnet, 20_000), (boroughs.camden, 10_000)):
        AreaPopulation.objects.create(area=area, population=people, source=source, year=2021)
        AreaPopulation.objects.create(area=area, age_band="25_34", population=people // 4, source=source, year=2021)
    AreaPopulation.objects.create(area=boroughs.camden, population=1, source="Census 2011", year=2011)  # older
    equality(survey, 7, age_band="25_34")
    html = client.get(SUMMARY + query).content.decode()
    content = download(client, query)

    figures = page_tables(html)
    reach_caption = next(caption for caption in figures if caption.startswith("Responses per 10,000 residents by"))
    tables = docx_tables(content)
    assert figures[reach_caption] in tables
    assert figures["Equality answers per 10,000 residents by age band"] in tables
    text = docx_text(content)
    document = Document(io.BytesIO(content))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings.index("Who we have not heard from") < headings.index("Questions")  # where the page has it
    assert "By age band" in headings
    assert "Residents: ONS Census 2021, table P01 (2021)." in text
    below = [p.text for p in document.paragraphs if p.style.name == "List Bullet" and "per 10,000 (" in p.text]
    if query:  # the one organisation, in Barnet: Camden heard from no one
        assert figures[reach_caption] == [
            ["Barnet", "20,000", "1", "0.5"],
            ["Camden", "10,000", "0", "0.0"],
        ]
        assert "following the filters" in text
        assert below == ["Camden: 0.0 per 10,000 (0 responses from 10,000 residents)"]
    else:  # Barnet 5 + East Finchley's 5 + the organisation; Camden 4
        assert figures[reach_caption] == [
            ["Barnet", "20,000", "11", "5.5"],
            ["Camden", "10,000", "4", "4.0"],
        ]
        assert "Across these areas: 5.0 per 10,000 residents." in text
        assert below == ["Camden: 4.0 per 10,000 (4 responses from 10,000 residents)"]
