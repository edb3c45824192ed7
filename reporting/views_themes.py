"""Themes pages, under /pmo/consultations/<slug>/themes/: the codebook (add, change, merge, delete, ask for
suggestions), tagging from the answers page (one answer, or every result of a search), the suggestion job's page
(progress that refreshes itself without JavaScript, then accept, reject, merge or split each suggestion, and the
model's theme for untagged answers), and "answers like this one".

Who may: whoever may see the consultation's summary (selectors.consultation_get_reportable, 404 otherwise); every id
in an address or a form is looked up within that consultation, so another borough's ids change nothing."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from engagement.models import Answer, Question
from engagement.questions import TEXT_KINDS, has_other
from ics_portal.forms import add_service_errors, message_service_errors

from . import selectors, services_themes
from .forms import AcceptForm, SuggestForm, ThemeChoiceForm, ThemeForm
from .models import Suggestion, Theme, ThemeSuggestion
from .views import BIGINT_MAX, REFRESH_SECONDS, _filters, reports_required

GUESSES_SHOWN = 50


def _text_questions(consultation: Any) -> list[Question]:
    return [q for q in selectors.report_questions(consultation=consultation) if q.kind in TEXT_KINDS or has_other(q)]


def _id(value: Any) -> int | None:
    """A positive id from a form or address, or None (so a tampered value is a plain 'not found')."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= BIGINT_MAX else None


def _theme(consultation: Any, value: Any) -> Theme:
    theme = Theme.objects.filter(consultation=consultation, pk=_id(value) or 0).first()
    if theme is None:
        raise Http404("No theme of this consultation has that number.")
    return theme


def _answer(consultation: Any, value: Any) -> Answer:
    answer = (
        Answer.objects.select_related("response", "question")
        .filter(pk=_id(value) or 0, response__consultation=consultation)
        .first()
    )
    if answer is None:
        raise Http404("No answer to this consultation has that number.")
    return answer


@require_http_methods(["GET", "HEAD", "POST"])
@reports_required
def codebook(request: HttpRequest, slug: str) -> HttpResponse:
    """The codebook: its themes with counts, a form to add one, merging, and asking the model for suggestions."""
    consultation = selectors.consultation_get_reportable(user=request.user, slug=slug)
    questions = _text_questions(consultation)
    form = ThemeForm(request.POST if request.method == "POST" else None, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            theme = services_themes.theme_create(
                consultation=consultation,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                question=form.questions.get(form.cleaned_data["question"] or 0),
                by=request.user,
                now=timezone.now(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Theme “{theme.name}” added.")
            return redirect("reporting:themes", consultation.slug)
    themes = selectors.themes_of(consultation=consultation, counts=True)
    context = {
        "consultation": consultation,
        "form": form,
        "themes": themes,
        "questions": questions,
        "suggest_form": SuggestForm(questions=questions, initial={"k": 8}, prefix="suggest"),
        "jobs": selectors.suggestion_jobs_of(consultation=consultation),
    }
    return render(request, "reporting/themes.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@reports_required
def theme_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    consultation = selectors.consultation_get_reportable(user=request.user, slug=slug)
    theme = _theme(consultation, pk)
    initial = {"name": theme.name, "description": theme.description, "question": theme.question_id}
    data = request.POST if request.method == "POST" else None
    form = ThemeForm(data, questions=_text_questions(consultation), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services_themes.theme_update(
                theme=theme,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                question=form.questions.get(form.cleaned_data["question"] or 0),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Theme “{theme.name}” saved.")
            return redirect("reporting:themes", consultation.slug)
    context = {"consultation": consultation, "theme": theme, "form": form}
    return render(request, "reporting/theme_edit.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@reports_required
def theme_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Asks first (GET); deletes only on POST. Whoever may change the theme may delete it."""
    consultation = selectors.consultation_get_reportable(user=request.user, slug=slug)
    theme = _theme(consultation, pk)
    if request.method == "POST":
        try:
            removed = services_themes.theme_delete(theme=theme, by=request.user, now=timezone.now())
        except ValidationError as error:
            message_service_errors(request, error)
        else:
            answers = f"{removed} answer{'' if removed == 1 else 's'}"
            messages.success(request, f"Theme “{theme.name}” deleted and removed from {answers}.")
        return redirect("reporting:themes", consultation.slug)
    context = {"consultation": consultation, "theme": theme, "answers": theme.tags.count()}
    return render(request, "reporting/theme_delete.html", context)


@require_POST
@reports_required
def theme_merge(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    consultation = selectors.consultation_get_reportable(user=request.user, slug=slug)
    source = _theme(consultation, pk)
    form = ThemeChoiceForm(request.POST, themes=selectors.themes_of(consultation=consultation))
    if not form.is_valid():
        messages.error(request, f"Choose a theme to merge “{source.name}” into")
    else:
        into = form.chosen()
        try:
            moved = services_themes.theme_merge(source=source, into=into, by=request.user, now=timezone.now())
        except ValidationError as error:
            message_service_errors(request, error)
        else:
            messages.success(request, f"“{source.name}” merged into “{into.name}”: {moved} answers moved.")
    return redirect("reporting:themes", consultation.slug)


@require_POST
@reports_required
def tag(request: HttpRequest, slug: str, question: int) -> HttpResponse:
    """Tag or untag one answer, or tag every answer the search found (`action`); back to the same page of
    answers, with the same search and filters."""
    consultation = selectors.consultation_get_reportable(user=request.user, slug=slug)
    found = consultation.questions.filter(pk=_id(question) or 0).first()
    if found is None:
        raise Http404("No question of this consultation has that number.")
    filter_form, filters = _filters(request, consultation)  # the page's filters travel in the address
    search = request.POST.get("q", "")[:200].replace("\x00", "")
    back = reverse("reporting:answers", args=[consultation.slug, found.pk])
    params = {**filters.query(), **({"q": search} if search else {})}
    if _id(request.POST.get("page")):
        params["page"] = request.POST["page"]
    back += f"?{urlencode(params)}" if params else ""
    action = request.POST.get("action", "")
    form = ThemeChoiceForm(request.POST, themes=selectors.themes_of(consultation=consultation, question=found))
    if not form.is_valid():
        messages.error(request, "Choose a theme from the list first")
        return redirect(back)
    theme, now = form.chosen(), timezone.now()
    try:
        if action == "search":
            if filter_form.errors:
                messages.error(request, "Put the filters right before tagging every result")
                return redirect(back)
            n = services_themes.answers_tag_search(
                theme=theme, question=found, filters=filters, search=search, by=request.user, now=now
            )
            messages.success(request, f"{n} more answer{'' if n == 1 else 's'} tagged “{theme.name}”.")
        elif action in ("tag", "untag"):
            answer = _answer(consultation, request.POST.get("answer"))
            if answer.question_id != found.pk:  # the page's question: a tampered form tags nothing elsewhere
                raise Http404("No answer to this question has that number.")
            if action == "tag":
                done = services_themes.answer_tag(theme=theme, answer=answer, by=request.user, now=now)
                messages.success(
                    request,
                    f"Answer {answer.response.reference} tagged “{theme.name}”."
                    if done
                    else f"Answer {answer.response.reference} already had “{theme.name}”.",
                )
            else:
                services_themes.answer_untag(theme=theme, answer=answer, by=request.user)
                messages.success(request, f"“{theme.name}” removed from answer {answer.response.reference}.")
        else:
            messages.error(request, "Choose to tag or untag")
    except ValidationError as error:
        message_service_errors(request, error)
    return redirect(back)


@require_POST
@reports_required
def suggest(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = selectors.consultation_get_reportable(user=request.user, slug=slug)
    form = SuggestForm(request.POST, questions=_text_questions(consultation), prefix="suggest")
    if form.is_valid():
        try:
            job = services_themes.suggestion_job_start(
                consultation=consultation,
                question=form.questions[form.cleaned_data["question"]],
                k=form.cleaned_data["k"],
                by=request.user,
                now=timezone.now(),
            )
        except ValidationError as error:
            message_service_errors(request, error)
        else:
            return redirect("reporting:suggestions", consultation.slug, job.pk)
    else:
        for texts in form.errors.values():
            messages.error(request, " ".join(str(text) for text in texts))
    return redirect("reporting:themes", consultation.slug)


@require_safe
@reports_required
def suggestions(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The job's page: progress (refreshing itself, as the export job's page does) until it is done; then the
    suggestions and the model's theme for untagged answers."""
    consultation = selectors.consultation_get_reportable(user=request.user, slug=slug)
    job = selectors.suggestion_job_get(consultation=consultation, pk=_id(pk) or 0)
    running = job.status in (job.Status.QUEUED, job.Status.RUNNING)
    refresh = running and request.GET.get("refresh") != "off"
    rows = selectors.suggestion_rows(job=job) if job.status == job.Status.DONE else []
    guesses = selectors.theme_guesses(job=job, limit=GUESSES_SHOWN)
    texts = dict(selectors.theme_answers_text(answer_ids=[g.answer_id for g in guesses]))
    context = {
        "consultation": consultation,
        "job": job,
        "refresh": refresh,
        "rows": rows,
        "open_rows": [s for s, _texts in rows if s.status == Suggestion.Status.OPEN],
        "guesses": [(g, texts.get(g.answer_id, "")) for g in guesses],
    }
    response = render(request, "reporting/suggestions.html", context)
    response["Cache-Control"] = "private, no-store"
    if refresh:
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


@require_POST
@reports_required
def suggestion_decide(request: HttpRequest, slug: str, pk: int, number: int) -> HttpResponse:
    """Accept (with a name), reject, merge into another, or split one suggestion; or accept the model's theme
    for an answer (`guess`)."""
    consultation = selectors.consultation_get_reportable(user=request.user, slug=slug)
    job = selectors.suggestion_job_get(consultation=consultation, pk=_id(pk) or 0)
    back = redirect("reporting:suggestions", consultation.slug, job.pk)
    now, by = timezone.now(), request.user
    action = request.POST.get("action", "")
    try:
        if action == "guess":
            guess = ThemeSuggestion.objects.filter(job=job, pk=_id(request.POST.get("guess")) or 0).first()
            if guess is None:
                raise Http404("No suggested theme of this job has that number.")
            services_themes.theme_suggestion_accept(theme_suggestion=guess, by=by, now=now)
            messages.success(request, f"Answer tagged “{guess.theme.name}”.")
            return back
        suggestion = job.suggestions.filter(number=_id(number) or 0).first()
        if suggestion is None:
            raise Http404("No suggestion of this job has that number.")
        if action == "accept":
            form = AcceptForm(request.POST)
            if not form.is_valid():
                messages.error(request, f"Enter a name for suggestion {number} to accept it")
                return back
            theme = services_themes.suggestion_accept(
                suggestion=suggestion, name=form.cleaned_data["name"], by=by, now=now
            )
            messages.success(
                request, f"Suggestion {number} accepted: {suggestion.count} answers tagged “{theme.name}”."
            )
        elif action == "reject":
            services_themes.suggestion_reject(suggestion=suggestion, by=by, now=now)
            messages.success(request, f"Suggestion {number} rejected; none of its answers were tagged.")
        elif action == "merge":
            into = job.suggestions.filter(number=_id(request.POST.get("into")) or 0).first()
            if into is None:
                messages.error(request, f"Choose a suggestion to merge suggestion {number} into")
                return back
            services_themes.suggestion_merge(suggestion=suggestion, into=into, by=by, now=now)
            messages.success(request, f"Suggestion {number} merged into suggestion {into.number}.")
        elif action == "split":
            made = services_themes.suggestion_split(suggestion=suggestion, by=by, now=now)
            messages.success(
                request, f"Suggestion {number} split into suggestions {' and '.join(str(s.number) for s in made)}."
            )
        else:
            messages.error(request, "Choose accept, reject, merge or split")
    except ValidationError as error:
        message_service_errors(request, error)
    return back


@require_http_methods(["GET", "HEAD", "POST"])
@reports_required
def similar(request: HttpRequest, slug: str, answer: int) -> HttpResponse:
    """Answers like this one (by the model's vectors), to tick and tag together."""
    consultation = selectors.consultation_get_reportable(user=request.user, slug=slug)
    found = _answer(consultation, answer)
    themes = selectors.themes_of(consultation=consultation, question=found.question)
    form = ThemeChoiceForm(request.POST if request.method == "POST" else None, themes=themes)
    like = selectors.similar_answers(answer=found)
    if request.method == "POST" and form.is_valid():
        allowed = {pk for pk, _s in like} | {found.pk}
        ticked = [pk for pk in (_id(v) for v in request.POST.getlist("answers")) if pk in allowed]
        if not ticked:
            form.add_error(None, "Tick at least one answer to tag")
        else:
            answers = list(Answer.objects.filter(pk__in=ticked).select_related("response"))
            theme = form.chosen()
            try:
                n = services_themes.answers_tag_similar(
                    theme=theme, answers=answers, by=request.user, now=timezone.now()
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, f"{n} answer{'' if n == 1 else 's'} tagged “{theme.name}”.")
                return redirect("reporting:similar", consultation.slug, found.pk)
    texts = dict(selectors.theme_answers_text(answer_ids=[found.pk, *[pk for pk, _s in like]]))
    refs = dict(Answer.objects.filter(pk__in=[pk for pk, _s in like]).values_list("pk", "response__reference"))
    tagged = selectors.answer_themes(answer_ids=[found.pk, *[pk for pk, _s in like]])
    context = {
        "consultation": consultation,
        "answer": found,
        "text": texts.get(found.pk, ""),
        "form": form,
        "themes": themes,
        "like": [(pk, texts.get(pk, ""), refs.get(pk, ""), score, tagged.get(pk, [])) for pk, score in like],
        "tagged": tagged.get(found.pk, []),
    }
    return render(request, "reporting/similar.html", context, status=400 if form.errors else 200)
