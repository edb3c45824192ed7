"""manage.py generate_responses: realistic synthetic responses, every question kind, never in production."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from engagement.models import Answer, EqualityMonitoring, Question, Response
from engagement.questions import answer_parts, question_choices
from tests.engagement.factories import respond_survey

pytestmark = pytest.mark.django_db


def generate(*args):
    out = io.StringIO()
    call_command("generate_responses", *args, stdout=out)
    return out.getvalue()


def test_generates_counted_responses_answering_every_kind_within_the_rules(db):
    survey = respond_survey()
    assert "Added 300 synthetic responses" in generate(survey.slug, "--count", "300", "--seed", "7")
    responses = Response.objects.counted().filter(consultation=survey)
    assert responses.count() == 300
    answered_kinds = set(Answer.objects.filter(response__consultation=survey).values_list("question__kind", flat=True))
    assert answered_kinds == set(Question.Kind.values)
    assert responses.filter(respondent_type="organisation").exists()
    assert responses.exclude(area=None).exists()
    assert EqualityMonitoring.objects.filter(consultation=survey).count() > 100
    now = timezone.now()
    assert not responses.filter(submitted_at__gt=now).exists()
    assert not responses.filter(submitted_at__lt=survey.opens_at).exists()

    q = survey.q
    for answer in Answer.objects.filter(question=q["multi"]):
        parts = answer_parts(answer.value)
        assert 1 <= len(parts) <= q["multi"].max_choices
        assert set(parts) <= {v for v, _ in question_choices(q["multi"])}
    # "Why?" is asked only after "Yes" (same page) and "Why option 1?" only after "Option 1" (next page).
    yes = set(Answer.objects.filter(question=q["yes"], value="yes").values_list("response_id", flat=True))
    assert set(Answer.objects.filter(question=q["detail"]).values_list("response_id", flat=True)) <= yes
    option1 = set(Answer.objects.filter(question=q["choice"], value="Option 1").values_list("response_id", flat=True))
    assert set(Answer.objects.filter(question=q["follow"]).values_list("response_id", flat=True)) <= option1
    assert Answer.objects.filter(question=q["choice"], value="__other__").exclude(other_text="").exists()


def test_the_same_seed_gives_the_same_answers(db):
    survey = respond_survey()
    generate(survey.slug, "--count", "40", "--seed", "3")
    first = sorted(map(str, Answer.objects.values_list("question_id", "value", "other_text")))
    Answer.objects.all().delete()
    Response.objects.all().delete()
    generate(survey.slug, "--count", "40", "--seed", "3")
    assert sorted(map(str, Answer.objects.values_list("question_id", "value", "other_text"))) == first


def test_refuses_with_production_settings(db, settings):
    survey = respond_survey()
    settings.SETTINGS_MODULE = "ics_portal.settings.production"
    with pytest.raises(CommandError, match="does not run with the production settings"):
        generate(survey.slug, "--count", "5")
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"), [(["--count", "0"], "--count must be"), (["--count", "5"], "No consultation")]
)
def test_refusals(db, args, message):
    with pytest.raises(CommandError, match=message):
        generate("nope", *args)
