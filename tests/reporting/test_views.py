"""The PMO's list and the summary page: figures, filters, suppression, query counts."""

import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from engagement.deadlines import LONDON
from engagement.models import Question, Response
from engagement.questions import OTHER
from reporting.services_themes import theme_create
from tests.engagement.factories import AreaFactory, OrganisationFactory, QuestionFactory
from tests.html import parse, table_rows

from .factories import equality, sent

pytestmark = pytest.mark.django_db
kind = Question.Kind


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html)
    assert match, element_id
    return match.group(1).strip()


def test_pmo_lists_status_deadline_counts_and_late(client, boroughs, pmo_user):
    c = boroughs.barnet_c
    sent(c)
    sent(c, is_late=True)
    sent(c, suspected_automated=True, suspected_at=timezone.now())  # held: never counted
    client.force_login(pmo_user)
    page = parse(client.get("/pmo/").content.decode())
    (row,) = [r for r in table_rows(page.one("table")) if r[0].startswith(c.title)]
    status, deadline, responses, late = row[1:]
    assert status == "Open"
    assert deadline == f"Closes {timezone.localtime(c.closes_at):%-d %B %Y}"
    assert (responses, late) == ("2", "1")


@pytest.fixture
def survey(boroughs):
    c = boroughs.barnet_c
    c.q = {
        "choice": QuestionFactory(consultation=c, kind=kind.SINGLE_CHOICE, choices=["A", "B"], allow_other=True),
        "multi": QuestionFactory(consultation=c, kind=kind.MULTIPLE_CHOICE, choices=["Red", "Green", "Blue"]),
        "yes": QuestionFactory(consultation=c, kind=kind.YES_NO),
        "agree": QuestionFactory(consultation=c, kind=kind.AGREE_SCALE),
        "text": QuestionFactory(consultation=c, kind=kind.LONG_TEXT, text="Anything else?"),
        "email": QuestionFactory(consultation=c, kind=kind.EMAIL, text="Contact"),
    }
    return c


def test_summary_figures(client, boroughs, survey, pmo_user):
    q = survey.q
    neighbourhood = AreaFactory(parent=boroughs.barnet, name="East Finchley")
    sent(survey, {q["choice"]: "A", q["multi"]: ["Red", "Green"], q["yes"]: "yes", q["agree"]: "agree",
                  q["text"]: "More buses", q["email"]: "me@example.com"}, area=boroughs.barnet)  # fmt: skip
    sent(survey, {q["choice"]: OTHER, q["multi"]: ["Red"], q["yes"]: "no"}, other={q["choice"]: "Neither"},
         area=neighbourhood, is_late=True)  # fmt: skip
    org = OrganisationFactory(name="Barnet Carers Centre")
    sent(survey, {q["choice"]: "B", q["text"]: "We support it"}, respondent_type=Response.RespondentType.ORGANISATION,
         organisation=org, area=boroughs.camden)  # fmt: skip
    client.force_login(pmo_user)
    html = client.get("/pmo/consultations/barnet-plan/").content.decode()

    assert text_of(html, "total-responses") == "3"
    assert text_of(html, "total-individuals") == "2"
    assert text_of(html, "total-organisations") == "1"
    assert text_of(html, "total-late") == "1"
    # single choice: 1 of 3 each, "Other" counted and its text reachable
    choice = html[html.index(f'id="question-{q["choice"].pk}"') : html.index(f'id="question-{q["multi"].pk}"')]
    assert re.findall(r'<th scope="row" class="nhsuk-table__header">([^<]+)</th>\s*<td[^>]*>(\d+)</td>\s*<td[^>]*>(\d+)%', choice) == [
        ("A", "1", "33"), ("B", "1", "33"), ("Other, please specify", "1", "33")
    ]  # fmt: skip
    assert "Read the 1 “Other, please specify” answer<" in choice
    multi = html[html.index(f'id="question-{q["multi"].pk}"') : html.index(f'id="question-{q["yes"].pk}"')]
    assert "A respondent may pick several options" in multi
    assert ("Red", "2", "100") in re.findall(r'header">([^<]+)</th>\s*<td[^>]*>(\d+)</td>\s*<td[^>]*>(\d+)%', multi)
    assert 'role="img"' in multi
    assert "<title" in multi
    # organisations in full, with their name; email answers never listed
    organisations = html[html.index('id="organisations"') : html.index('id="equality"')]
    assert "Barnet Carers Centre" in organisations
    assert "We support it" in organisations
    assert "me@example.com" not in html
    # by area: the neighbourhood is its own row
    assert "East Finchley" in html


def test_every_figure_follows_the_filters(client, boroughs, survey, pmo_user):
    q = survey.q
    neighbourhood = AreaFactory(parent=boroughs.barnet, name="East Finchley")
    sent(survey, {q["yes"]: "yes"}, area=boroughs.barnet)
    sent(survey, {q["yes"]: "no"}, area=neighbourhood, is_late=True)
    sent(survey, {q["yes"]: "no"}, area=boroughs.camden)
    client.force_login(pmo_user)

    def figures(**params):
        html = client.get("/pmo/consultations/barnet-plan/", params).content.decode()
        return text_of(html, "total-responses"), text_of(html, "total-late"), html

    assert figures()[:2] == ("3", "1")
    total, late, html = figures(area=boroughs.barnet.pk)  # Barnet including East Finchley
    assert (total, late) == ("2", "1")
    assert "Area: Barnet and the areas below it" in html
    assert "Camden" not in html.split('id="totals"')[1].split('id="questions"')[0]
    assert figures(area=neighbourhood.pk)[:2] == ("1", "1")
    assert figures(late="no")[:2] == ("2", "0")
    yes = html[html.index(f'id="question-{q["yes"].pk}"') :]
    assert re.findall(r'header">(Yes|No)</th>\s*<td[^>]*>(\d+)</td>', yes)[:2] == [("Yes", "1"), ("No", "1")]


def test_date_range_is_in_london_days(client, boroughs, survey, pmo_user):
    # 23:30 UTC on 1 July is 00:30 on 2 July in London (summer time).
    sent(survey, at=datetime.datetime(2026, 7, 1, 23, 30, tzinfo=datetime.UTC))
    sent(survey, at=datetime.datetime(2026, 7, 1, 12, 0, tzinfo=datetime.UTC))
    client.force_login(pmo_user)
    params = {"submitted_from-day": "2", "submitted_from-month": "7", "submitted_from-year": "2026"}
    html = client.get("/pmo/consultations/barnet-plan/", params).content.decode()
    assert text_of(html, "total-responses") == "1"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"area": "999999"}, "Choose an area from the list"),
        ({"area": "x"}, "Choose an area from the list"),
        ({"late": "maybe"}, "Choose an option for late responses from the list"),
        ({"submitted_from-day": "31", "submitted_from-month": "2", "submitted_from-year": "2026"}, "Enter a real date"),
        (
            {
                "submitted_from-day": "9",
                "submitted_from-month": "1",
                "submitted_from-year": "2026",
                "submitted_to-day": "8",
                "submitted_to-month": "1",
                "submitted_to-year": "2026",
            },
            "The end date must be",
        ),
    ],
)
def test_bad_filters_are_explained_and_ignored(client, boroughs, survey, pmo_user, params, message):
    sent(survey)
    client.force_login(pmo_user)
    response = client.get("/pmo/consultations/barnet-plan/", params)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html
    assert message in html
    assert text_of(html, "total-responses") == "1"


def test_equality_is_aggregate_suppressed_and_not_filtered(client, boroughs, survey, pmo_user):
    equality(survey, 3, sex="female")
    equality(survey, 10, sex="male")
    equality(survey, 7, sex="prefer_not_to_say")
    client.force_login(pmo_user)
    html = client.get("/pmo/consultations/barnet-plan/", {"late": "yes"}).content.decode()
    sex = html[html.index(">Sex</caption>") :].split("</table>")[0]
    cells = re.findall(r'header">([^<]+)</th><td[^>]*>([^<]+)</td>', sex)
    assert cells == [("Female", "fewer than 5"), ("Male", "10"), ("Prefer not to say", "not shown"),
                     ("Not answered", "0"), ("Total", "20")]  # fmt: skip
    assert "the filters above do not apply here" in html


def test_fewer_than_five_equality_forms_are_not_shown(client, boroughs, survey, pmo_user):
    equality(survey, 4, sex="female")
    client.force_login(pmo_user)
    html = client.get("/pmo/consultations/barnet-plan/").content.decode()
    assert "Fewer than 5 people answered the equality questions" in html
    assert ">Sex</caption>" not in html


def test_the_equality_section_says_how_many_answers_were_left_out(client, boroughs, survey, pmo_user):
    """Set by the release (engagement/services/equality.py) when too few remained after closing to release."""
    equality(survey, 6, sex="female")
    client.force_login(pmo_user)
    html = client.get("/pmo/consultations/barnet-plan/").content.decode()
    assert "left out" not in html
    type(survey).objects.filter(pk=survey.pk).update(equality_left_out=3)
    html = client.get("/pmo/consultations/barnet-plan/").content.decode()
    assert "3 equality answers were left out because too few remained to keep them anonymous." in html
    type(survey).objects.filter(pk=survey.pk).update(equality_left_out=1)
    html = client.get("/pmo/consultations/barnet-plan/").content.decode()
    assert "1 equality answer was left out because too few remained to keep them anonymous." in html


def _questions(consultation, *, sets: int) -> None:
    kinds = [kind.SINGLE_CHOICE, kind.MULTIPLE_CHOICE, kind.YES_NO, kind.AGREE_SCALE, kind.LONG_TEXT, kind.EMAIL]
    for k in kinds * sets:
        QuestionFactory(consultation=consultation, kind=k, choices=["A", "B", "C"], allow_other=True)


def _queries(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_summary_query_count_does_not_grow_with_responses_or_questions(client, boroughs, pmo_user):
    from django.core.management import call_command

    from tests.engagement.factories import ConsultationFactory

    small = ConsultationFactory(owner_area=boroughs.barnet, slug="small")
    big = ConsultationFactory(owner_area=boroughs.barnet, slug="big")
    _questions(small, sets=1)
    _questions(big, sets=5)
    organisation = OrganisationFactory(system=boroughs.barnet.system)
    # Few: one individual and one organisation, both in Barnet; many: 600 synthetic responses over both boroughs.
    sent(small, area=boroughs.barnet)
    sent(small, area=boroughs.barnet, respondent_type="organisation", organisation=organisation)
    equality(small, 2, sex="female")
    call_command("generate_responses", "big", "--count", "600", "--seed", "1", stdout=io.StringIO())
    client.force_login(pmo_user)
    for params in ("", f"?area={boroughs.barnet.pk}&late=no"):
        _queries(client, f"/pmo/consultations/small/{params}")  # warm the session and permission caches
        few = _queries(client, f"/pmo/consultations/small/{params}")
        many = _queries(client, f"/pmo/consultations/big/{params}")
        assert len(few) == len(many), "\n".join(many)


def test_free_text_is_listed_paginated_searched_and_highlighted(client, boroughs, survey, pmo_user):
    q = survey.q["text"]
    sent(survey, {q: "The waiting times at <script>alert(1)</script> my GP are long"}, area=boroughs.barnet)
    for n in range(30):
        sent(survey, {q: f"Answer number {n} about parking"}, area=boroughs.camden)
    client.force_login(pmo_user)
    url = f"/pmo/consultations/barnet-plan/questions/{q.pk}/"

    first = client.get(url).content.decode()
    assert text_of(first, "answer-count") == "31 answers."
    assert first.count('class="nhsuk-card"') == 25
    assert "Page 2 of 2" in first
    assert "<script>alert(1)</script>" not in first
    assert "&lt;script&gt;" in first

    found = client.get(url, {"q": "wait"}).content.decode()  # English stemming: "wait" finds "waiting"
    assert text_of(found, "answer-count") == "1 answer matching “wait”."
    assert "The <mark>waiting</mark> times at &lt;script&gt;" in found
    assert "<script>alert" not in found

    filtered = client.get(url, {"q": "parking", "area": boroughs.barnet.pk}).content.decode()
    assert "0 answers matching" in filtered


@pytest.mark.parametrize("search", ["", "'", "\x00", '"unclosed', "a & | ! b", "-", "\\", "🙂" * 50, "x" * 500])
def test_any_search_text_is_safe(client, boroughs, survey, pmo_user, search):
    sent(survey, {survey.q["text"]: "Some words"})
    client.force_login(pmo_user)
    response = client.get(f"/pmo/consultations/barnet-plan/questions/{survey.q['text'].pk}/", {"q": search})
    assert response.status_code == 200


def test_other_texts_are_listed_for_a_choice_question(client, boroughs, survey, pmo_user):
    q = survey.q["choice"]
    sent(survey, {q: OTHER}, other={q: "A third way"})
    sent(survey, {q: "A"})
    client.force_login(pmo_user)
    html = client.get(f"/pmo/consultations/barnet-plan/questions/{q.pk}/").content.decode()
    assert "“Other, please specify” answers" in html
    assert "A third way" in html
    assert text_of(html, "answer-count") == "1 answer."


def test_questions_without_typed_answers_have_no_answers_page(client, boroughs, survey, pmo_user):
    client.force_login(pmo_user)
    for name in ("yes", "email", "multi"):  # email answers are personal data
        assert client.get(f"/pmo/consultations/barnet-plan/questions/{survey.q[name].pk}/").status_code == 404


def test_the_pmo_reaches_the_outbox_from_its_page_and_a_manager_does_not_see_the_link(client, boroughs, pmo_user):
    client.force_login(pmo_user)
    assert 'href="/staff/outbox/"' in client.get("/pmo/").content.decode()
    client.force_login(boroughs.barnet_manager)
    html = client.get("/pmo/").content.decode()
    assert "Programme office" in html
    assert 'href="/staff/outbox/"' not in html


def test_summary_offers_a_print_view_with_the_same_filters(client, boroughs, survey, pmo_user):
    sent(survey, area=boroughs.barnet)
    client.force_login(pmo_user)
    query = f"?area={boroughs.barnet.pk}&late=no"
    html = client.get("/pmo/consultations/barnet-plan/" + query).content.decode()
    assert 'href="/static/css/print.css" media="print"' in html
    link = re.search(r'href="([^"]+)" id="print-link"', html)
    assert link
    assert link.group(1).replace("&amp;", "&") == (
        f"/pmo/consultations/barnet-plan/?area={boroughs.barnet.pk}&late=no&print=1"
    )
    printed = client.get("/pmo/consultations/barnet-plan/" + query + "&print=1").content.decode()
    assert 'href="/static/css/print.css" media="all"' in printed
    assert '<details class="nhsuk-details" open>' in printed  # responses per day, printed open
    assert text_of(printed, "total-responses") == "1"
    assert 'id="print-link"' not in printed


def test_organisations_responses_are_shown_a_page_at_a_time_and_all_in_the_print_view(
    client, boroughs, survey, pmo_user, monkeypatch
):
    from reporting import views

    monkeypatch.setattr(views, "ORGANISATIONS_PER_PAGE", 2)
    for name in ("Alpha Trust", "Beta Forum", "Gamma Network"):
        sent(survey, {survey.q["text"]: f"{name} says yes"}, respondent_type=Response.RespondentType.ORGANISATION,
             organisation=OrganisationFactory(name=name), area=boroughs.barnet)  # fmt: skip
    sent(survey, {survey.q["text"]: "An individual's view"})
    client.force_login(pmo_user)
    url = f"/pmo/consultations/barnet-plan/?area={boroughs.barnet.pk}"

    def organisations(params: str = "") -> str:
        html = client.get(url + params).content.decode()
        return html[html.index('id="organisations"') : html.index('id="equality"')]

    first = organisations()
    assert "3 responses on behalf of an organisation" in first
    assert "1 to 2 shown here" in first
    assert "Alpha Trust says yes" in first
    assert "Beta Forum says yes" in first
    assert "Gamma Network" not in first
    assert "An individual&#39;s view" not in first
    # The next page keeps the filters and comes back to this section.
    assert f'href="?area={boroughs.barnet.pk}&amp;organisations_page=2#organisations"' in first
    second = organisations("&organisations_page=2")
    assert "Gamma Network says yes" in second
    assert "Alpha Trust" not in second
    assert "Page 1 of 2" in second  # the way back
    # A page that is not a number or is past the end shows a page, never an error.
    assert "Alpha Trust says yes" in organisations("&organisations_page=abc")
    assert "Gamma Network says yes" in organisations("&organisations_page=999")
    printed = organisations("&print=1")
    assert all(f"{name} says yes" in printed for name in ("Alpha Trust", "Beta Forum", "Gamma Network"))
    assert "shown here" not in printed


def test_summary_reads_only_the_shown_organisations_answers(client, boroughs, survey, pmo_user, monkeypatch):
    from reporting import views

    monkeypatch.setattr(views, "ORGANISATIONS_PER_PAGE", 2)
    client.force_login(pmo_user)

    def answers_read(count: int) -> int:
        while Response.objects.filter(consultation=survey, respondent_type="organisation").count() < count:
            sent(survey, {survey.q["text"]: "Yes", survey.q["choice"]: "A"}, respondent_type="organisation",
                 organisation_name="A group")  # fmt: skip
        with CaptureQueriesContext(connection) as captured:
            html = client.get("/pmo/consultations/barnet-plan/").content.decode()
        assert f"{count} responses on behalf of an organisation" in html
        # The prefetch of the shown responses' answers: one query, naming each response it reads.
        prefetch = [
            q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "engagement_answer"."id"')
        ]
        assert len(prefetch) == 1, prefetch
        return len(re.search(r'"response_id" IN \(([^)]*)\)', prefetch[0])[1].split(","))

    assert answers_read(3) == answers_read(8) == 2  # the answers of the two responses shown, however many there are


def test_summary_opens_with_a_contents_list_whose_every_link_finds_its_part(client, boroughs, survey, pmo_user):
    sent(survey)
    client.force_login(pmo_user)
    html = client.get("/pmo/consultations/barnet-plan/").content.decode()
    contents = re.search(
        r'<nav class="nhsuk-contents-list[^"]*"[^>]*aria-label="Parts of this summary".*?</nav>', html, re.S
    )
    assert contents, "no contents list"
    assert html.index(contents.group(0)) < html.index('id="totals"'), "the contents list comes before the parts"
    targets = re.findall(r'href="#([\w-]+)"', contents.group(0))
    assert targets == ["totals", "reach", "questions", "themes", "organisations", "equality"]
    for target in targets:
        assert html.count(f'id="{target}"') == 1, target


def test_one_answer_and_one_day_are_said_in_the_singular(client, boroughs, survey, pmo_user):
    """'the 1 answer', not 'the 1 answers'; a chart of one day is 'sent on' that day, not 'from it to it'."""
    q = survey.q
    sent(survey, {q["choice"]: OTHER, q["text"]: "Closer to home"}, other={q["choice"]: "A third way"})
    sent(survey, {q["text"]: "More evening clinics"})
    client.force_login(pmo_user)
    html = client.get("/pmo/consultations/barnet-plan/").content.decode()
    assert "Read the 1 “Other, please specify” answer<span" in html
    assert "Read and search the 2 answers<span" in html
    day = timezone.localtime(timezone.now(), LONDON)
    assert f"Responses sent on {day:%-d %b %Y}; the table below" in html
    theme_create(consultation=survey, name="Care closer to home", by=pmo_user, now=timezone.now())
    answers = client.get(f"/pmo/consultations/barnet-plan/questions/{q['text'].pk}/?q=closer").content.decode()
    assert "Tag all 1 answer</button>" in answers


def test_a_text_question_nobody_answered_says_so_instead_of_linking_to_no_answers(client, boroughs, survey, pmo_user):
    sent(survey, {survey.q["choice"]: "A"})
    client.force_login(pmo_user)
    html = client.get("/pmo/consultations/barnet-plan/").content.decode()
    assert "No typed answers to this question." in html
    assert "Read and search the 0 answers" not in html
