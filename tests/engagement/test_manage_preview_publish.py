"""The manager's preview is the residents' responding flow (same forms, rules and template) saving nothing, and
publishing asks first, saying what residents will see (engagement/views/manage.py preview_page, preview_check,
consultation_publish)."""

import datetime
from http import HTTPStatus
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from engagement.models import Answer, Consultation, PendingEquality, Response, Section
from notifications.models import Email
from tests.engagement.factories import (
    ConsultationFactory,
    ManagerScopeFactory,
    QuestionFactory,
    SectionFactory,
    respond_survey,
)
from tests.factories import UserFactory
from tests.html import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(db: Any) -> Any:
    s = respond_survey()
    Consultation.objects.filter(pk=s.pk).update(is_published=False)
    s.is_published = False
    return s


@pytest.fixture
def manager(survey: Any) -> Any:
    from accounts import roles

    user = UserFactory(email="preview.manager@nhs.net", groups=[roles.CONSULTATION_MANAGER])
    ManagerScopeFactory(user=user, area=survey.owner_area)
    return user


def purl(name: str, survey: Any, *args: Any) -> str:
    return reverse(f"engagement:{name}", args=[survey.slug, *args])


def rows() -> dict[str, int]:
    return {
        "responses": Response.objects.count(),
        "answers": Answer.objects.count(),
        "equality": PendingEquality.objects.count(),
        "emails": Email.objects.count(),
    }


def test_the_preview_is_clickable_through_every_page_with_conditions_and_saves_nothing(
    client: Any, survey: Any, manager: Any
) -> None:
    client.force_login(manager)
    q = survey.q
    before = rows()
    updated = Consultation.objects.get(pk=survey.pk).updated_at

    start = parse(client.get(purl("manage_preview", survey)).content.decode())
    link = start.one("a", class_="nhsuk-button")
    assert link.text == "Try responding"
    assert link.attrs["href"] == purl("manage_preview_page", survey, 1)

    # Page 1: the same-page condition ("What are your other views?" under "Yes") is there, and required.
    page1 = client.get(link.attrs["href"]).content.decode()
    assert "Which governance option do you prefer?" in page1
    assert "What are your other views?" in page1
    assert "Nothing you enter is saved or counted" in page1
    assert "Save and come back later" not in page1
    missing = client.post(purl("manage_preview_page", survey, 1), {f"q{q['choice'].pk}": "Option 1"})
    assert missing.status_code == HTTPStatus.OK
    assert "Error: " in missing.content.decode(), "the residents' own checks"
    r = client.post(
        purl("manage_preview_page", survey, 1),
        {f"q{q['choice'].pk}": "Option 1", f"q{q['yes'].pk}": "yes", f"q{q['detail'].pk}": "More local say"},
    )
    assert r["Location"] == purl("manage_preview_page", survey, 2)

    # Page 2: the question that depends on page 1 ("Why option 1?") is shown because of the answer given there.
    page2 = client.get(r["Location"]).content.decode()
    assert "Why option 1?" in page2
    assert "page 2 of 2" in page2
    r = client.post(
        purl("manage_preview_page", survey, 2),
        {f"q{q['multi'].pk}": ["Access"], f"q{q['follow'].pk}": "It is closer to home"},
    )
    assert r["Location"] == purl("manage_preview_check", survey)
    check = client.get(r["Location"]).content.decode()
    assert "More local say" in check
    assert "It is closer to home" in check
    assert purl("manage_preview_page", survey, 2) + "?change=1" in check

    # Change page 1 to Option 2: the dependent answer on page 2 is hidden, so the form asks before removing it.
    change = {f"q{q['choice'].pk}": "Option 2", f"q{q['yes'].pk}": "no"}
    asked = client.post(purl("manage_preview_page", survey, 1) + "?change=1", change)
    assert asked.status_code == HTTPStatus.OK
    assert "Remove my answer" in asked.content.decode()
    r = client.post(purl("manage_preview_page", survey, 1) + "?change=1", {**change, "remove_hidden": "on"})
    assert r["Location"] == purl("manage_preview_check", survey)
    check = client.get(purl("manage_preview_check", survey)).content.decode()
    assert "It is closer to home" not in check
    assert "Why option 1?" not in check

    assert rows() == before, "no response, answer, equality answer or email was stored"
    assert Consultation.objects.get(pk=survey.pk).updated_at == updated

    # Start again clears the session's preview answers.
    client.post(purl("manage_preview_check", survey))
    assert "Option 2" not in client.get(purl("manage_preview_check", survey)).content.decode()


# The residents' URL names and the preview's for the same steps: one walk through the pages serves both.
WALKS = {
    "resident": {
        "page": "respond_page",
        "check": "respond_check",
        "before_first": "respond_start",
        "after_last": "respond_about_you",
    },
    "preview": {
        "page": "manage_preview_page",
        "check": "manage_preview_check",
        "before_first": "manage_preview",
        "after_last": "manage_preview_check",
    },
}


def _back(html: str) -> str:
    return parse(html).one("a", class_="nhsuk-back-link").attrs["href"]


@pytest.mark.parametrize("who", ["resident", "preview"])
def test_the_preview_skips_places_and_links_back_to_pages_as_residents_get_them(
    client: Any, survey: Any, manager: Any, who: str
) -> None:
    """Three pages, the middle one only for "Option 2": the same page is skipped, counted out of "page N of M"
    and jumped over by the back links for a resident and in the preview (which still saves nothing)."""
    Section.objects.filter(consultation=survey, order=2).update(order=3)
    middle = SectionFactory(consultation=survey, title="Only for option 2", order=2)
    QuestionFactory(
        consultation=survey, section=middle, order=9, text="Tell us about option 2",
        show_if_question=survey.q["choice"], show_if_value="Option 2",
    )  # fmt: skip
    q, names = survey.q, WALKS[who]
    if who == "resident":
        Consultation.objects.filter(pk=survey.pk).update(is_published=True)
        client.post(purl("respond_start", survey), {"action": "start"})
    else:
        client.force_login(manager)
    before = rows()

    def page(number: int, change: str = "") -> str:
        return purl(names["page"], survey, number) + change

    first = client.get(page(1)).content.decode()
    assert "page 1 of 2" in first
    assert _back(first) == purl(names["before_first"], survey)
    r = client.post(page(1), {f"q{q['choice'].pk}": "Option 1", f"q{q['yes'].pk}": "no"})
    assert r["Location"] == page(3), "the middle page is skipped"
    assert client.get(page(2))["Location"] == page(3)
    assert client.get(page(2, "?change=1"))["Location"] == purl(names["check"], survey)
    last = client.get(page(3)).content.decode()
    assert "page 2 of 2" in last
    assert _back(last) == page(1)
    assert _back(client.get(page(3, "?change=1")).content.decode()) == purl(names["check"], survey)
    r = client.post(page(3), {f"q{q['follow'].pk}": "It is closer to home"})
    assert r["Location"] == purl(names["after_last"], survey)
    assert _back(client.get(r["Location"]).content.decode()) == page(3), "the step after the pages"

    # "Option 2" brings the middle page back and hides "Why option 1?": its answer is dropped, once agreed to.
    change = {f"q{q['choice'].pk}": "Option 2", f"q{q['yes'].pk}": "no", "remove_hidden": "on"}
    assert client.post(page(1, "?change=1"), change)["Location"] == purl(names["check"], survey)
    assert "page 2 of 3" in client.get(page(2)).content.decode()
    assert _back(client.get(page(3)).content.decode()) == page(2)
    # Back to "Option 1": the dropped answer does not come back.
    change = {f"q{q['choice'].pk}": "Option 1", f"q{q['yes'].pk}": "no"}
    assert client.post(page(1, "?change=1"), change)["Location"] == purl(names["check"], survey)
    check = client.get(purl(names["check"], survey)).content.decode()
    assert "Why option 1?" in check
    assert "It is closer to home" not in check
    assert "It is closer to home" not in client.get(page(3)).content.decode()
    if who == "preview":
        assert rows() == before, "the preview stored nothing"
    else:
        assert rows()["answers"] == before["answers"] + 2, "the resident's draft holds page 1's two answers"


def test_the_preview_check_names_the_required_questions_a_resident_would_be_asked(
    client: Any, survey: Any, manager: Any
) -> None:
    """Each visible required question without an answer, in order, linked to its page to change it; a question
    that the answers hide is not asked for."""
    client.force_login(manager)
    q = survey.q

    def asked() -> list[tuple[str, str]]:
        body = parse(client.get(purl("manage_preview_check", survey)).content.decode())
        summary = body.find_all("ul", class_="nhsuk-error-summary__list")
        return [(a.text, a.attrs["href"]) for ul in summary for a in ul.find_all("a")]

    page1 = purl("manage_preview_page", survey, 1) + "?change=1"
    assert asked() == [
        ("Which governance option do you prefer?", f"{page1}#id_q{q['choice'].pk}"),
        ("Do you have other views?", f"{page1}#id_q{q['yes'].pk}"),
    ], "nothing answered: 'Why option 1?' waits for 'Option 1'"
    client.post(purl("manage_preview_page", survey, 1), {f"q{q['choice'].pk}": "Option 1", f"q{q['yes'].pk}": "no"})
    page2 = purl("manage_preview_page", survey, 2) + "?change=1"
    assert asked() == [("Why option 1?", f"{page2}#id_q{q['follow'].pk}")]


def test_the_preview_of_one_manager_is_theirs_alone(client: Any, survey: Any, manager: Any) -> None:
    from django.test import Client

    from accounts import roles

    client.force_login(manager)
    client.post(
        purl("manage_preview_page", survey, 1),
        {f"q{survey.q['choice'].pk}": "Option 2", f"q{survey.q['yes'].pk}": "no"},
    )
    colleague = UserFactory(email="colleague@nhs.net", groups=[roles.CONSULTATION_MANAGER])
    ManagerScopeFactory(user=colleague, area=survey.owner_area)
    other = Client()
    other.force_login(colleague)
    assert "Option 2" not in other.get(purl("manage_preview_check", survey)).content.decode().split("<h1")[1]
    outsider = UserFactory(email="outsider@nhs.net", groups=[roles.CONSULTATION_MANAGER])
    ManagerScopeFactory(user=outsider)
    other.force_login(outsider)
    assert other.get(purl("manage_preview_page", survey, 1)).status_code == HTTPStatus.NOT_FOUND
    assert other.get(purl("manage_preview_check", survey)).status_code == HTTPStatus.NOT_FOUND
    resident = UserFactory(email="someone@example.com")
    other.force_login(resident)
    assert other.get(purl("manage_preview_page", survey, 1)).status_code == HTTPStatus.FORBIDDEN
    assert Session.objects.exists()


def test_publishing_asks_first_and_says_what_residents_will_see(client: Any, survey: Any, manager: Any) -> None:
    client.force_login(manager)
    overview = parse(client.get(purl("manage_consultation", survey)).content.decode())
    assert not overview.find_all("form", action=purl("manage_publish", survey)), "no one-click publish"

    page = client.get(purl("manage_publish", survey))
    html = page.content.decode()
    assert page.status_code == HTTPStatus.OK
    assert "Publish this consultation?" in html
    assert "8 questions to answer" in html
    assert survey.owner_area.name in html
    survey.refresh_from_db()
    assert not survey.is_published, "asking changes nothing"

    r = client.post(purl("manage_publish", survey))  # a POST without the confirmation asks again
    assert r.status_code == HTTPStatus.OK
    assert "Publish this consultation?" in r.content.decode()
    survey.refresh_from_db()
    assert not survey.is_published

    r = client.post(purl("manage_publish", survey), {"confirm": "yes"})
    assert r["Location"] == purl("manage_consultation", survey)
    survey.refresh_from_db()
    assert survey.is_published


def test_publishing_without_questions_says_so_and_offers_no_button(client: Any, manager: Any, survey: Any) -> None:
    empty = ConsultationFactory(owner_area=survey.owner_area, system=survey.system, draft=True)
    client.force_login(manager)
    html = client.get(purl("manage_publish", empty)).content.decode()
    assert "Add at least one question before publishing" in html
    assert "Yes, publish it" not in html
    QuestionFactory(consultation=empty)
    assert "Yes, publish it" in client.get(purl("manage_publish", empty)).content.decode()


def test_the_preview_reads_its_questions_and_sections_once_for_any_number(
    client: Any, survey: Any, manager: Any
) -> None:
    """The page lists the questions and works out where answering starts from one read of each (the pages were
    read again from the database), as many queries for a few questions as for many."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from engagement.models import Question

    client.force_login(manager)
    tables = {name: f"FROM {connection.ops.quote_name(name)}" for name in ("engagement_question", "engagement_section")}

    def preview() -> tuple[int, dict[str, int], str]:
        with CaptureQueriesContext(connection) as captured:
            body = client.get(purl("manage_preview", survey)).content.decode()
        reads = {name: sum(sql in q["sql"] for q in captured.captured_queries) for name, sql in tables.items()}
        return len(captured), reads, body

    few, few_reads, _ = preview()
    section = SectionFactory(consultation=survey, title="Later on", order=99)
    for n in range(4):
        QuestionFactory(consultation=survey, section=section, text=f"Extra question {n}", kind=Question.Kind.SHORT_TEXT)
    many, many_reads, body = preview()
    assert few_reads == many_reads == {"engagement_question": 1, "engagement_section": 1}
    assert few == many
    assert "Extra question 3" in body
    assert purl("manage_preview_page", survey, 1) in body, "answering starts on the first page"


def test_publishing_a_consultation_that_opens_at_the_start_of_a_day_says_opens_on(
    client: Any, survey: Any, manager: Any
) -> None:
    from engagement import deadlines

    opens = deadlines.opening_datetime(timezone.localdate() + datetime.timedelta(days=10))
    Consultation.objects.filter(pk=survey.pk).update(opens_at=opens, closes_at=opens + datetime.timedelta(days=30))
    client.force_login(manager)
    html = client.get(purl("manage_publish", survey)).content.decode()
    assert f"that it opens on {opens.astimezone(deadlines.LONDON):%-d %B %Y}: residents can respond" in html
    assert "opens at 12am" not in html


def test_publishing_a_consultation_whose_closing_date_has_passed_warns_first(
    client: Any, survey: Any, manager: Any
) -> None:
    now = timezone.now()
    Consultation.objects.filter(pk=survey.pk).update(
        opens_at=now - datetime.timedelta(days=30), closes_at=now - datetime.timedelta(days=1)
    )
    client.force_login(manager)
    html = client.get(purl("manage_publish", survey)).content.decode()
    assert "Its closing date has passed" in html
    assert "that it opens" not in html
