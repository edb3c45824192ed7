"""Themes: the codebook's services (tag one, tag a search's results, untag, merge; who and when), who may use the
pages (several users, another borough's manager guessing ids), the summary's theme counts and filter (query counts
not growing with themes or answers), and the exports' themes."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import roles
from engagement.models import Answer, Question, Response
from reporting import selectors, services_themes
from reporting.forms import SuggestForm, ThemeForm
from reporting.models import Theme, ThemeTag
from reporting.selectors import ReportFilters
from tests.engagement.factories import QuestionFactory
from tests.factories import UserFactory
from tests.html import parse, table_rows

from .factories import sent

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def survey(boroughs):
    c = boroughs.barnet_c
    c.text_q = QuestionFactory(consultation=c, kind=Question.Kind.LONG_TEXT, text="What would make it work?")
    c.other_q = QuestionFactory(consultation=c, kind=Question.Kind.LONG_TEXT, text="Anything else?")
    c.r1 = sent(c, {c.text_q: "More GP appointments please", c.other_q: "Buses"}, area=boroughs.barnet)
    c.r2 = sent(c, {c.text_q: "Cannot get a GP appointment"}, area=boroughs.barnet)
    c.r3 = sent(c, {c.text_q: "The hospital car park is full"}, respondent_type=Response.RespondentType.ORGANISATION)
    return c


def answer(response, question):
    return response.answers.select_related("response").get(question=question)


def test_tag_one_records_who_and_when_and_is_idempotent(survey, pmo_user):
    theme = services_themes.theme_create(consultation=survey, name="GP access", by=pmo_user, now=NOW)
    a = answer(survey.r1, survey.text_q)
    assert services_themes.answer_tag(theme=theme, answer=a, by=pmo_user, now=NOW) is True
    assert services_themes.answer_tag(theme=theme, answer=a, by=pmo_user, now=NOW + datetime.timedelta(1)) is False
    tag = ThemeTag.objects.get()
    assert (tag.tagged_by, tag.tagged_at, tag.source) == (pmo_user, NOW, ThemeTag.Source.ONE)
    (history,) = ThemeTag.history.all()
    assert (history.history_type, history.history_user) == ("+", pmo_user)


def test_tag_from_a_search_tags_exactly_what_the_search_finds(survey, pmo_user):
    theme = services_themes.theme_create(consultation=survey, name="GP access", by=pmo_user, now=NOW)
    n = services_themes.answers_tag_search(
        theme=theme, question=survey.text_q, filters=ReportFilters(), search="appointment", by=pmo_user, now=NOW
    )
    assert n == 2
    assert set(ThemeTag.objects.values_list("answer__response", flat=True)) == {survey.r1.pk, survey.r2.pk}
    assert set(ThemeTag.objects.values_list("source", flat=True)) == {ThemeTag.Source.SEARCH}
    assert ThemeTag.history.filter(history_type="+", history_user=pmo_user).count() == 2
    again = services_themes.answers_tag_search(
        theme=theme, question=survey.text_q, filters=ReportFilters(), search="GP", by=pmo_user, now=NOW
    )
    assert again == 0  # both already tagged: nothing doubles


def test_untag_is_recorded_with_who(survey, pmo_user, boroughs):
    theme = services_themes.theme_create(consultation=survey, name="GP access", by=pmo_user, now=NOW)
    a = answer(survey.r1, survey.text_q)
    services_themes.answer_tag(theme=theme, answer=a, by=pmo_user, now=NOW)
    assert services_themes.answer_untag(theme=theme, answer=a, by=boroughs.barnet_manager) is True
    assert services_themes.answer_untag(theme=theme, answer=a, by=boroughs.barnet_manager) is False
    assert not ThemeTag.objects.exists()
    removed = ThemeTag.history.get(history_type="-")
    assert removed.history_user == boroughs.barnet_manager


def test_merge_moves_answers_once_and_deletes_the_source(survey, pmo_user):
    gp = services_themes.theme_create(consultation=survey, name="GP access", by=pmo_user, now=NOW)
    doctors = services_themes.theme_create(consultation=survey, name="Doctors", by=pmo_user, now=NOW)
    a1, a2 = answer(survey.r1, survey.text_q), answer(survey.r2, survey.text_q)
    services_themes.answer_tag(theme=gp, answer=a1, by=pmo_user, now=NOW)
    services_themes.answer_tag(theme=doctors, answer=a1, by=pmo_user, now=NOW)  # on both: kept once
    services_themes.answer_tag(theme=doctors, answer=a2, by=pmo_user, now=NOW)
    moved = services_themes.theme_merge(source=doctors, into=gp, by=pmo_user, now=NOW)
    assert moved == 1
    assert not Theme.objects.filter(pk=doctors.pk).exists()
    assert sorted(ThemeTag.objects.filter(theme=gp).values_list("answer", flat=True)) == sorted([a1.pk, a2.pk])
    with pytest.raises(ValidationError):
        services_themes.theme_merge(source=gp, into=gp, by=pmo_user, now=NOW)


def test_bad_input_changes_nothing(survey, boroughs, pmo_user):
    services_themes.theme_create(consultation=survey, name="GP access", by=pmo_user, now=NOW)
    with pytest.raises(ValidationError, match="already has a theme"):
        services_themes.theme_create(consultation=survey, name="  gp   ACCESS ", by=pmo_user, now=NOW)
    with pytest.raises(ValidationError, match="Enter a name"):
        services_themes.theme_create(consultation=survey, name="   ", by=pmo_user, now=NOW)
    theme = Theme.objects.get()
    elsewhere = sent(boroughs.camden_c, {QuestionFactory(consultation=boroughs.camden_c): "Hello"})
    with pytest.raises(ValidationError, match="not one of this consultation"):
        services_themes.answer_tag(theme=theme, answer=elsewhere.answers.get(), by=pmo_user, now=NOW)
    for_one = services_themes.theme_create(
        consultation=survey, name="Buses", question=survey.other_q, by=pmo_user, now=NOW
    )
    with pytest.raises(ValidationError, match="another question"):
        services_themes.answer_tag(theme=for_one, answer=answer(survey.r1, survey.text_q), by=pmo_user, now=NOW)
    assert not ThemeTag.objects.exists()


# --- Pages and permissions ---
def test_who_may_use_the_codebook(client, survey, boroughs, pmo_user):
    url = "/pmo/consultations/barnet-plan/themes/"
    for user, status in [
        (pmo_user, 200),
        (boroughs.barnet_manager, 200),
        (boroughs.ics_manager, 200),  # owns the area above Barnet
        (boroughs.camden_manager, 404),
        (UserFactory(email="resident@example.com"), 403),
    ]:
        client.force_login(user)
        assert client.get(url).status_code == status, user.email
    client.logout()
    assert client.get(url)["Location"].startswith("/accounts/login/")


def test_another_boroughs_manager_guessing_ids_changes_nothing(client, survey, boroughs, pmo_user):
    theme = services_themes.theme_create(consultation=survey, name="GP access", by=pmo_user, now=NOW)
    other = services_themes.theme_create(consultation=survey, name="Doctors", by=pmo_user, now=NOW)
    a = answer(survey.r1, survey.text_q)
    camden_theme = services_themes.theme_create(consultation=boroughs.camden_c, name="Camden", by=pmo_user, now=NOW)
    client.force_login(boroughs.camden_manager)
    tag_url = f"/pmo/consultations/barnet-plan/questions/{survey.text_q.pk}/tag/"
    assert client.post(tag_url, {"action": "tag", "theme": theme.pk, "answer": a.pk}).status_code == 404
    assert (
        client.post(f"/pmo/consultations/barnet-plan/themes/{other.pk}/merge/", {"theme": theme.pk}).status_code == 404
    )
    # Through their own consultation, with Barnet's ids: not found in Camden, so nothing happens either.
    camden_q = QuestionFactory(consultation=boroughs.camden_c)
    response = client.post(
        f"/pmo/consultations/camden-plan/questions/{camden_q.pk}/tag/",
        {"action": "tag", "theme": camden_theme.pk, "answer": a.pk},
    )
    assert response.status_code == 404
    response = client.post(f"/pmo/consultations/camden-plan/themes/{other.pk}/merge/", {"theme": camden_theme.pk})
    assert response.status_code == 404
    assert not ThemeTag.objects.exists()
    assert Theme.objects.count() == 3


def test_tagging_from_the_answers_page(client, survey, boroughs):
    client.force_login(boroughs.barnet_manager)
    response = client.post(
        "/pmo/consultations/barnet-plan/themes/", {"name": "GP access", "description": "Appointments"}
    )
    assert response.status_code == 302
    theme = Theme.objects.get()
    assert theme.created_by == boroughs.barnet_manager
    page = f"/pmo/consultations/barnet-plan/questions/{survey.text_q.pk}/"
    html = client.get(page, {"q": "appointment"}).content.decode()
    assert "Tag all 2 answers" in html
    response = client.post(
        f"/pmo/consultations/barnet-plan/questions/{survey.text_q.pk}/tag/",
        {"action": "search", "theme": theme.pk, "q": "appointment"},
        follow=True,
    )
    assert "2 more answers tagged “GP access”" in response.content.decode()
    assert ThemeTag.objects.filter(tagged_by=boroughs.barnet_manager).count() == 2
    a = answer(survey.r1, survey.text_q)
    response = client.post(
        f"/pmo/consultations/barnet-plan/questions/{survey.text_q.pk}/tag/",
        {"action": "untag", "theme": theme.pk, "answer": a.pk},
    )
    assert response["Location"] == page
    assert ThemeTag.objects.count() == 1
    # No theme chosen, or a made-up one: a plain message, nothing tagged, no 500.
    for data in ({"action": "tag", "answer": a.pk}, {"action": "tag", "answer": a.pk, "theme": "99999999999999999999"}):
        response = client.post(f"/pmo/consultations/barnet-plan/questions/{survey.text_q.pk}/tag/", data, follow=True)
        assert "Choose a theme from the list first" in response.content.decode()
    assert ThemeTag.objects.count() == 1


def test_codebook_form_errors_are_plain(client, survey, pmo_user):
    client.force_login(pmo_user)
    services_themes.theme_create(consultation=survey, name="GP access", by=pmo_user, now=NOW)
    response = client.post("/pmo/consultations/barnet-plan/themes/", {"name": "gp access"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "<title>Error: " in html
    assert "already has a theme with that name" in html
    assert Theme.objects.count() == 1


# --- The summary and the selector for outcomes ---
def test_summary_counts_and_filters_by_theme(client, survey, boroughs, pmo_user):
    gp = services_themes.theme_create(consultation=survey, name="GP access", by=pmo_user, now=NOW)
    parking = services_themes.theme_create(consultation=survey, name="Parking", by=pmo_user, now=NOW)
    services_themes.answers_tag_search(
        theme=gp, question=survey.text_q, filters=ReportFilters(), search="GP", by=pmo_user, now=NOW
    )
    services_themes.answer_tag(theme=parking, answer=answer(survey.r3, survey.text_q), by=pmo_user, now=NOW)
    counts = selectors.theme_counts(consultation=survey)
    assert [(t.name, t.count) for t in counts] == [("GP access", 2), ("Parking", 1)]
    breakdown = selectors.theme_breakdown(consultation=survey, filters=ReportFilters())
    assert [(r.label, r.count) for r in breakdown.by_question[survey.text_q.pk]] == [("GP access", 2), ("Parking", 1)]
    assert [(name, [(r.label, r.count) for r in rows]) for name, rows in breakdown.by_area] == [
        ("Barnet", [("GP access", 2)]),
        ("Not given", [("Parking", 1)]),
    ]
    assert [name for name, _rows in breakdown.by_type] == ["Individuals", "Organisations"]

    client.force_login(pmo_user)
    html = client.get("/pmo/consultations/barnet-plan/", {"theme": gp.pk}).content.decode()
    assert re.search(r'id="total-responses">2<', html)
    assert "Theme: GP access" in html
    # By area in one table: a row per area, a column per theme, 0 where an area has none of it.
    html = client.get("/pmo/consultations/barnet-plan/").content.decode()
    grid = html[html.index('id="theme-by-area"') :].split("</table>")[0]
    assert re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', grid) == ["Area", "GP access", "Parking"]
    rows = re.findall(r'<th scope="row"[^>]*>([^<]+)</th>\s*((?:<td[^>]*>\d+</td>)+)', grid)
    assert [(name, re.findall(r">(\d+)<", cells)) for name, cells in rows] == [
        ("Barnet", ["2", "0"]),
        ("Not given", ["0", "1"]),
    ]
    assert 'id="theme-by-type"' in html
    html = client.get("/pmo/consultations/barnet-plan/", {"theme": "not-a-number"}).content.decode()
    assert re.search(r'id="total-responses">3<', html)  # a bad filter is left out and said so, never a 500


def test_summary_queries_do_not_grow_with_themes_or_answers(client, survey, pmo_user):
    client.force_login(pmo_user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/pmo/consultations/barnet-plan/").status_code == 200
        return len(captured)

    theme = services_themes.theme_create(consultation=survey, name="Theme 0", by=pmo_user, now=NOW)
    services_themes.answer_tag(theme=theme, answer=answer(survey.r1, survey.text_q), by=pmo_user, now=NOW)
    small = queries()
    for i in range(1, 15):
        theme = services_themes.theme_create(consultation=survey, name=f"Theme {i}", by=pmo_user, now=NOW)
        for _ in range(5):
            r = sent(survey, {survey.text_q: f"Answer for theme {i}"})
            services_themes.answer_tag(theme=theme, answer=answer(r, survey.text_q), by=pmo_user, now=NOW)
    assert queries() == small


def test_answers_page_queries_do_not_grow_with_tags(client, survey, pmo_user):
    client.force_login(pmo_user)
    url = f"/pmo/consultations/barnet-plan/questions/{survey.text_q.pk}/"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    small = queries()
    for i in range(6):
        theme = services_themes.theme_create(consultation=survey, name=f"Theme {i}", by=pmo_user, now=NOW)
        services_themes.answers_tag_search(
            theme=theme, question=survey.text_q, filters=ReportFilters(), search="", by=pmo_user, now=NOW
        )
    for _ in range(10):
        sent(survey, {survey.text_q: "Another answer"})
    assert queries() == small


def test_theme_counts_follow_the_filters_and_leave_out_held_responses(survey, pmo_user, boroughs):
    gp = services_themes.theme_create(consultation=survey, name="GP access", by=pmo_user, now=NOW)
    held = sent(survey, {survey.text_q: "GP"}, suspected_automated=True, suspected_at=timezone.now())
    services_themes.answer_tag(theme=gp, answer=answer(held, survey.text_q), by=pmo_user, now=NOW)
    services_themes.answer_tag(theme=gp, answer=answer(survey.r3, survey.text_q), by=pmo_user, now=NOW)
    assert [t.count for t in selectors.theme_counts(consultation=survey)] == [1]
    barnet_only = ReportFilters(area=boroughs.barnet)
    assert [t.count for t in selectors.theme_counts(consultation=survey, filters=barnet_only)] == [0]


def test_a_pmo_user_without_the_group_is_refused(client, survey):
    staff = UserFactory(email="staff@nhs.net", groups=[roles.STAFF])
    client.force_login(staff)
    assert client.get("/pmo/consultations/barnet-plan/themes/").status_code == 403


# --- Exports carry the themes ---
def test_xlsx_and_docx_carry_the_themes_following_the_filters(client, survey, boroughs, pmo_user):
    import io

    from docx import Document
    from openpyxl import load_workbook

    gp = services_themes.theme_create(
        consultation=survey, name="GP access", description="Appointments", by=pmo_user, now=NOW
    )
    formula = services_themes.theme_create(consultation=survey, name="=HYPERLINK(1)", by=pmo_user, now=NOW)
    services_themes.answers_tag_search(
        theme=gp, question=survey.text_q, filters=ReportFilters(), search="GP", by=pmo_user, now=NOW
    )
    services_themes.answer_tag(theme=formula, answer=answer(survey.r3, survey.text_q), by=pmo_user, now=NOW)
    client.force_login(pmo_user)
    content = b"".join(client.post("/pmo/consultations/barnet-plan/export/", {"format": "xlsx"}).streaming_content)
    rows = list(load_workbook(io.BytesIO(content))["Themes"].iter_rows(values_only=True))
    assert rows[0] == ("Theme", "Description", "Question", "Answers")
    assert rows[1] == ("GP access", "Appointments", "Any question", 2)
    assert rows[2][0] == "'=HYPERLINK(1)"  # a theme's name never runs as a formula (safe_xlsx_cell)
    assert ("Area", "Barnet", "GP access", 2) in rows
    assert ("Respondent type", "Organisations", "'=HYPERLINK(1)", 1) in rows
    assert ("Question", survey.text_q.text, "GP access", 2) in rows

    response = client.post("/pmo/consultations/barnet-plan/export/?area=" + str(boroughs.barnet.pk), {"format": "docx"})
    document = Document(io.BytesIO(b"".join(response.streaming_content)))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Themes" in headings
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "GP access" in cells
    assert "Appointments" in cells
    # Filtered to Barnet: the organisation's answer (no area) is not counted, so its theme shows 0.
    themes_table = next(t for t in document.tables if t.rows[0].cells[0].text == "Theme" and len(t.columns) == 3)
    counts = {row.cells[0].text: row.cells[2].text for row in themes_table.rows[1:]}
    assert counts["GP access"] == "2"
    assert "0" in counts.values()


def test_a_tampered_tag_form_cannot_tag_another_questions_answer(client, survey, pmo_user):
    theme = services_themes.theme_create(consultation=survey, name="Buses", by=pmo_user, now=NOW)
    client.force_login(pmo_user)
    other_answer = answer(survey.r1, survey.other_q)
    response = client.post(
        f"/pmo/consultations/barnet-plan/questions/{survey.text_q.pk}/tag/",
        {"action": "tag", "theme": theme.pk, "answer": other_answer.pk},
    )
    assert response.status_code == 404
    assert not ThemeTag.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/pmo/consultations/barnet-plan/themes/99999999999999999999/merge/",
        "/pmo/consultations/barnet-plan/questions/99999999999999999999/tag/",
        "/pmo/consultations/barnet-plan/themes/suggestions/99999999999999999999/1/",
        "/pmo/consultations/barnet-plan/themes/answers/99999999999999999999/",
    ],
)
def test_ids_past_the_databases_range_are_not_found(client, survey, pmo_user, path):
    client.force_login(pmo_user)
    assert client.post(path, {"action": "tag", "theme": "1", "answer": "99999999999999999999"}).status_code == 404


def test_changing_a_theme(client, survey, boroughs, pmo_user):
    gp = services_themes.theme_create(consultation=survey, name="GP access", by=pmo_user, now=NOW)
    services_themes.theme_create(consultation=survey, name="Parking", by=pmo_user, now=NOW)
    services_themes.answer_tag(theme=gp, answer=answer(survey.r1, survey.text_q), by=pmo_user, now=NOW)
    url = f"/pmo/consultations/barnet-plan/themes/{gp.pk}/"
    client.force_login(boroughs.camden_manager)
    assert client.post(url, {"name": "Hijacked"}).status_code == 404
    client.force_login(boroughs.barnet_manager)
    response = client.post(url, {"name": "parking"})
    assert response.status_code == 400
    assert "already has a theme with that name" in response.content.decode()
    response = client.post(url, {"name": "Buses", "question": survey.other_q.pk})
    assert "Some of its answers are to other questions" in response.content.decode()
    response = client.post(url, {"name": "Getting a GP", "description": "Appointments", "question": survey.text_q.pk})
    assert response.status_code == 302
    gp.refresh_from_db()
    assert (gp.name, gp.description, gp.question) == ("Getting a GP", "Appointments", survey.text_q)


# --- Deleting a theme ---
def test_deleting_a_theme_removes_its_taggings_with_history_and_nothing_else(survey, pmo_user, boroughs):
    from reporting.models import Suggestion, SuggestionJob, ThemeSuggestion

    gp = services_themes.theme_create(consultation=survey, name="GP access", by=pmo_user, now=NOW)
    parking = services_themes.theme_create(consultation=survey, name="Parking", by=pmo_user, now=NOW)
    a1, a2 = answer(survey.r1, survey.text_q), answer(survey.r2, survey.text_q)
    for a in (a1, a2):
        services_themes.answer_tag(theme=gp, answer=a, by=pmo_user, now=NOW)
    services_themes.answer_tag(theme=parking, answer=a1, by=pmo_user, now=NOW)
    job = SuggestionJob.objects.create(
        consultation=survey, question=survey.text_q, k=2, status=SuggestionJob.Status.DONE, created_at=NOW
    )
    accepted = Suggestion.objects.create(job=job, number=1, name="gp", status=Suggestion.Status.ACCEPTED, theme=gp)
    ThemeSuggestion.objects.create(job=job, answer=answer(survey.r3, survey.text_q), theme=gp, confidence=0.9)
    later = NOW + datetime.timedelta(hours=1)

    assert services_themes.theme_delete(theme=gp, by=boroughs.barnet_manager, now=later) == 2
    assert list(Theme.objects.values_list("name", flat=True)) == ["Parking"]
    assert list(ThemeTag.objects.values_list("theme__name", "answer")) == [("Parking", a1.pk)]
    removed = ThemeTag.history.filter(history_type="-")
    assert sorted(removed.values_list("answer_id", "history_user", "history_date")) == sorted(
        [(a1.pk, boroughs.barnet_manager.pk, later), (a2.pk, boroughs.barnet_manager.pk, later)]
    )
    assert ThemeTag.history.filter(history_type="+").count() == 3  # who tagged them first is kept
    assert Answer.objects.filter(pk__in=[a1.pk, a2.pk]).count() == 2  # the answers stay
    accepted.refresh_from_db()
    assert (accepted.status, accepted.theme) == (Suggestion.Status.ACCEPTED, None)
    assert not ThemeSuggestion.objects.exists()
    with pytest.raises(ValidationError, match="already been deleted"):
        services_themes.theme_delete(theme=gp, by=pmo_user, now=later)
    # Someone tagging with the page they loaded before: told plainly, nothing tagged.
    with pytest.raises(ValidationError, match="already been deleted"):
        services_themes.answer_tag(theme=gp, answer=a2, by=pmo_user, now=later)
    assert ThemeTag.objects.count() == 1


def test_deleting_a_theme_takes_the_same_queries_however_many_answers_carry_it(survey, pmo_user):
    def deleting(n: int) -> int:
        theme = services_themes.theme_create(consultation=survey, name=f"Theme of {n}", by=pmo_user, now=NOW)
        answers = [answer(sent(survey, {survey.text_q: f"Answer {i}"}), survey.text_q) for i in range(n)]
        services_themes.answers_tag_similar(theme=theme, answers=answers, by=pmo_user, now=NOW)
        with CaptureQueriesContext(connection) as captured:
            assert services_themes.theme_delete(theme=theme, by=pmo_user, now=NOW) == n
        return len(captured)

    assert deleting(2) == deleting(40)
    assert ThemeTag.history.filter(history_type="-").count() == 42


def test_merging_takes_the_same_queries_however_many_answers_move(survey, pmo_user):
    def merging(n: int) -> int:
        source = services_themes.theme_create(consultation=survey, name=f"From {n}", by=pmo_user, now=NOW)
        into = services_themes.theme_create(consultation=survey, name=f"Into {n}", by=pmo_user, now=NOW)
        answers = [answer(sent(survey, {survey.text_q: f"Answer {i}"}), survey.text_q) for i in range(n)]
        services_themes.answers_tag_similar(theme=source, answers=answers, by=pmo_user, now=NOW)
        services_themes.answers_tag_similar(theme=into, answers=answers[:1], by=pmo_user, now=NOW)  # one on both
        with CaptureQueriesContext(connection) as captured:
            assert services_themes.theme_merge(source=source, into=into, by=pmo_user, now=NOW) == n - 1
        assert into.tags.count() == n
        return len(captured)

    assert merging(3) == merging(30)
    assert ThemeTag.history.filter(history_type="~", history_user=pmo_user).count() == 2 + 29
    assert ThemeTag.history.filter(history_type="-", history_user=pmo_user).count() == 2  # the duplicates


def test_the_delete_page_asks_first_and_deletes_only_on_post(client, survey, boroughs, pmo_user):
    gp = services_themes.theme_create(consultation=survey, name="GP access", by=pmo_user, now=NOW)
    services_themes.answer_tag(theme=gp, answer=answer(survey.r1, survey.text_q), by=pmo_user, now=NOW)
    url = f"/pmo/consultations/barnet-plan/themes/{gp.pk}/delete/"
    client.force_login(boroughs.barnet_manager)
    codebook = client.get("/pmo/consultations/barnet-plan/themes/").content.decode()
    assert f'href="{url}"' in codebook
    html = client.get(url).content.decode()
    assert "<h1>Delete the theme “GP access”?</h1>" in html
    assert "It is removed from the 1 answer tagged with it" in html
    assert Theme.objects.filter(pk=gp.pk).exists()  # asking deletes nothing
    assert client.put(url).status_code == 405
    response = client.post(url, follow=True)
    assert response.redirect_chain == [("/pmo/consultations/barnet-plan/themes/", 302)]
    assert "Theme “GP access” deleted and removed from 1 answer." in response.content.decode()
    assert not Theme.objects.exists()
    assert ThemeTag.history.get(history_type="-").history_user == boroughs.barnet_manager
    # Posting again (a second tab): not found, never a 500.
    assert client.post(url).status_code == 404


def test_who_may_delete_a_theme(client, survey, boroughs, pmo_user):
    gp = services_themes.theme_create(consultation=survey, name="GP access", by=pmo_user, now=NOW)
    camden_theme = services_themes.theme_create(consultation=boroughs.camden_c, name="Camden", by=pmo_user, now=NOW)
    url = f"/pmo/consultations/barnet-plan/themes/{gp.pk}/delete/"
    resident = UserFactory(email="resident@example.com")
    for user, status in [(boroughs.camden_manager, 404), (resident, 403)]:
        client.force_login(user)
        assert client.get(url).status_code == status, user.email
        assert client.post(url).status_code == status, user.email
    # Another borough's manager guessing the id through their own consultation: not found there either.
    client.force_login(boroughs.camden_manager)
    assert client.post(f"/pmo/consultations/camden-plan/themes/{gp.pk}/delete/").status_code == 404
    assert client.post("/pmo/consultations/camden-plan/themes/99999999999999999999/delete/").status_code == 404
    client.logout()
    assert client.post(url)["Location"].startswith("/accounts/login/")
    assert Theme.objects.count() == 2
    client.force_login(boroughs.ics_manager)  # manages the area above Barnet: may change its themes
    assert client.post(url).status_code == 302
    assert list(Theme.objects.all()) == [camden_theme]


def test_only_the_codebook_page_counts_each_themes_tags(client, survey, pmo_user):
    """The codebook page shows each theme's number of tagged answers; the answers page's theme lists (choices to
    tag with) read the themes without joining their tags."""
    gp = services_themes.theme_create(consultation=survey, name="GP access", by=pmo_user, now=NOW)
    services_themes.theme_create(consultation=survey, name="Buses", by=pmo_user, now=NOW)
    for response in (survey.r1, survey.r2):
        services_themes.answer_tag(theme=gp, answer=answer(response, survey.text_q), by=pmo_user, now=NOW)
    client.force_login(pmo_user)
    tags = connection.ops.quote_name(ThemeTag._meta.db_table)

    body = client.get("/pmo/consultations/barnet-plan/themes/").content.decode()
    counts = [(row[0].split(" Any question")[0], row[1]) for row in table_rows(parse(body).by_id("theme-list"))]
    assert counts == [("Buses", "0"), ("GP access", "2")]

    with CaptureQueriesContext(connection) as captured:
        themes = selectors.themes_of(consultation=survey, question=survey.text_q)
    assert [t.name for t in themes] == ["Buses", "GP access"]
    assert not [q["sql"] for q in captured.captured_queries if tags in q["sql"]]
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/pmo/consultations/barnet-plan/questions/{survey.text_q.pk}/").status_code == 200
    assert not [q["sql"] for q in captured.captured_queries if f"COUNT({tags}" in q["sql"]]


def test_a_long_question_is_shortened_with_an_ellipsis_in_the_drop_downs(survey):
    long_q = QuestionFactory(consultation=survey, kind=Question.Kind.LONG_TEXT, text="What do you think " * 10)
    for form in (ThemeForm(questions=[long_q]), SuggestForm(questions=[long_q])):
        label = dict(form.fields["question"].choices)[long_q.pk]
        assert label.endswith("…")
        assert len(label) <= 80
        assert label.startswith("What do you think " * 4)


def test_the_codebook_is_a_responsive_table_not_a_scrolling_region(client, survey, pmo_user):
    """Its rows are records with links and a merge form: on a phone each theme is a block of labelled cells
    (NHS.UK's responsive table), not a row to scroll sideways through."""
    gp = services_themes.theme_create(
        consultation=survey, name="GP access", description="Appointments", by=pmo_user, now=NOW
    )
    services_themes.theme_create(consultation=survey, name="Buses", by=pmo_user, now=NOW)
    services_themes.answer_tag(theme=gp, answer=answer(survey.r1, survey.text_q), by=pmo_user, now=NOW)
    client.force_login(pmo_user)
    page = parse(client.get("/pmo/consultations/barnet-plan/themes/").content.decode())
    table = page.by_id("theme-list")
    assert "nhsuk-table--responsive" in table.attrs["class"].split()
    assert not page.find_all(class_="portal-table-scroll")
    assert [row[:2] for row in table_rows(table)] == [
        ["Buses Any question. Added 1 December 2026 by pmo@nhs.net. Change Buses Delete Buses", "0"],
        [
            "GP access Appointments Any question. Added 1 December 2026 by pmo@nhs.net. Change GP access "
            "Delete GP access",
            "1",
        ],
    ]
    headings = [h.text for h in table.find_all(class_="nhsuk-table__heading")]  # shown beside each cell on a phone
    assert headings == ["Theme", "Answers", "Merge"] * 2
    row_headers = table.find_all("th", scope="row")
    assert [h.find_all("a")[0].text for h in row_headers] == ["Buses", "GP access"]


def test_a_response_about_the_whole_system_is_grouped_under_the_systems_name_once(client, boroughs, pmo_user):
    """The top area is the system itself, here named by its short name ("NCL"): its group in the area breakdowns
    reads "North Central London as a whole", not "NCL" beside the boroughs as though it were one of them."""
    c = boroughs.ics_c
    q = QuestionFactory(consultation=c, kind=Question.Kind.LONG_TEXT, text="What would make it work?")
    whole = sent(c, {q: "More GP appointments"}, area=boroughs.ics)
    sent(c, {q: "Buses"}, area=boroughs.barnet)
    gp = services_themes.theme_create(consultation=c, name="GP access", by=pmo_user, now=NOW)
    services_themes.answer_tag(theme=gp, answer=answer(whole, q), by=pmo_user, now=NOW)

    summary = selectors.consultation_summary(consultation=c, filters=ReportFilters())
    assert sorted(row.label for row in summary.by_area) == ["Barnet", "North Central London as a whole"]
    breakdown = selectors.theme_breakdown(consultation=c, filters=ReportFilters())
    assert [name for name, _rows in breakdown.by_area] == ["North Central London as a whole"]
    client.force_login(pmo_user)
    page = parse(client.get("/pmo/consultations/ncl-plan/").content.decode())
    assert [row[0] for row in table_rows(page.by_id("theme-by-area"))] == ["North Central London as a whole"]
