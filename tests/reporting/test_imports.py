"""manage.py import_responses: an export imported into another consultation with the same questions gives back
the same answers; the channel is recorded and shown; every bad row is listed by line and nothing is imported."""

import csv
import datetime
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engagement.models import Answer, Question, Response
from engagement.questions import OTHER
from reporting import exports
from reporting.imports import ImportRefusedError, responses_import
from reporting.selectors import ReportFilters
from tests.engagement.factories import AreaFactory, OrganisationFactory, QuestionFactory
from tests.html import parse

from .factories import export_questions, sent

pytestmark = pytest.mark.django_db
kind = Question.Kind


def questions(c):
    q = export_questions(c)
    q["yes"] = QuestionFactory(consultation=c, order=5, kind=kind.YES_NO, text="Do you use it?")
    q["why"] = QuestionFactory(consultation=c, order=6, kind=kind.SHORT_TEXT, text="Why?", show_if_question=q["yes"],
                               show_if_value="yes")  # fmt: skip
    q["agree"] = QuestionFactory(consultation=c, order=7, kind=kind.AGREE_SCALE, text="Care should be local")
    return q


def export_csv(consultation, *, personal: bool = False) -> str:
    responses = exports.export_responses(consultation=consultation, filters=ReportFilters(), until=timezone.now())
    rows = exports.response_rows(consultation=consultation, responses=responses, personal=personal)
    return "".join(exports.csv_lines(rows))


def without_reference(text: str) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    return [{k: v for k, v in row.items() if k != "Reference"} for row in rows]


def run(slug: str, path, channel: str = "email") -> str:
    out = io.StringIO()
    call_command("import_responses", slug, str(path), "--channel", channel, stdout=out)
    return out.getvalue()


def test_an_export_imported_into_another_consultation_gives_back_its_answers(client, boroughs, pmo_user, tmp_path):
    a, b = boroughs.barnet_c, boroughs.camden_c
    qa, qb = questions(a), questions(b)
    org = OrganisationFactory(name="Barnet Carers Centre", system=a.system)
    east = AreaFactory(parent=boroughs.barnet, name="East Finchley")
    sent(a, {qa["choice"]: OTHER, qa["multi"]: ["Red", "Green"], qa["text"]: "=SUM(A1) is how I'd\nsay it",
             qa["yes"]: "yes", qa["why"]: "-because", qa["agree"]: "strongly_agree"},
         other={qa["choice"]: "+Neither"}, area=east, is_late=True,
         at=datetime.datetime(2026, 7, 1, 23, 30, tzinfo=datetime.UTC))  # fmt: skip
    sent(a, {qa["choice"]: "B", qa["multi"]: ["Green"], qa["yes"]: "no"},
         respondent_type=Response.RespondentType.ORGANISATION, organisation=org, area=boroughs.camden,
         at=datetime.datetime(2026, 1, 4, 9, 0, tzinfo=datetime.UTC))  # fmt: skip
    sent(a, {}, respondent_type="", organisation_name="Friends of the Park")  # nothing answered
    exported = export_csv(a)
    path = tmp_path / "a.csv"
    path.write_text(exported, encoding="utf-8")

    output = run("camden-plan", path, "paper")
    assert "Imported 3 responses into Camden plan (paper)" in output
    assert without_reference(export_csv(b)) == without_reference(exported)
    imported = Response.objects.filter(consultation=b)
    assert set(imported.values_list("channel", flat=True)) == {"paper"}
    assert set(imported.values_list("state", flat=True)) == {"submitted"}
    assert not set(imported.values_list("reference", flat=True)) & set(
        Response.objects.filter(consultation=a).values_list("reference", flat=True)
    )  # fresh references
    assert imported.get(organisation=org).answers.get(question=qb["multi"]).value == ["Green"]
    first = imported.get(area=east)
    assert first.answers.get(question=qb["choice"]).other_text == "+Neither"  # the formula guard undone
    assert first.answers.get(question=qb["text"]).value == "=SUM(A1) is how I'd\nsay it"

    # Counted like sent ones, with their channel on the summary.
    client.force_login(pmo_user)
    html = client.get("/pmo/consultations/camden-plan/").content.decode()
    assert parse(html).by_id("total-responses").text == "3"
    table = next(t for t in parse(html).find_all("table") if t.one("caption").text == "Responses by channel")
    rows = [
        [cell.text for cell in tr.children if not isinstance(cell, str)] for tr in table.one("tbody").find_all("tr")
    ]
    assert rows == [["Online", "0", "0%"], ["By email", "0", "0%"], ["On paper", "3", "100%"]]


def test_personal_columns_are_read_but_names_are_refused(boroughs, tmp_path):
    a, b = boroughs.barnet_c, boroughs.camden_c
    questions(a), questions(b)
    sent(a, {}, email="jo@example.com", organisation_role="Chair", consent_to_contact=True)
    path = tmp_path / "p.csv"
    path.write_text(export_csv(a, personal=True), encoding="utf-8")
    run("camden-plan", path)
    response = Response.objects.get(consultation=b)
    assert (response.email, response.organisation_role, response.consent_to_contact, response.channel) == (
        "jo@example.com", "Chair", True, "email"
    )  # fmt: skip

    text = path.read_text(encoding="utf-8").replace(",jo@example.com,,", ",jo@example.com,Jo Bloggs,")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match="Line 2: a name cannot be recorded"):
        run("camden-plan", path)
    assert Response.objects.filter(consultation=b).count() == 1


def test_every_bad_row_is_listed_by_line_and_nothing_is_imported(boroughs, tmp_path):
    b = boroughs.camden_c
    questions(b)
    header = ["Reference", "Sent at (London time)", "Area", "Q1. Which?", "Q1. Which?: Other, please specify",
              "Q2. Colours?: Red", "Q5. Do you use it?", "Q6. Why?", "Q7. Care should be local"]  # fmt: skip
    rows = [
        ["", "2026-01-04 10:00", "Camden", "A", "", "Yes", "yes", "Often", "Agree"],  # line 2: good
        ["", "", "", "", "", "", "", "A long answer\nover two lines", ""],  # lines 3-4: Why? without Yes
        ["", "4 Jan", "Narnia", "C", "", "maybe", "", "", "Kind of"],  # line 5: five problems
        ["", "", "", "B", "Typed text", "", "", "", ""],  # line 6: Other text without Other
        [],  # line 7: blank, skipped
        ["", "2999-01-01 10:00", "", "", "", "", "", "", ""],  # line 8: in the future
        ["only", "two"],  # line 9
    ]
    path = tmp_path / "bad.csv"
    with open(path, "w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([header, *rows])

    with pytest.raises(CommandError) as refused:
        run("camden-plan", path)
    message = str(refused.value)
    assert message.startswith("Nothing was imported: 9 problem(s) to put right.")
    lines = message.splitlines()[1:]
    assert [line.split(":")[0].strip() for line in lines] == ["Line 3"] + ["Line 5"] * 5 + [
        "Line 6",
        "Line 8",
        "Line 9",
    ]
    assert "“Why?” is answered, but it is only asked after “Yes” to “Do you use it?”" in lines[0]
    assert "“Sent at” must be a date and time like 2021-01-04 14:30, not “4 Jan”" in message
    assert "no area of North Central London is called “Narnia”" in message
    assert "“C” is not an answer to “Which?” (the answers are: A, B)" in message
    assert "Q2. Colours?: Red must be Yes or empty, not “maybe”" in message
    assert "“Kind of” is not an answer to “Care should be local”" in message
    assert "an “Other” text is given for “Which?”, but the answer is not “Other”" in message
    assert "“Sent at” 2999-01-01 10:00 is in the future" in message
    assert "it has 2 cells, but the header has 9" in message
    assert not Response.objects.filter(consultation=b).exists()
    assert not Answer.objects.filter(question__consultation=b).exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "Reference,Q1. Which is it?\n,A\n",
            "Line 1: “Q1. Which is it?” is not a column of this consultation's export",
        ),
        ("Reference,Area,Area\n,,\n", "Line 1: the column “Area” appears twice"),
        ("", "the file is empty"),
        ("Reference,Area\n", "there are no responses after the header"),
        ("Reference,Area\n,Cam\x00den\n", "Line 2: it holds a NUL character"),
    ],
)
def test_files_that_cannot_be_imported_say_why(boroughs, tmp_path, content, message):
    questions(boroughs.camden_c)
    path = tmp_path / "f.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=re.escape(message)):
        run("camden-plan", path)
    assert not Response.objects.filter(consultation=boroughs.camden_c).exists()


def test_command_refusals(boroughs, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("Reference,Area\n,Caf\xe9\n".encode("latin-1"))
    with pytest.raises(CommandError, match="is not UTF-8 text"):
        run("camden-plan", path)
    with pytest.raises(CommandError, match="No consultation has the slug 'nope'"):
        run("nope", path)
    with pytest.raises(CommandError, match="Cannot read"):
        run("camden-plan", tmp_path / "missing.csv")
    with pytest.raises(CommandError, match="invalid choice: 'online'"):
        run("camden-plan", path, "online")


FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@FUZZ
@given(cells=st.lists(st.text(max_size=20), min_size=9, max_size=9))
def test_any_cells_import_or_are_refused_with_a_message(boroughs, cells):
    b = boroughs.camden_c
    if not b.questions.exists():
        questions(b)
    header = ["Reference", "Sent at (London time)", "Late", "Respondent type", "Area", "Q1. Which?",
              "Q2. Colours?: Red", "Q3. Views?", "Q7. Care should be local"]  # fmt: skip
    out = io.StringIO()
    csv.writer(out).writerows([header, cells])
    before = Response.objects.filter(consultation=b).count()
    made, errors = [], []
    try:
        made = responses_import(consultation=b, lines=io.StringIO(out.getvalue()), channel="paper", now=timezone.now())
    except ImportRefusedError as refused:
        errors = refused.errors
    assert all(error.line >= 2 and error.message for error in errors)  # never a crash, always a line and a reason
    assert Response.objects.filter(consultation=b).count() == before + (0 if errors else len(made))
