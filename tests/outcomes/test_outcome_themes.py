"""What we heard: the codebook's themes with how many answers carry each, on the published outcome (page and
Atom feed entry) and on the managers' edit page; a theme no answer carries is left out."""

import datetime
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from engagement.models import Question
from outcomes import services
from reporting import services_themes
from tests.engagement.factories import QuestionFactory
from tests.reporting.factories import sent

pytestmark = pytest.mark.django_db


@pytest.fixture
def tagged(scene: SimpleNamespace) -> SimpleNamespace:
    """Three answers: two tagged "GP access", one "Car parking" (with a description); "Buses" tags nothing."""
    c, now = scene.consultation, timezone.now()
    question = QuestionFactory(consultation=c, kind=Question.Kind.LONG_TEXT, text="What would make it work?")
    at = c.closes_at - datetime.timedelta(days=1)
    answers = [
        sent(c, {question: text}, at=at).answers.get()
        for text in ("More GP appointments", "Cannot see a GP", "The car park is full")
    ]
    by = scene.borough_manager
    gp = services_themes.theme_create(consultation=c, name="GP access", by=by, now=now)
    parking = services_themes.theme_create(
        consultation=c, name="Car parking", description="Spaces at the hospital", by=by, now=now
    )
    services_themes.theme_create(consultation=c, name="Buses", by=by, now=now)
    for theme, answer in ((gp, answers[0]), (gp, answers[1]), (parking, answers[2])):
        services_themes.answer_tag(theme=theme, answer=answer, by=by, now=now)
    return scene


def _rows(html: str) -> list[tuple[str, str]]:
    """(theme, count) from the outcome's themes table, in order."""
    table = html.split("Themes in the responses", 1)[1].split("</table>", 1)[0]
    cells = re.findall(r'<td class="nhsuk-table__cell[^"]*">(.*?)</td>', table, flags=re.S)
    return [(re.sub(r"<.*", "", name, flags=re.S), count) for name, count in zip(cells[::2], cells[1::2], strict=True)]


def _publish(scene: SimpleNamespace) -> None:
    outcome = services.outcome_save(
        consultation=scene.consultation,
        by=None,
        what_we_heard="Heard",
        decision="Decided",
        points=[],
        decided_function=None,
    )
    services.outcome_publish(outcome=outcome, by=None, now=timezone.now())


def test_the_published_outcome_page_shows_the_themes_with_their_counts(client: Any, tagged: SimpleNamespace) -> None:
    page = reverse("engagement:consultation_detail", args=[tagged.consultation.slug])
    assert "Themes in the responses" not in client.get(page).content.decode()  # no outcome yet
    _publish(tagged)
    body = client.get(page).content.decode()
    assert _rows(body) == [("GP access", "2"), ("Car parking", "1")]
    assert "Spaces at the hospital" in body
    assert "Buses" not in body


def test_the_feed_entry_names_the_themes_with_their_counts(client: Any, tagged: SimpleNamespace) -> None:
    _publish(tagged)
    feed = client.get(reverse("engagement:consultation_feed")).content.decode()
    entry = next(e for e in feed.split("<entry>") if tagged.consultation.title in e)
    assert "Themes in the responses: GP access (2 answers), Car parking (1 answer)." in entry
    assert "Buses" not in entry


def test_the_edit_page_lists_the_themes_for_the_manager(client: Any, tagged: SimpleNamespace) -> None:
    client.force_login(tagged.borough_manager)
    body = client.get(reverse("outcomes:edit", args=[tagged.consultation.slug])).content.decode()
    section = body.split("Themes from the codebook", 1)[1].split("</ul>", 1)[0]
    assert re.findall(r"<li>(.*?)</li>", section) == ["GP access: 2 answers", "Car parking: 1 answer"]


def _published_with_a_theme(scene: SimpleNamespace, n: int) -> Any:
    """Another closed consultation with a published outcome and its own theme on two counted answers (and on one
    held as suspected automated, which does not count)."""
    from tests.engagement.factories import ConsultationFactory

    c = ConsultationFactory(owner_area=scene.borough, system=scene.top.system, closed=True, title=f"Plan {n}")
    question = QuestionFactory(consultation=c, kind=Question.Kind.LONG_TEXT)
    at, by, now = c.closes_at - datetime.timedelta(days=1), scene.borough_manager, timezone.now()
    theme = services_themes.theme_create(consultation=c, name=f"Theme {n}", by=by, now=now)
    for fields in ({}, {}, {"suspected_automated": True, "suspected_at": at}):
        answer = sent(c, {question: "Text"}, at=at, **fields).answers.get()
        services_themes.answer_tag(theme=theme, answer=answer, by=by, now=now)
    outcome = services.outcome_save(
        consultation=c, by=None, what_we_heard="Heard", decision="Decided", points=[], decided_function=None
    )
    services.outcome_publish(outcome=outcome, by=None, now=now)
    return c


def test_the_feed_reads_the_outcomes_in_the_same_queries_for_2_or_6(client: Any, scene: SimpleNamespace) -> None:
    """Every entry's outcome and themes are read for the whole feed at once (two queries per entry with an
    outcome before): as many queries for six outcomes as for two, each entry with its own themes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def entries() -> tuple[int, dict[str, str]]:
        with CaptureQueriesContext(connection) as captured:
            body = client.get(reverse("engagement:consultation_feed")).content.decode()
        found = {e.split("<title>", 1)[1].split("</title>", 1)[0]: e for e in body.split("<entry>")[1:]}
        return len(captured), found

    for n in range(2):
        _published_with_a_theme(scene, n)
    few, _ = entries()
    for n in range(2, 6):
        _published_with_a_theme(scene, n)
    many, found = entries()
    assert few == many
    for n in range(6):
        assert f"Themes in the responses: Theme {n} (2 answers)." in found[f"Plan {n}"]
