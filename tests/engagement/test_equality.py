"""Equality answers are held from the equality page (tied to the draft) and released into the monitoring table in
shuffled batches, counting only responses that were sent."""

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from engagement.models import EqualityMonitoring, PendingEquality, Response
from engagement.services import equality
from engagement.services.suspected import response_release
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


def after_closing(survey: Any) -> datetime.datetime:
    return survey.closes_at + datetime.timedelta(days=30)


def suspect(responses: list[Response]) -> None:
    Response.objects.filter(pk__in=[r.pk for r in responses]).update(
        suspected_automated=True, suspected_at=timezone.now()
    )


@pytest.mark.parametrize("few", [1, 2, 3, 4])
def test_fewer_than_a_batch_are_never_released_after_closing_and_are_counted_as_left_out(few: int) -> None:
    """Released on their own, a few people's answers would show as the summary cells that went up by a few."""
    survey = respond_survey()
    hold(survey, AGES[:few])
    assert equality.equality_release(now=survey.opens_at + datetime.timedelta(seconds=1), batch=5) == 0
    assert equality.equality_release(now=after_closing(survey), batch=5) == 0
    assert not EqualityMonitoring.objects.exists()
    assert not PendingEquality.objects.exists()  # nothing more can join them: deleted, not kept
    survey.refresh_from_db()
    assert survey.equality_left_out == few
    assert equality.equality_release(now=after_closing(survey), batch=5) == 0
    survey.refresh_from_db()
    assert survey.equality_left_out == few  # counted once


def test_a_full_batch_after_closing_is_still_released() -> None:
    survey = respond_survey()
    hold(survey, [*AGES, "65_74"])
    assert equality.equality_release(now=after_closing(survey), batch=5) == 6
    survey.refresh_from_db()
    assert survey.equality_left_out == 0


def test_the_remainder_waits_during_the_late_period() -> None:
    survey = respond_survey()
    survey.late_grace = datetime.timedelta(days=2)
    survey.save()
    hold(survey, AGES[:2])
    assert equality.equality_release(now=survey.closes_at + datetime.timedelta(days=1), batch=5) == 0
    assert PendingEquality.objects.count() == 2
    survey.refresh_from_db()
    assert survey.equality_left_out == 0


def test_a_suspected_response_released_after_the_rest_is_not_released_alone() -> None:
    """The security review's attack: after closing, release one held response and read whose cells went up."""
    survey = respond_survey()
    hold(survey, [*AGES, "65_74"])
    (held,) = hold(survey, ["75_plus"])
    suspect([held])
    now = after_closing(survey)
    assert equality.equality_release(now=now, batch=5) == 6
    assert PendingEquality.objects.filter(response=held).exists()  # it still waits on a manager
    response_release(response=held, by=None, now=now)
    assert equality.equality_release(now=now, batch=5) == 0
    assert not EqualityMonitoring.objects.filter(age_band="75_plus").exists()
    assert not PendingEquality.objects.exists()
    survey.refresh_from_db()
    assert survey.equality_left_out == 1


def test_a_remainder_waits_for_held_suspected_responses_that_could_make_up_a_batch() -> None:
    survey = respond_survey()
    hold(survey, AGES[:3])
    suspected = hold(survey, AGES[3:])
    suspect(suspected)
    now = after_closing(survey)
    assert equality.equality_release(now=now, batch=5) == 0
    assert PendingEquality.objects.count() == 5  # not dropped: two more may yet count
    for response in suspected:
        response_release(response=response, by=None, now=now)
    assert equality.equality_release(now=now, batch=5) == 5
    survey.refresh_from_db()
    assert survey.equality_left_out == 0


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
    hold(survey, ["65_74", "75_plus"])
    after = survey.closes_at + datetime.timedelta(days=30)
    assert equality.equality_release(now=after, batch=5) == 5
    assert sorted(EqualityMonitoring.objects.values_list("age_band", flat=True)) == [*AGES[:3], "65_74", "75_plus"]
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
