"""The per-worker cache of the consultation and questions a resident is answering (selectors/responses.py)."""

from typing import Any

import pytest

from engagement.models import Question
from engagement.selectors import responses as sel
from tests.engagement.factories import respond_survey

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: Any, settings: Any) -> Clock:
    settings.ENGAGEMENT_RESPONDING_CACHE_SECONDS = 1.0
    clock = Clock()
    monkeypatch.setattr(sel.time, "monotonic", clock)
    return clock


def test_an_edit_reaches_residents_within_the_cache_time(clock: Clock, django_assert_num_queries: Any) -> None:
    survey = respond_survey()
    first = sel.consultation_for_responding(slug=survey.slug)
    assert first is not None
    survey.title = "A new title"
    survey.save()
    clock.now += 0.5
    with django_assert_num_queries(0):
        assert sel.consultation_for_responding(slug=survey.slug).title == first.title  # type: ignore[union-attr]
    clock.now += 0.6
    assert sel.consultation_for_responding(slug=survey.slug).title == "A new title"  # type: ignore[union-attr]


def test_questions_are_reused_then_reloaded(clock: Clock, django_assert_num_queries: Any) -> None:
    survey = respond_survey()
    structure = sel.responding_structure(consultation=survey)
    count = len(structure.questions)
    assert [p.number for p in structure.pages] == [1, 2]
    Question.objects.create(consultation=survey, order=99, kind="short_text", text="One more")
    with django_assert_num_queries(0):
        assert len(sel.responding_structure(consultation=survey).questions) == count
    clock.now += 1.5
    assert len(sel.responding_structure(consultation=survey).questions) == count + 1


def test_off_when_zero(settings: Any, django_assert_num_queries: Any) -> None:
    settings.ENGAGEMENT_RESPONDING_CACHE_SECONDS = 0
    survey = respond_survey()
    sel.consultation_for_responding(slug=survey.slug)
    with django_assert_num_queries(1):
        sel.consultation_for_responding(slug=survey.slug)
    assert sel._responding_cache == {}


def test_unpublished_and_missing_slugs_are_not_found_and_the_cache_stays_bounded(clock: Clock) -> None:
    survey = respond_survey()
    survey.is_published = False
    survey.save()
    assert sel.consultation_for_responding(slug=survey.slug) is None
    for n in range(sel._RESPONDING_CACHE_MAX * 2):
        assert sel.consultation_for_responding(slug=f"missing-{n}") is None
    assert len(sel._responding_cache) <= sel._RESPONDING_CACHE_MAX
