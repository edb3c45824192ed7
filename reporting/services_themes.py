"""Writes for themes in free text: the codebook (create, change, merge, delete), tagging answers (one, every result
of a search, answers like one), untagging, and the model's suggestions (a background job, then a person's accept,
reject, merge or split). Nothing is tagged by the model: only `suggestion_accept` and `theme_suggestion_accept`,
called for a person, tag its suggestions.

Callers have already checked the person may see the consultation's report (views: selectors.
consultation_get_reportable; the job page: permissions.may_see_suggestion_job); every object passed here is checked
to belong to that consultation, so an id from another consultation changes nothing."""

import datetime
import hashlib
import logging
from collections.abc import Iterable
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from engagement.models import Answer, Consultation, Question
from ics_portal.celery import publish

from .models import AnswerEmbedding, Suggestion, SuggestionAnswer, SuggestionJob, Theme, ThemeSuggestion, ThemeTag
from .selectors import ReportFilters, question_texts, theme_answers_text
from .themes.vectors import vector_from_bytes, vector_to_bytes

logger = logging.getLogger(__name__)

NAME_NEEDED = "Enter a name for the theme"
NAME_TAKEN = "This consultation already has a theme with that name"
NOT_THIS_CONSULTATION = "That answer is not one of this consultation's typed answers"
WRONG_QUESTION = "That theme is for another question"
SAME_THEME = "Choose a different theme to merge into"
GONE = "That theme has already been deleted"
K_RANGE = "Choose between 2 and 30 suggestions"
NOT_OPEN = "That suggestion has already been decided"
TOO_FEW = "There are too few typed answers to this question to suggest themes (at least 4 are needed)"
FAILED_UNEXPECTEDLY = "The suggestions could not be made because of a problem on the server. Start again."
PROGRESS_EVERY = 256
MIN_ANSWERS = 4


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": NAME_NEEDED})
    if len(name) > 100:
        raise ValidationError({"name": "The name must be 100 characters or fewer"})
    return name


@transaction.atomic
def theme_create(
    *,
    consultation: Consultation,
    name: str,
    description: str = "",
    question: Question | None = None,
    by: Any,
    now: datetime.datetime,
) -> Theme:
    name = _clean_name(name)
    if question is not None and question.consultation_id != consultation.pk:
        raise ValidationError({"question": "That question is not in this consultation"})
    if Theme.objects.filter(consultation=consultation, name__iexact=name).exists():
        raise ValidationError({"name": NAME_TAKEN})
    try:
        with transaction.atomic():  # two people adding the same name at once: the database's constraint decides
            return Theme.objects.create(
                consultation=consultation,
                question=question,
                name=name,
                description=description.strip()[:2000],
                created_by=by,
                created_at=now,
            )
    except IntegrityError as error:
        raise ValidationError({"name": NAME_TAKEN}) from error


@transaction.atomic
def theme_update(*, theme: Theme, name: str, description: str, question: Question | None) -> Theme:
    """Rename or redescribe a theme, or change its question (only while its answers are all to that question)."""
    name = _clean_name(name)
    if Theme.objects.filter(consultation_id=theme.consultation_id, name__iexact=name).exclude(pk=theme.pk).exists():
        raise ValidationError({"name": NAME_TAKEN})
    if question is not None:
        if question.consultation_id != theme.consultation_id:
            raise ValidationError({"question": "That question is not in this consultation"})
        if theme.tags.exclude(answer__question=question).exists():
            raise ValidationError({"question": "Some of its answers are to other questions: leave it for any question"})
    theme.name, theme.description, theme.question = name, description.strip()[:2000], question
    try:
        with transaction.atomic():
            theme.save(update_fields=["name", "description", "question"])
    except IntegrityError as error:
        raise ValidationError({"name": NAME_TAKEN}) from error
    return theme


def _check_answers(theme: Theme, answers: Iterable[Answer]) -> list[Answer]:
    answers = list(answers)
    for answer in answers:
        if answer.response.consultation_id != theme.consultation_id:
            raise ValidationError(NOT_THIS_CONSULTATION)
        if theme.question_id is not None and answer.question_id != theme.question_id:
            raise ValidationError(WRONG_QUESTION)
    return answers


def _tag(theme: Theme, answers: list[Answer], *, by: Any, now: datetime.datetime, source: str) -> int:
    """Tag each answer not yet tagged with the theme; returns how many were new. Bulk, so a search's thousand
    results take a few queries; history rows are written for them too."""
    # Held until commit, so a theme deleted meanwhile (theme_delete locks it too) is a plain message, not a
    # foreign-key error at commit.
    if not Theme.objects.select_for_update(no_key=True).filter(pk=theme.pk).exists():
        raise ValidationError(GONE)
    already = set(ThemeTag.objects.filter(theme=theme, answer__in=answers).values_list("answer_id", flat=True))
    new = [
        ThemeTag(theme=theme, answer=a, tagged_by=by, tagged_at=now, source=source)
        for a in answers
        if a.pk not in already
    ]
    created = ThemeTag.objects.bulk_create(new, ignore_conflicts=True)
    if created:
        # bulk_create skips signals, so history is written for the rows that now exist.
        saved = list(ThemeTag.objects.filter(theme=theme, answer__in=[t.answer for t in new], tagged_at=now))
        ThemeTag.history.bulk_history_create(saved, default_user=by, default_date=now)
    return len(new)


@transaction.atomic
def answer_tag(*, theme: Theme, answer: Answer, by: Any, now: datetime.datetime) -> bool:
    """Tag one answer; False if it already had the theme."""
    return _tag(theme, _check_answers(theme, [answer]), by=by, now=now, source=ThemeTag.Source.ONE) == 1


@transaction.atomic
def answers_tag_search(
    *, theme: Theme, question: Question, filters: ReportFilters, search: str, by: Any, now: datetime.datetime
) -> int:
    """Tag every answer the answers page finds for this search and these filters (the same selector, so what
    the person saw is what is tagged). Returns how many were newly tagged."""
    if question.consultation_id != theme.consultation_id:
        raise ValidationError(NOT_THIS_CONSULTATION)
    if theme.question_id is not None and question.pk != theme.question_id:
        raise ValidationError(WRONG_QUESTION)
    answers = question_texts(consultation=theme.consultation, question=question, filters=filters, search=search)
    return _tag(theme, list(answers), by=by, now=now, source=ThemeTag.Source.SEARCH)


@transaction.atomic
def answers_tag_similar(*, theme: Theme, answers: list[Answer], by: Any, now: datetime.datetime) -> int:
    """Tag the answers a person ticked among "answers like this one"."""
    return _tag(theme, _check_answers(theme, answers), by=by, now=now, source=ThemeTag.Source.SIMILAR)


@transaction.atomic
def answer_untag(*, theme: Theme, answer: Answer, by: Any) -> bool:
    """Remove the theme from the answer; the history records who and when. False if it was not tagged."""
    tag = ThemeTag.objects.filter(theme=theme, answer=answer).first()
    if tag is None:
        return False
    tag._history_user = by  # type: ignore[attr-defined]  # simple-history's way outside a request
    tag.delete()
    return True


@transaction.atomic
def theme_merge(*, source: Theme, into: Theme, by: Any, now: datetime.datetime) -> int:
    """Move every answer of `source` to `into` (keeping who tagged it first and when), then delete `source`.
    Returns how many answers moved."""
    if source.pk == into.pk:
        raise ValidationError({"into": SAME_THEME})
    if source.consultation_id != into.consultation_id:
        raise ValidationError({"into": "That theme is not in this consultation"})
    if into.question_id is not None and source.question_id != into.question_id:
        raise ValidationError({"into": "Merge into a theme for the same question, or for every question"})
    tags = list(ThemeTag.objects.filter(theme=source).exclude(answer__in=into.tags.values("answer")))
    for tag in tags:
        tag.theme = into
    # A fixed number of queries however many answers move; the history records each move, who and when.
    ThemeTag.objects.filter(pk__in=[tag.pk for tag in tags]).update(theme=into)
    ThemeTag.history.bulk_history_create(tags, update=True, default_user=by, default_date=now)
    _untag_all(list(ThemeTag.objects.filter(theme=source)), by=by, now=now)  # duplicates of what `into` has
    Suggestion.objects.filter(theme=source).update(theme=into)
    source.delete()
    return len(tags)


def _untag_all(tags: list[ThemeTag], *, by: Any, now: datetime.datetime) -> int:
    """Delete these taggings, each recorded in their history as removed by `by` at `now`: two queries however
    many (simple-history's delete signal would write its rows one at a time, so the DELETE skips signals)."""
    history = ThemeTag.history.model
    history.objects.bulk_create(
        history(
            history_date=now,
            history_user=by,
            history_type="-",
            history_change_reason="",
            **{field.attname: getattr(tag, field.attname) for field in history.tracked_fields},
        )
        for tag in tags
    )
    return ThemeTag.objects.filter(pk__in=[tag.pk for tag in tags])._raw_delete(ThemeTag.objects.db)


@transaction.atomic
def theme_delete(*, theme: Theme, by: Any, now: datetime.datetime) -> int:
    """Delete a theme from the codebook with its taggings (the answers stay; each tagging's history says who
    removed it and when). A suggestion accepted under it stays accepted, without the theme; the model's guesses
    of it go. Returns how many answers lost it. A fixed number of queries, however many answers carried it."""
    locked = Theme.objects.select_for_update().filter(pk=theme.pk, consultation_id=theme.consultation_id).first()
    if locked is None:  # someone else deleted it a moment ago
        raise ValidationError(GONE)
    removed = _untag_all(list(ThemeTag.objects.filter(theme=locked)), by=by, now=now)
    locked.delete()
    return removed


# --- The model's suggestions ---
@transaction.atomic
def suggestion_job_start(
    *, consultation: Consultation, question: Question, k: int, by: Any, now: datetime.datetime, queue: bool = True
) -> SuggestionJob:
    """Queue a job for a worker (published after commit); `queue=False` for a caller that runs it itself."""
    if question.consultation_id != consultation.pk:
        raise ValidationError({"question": "That question is not in this consultation"})
    if not 2 <= k <= 30:
        raise ValidationError({"k": K_RANGE})
    total = question_texts(consultation=consultation, question=question, filters=ReportFilters()).count()
    if total < MIN_ANSWERS:
        raise ValidationError({"question": TOO_FEW})
    job = SuggestionJob.objects.create(
        consultation=consultation, question=question, user=by, k=k, progress_total=total, created_at=now
    )
    if queue:
        transaction.on_commit(lambda: _publish(job_id=job.pk))
    return job


def _publish(*, job_id: int) -> None:
    """After commit: hand the job to a worker. Never raises; the beat sweep runs a job whose task was lost."""
    from .tasks import run_suggestion_job

    try:
        publish(run_suggestion_job, kwargs={"job_id": job_id})
    except Exception:
        logger.warning("Could not queue theme suggestion job %s; the sweep will run it", job_id, exc_info=True)


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def answer_vectors(answers: list[Any], *, model: str, progress: Any = None) -> np.ndarray:
    """The vectors of answers annotated `text`: stored ones where the model and text match, the rest made now
    (and stored). `progress(done)` is called as they are made."""
    from .themes.model import DIMENSIONS, embedder

    stored = {
        e.answer_id: e
        for e in AnswerEmbedding.objects.filter(answer__in=[a.pk for a in answers], model=model).only(
            "answer_id", "text_sha256", "vector"
        )
    }
    vectors = np.zeros((len(answers), DIMENSIONS), dtype=np.float32)
    missing = []
    for i, answer in enumerate(answers):
        found = stored.get(answer.pk)
        if found is not None and found.text_sha256 == _text_hash(answer.text):
            vectors[i] = vector_from_bytes(found.vector)
        else:
            missing.append(i)
    done = len(answers) - len(missing)
    for start in range(0, len(missing), PROGRESS_EVERY):
        chunk = missing[start : start + PROGRESS_EVERY]
        made = embedder().embed([answers[i].text for i in chunk])
        for i, vector in zip(chunk, made, strict=True):
            vectors[i] = vector
        AnswerEmbedding.objects.bulk_create(
            [
                AnswerEmbedding(
                    answer_id=answers[i].pk,
                    model=model,
                    text_sha256=_text_hash(answers[i].text),
                    vector=vector_to_bytes(v),
                )
                for i, v in zip(chunk, made, strict=True)
            ],
            update_conflicts=True,
            unique_fields=["answer"],
            update_fields=["model", "text_sha256", "vector"],
        )
        done += len(chunk)
        if progress:
            progress(done)
    return vectors


def suggestion_job_run(*, job_id: int) -> str:
    """Embed the question's typed answers, cluster them into the job's k suggestions, and, if the codebook has
    tagged answers for this question, suggest the nearest theme for each untagged answer. Claimed by a
    conditional update, so a repeated task does nothing; returns what happened."""
    from .themes import clustering
    from .themes.model import model_version

    now = timezone.now()
    claimed = SuggestionJob.objects.filter(pk=job_id, status=SuggestionJob.Status.QUEUED).update(
        status=SuggestionJob.Status.RUNNING, started_at=now, updated_at=now
    )
    if not claimed:
        return "not_queued"
    job = SuggestionJob.objects.select_related("consultation", "question").get(pk=job_id)
    try:
        model = model_version()
        answers = list(question_texts(consultation=job.consultation, question=job.question, filters=ReportFilters()))
        SuggestionJob.objects.filter(pk=job_id).update(progress_total=len(answers), model=model)

        def progress(done: int) -> None:
            SuggestionJob.objects.filter(pk=job_id).update(progress_done=done, updated_at=timezone.now())

        vectors = answer_vectors(answers, model=model, progress=progress)
        texts: list[str] = [a.text for a in answers]  # type: ignore[attr-defined]  # question_texts annotates it
        clusters = clustering.cluster(texts, vectors, k=job.k)
        with transaction.atomic():
            for number, found in enumerate(clusters, start=1):
                suggestion = Suggestion.objects.create(
                    job=job,
                    number=number,
                    name=found.name[:100],
                    top_terms=found.top_terms,
                    count=len(found.members),
                    model=model,
                )
                SuggestionAnswer.objects.bulk_create(
                    SuggestionAnswer(suggestion=suggestion, answer_id=answers[i].pk, distance=d)
                    for i, d in zip(found.members, found.distances, strict=True)
                )
            _suggest_codebook_themes(job, answers, vectors, model)
            finished = timezone.now()
            SuggestionJob.objects.filter(pk=job_id).update(
                status=SuggestionJob.Status.DONE, progress_done=len(answers), finished_at=finished, updated_at=finished
            )
    except Exception:
        logger.exception("Theme suggestion job %s failed", job_id)
        finished = timezone.now()
        SuggestionJob.objects.filter(pk=job_id).update(
            status=SuggestionJob.Status.FAILED, error=FAILED_UNEXPECTEDLY, finished_at=finished, updated_at=finished
        )
        return "failed"
    return "done"


def _suggest_codebook_themes(job: SuggestionJob, answers: list[Any], vectors: np.ndarray, model: str) -> None:
    """Each codebook theme's centre is the mean vector of its tagged answers to this question; every untagged
    answer gets the nearest, with a confidence."""
    from .themes import clustering

    index = {a.pk: i for i, a in enumerate(answers)}
    tags = ThemeTag.objects.filter(
        theme__consultation=job.consultation, answer__question=job.question, answer__in=list(index)
    ).values_list("theme_id", "answer_id")
    by_theme: dict[int, list[int]] = {}
    tagged = set()
    for theme_id, answer_id in tags:
        by_theme.setdefault(theme_id, []).append(index[answer_id])
        tagged.add(answer_id)
    untagged = [i for i, a in enumerate(answers) if a.pk not in tagged]
    if not by_theme or not untagged:
        return
    theme_ids = sorted(by_theme)
    centroids = np.stack([vectors[by_theme[t]].mean(axis=0) for t in theme_ids])
    best, confidence = clustering.nearest_themes(vectors[untagged], centroids)
    ThemeSuggestion.objects.bulk_create(
        ThemeSuggestion(
            job=job,
            answer_id=answers[i].pk,
            theme_id=theme_ids[int(b)],
            confidence=float(min(1.0, max(0.0, c))),
            model=model,
        )
        for i, b, c in zip(untagged, best, confidence, strict=True)
    )


def suggestion_jobs_run_queued(*, now: datetime.datetime) -> int:
    """Beat, every minute: run jobs whose published task never came, and fail those a dead worker left."""
    stalled = SuggestionJob.objects.filter(
        status=SuggestionJob.Status.RUNNING, updated_at__lt=now - datetime.timedelta(minutes=15)
    )
    stalled.update(status=SuggestionJob.Status.FAILED, error=FAILED_UNEXPECTEDLY, finished_at=now, updated_at=now)
    waiting = SuggestionJob.objects.filter(
        status=SuggestionJob.Status.QUEUED, created_at__lt=now - datetime.timedelta(minutes=1)
    )
    return sum(suggestion_job_run(job_id=pk) != "not_queued" for pk in waiting.values_list("pk", flat=True))


def _open(suggestion: Suggestion) -> Suggestion:
    locked = Suggestion.objects.select_for_update().select_related("job").get(pk=suggestion.pk)
    if locked.status != Suggestion.Status.OPEN:
        raise ValidationError(NOT_OPEN)
    return locked


@transaction.atomic
def suggestion_accept(
    *, suggestion: Suggestion, name: str, description: str = "", by: Any, now: datetime.datetime
) -> Theme:
    """A person accepts a suggestion under a name: the theme is made (or, if the codebook has that name, reused)
    and the suggestion's answers are tagged with it."""
    suggestion = _open(suggestion)
    job = suggestion.job
    name = _clean_name(name)
    theme = Theme.objects.filter(consultation_id=job.consultation_id, name__iexact=name).first()
    if theme is None:
        theme = theme_create(
            consultation=job.consultation, question=job.question, name=name, description=description, by=by, now=now
        )
    answers = list(Answer.objects.filter(pk__in=suggestion.members.values("answer_id")).select_related("response"))
    _tag(theme, _check_answers(theme, answers), by=by, now=now, source=ThemeTag.Source.SUGGESTION)
    Suggestion.objects.filter(pk=suggestion.pk).update(
        status=Suggestion.Status.ACCEPTED, theme=theme, decided_by=by, decided_at=now
    )
    return theme


@transaction.atomic
def suggestion_reject(*, suggestion: Suggestion, by: Any, now: datetime.datetime) -> None:
    suggestion = _open(suggestion)
    Suggestion.objects.filter(pk=suggestion.pk).update(status=Suggestion.Status.REJECTED, decided_by=by, decided_at=now)


@transaction.atomic
def suggestion_merge(*, suggestion: Suggestion, into: Suggestion, by: Any, now: datetime.datetime) -> Suggestion:
    """Move a suggestion's answers into another open suggestion of the same job; the other's terms are remade."""
    suggestion, into = _open(suggestion), _open(into)
    if suggestion.pk == into.pk or suggestion.job_id != into.job_id:
        raise ValidationError({"into": "Choose another suggestion from the same list"})
    SuggestionAnswer.objects.filter(suggestion=suggestion).exclude(answer__in=into.members.values("answer")).update(
        suggestion=into
    )
    SuggestionAnswer.objects.filter(suggestion=suggestion).delete()
    Suggestion.objects.filter(pk=suggestion.pk).update(
        status=Suggestion.Status.MERGED, count=0, decided_by=by, decided_at=now
    )
    _renamed(into)
    return into


@transaction.atomic
def suggestion_split(*, suggestion: Suggestion, by: Any, now: datetime.datetime) -> list[Suggestion]:
    """Split an open suggestion in two with the stored vectors (no model run), as two new open suggestions."""
    suggestion = _open(suggestion)
    members = list(suggestion.members.order_by("pk"))
    if len(members) < 2:
        raise ValidationError("A suggestion with one answer cannot be split")
    from .themes import clustering

    # Only the suggestion's own model's vectors compare; an answer without one would be left on the split suggestion.
    vectors = {
        e.answer_id: vector_from_bytes(e.vector)
        for e in AnswerEmbedding.objects.filter(answer__in=[m.answer_id for m in members], model=suggestion.model)
    }
    missing = sum(1 for m in members if m.answer_id not in vectors)
    if missing:
        raise ValidationError(
            f"Suggestion {suggestion.number} cannot be split: {missing} of its {len(members)} answers "
            f"{'has' if missing == 1 else 'have'} no stored vector from the model that grouped them. "
            "Ask the model for suggestions again, then split the new suggestion."
        )
    matrix = np.stack([vectors[m.answer_id] for m in members])
    labels = clustering.split(matrix)
    if len(set(labels.tolist())) < 2:  # identical vectors: one group, which would only renumber the suggestion
        raise ValidationError(f"Suggestion {suggestion.number} cannot be split: its answers are all alike to the model")
    last = suggestion.job.suggestions.order_by("-number").values_list("number", flat=True).first() or 0
    made = []
    for part in (0, 1):
        chosen = [m for m, label in zip(members, labels, strict=True) if label == part]
        if not chosen:
            continue
        centre = matrix[labels == part].mean(axis=0)
        new = Suggestion.objects.create(
            job=suggestion.job, number=last + part + 1, name="", model=suggestion.model, count=len(chosen)
        )
        for m in chosen:
            m.suggestion, m.distance = new, float(np.linalg.norm(vectors[m.answer_id] - centre))
        # One UPDATE for the part, however many answers it has.
        SuggestionAnswer.objects.bulk_update(chosen, ["suggestion", "distance"])
        made.append(_renamed(new))
    Suggestion.objects.filter(pk=suggestion.pk).update(
        status=Suggestion.Status.SPLIT, count=0, decided_by=by, decided_at=now
    )
    return made


def _renamed(suggestion: Suggestion) -> Suggestion:
    """Recount a suggestion and remake its top terms against the job's other open suggestions."""
    from .themes import clustering

    job = suggestion.job
    rows = list(
        SuggestionAnswer.objects.filter(suggestion__job=job, suggestion__status=Suggestion.Status.OPEN).values_list(
            "suggestion_id", "answer_id"
        )
    )
    texts = dict(theme_answers_text(answer_ids=[a for _s, a in rows]))
    ids = sorted({s for s, _a in rows})
    labels = np.array([ids.index(s) for s, _a in rows])
    terms = clustering.top_terms([texts.get(a, "") for _s, a in rows], labels, len(ids))
    mine = terms[ids.index(suggestion.pk)] if suggestion.pk in ids else []
    count = sum(1 for s, _a in rows if s == suggestion.pk)
    name = clustering.suggested_name(mine)[:100]
    Suggestion.objects.filter(pk=suggestion.pk).update(top_terms=mine, name=name, count=count)
    suggestion.refresh_from_db()
    return suggestion


@transaction.atomic
def theme_suggestion_accept(*, theme_suggestion: ThemeSuggestion, by: Any, now: datetime.datetime) -> bool:
    answer = Answer.objects.select_related("response").get(pk=theme_suggestion.answer_id)
    theme = theme_suggestion.theme
    return _tag(theme, _check_answers(theme, [answer]), by=by, now=now, source=ThemeTag.Source.SUGGESTION) == 1
