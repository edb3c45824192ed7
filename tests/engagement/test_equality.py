"""Equality answers are held from the equality page (tied to the draft) and released into the monitoring table in
shuffled batches, counting only responses that were sent."""

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from engagement.models import EqualityMonitoring, PendingEquality, Response
from engagement.services import equality
from ics_portal import celery_app
from tests.engagement.factories import ConsultationFactory, ResponseFactory, respond_survey

pytestmark = pytest.mark.django_db

AGES = ["16_24", "25_34", "35_44", "45_54", "55_64"]


def hold(survey: Any, ages: list[str], *, sent: bool = True) -> list[Response]:
    """One draft per age with its equality answers held; sent (as a submission would) unless told otherwise."""
    drafts = []
    for age in ages:
        response = ResponseFactory(consultation=survey)
        equality.equality_save(response=response, answers={"age_band": age, "carer": "yes", "unknown": "x"})
        if sent:
            Response.objects.filter(pk=response.pk).update(state="submitted", submitted_at=timezone.now())
        drafts.append(response)
    return drafts


def test_an_open_consultation_waits_for_a_full_batch() -> None:
    survey = respond_survey()
    now = timezone.now()
    hold(survey, AGES[:4])
    assert equality.equality_release(now=now, batch=5) == 0
    assert not EqualityMonitoring.objects.exists()
    hold(survey, AGES[4:])
    assert equality.equality_release(now=now, batch=5) == 5
    assert not PendingEquality.objects.exists()
    assert sorted(EqualityMonitoring.objects.values_list("age_band", flat=True)) == AGES
    assert set(EqualityMonitoring.objects.values_list("carer", flat=True)) == {"yes"}


def test_a_closed_consultation_releases_its_last_few() -> None:
    survey = respond_survey()
    hold(survey, AGES[:2])
    assert equality.equality_release(now=survey.opens_at + datetime.timedelta(seconds=1), batch=5) == 0
    assert equality.equality_release(now=survey.closes_at + datetime.timedelta(days=30), batch=5) == 2
    assert EqualityMonitoring.objects.filter(consultation=survey).count() == 2


def test_released_rows_are_written_in_the_shuffled_order(monkeypatch: Any) -> None:
    """The release writes rows in the order `shuffle` leaves them, not the order they were held."""
    survey = respond_survey()
    hold(survey, AGES)
    monkeypatch.setattr(equality, "shuffle", lambda rows: rows.reverse())
    equality.equality_release(now=timezone.now(), batch=5)
    assert list(EqualityMonitoring.objects.order_by("pk").values_list("age_band", flat=True)) == AGES[::-1]


def test_shuffle_moves_rows() -> None:
    rows = list(range(50))
    equality.shuffle(rows)
    assert sorted(rows) == list(range(50))
    assert rows != list(range(50))  # 1 chance in 50! of failing


def test_consultations_are_released_separately() -> None:
    first = respond_survey()
    second = ConsultationFactory(owner_area=first.owner_area, system=first.system, opens_at=first.opens_at)
    hold(first, AGES)
    hold(second, AGES[:1])
    assert equality.equality_release(now=timezone.now(), batch=5) == 5
    assert EqualityMonitoring.objects.filter(consultation=first).count() == 5
    assert PendingEquality.objects.filter(consultation=second).count() == 1


def test_drafts_never_sent_are_not_counted_and_are_dropped_at_closing() -> None:
    survey = respond_survey()
    hold(survey, AGES[:3])
    hold(survey, AGES[3:], sent=False)
    open_now = survey.opens_at + datetime.timedelta(seconds=1)
    assert equality.equality_release(now=open_now, batch=5) == 0  # 5 held, but only 3 sent: not a batch yet
    assert PendingEquality.objects.count() == 5
    after = survey.closes_at + datetime.timedelta(days=30)
    assert equality.equality_release(now=after, batch=5) == 3
    assert sorted(EqualityMonitoring.objects.values_list("age_band", flat=True)) == AGES[:3]
    assert not PendingEquality.objects.exists()


def test_saving_again_replaces_and_skipping_clears() -> None:
    survey = respond_survey()
    (response,) = hold(survey, ["16_24"], sent=False)
    equality.equality_save(response=response, answers={"age_band": "25_34"})
    assert PendingEquality.objects.get(response=response).answers["age_band"] == "25_34"
    equality.equality_save(response=response, answers={"age_band": ""})  # nothing given: nothing held
    assert not PendingEquality.objects.filter(response=response).exists()
    equality.equality_save(response=response, answers={"sex": "prefer_not_to_say"})
    equality.equality_clear(response=response)
    assert not PendingEquality.objects.filter(response=response).exists()


def test_answers_are_fixed_once_sent() -> None:
    survey = respond_survey()
    (response,) = hold(survey, ["16_24"])
    response.refresh_from_db()
    equality.equality_save(response=response, answers={"age_band": "25_34"})
    equality.equality_clear(response=response)
    assert PendingEquality.objects.get(response=response).answers["age_band"] == "16_24"


def test_nothing_given_is_nothing_held() -> None:
    assert not equality.equality_given(None)
    assert not equality.equality_given({"age_band": "", "sex": ""})
    assert equality.equality_given({"sex": "prefer_not_to_say"})


def test_release_is_scheduled() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["engagement-release-equality-answers"]
    celery_app.loader.import_default_modules()
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"] <= 3600


@pytest.mark.django_db(databases=[])
def test_the_summary_reports_every_equality_field_the_page_asks_and_the_service_holds() -> None:
    """Reporting's list carries titles and choices beside the names; a field added to one list and not the other
    would be asked and held but never reported, or reported as always empty."""
    from reporting.selectors import EQUALITY_FIELDS as REPORTED

    assert [name for name, _title, _choices in REPORTED] == list(equality.EQUALITY_FIELDS)
    for name, _title, choices in REPORTED:
        assert choices == list(EqualityMonitoring._meta.get_field(name).choices or []), name
