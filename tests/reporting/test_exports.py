"""CSV and XLSX exports: columns, filters, personal data, the export log, formula safety, and the command."""

import csv
import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.http import StreamingHttpResponse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from engagement.models import Question, Response
from engagement.questions import OTHER
from ics_portal.spreadsheets import FORMULA_STARTS, restore_cell
from reporting.models import ExportLog
from tests.engagement.factories import OrganisationFactory
from tests.factories import UserFactory

from .factories import equality, export_questions, sent

pytestmark = pytest.mark.django_db
kind = Question.Kind
URL = "/pmo/consultations/barnet-plan/export/"


@pytest.fixture
def survey(boroughs):
    c = boroughs.barnet_c
    c.q = export_questions(c)
    return c


def rows_of(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def test_csv_has_one_row_per_response_and_a_column_per_question_and_option(client, boroughs, survey, pmo_user):
    q = survey.q
    person = UserFactory(email="jo@example.com", full_name="Jo Bloggs")
    sent(survey, {q["choice"]: OTHER, q["multi"]: ["Red", "Green"], q["text"]: "Café – more buses", q["email"]: "jo@example.com"},
         other={q["choice"]: "Neither"}, area=boroughs.barnet, email="jo@example.com", user=person,
         at=datetime.datetime(2026, 7, 1, 23, 30, tzinfo=datetime.UTC), is_late=True)  # fmt: skip
    org = OrganisationFactory(name="Barnet Carers Centre")
    sent(survey, {q["choice"]: "B"}, respondent_type=Response.RespondentType.ORGANISATION, organisation=org,
         area=boroughs.camden, at=datetime.datetime(2026, 7, 2, 9, 0, tzinfo=datetime.UTC))  # fmt: skip
    equality(survey, 6, sex="female")
    client.force_login(pmo_user)

    response = client.post(URL, {"format": "csv"})
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    first, second = rows_of(response)
    assert list(first) == [
        "Reference", "Sent at (London time)", "Late", "Respondent type", "Organisation", "Area",
        "Q1. Which?", "Q1. Which?: Other, please specify", "Q2. Colours?: Red", "Q2. Colours?: Green", "Q3. Views?",
    ]  # fmt: skip
    assert first["Sent at (London time)"] == "2026-07-02 00:30"  # BST
    assert (first["Late"], first["Respondent type"], first["Area"]) == ("Yes", "As an individual", "Barnet")
    assert (first["Q1. Which?"], first["Q1. Which?: Other, please specify"]) == ("Other", "Neither")
    assert (first["Q2. Colours?: Red"], first["Q2. Colours?: Green"]) == ("Yes", "Yes")
    assert first["Q3. Views?"] == "Café – more buses"
    assert (second["Organisation"], second["Q1. Which?"], second["Q2. Colours?: Red"]) == (
        "Barnet Carers Centre",
        "B",
        "",
    )
    body = str(first) + str(second)
    assert "jo@example.com" not in body
    assert "Jo Bloggs" not in body
    assert "female" not in body.casefold()  # equality answers are never per response

    log = ExportLog.objects.get()
    assert (log.user, log.consultation, log.format, log.rows, log.personal_data, log.reason) == (
        pmo_user,
        survey,
        "csv",
        2,
        False,
        "",
    )


def test_exports_follow_the_filters_and_the_log_says_which(client, boroughs, survey, pmo_user):
    sent(survey, area=boroughs.barnet, reference="AAAA-1111")
    sent(survey, area=boroughs.camden, reference="BBBB-2222")
    sent(survey, area=boroughs.barnet, reference="CCCC-3333", is_late=True)
    client.force_login(pmo_user)
    query = f"?area={boroughs.barnet.pk}&late=no"
    page = client.get(URL + query).content.decode()
    assert "1 response will be exported" in page
    rows = rows_of(client.post(URL + query, {"format": "csv"}))
    assert [row["Reference"] for row in rows] == ["AAAA-1111"]
    log = ExportLog.objects.get()
    assert log.filters == {"area": str(boroughs.barnet.pk), "late": "no"}
    assert "Barnet and the areas below it" in log.filters_text
    assert log.rows == 1


def test_bad_filters_stop_the_export(client, boroughs, survey, pmo_user):
    sent(survey)
    client.force_login(pmo_user)
    response = client.post(URL + "?area=999999", {"format": "csv"})
    assert response.status_code == 200
    assert "Choose an area from the list" in response.content.decode()
    assert not ExportLog.objects.exists()


def test_personal_data_needs_a_reason(client, boroughs, survey, pmo_user):
    sent(survey, {survey.q["email"]: "group@example.com"}, email="jo@example.com")
    client.force_login(pmo_user)
    refused = client.post(URL, {"format": "csv", "personal_data": "on", "reason": "  "})
    html = refused.content.decode()
    assert refused.status_code == 200
    assert "<title>Error: " in html
    assert "Say why you need the personal data" in html
    assert not ExportLog.objects.exists()

    rows = rows_of(client.post(URL, {"format": "csv", "personal_data": "on", "reason": "To invite them to a panel"}))
    assert rows[0]["Email"] == "jo@example.com"
    assert rows[0]["Q4. Contact?"] == "group@example.com"
    log = ExportLog.objects.get()
    assert (log.personal_data, log.reason) == (True, "To invite them to a panel")

    log_page = client.get("/pmo/export-log/").content.decode()
    assert "To invite them to a panel" in log_page
    assert "pmo@nhs.net" in log_page


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"format": "pdf"},
        {"format": "csv", "reason": "x" * 3000},
        {"format": "csv", "personal_data": "on", "reason": "a\x00b"},
    ],
)
def test_bad_export_requests_are_explained(client, boroughs, survey, pmo_user, data):
    client.force_login(pmo_user)
    response = client.post(URL, data)
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not ExportLog.objects.exists()


def test_xlsx_has_responses_summary_and_questions(client, boroughs, survey, pmo_user):
    q = survey.q
    sent(survey, {q["choice"]: "A", q["text"]: "=HYPERLINK(\"http://evil\")"}, area=boroughs.barnet,
         at=datetime.datetime(2026, 1, 4, 12, 0, tzinfo=datetime.UTC))  # fmt: skip
    client.force_login(pmo_user)
    response = client.post(URL, {"format": "xlsx"})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["Responses", "Summary", "Questions", "Themes"]
    header, row = list(workbook["Responses"].iter_rows(values_only=True))
    values = dict(zip(header, row, strict=True))
    assert values["Sent at (London time)"] == datetime.datetime(2026, 1, 4, 12, 0)  # a real date, GMT
    assert values["Q3. Views?"] == '\'=HYPERLINK("http://evil")'
    summary = list(workbook["Summary"].iter_rows(values_only=True))
    assert ("Responses", 1) in [tuple(r[:2]) for r in summary]
    headers = {r[0]: r[1:3] for r in summary if r[1] == "Responses"}
    assert headers["By area"] == ("Responses", "Percentage")
    assert headers["Per day"] == ("Responses", None), "a day has no percentage: no empty column for it"
    assert ("4 Jan 2026", 1, None) in [tuple(r[:3]) for r in summary]
    questions = list(workbook["Questions"].iter_rows(values_only=True))
    assert questions[1][:3] == (1, "Which?", "Single choice")
    assert ExportLog.objects.get().format == "xlsx"


FUZZ = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
typed = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)


@FUZZ
@given(text=st.one_of(typed, st.builds(lambda a, b: a + b, st.sampled_from(sorted(FORMULA_STARTS)), typed)))
def test_no_typed_text_runs_as_a_formula_in_either_export(client, boroughs, survey, pmo_user, text):
    from engagement.models import Answer

    Answer.objects.all().delete()
    Response.objects.all().delete()
    sent(survey, {survey.q["text"]: text}, other={survey.q["choice"]: text}, organisation_name=text,
         respondent_type=Response.RespondentType.ORGANISATION)  # fmt: skip
    client.force_login(pmo_user)
    (row,) = rows_of(client.post(URL, {"format": "csv"}))
    for cell in row.values():
        assert cell[:1] not in FORMULA_STARTS or cell == "-"
    assert restore_cell(row["Q3. Views?"]) == text
    assert restore_cell(row["Organisation"]) == text

    workbook = load_workbook(io.BytesIO(b"".join(client.post(URL, {"format": "xlsx"}).streaming_content)))
    for sheet in workbook:
        for cells in sheet.iter_rows(values_only=True):
            for cell in cells:
                assert not (isinstance(cell, str) and cell[:1] in FORMULA_STARTS and cell != "-")


def test_csv_is_streamed_in_chunks_not_built_in_memory(boroughs, survey, monkeypatch):
    from reporting import exports
    from reporting.selectors import ReportFilters

    monkeypatch.setattr(exports, "CHUNK", 2)
    for _ in range(5):
        sent(survey, {survey.q["text"]: "x"})
    responses = exports.export_responses(consultation=survey, filters=ReportFilters(), until=timezone.now())
    lines = exports.csv_lines(exports.response_rows(consultation=survey, responses=responses, personal=False))
    assert next(lines) == "\ufeff"
    pieces = list(lines)
    # The header and five rows, CHUNK rows a piece: written as they are read, never the whole file at once.
    assert [piece.count("\r\n") for piece in pieces] == [2, 2, 2]
    assert pieces[0].startswith("Reference,")


def test_export_responses_command(boroughs, survey, tmp_path):
    sent(survey, {survey.q["text"]: "From the command"}, email="jo@example.com")
    out = io.StringIO()
    call_command("export_responses", "barnet-plan", "--format", "csv", stdout=out, stderr=io.StringIO())
    (row,) = list(csv.DictReader(io.StringIO(out.getvalue().lstrip("\ufeff"))))
    assert row["Q3. Views?"] == "From the command"
    assert "Email" not in row

    path = tmp_path / "out.xlsx"
    call_command("export_responses", "barnet-plan", "--format", "xlsx", "--output", str(path), stderr=io.StringIO())
    assert load_workbook(path).sheetnames == ["Responses", "Summary", "Questions", "Themes"]
    path = tmp_path / "out.csv"
    call_command("export_responses", "barnet-plan", "--output", str(path), "--personal-data", "--reason", "Audit",
                 stderr=io.StringIO())  # fmt: skip
    assert "jo@example.com" in path.read_text(encoding="utf-8-sig")
    assert list(ExportLog.objects.order_by("pk").values_list("source", "format", "personal_data", "rows")) == [
        ("command", "csv", False, 1), ("command", "xlsx", False, 1), ("command", "csv", True, 1)
    ]  # fmt: skip


def test_the_export_log_says_in_words_where_an_export_came_from(client, boroughs, survey, pmo_user):
    sent(survey, {survey.q["text"]: "x"})
    client.force_login(pmo_user)
    client.post(URL, {"format": "csv"})
    call_command("export_responses", "barnet-plan", "--format", "csv", stdout=io.StringIO(), stderr=io.StringIO())
    page = client.get("/pmo/export-log/").content.decode()
    assert "CSV (from the export page)" in page
    assert "CSV (from the command line)" in page
    assert "Web page" not in page
    assert "manage.py" not in page


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "No consultation has the slug 'nope'"),
        (["barnet-plan", "--format", "xlsx"], "needs --output"),
        (["barnet-plan", "--personal-data"], "Say why you need the personal data"),
    ],
)
def test_export_responses_command_refusals(boroughs, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("export_responses", *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert not ExportLog.objects.exists()


def test_rows_read_answers_in_one_query_per_chunk_of_responses(boroughs, survey, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reporting import exports
    from reporting.selectors import ReportFilters

    monkeypatch.setattr(exports, "CHUNK", 2)

    def queries(count: int) -> tuple[int, list[list[str]]]:
        while Response.objects.filter(consultation=survey).sent().count() < count:
            sent(survey, {survey.q["text"]: f"answer {count}"})
        responses = exports.export_responses(consultation=survey, filters=ReportFilters(), until=timezone.now())
        with CaptureQueriesContext(connection) as captured:
            rows = list(exports.response_rows(consultation=survey, responses=responses, personal=False))
        return len(captured), rows

    small, _rows = queries(2)
    big, big_rows = queries(6)
    assert len(big_rows) == 7  # the header and six responses, each with its answer
    assert all(row[0] for row in big_rows[1:])
    text_column = big_rows[0].index(next(h for h in big_rows[0] if survey.q["text"].text in h))
    assert {row[text_column] for row in big_rows[1:]} == {"answer 2", "answer 6"}
    assert big - small == 2  # two more chunks of responses, one answers query each; none per response
