"""The consultation vocabulary: published, open, forthcoming, closed and the listing order."""

import datetime

import pytest
from django.utils import timezone

from engagement.models import Consultation
from tests.engagement.factories import AreaFactory, ConsultationFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def now() -> datetime.datetime:
    return timezone.now()


def _make(area, now, slug, opens, closes, **kwargs):  # type: ignore[no-untyped-def]
    return ConsultationFactory(owner_area=area, slug=slug, opens_at=now + opens, closes_at=now + closes, **kwargs)


def test_states_and_listing_order(now: datetime.datetime) -> None:
    area = AreaFactory()
    open_late = _make(area, now, "open-late", -10 * DAY, 30 * DAY)
    open_soon = _make(area, now, "open-soon", -10 * DAY, 2 * DAY)
    forth_far = _make(area, now, "forth-far", 20 * DAY, 40 * DAY)
    forth_near = _make(area, now, "forth-near", 5 * DAY, 40 * DAY)
    closed_old = _make(area, now, "closed-old", -400 * DAY, -300 * DAY)
    closed_recent = _make(area, now, "closed-recent", -40 * DAY, -3 * DAY)
    draft = _make(area, now, "draft", -10 * DAY, 10 * DAY, is_published=False)

    assert set(Consultation.objects.published()) == {
        open_late, open_soon, forth_far, forth_near, closed_old, closed_recent
    }  # fmt: skip
    assert set(Consultation.objects.open(now=now)) == {open_late, open_soon}
    assert set(Consultation.objects.forthcoming(now=now)) == {forth_far, forth_near}
    assert set(Consultation.objects.closed(now=now)) == {closed_old, closed_recent}
    assert draft not in Consultation.objects.open(now=now)

    listing = list(Consultation.objects.for_listing(now=now))
    assert listing == [open_soon, open_late, forth_near, forth_far, closed_recent, closed_old]


def test_boundaries_use_the_given_now(now: datetime.datetime) -> None:
    area = AreaFactory()
    c = _make(area, now, "edge", -10 * DAY, DAY)
    assert list(Consultation.objects.open(now=c.closes_at)) == [c]
    after = c.closes_at + datetime.timedelta(microseconds=1)
    assert list(Consultation.objects.open(now=after)) == []
    assert list(Consultation.objects.closed(now=after)) == [c]
    assert list(Consultation.objects.forthcoming(now=c.opens_at - datetime.timedelta(microseconds=1))) == [c]
    # The queryset agrees with the model's own rule at each instant.
    for moment in (c.opens_at - datetime.timedelta(microseconds=1), c.opens_at, c.closes_at, after):
        in_open = Consultation.objects.open(now=moment).filter(pk=c.pk).exists()
        assert in_open == (c.status_at(now=moment) == Consultation.Status.OPEN)


def test_accepting_responses_includes_grace(now: datetime.datetime) -> None:
    area = AreaFactory()
    graced = _make(area, now, "graced", -10 * DAY, -DAY / 2, late_grace=DAY)
    ungraced = _make(area, now, "ungraced", -10 * DAY, -DAY / 2)
    expired = _make(area, now, "expired", -10 * DAY, -3 * DAY, late_grace=DAY)
    accepting = set(Consultation.objects.accepting_responses(now=now))
    assert graced in accepting
    assert ungraced not in accepting
    assert expired not in accepting
    assert graced.accepts_responses_at(now=now)
    assert not expired.accepts_responses_at(now=now)


def test_response_counts_count_sent_drafts_and_held_apart(now: datetime.datetime) -> None:
    from engagement.models import Response
    from tests.engagement.factories import QuestionFactory, ResponseFactory

    c, other = ConsultationFactory(), ConsultationFactory()
    QuestionFactory.create_batch(3, consultation=c)  # a join to questions must not multiply the counts
    sent = {"state": Response.State.SUBMITTED, "submitted_at": now}
    held = {"suspected_automated": True, "suspected_at": now}
    counted = ResponseFactory.create_batch(2, consultation=c, **sent)
    drafts = ResponseFactory.create_batch(4, consultation=c)
    held_sent = ResponseFactory(consultation=c, **sent, **held)
    ResponseFactory(consultation=c, **held)  # a held draft counts nowhere
    ResponseFactory(consultation=other, **sent)

    responses = Response.objects.filter(consultation=c)
    assert set(responses.counted()) == set(counted)
    assert set(responses.in_progress()) == set(drafts)
    assert set(responses.sent().suspected()) == {held_sent}
    from django.db.models import Count

    annotated = Consultation.objects.annotate(q=Count("questions")).with_response_counts().get(pk=c.pk)
    assert (annotated.q, annotated.sent_count, annotated.draft_count, annotated.suspected_count) == (3, 2, 4, 1)
    empty = Consultation.objects.with_response_counts().get(pk=ConsultationFactory().pk)
    assert (empty.sent_count, empty.draft_count, empty.suspected_count) == (0, 0, 0)


def test_late_count_counts_only_counted_late_responses():
    from engagement.models import Response
    from tests.engagement.factories import ResponseFactory

    now = timezone.now()
    c = ConsultationFactory()
    sent = {"state": Response.State.SUBMITTED, "submitted_at": now}
    ResponseFactory(consultation=c, **sent, is_late=True)
    ResponseFactory(consultation=c, **sent)
    ResponseFactory(consultation=c, **sent, is_late=True, suspected_automated=True, suspected_at=now)  # held
    ResponseFactory(consultation=c, is_late=True)  # a draft
    annotated = Consultation.objects.with_response_counts().get(pk=c.pk)
    assert (annotated.sent_count, annotated.late_count) == (2, 1)
