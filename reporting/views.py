"""The PMO's pages: the consultations a user may report on (/pmo/), each one's summary, its typed answers, its
exports and the export log.

Access (permissions.py): anonymous people are sent to sign in; signed-in people who may see no summary get 403;
a consultation the user may not see is a 404, so guessing addresses reveals nothing. Every page works without
JavaScript: filters are a GET form, so a filtered summary's address can be shared.
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from engagement.questions import answer_label

from . import selectors
from .forms import FilterForm
from .models import ExportLog

View = Callable[..., HttpResponse]
ANSWERS_PER_PAGE = 25


def reports_required(view: View) -> View:
    """Signed in (else sent to sign in) and allowed some summary (else 403)."""
    return login_required(permission_required("reporting.view_reports", raise_exception=True)(view))


@require_safe
@reports_required
def index(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    consultations = list(selectors.reportable_consultations(user=request.user))
    rows = [(c, c.status_at(now=now), c.get_status_display_at(now=now)) for c in consultations]
    return render(
        request,
        "reporting/index.html",
        {"rows": rows, "can_read_log": request.user.has_perm("reporting.view_export_log")},
    )


def _filters(request: HttpRequest, consultation: Any) -> tuple[FilterForm, selectors.ReportFilters]:
    form = FilterForm(request.GET or None, consultation=consultation)
    if form.is_bound:
        form.is_valid()
    return form, form.filters()


@require_safe
@reports_required
def summary(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = selectors.consultation_get_reportable(user=request.user, slug=slug)
    form, filters = _filters(request, consultation)
    context = {
        "consultation": consultation,
        "form": form,
        "filters": filters,
        "summary": selectors.consultation_summary(consultation=consultation, filters=filters),
        "organisations": list(selectors.organisation_responses(consultation=consultation, filters=filters)),
        "equality": selectors.equality_summary(consultation=consultation),
        "now": timezone.now(),
        "answer_label": answer_label,
    }
    return render(request, "reporting/summary.html", context)


@require_safe
@reports_required
def question_answers(request: HttpRequest, slug: str, question: int) -> HttpResponse:
    consultation = selectors.consultation_get_reportable(user=request.user, slug=slug)
    found = consultation.questions.filter(pk=question).first()
    if found is None or not selectors.QuestionSummary(found).has_texts:
        raise Http404("That question has no typed answers to read.")
    form, filters = _filters(request, consultation)
    search = request.GET.get("q", "")[:200].replace("\x00", "")  # PostgreSQL text cannot hold NUL
    answers = selectors.question_texts(consultation=consultation, question=found, filters=filters, search=search)
    page = Paginator(answers, ANSWERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "consultation": consultation,
        "question": found,
        "form": form,
        "filters": filters,
        "search": search,
        "page": page,
        "highlighted": selectors.highlighted,
        "full_text": selectors.full_text_search_available(),
    }
    return render(request, "reporting/answers.html", context)


@require_safe
@login_required
@permission_required("reporting.view_export_log", raise_exception=True)
def export_log(request: HttpRequest) -> HttpResponse:
    page = Paginator(ExportLog.objects.select_related("consultation"), 50).get_page(request.GET.get("page"))
    return render(request, "reporting/export_log.html", {"page": page})
